#pragma once
/// The reference READMEs embedded into the binary (cmake/embed_files.cmake), so that an installed
/// `gemmtune` carries its manual: `gemmtune help [TOPIC]`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/embedded_file.hpp"

namespace gemmtune::cli {

/// Every embedded README, by its path relative to the repository root, sorted.
[[nodiscard]] const std::vector<EmbeddedFile>& embedded_readmes();

/// One help topic: a README and the name `gemmtune help` knows it by.
struct HelpTopic {
  std::string name;            ///< "overview" for README.md, else the README's folder name
  std::string_view path;       ///< e.g. "src/jit/README.md"
  std::string_view title;      ///< the README's first heading, without the '#'s
  std::string_view contents;
};

/// The topics of `files` (embedded_readmes() in the binary), sorted by name.
[[nodiscard]] std::vector<HelpTopic> help_topics(const std::vector<EmbeddedFile>& files);

/// The topic called `name` (case-sensitive), if any.
[[nodiscard]] std::optional<HelpTopic> find_help_topic(const std::vector<HelpTopic>& topics,
                                                       std::string_view name);

}  // namespace gemmtune::cli
