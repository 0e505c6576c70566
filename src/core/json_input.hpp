#pragma once
/// Reading user-written JSON input files (shape sets, config spaces) with one-line diagnostics.
/// Every error is a gemmtune::Error(kExitUsage) whose message names the file, the JSON path (an
/// RFC 6901 pointer such as `/problems/3/m/2`, or `/` for the whole document) and the problem.
/// Unknown keys are warnings, never errors; nothing missing or mistyped is silently defaulted.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune {

/// A relative path that does not exist from the working directory but exists below the source
/// tree (GEMMTUNE_SOURCE_DIR) resolves there, so `configs/...` works from any build folder.
/// Any other path is returned unchanged, so that errors name what the user typed.
[[nodiscard]] std::string resolve_input_path(const std::string& path);

/// JSON pointer of member `key` below `path` (with RFC 6901 escaping of `~` and `/`).
[[nodiscard]] std::string json_child(const std::string& path, std::string_view key);
/// JSON pointer of element `index` below `path`.
[[nodiscard]] std::string json_child(const std::string& path, size_t index);

/// One element of a value read as a list, with its JSON path.
struct JsonItem {
  const nlohmann::json* value = nullptr;
  std::string path;
};

/// A parsed input file. The accessors take a value and its JSON path and throw input errors.
class JsonInput {
 public:
  /// Reads and parses `file`. Fails on a missing file, a directory, a read error, malformed JSON
  /// (naming line, column and byte offset) and a key repeated within one object.
  [[nodiscard]] static JsonInput read(const std::string& file);

  /// The file as named by the caller.
  [[nodiscard]] const std::string& file() const { return file_; }
  /// The parsed document.
  [[nodiscard]] const nlohmann::json& root() const { return root_; }

  /// Throws the input error `<file>: <path>: <problem>`.
  [[noreturn]] void fail(const std::string& path, const std::string& problem) const;
  /// Fails unless `value` is an object.
  void expect_object(const nlohmann::json& value, const std::string& path) const;
  /// Fails unless `value` is a non-empty array.
  void expect_array(const nlohmann::json& value, const std::string& path) const;
  /// Member `key` of `object` (at `path`); fails when it is missing.
  [[nodiscard]] const nlohmann::json& member(const nlohmann::json& object, const std::string& path,
                                             std::string_view key) const;
  /// Member `key` of `object`, or nullptr when it is absent.
  [[nodiscard]] static const nlohmann::json* optional_member(const nlohmann::json& object,
                                                             std::string_view key);
  /// An integer in int64 range; fails on strings, booleans, fractions and out-of-range numbers.
  [[nodiscard]] int64_t to_int64(const nlohmann::json& value, const std::string& path) const;
  /// A string; fails on any other type.
  [[nodiscard]] std::string to_string(const nlohmann::json& value, const std::string& path) const;
  /// A scalar as a list of one, or the elements of a non-empty array (which must be scalars).
  [[nodiscard]] std::vector<JsonItem> to_list(const nlohmann::json& value,
                                              const std::string& path) const;
  /// Logs a warning naming file and path for each member of `object` not in `known`.
  void warn_unknown_keys(const nlohmann::json& object, const std::string& path,
                         std::initializer_list<std::string_view> known) const;

 private:
  JsonInput(std::string file, nlohmann::json root)
      : file_(std::move(file)), root_(std::move(root)) {}

  std::string file_;
  nlohmann::json root_;
};

}  // namespace gemmtune
