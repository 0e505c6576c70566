// Help topics from the embedded READMEs: a topic is named after the README's folder.
#include "cli/help_topics.hpp"

#include <algorithm>
#include <filesystem>

namespace gemmtune::cli {
namespace {

/// "overview" for the top-level README, else the name of the folder holding it.
std::string topic_name(std::string_view path) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  return folder.empty() ? "overview" : folder.filename().string();
}

/// The text of the first Markdown heading of `contents` ("" when there is none).
std::string_view first_heading(std::string_view contents) {
  size_t line_start = 0;
  while (line_start < contents.size()) {
    const size_t line_end = std::min(contents.find('\n', line_start), contents.size());
    const std::string_view line = contents.substr(line_start, line_end - line_start);
    if (line.starts_with('#')) {
      const size_t text = line.find_first_not_of("# ");
      return text == std::string_view::npos ? std::string_view{} : line.substr(text);
    }
    line_start = line_end + 1;
  }
  return {};
}

}  // namespace

std::vector<HelpTopic> help_topics(const std::vector<EmbeddedFile>& files) {
  std::vector<HelpTopic> topics;
  topics.reserve(files.size());
  for (const EmbeddedFile& file : files) {
    topics.push_back({.name = topic_name(file.name),
                      .path = file.name,
                      .title = first_heading(file.contents),
                      .contents = file.contents});
  }
  std::sort(topics.begin(), topics.end(),
            [](const HelpTopic& a, const HelpTopic& b) { return a.name < b.name; });
  return topics;
}

std::optional<HelpTopic> find_help_topic(const std::vector<HelpTopic>& topics,
                                         std::string_view name) {
  const auto it = std::find_if(topics.begin(), topics.end(),
                               [&](const HelpTopic& t) { return t.name == name; });
  if (it == topics.end()) return std::nullopt;
  return *it;
}

}  // namespace gemmtune::cli
