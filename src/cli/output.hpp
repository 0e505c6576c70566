#pragma once
/// Where a subcommand's result text goes: stdout, or a file named by -o; and the check that
/// everything written to stdout reached it.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/exit_codes.hpp"
#include "report/render.hpp"

namespace gemmtune::cli {

/// Throws Error(kExitIoError) with the OS reason when stdout cannot take what was written to it
/// (`> /dev/full`, a closed stdout): a result that did not arrive is not a success.
/// `earlier_error` is the errno of a write just made, for when the flush has nothing left to say.
inline void require_stdout_written(int earlier_error = 0) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno != 0 ? errno : earlier_error;
  if (flushed && !std::ferror(stdout)) return;
  throw Error(kExitIoError, std::string("cannot write standard output: ") +
                                (error != 0 ? std::strerror(error) : "write error"));
}

/// Writes `text` to `path` (atomically, core/atomic_file.hpp), or to stdout when `path` is empty;
/// a failed write throws Error(kExitIoError) with the OS reason.
inline void emit_output(const std::string& text, const std::string& path) {
  if (path.empty()) {
    errno = 0;
    std::fwrite(text.data(), 1, text.size(), stdout);
    require_stdout_written(errno);
  } else {
    report::write_text_file(path, text);
  }
}

}  // namespace gemmtune::cli
