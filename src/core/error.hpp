#pragma once
/// The one error type of gemmtune. Bugs and failed API calls throw it; expected outcomes
/// (a config that does not compile, fails validation, faults) are values, never exceptions.
#include <stdexcept>
#include <string>

#include "core/exit_codes.hpp"

namespace gemmtune {

/// An error that carries the exit code the CLI should return and a one-line message.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// `text` with control characters written as escapes (`\n`, `\x01`), so that a message quoting
/// user input (file names, JSON keys and strings) stays on one line.
[[nodiscard]] inline std::string one_line(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += {'\\', 'x', kHex[byte >> 4], kHex[byte & 15]};
    } else {
      out += c;
    }
  }
  return out;
}

/// Input error: message should name the file, the JSON path and the problem. It is made one line.
[[noreturn]] inline void throw_input_error(const std::string& file, const std::string& json_path,
                                           const std::string& problem) {
  throw Error(kExitUsage, one_line(file + ": " + json_path + ": " + problem));
}

}  // namespace gemmtune

/// Throws gemmtune::Error with file:line and the failing expression text when `cond` is false.
#define GT_CHECK(cond, code, msg)                                                              \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      throw ::gemmtune::Error((code), std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                                          ": check `" #cond "` failed: " + (msg));             \
    }                                                                                          \
  } while (0)
