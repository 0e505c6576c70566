#pragma once
/// Validators for numeric flags whose CLI11 stock checks mislead: CLI::Range lets NaN through
/// (every comparison with it is false), and CLI::PositiveNumber names its range with the 309
/// digits of DBL_MAX. These say what the flag takes in a few words.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace gemmtune::cli {

/// A finite number in [lowest, highest].
[[nodiscard]] inline CLI::Validator finite_in(double lowest, double highest) {
  return CLI::Validator(
      [lowest, highest](std::string& text) -> std::string {
        double value = 0.0;
        if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value)) {
          return "'" + text + "' is not a finite number";
        }
        if (value < lowest || value > highest) {
          return "'" + text + "' is not in [" + CLI::detail::to_string(lowest) + ", " +
                 CLI::detail::to_string(highest) + "]";
        }
        return "";
      },
      "FINITE in [" + CLI::detail::to_string(lowest) + ", " + CLI::detail::to_string(highest) + "]");
}

/// A whole number in [lowest, highest] (GEMM sizes: 1 to 2^31-1).
[[nodiscard]] inline CLI::Validator integer_in(int64_t lowest, int64_t highest) {
  return CLI::Validator(
      [lowest, highest](std::string& text) -> std::string {
        int64_t value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return "'" + text + "' is not a whole number";
        if (value < lowest || value > highest) {
          return "'" + text + "' is not in [" + std::to_string(lowest) + ", " +
                 std::to_string(highest) + "]";
        }
        return "";
      },
      "INT in [" + std::to_string(lowest) + ", " + std::to_string(highest) + "]");
}

/// A comma-separated list of whole numbers in [lowest, highest] given to `flag`; an empty
/// element (`8192,,1`), which CLI11 would read as 0, is refused like any other bad one (exit 2).
[[nodiscard]] inline std::vector<int64_t> parse_integer_list(const std::string& flag,
                                                             const std::string& text,
                                                             int64_t lowest, int64_t highest) {
  std::vector<int64_t> values;
  const CLI::Validator check = integer_in(lowest, highest);
  size_t start = 0;
  while (start <= text.size()) {
    const size_t cut = std::min(text.find(',', start), text.size());
    std::string element = text.substr(start, cut - start);
    const std::string element_error =
        element.empty() ? std::string("empty") : check(element);
    if (!element_error.empty()) {
      throw Error(kExitUsage, one_line(flag + ": element " + std::to_string(values.size() + 1) +
                                       " of '" + text + "': " + element_error));
    }
    values.push_back(std::stoll(element));
    start = cut + 1;
  }
  return values;
}

}  // namespace gemmtune::cli
