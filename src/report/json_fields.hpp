#pragma once
/// Typed access to fields of input JSON with errors that name the file, the JSON path and the
/// problem (gemmtune::throw_input_error), e.g. `runs.jsonl:17: $.timing.median_us: missing`.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace gemmtune::report {

/// The JSON type of every report input and output: keeps members in file order, so written
/// files read in schema order and env.json is copied verbatim.
using Json = nlohmann::ordered_json;

/// Where a JSON value came from: a file (optionally with :line) and its JSON path, `$.a.b[2]`.
struct JsonAt {
  std::string file;
  std::string path = "$";

  /// The location of member `key` of this object.
  [[nodiscard]] JsonAt operator/(const std::string& key) const { return {file, path + "." + key}; }
  /// The location of element `index` of this array.
  [[nodiscard]] JsonAt operator[](std::size_t index) const {
    return {file, path + "[" + std::to_string(index) + "]"};
  }
  /// Throws the input error `file: path: problem`.
  [[noreturn]] void fail(const std::string& problem) const;
};

/// Member `key` of object `j`; throws when `j` is not an object or the member is missing or null.
[[nodiscard]] const Json& require_member(const Json& j, const std::string& key,
                                                   const JsonAt& at);
/// Member `key` as a string.
[[nodiscard]] std::string require_string(const Json& j, const std::string& key,
                                         const JsonAt& at);
/// Member `key` as a string; integers are accepted and printed (version numbers).
[[nodiscard]] std::string require_version(const Json& j, const std::string& key,
                                          const JsonAt& at);
/// Member `key` as a finite number.
[[nodiscard]] double require_number(const Json& j, const std::string& key,
                                    const JsonAt& at);
/// Member `key` as a positive integer.
[[nodiscard]] int64_t require_positive_int(const Json& j, const std::string& key,
                                           const JsonAt& at);
/// Member `key` as a finite number, nullopt when absent or null.
[[nodiscard]] std::optional<double> optional_number(const Json& j,
                                                    const std::string& key, const JsonAt& at);
/// Member `key` as a string, `fallback` when absent or null.
[[nodiscard]] std::string optional_string(const Json& j, const std::string& key,
                                          const JsonAt& at, const std::string& fallback = "");

/// Parses a whole JSON file under the input limits of core/json_input.hpp; a missing, oversized
/// or bad file throws an input error naming the file.
[[nodiscard]] Json read_json_file(const std::string& file);

}  // namespace gemmtune::report
