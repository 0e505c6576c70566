#pragma once
/// A file embedded into the binary at build time (cmake/embed_files.cmake): the kernel headers
/// (jit/embedded_files.hpp) and the reference READMEs (cli/help_topics.hpp).
#include <string_view>

namespace gemmtune {

/// One embedded file.
struct EmbeddedFile {
  std::string_view name;      ///< path relative to the embedded folder, e.g. "gemmtune_params.h"
  std::string_view contents;  ///< exact file bytes; NOTE: contents.data() is NUL-terminated
};

}  // namespace gemmtune
