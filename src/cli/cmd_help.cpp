// gemmtune help [TOPIC]: the reference READMEs, embedded at build time, printed on stdout.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/help_topics.hpp"
#include "core/error.hpp"
#include "core/exit_codes.hpp"

namespace gemmtune::cli {
namespace {

/// The topic list: one line each, name, README path and title.
std::string topic_list(const std::vector<HelpTopic>& topics) {
  std::string text = "gemmtune help TOPIC prints the reference of one part of gemmtune:\n";
  for (const HelpTopic& topic : topics) {
    text += "  " + topic.name + std::string(topic.name.size() < 10 ? 10 - topic.name.size() : 1, ' ') +
            std::string(topic.path) + ": " + std::string(topic.title) + "\n";
  }
  return text;
}

int run_help(const std::string& name) {
  const std::vector<HelpTopic> topics = help_topics(embedded_readmes());
  if (name.empty()) {
    std::fputs(topic_list(topics).c_str(), stdout);
    return kExitOk;
  }
  const std::optional<HelpTopic> topic = find_help_topic(topics, name);
  if (!topic) {
    std::string names;
    for (const HelpTopic& t : topics) names += (names.empty() ? "" : ", ") + t.name;
    throw Error(kExitUsage, "help: no topic '" + name + "' (topics: " + names + ")");
  }
  std::fwrite(topic->contents.data(), 1, topic->contents.size(), stdout);
  return kExitOk;
}

}  // namespace

void register_help(CLI::App& root, int& exit_code) {
  auto topic = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand(
      "help", "Print the reference manual of a part of gemmtune (kernels, configs, sweep, ...), "
              "embedded in the binary; without TOPIC, list the topics");
  cmd->add_option("TOPIC", *topic, "a topic name from `gemmtune help`");
  cmd->callback([topic, &exit_code] { exit_code = run_help(*topic); });
}

}  // namespace gemmtune::cli
