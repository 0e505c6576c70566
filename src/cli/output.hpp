#pragma once
/// Where a subcommand's result text goes: stdout, or a file named by -o.
#include <cstdio>
#include <string>

#include "report/render.hpp"

namespace gemmtune::cli {

/// Writes `text` to `path`, or to stdout when `path` is empty.
inline void emit_output(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    report::write_text_file(path, text);
  }
}

}  // namespace gemmtune::cli
