#pragma once
/// Reading JSON input: the one place gemmtune turns bytes into JSON (shape sets, config spaces,
/// tuning tables, env.json, runs.jsonl lines, worker messages, cache metadata), with limits that
/// keep time and memory linear in the input's size, and one-line diagnostics.
/// Every error is a gemmtune::Error(kExitUsage) whose message names the file, then the JSON path
/// (an RFC 6901 pointer such as `/problems/3/m/2`, or `/` for the whole document) or the byte
/// offset, then the problem. Unknown keys are warnings, never errors; nothing missing or mistyped
/// is silently defaulted.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune {

/// Deepest nesting of arrays and objects accepted in any JSON input.
/// NOTE: the deepest document gemmtune reads is a tuning table (8 levels; shape sets 4, runs.jsonl
/// records 3, worker messages 4), so 64 is plenty. Refusing deeper input before a value is built
/// also keeps nlohmann's recursive dump, copy and compare off deep documents (stack overflow).
inline constexpr int kMaxJsonDepth = 64;
/// Largest JSON document read: a file, one line of runs.jsonl, one worker message.
/// NOTE: the largest shipped document is a 0.6 MB tuning table. A parsed list of small integers
/// takes ~10x its text, so this bounds one parse at well under 1 GB.
inline constexpr int64_t kMaxJsonDocumentBytes = int64_t{64} << 20;
/// Largest JSON Lines file read whole (runs.jsonl): each line is also one document.
/// NOTE: the exhaustive dsv3-quick sweep (89,928 records) wrote 71 MB.
inline constexpr int64_t kMaxJsonLinesFileBytes = int64_t{1} << 30;

/// Why a text was refused as JSON.
struct JsonProblem {
  /// One line without the source: `malformed JSON (byte 29): ...`, `byte 65: ...` or
  /// `/problems/1: duplicate key "n" in one object`.
  std::string message;
  /// The text is not JSON (a syntax error), as opposed to JSON refused by a limit or a repeated
  /// key: what a write cut short by a crash leaves behind.
  bool malformed = false;
};

/// What try_parse_json() made of a text: a value, or the problem that refused it.
template <typename Json>
struct ParsedJson {
  Json value;
  std::optional<JsonProblem> problem;
};

/// Parses `text` in time and memory linear in its size. Refuses a NUL byte (malformed, naming
/// its byte offset), a text over
/// kMaxJsonDocumentBytes, nesting deeper than kMaxJsonDepth (found by a pre-scan before any value
/// is built), malformed JSON (with line, column and byte) and a key repeated within one object
/// (which nlohmann would resolve silently). The first problem in the text is reported.
/// Instantiated for nlohmann::json and nlohmann::ordered_json.
template <typename Json>
[[nodiscard]] ParsedJson<Json> try_parse_json(std::string_view text);

/// try_parse_json(), throwing Error(kExitUsage) `<source>: <problem>` on a refused text.
template <typename Json>
[[nodiscard]] Json parse_json(std::string_view text, const std::string& source);

/// The bytes of `file`. Fails on a missing file, anything but a regular file (a directory, a FIFO,
/// a device, a socket: opened non-blocking, so that a FIFO without a writer fails at once), a
/// read error and a file over `max_bytes` (checked before reading, and again while reading files
/// whose size stat cannot tell), each as Error(kExitUsage) naming the file.
[[nodiscard]] std::string read_input_file(const std::string& file,
                                          int64_t max_bytes = kMaxJsonDocumentBytes);

/// parse_json() of read_input_file(): a whole JSON file, errors naming the file.
template <typename Json>
[[nodiscard]] Json read_json_file(const std::string& file);

/// Reads a JSON Lines file (a regular file of at most kMaxJsonLinesFileBytes; each line one
/// document, streamed: a line is refused as soon as it passes kMaxJsonDocumentBytes) and calls
/// `fn(value, line_number, where)` for each non-blank line in order, `where` being "FILE:LINE".
/// An unterminated malformed last line can only be a write cut short by a crash: it is skipped
/// with a warning (logged and appended to `warnings`). Any other refused line throws
/// Error(kExitUsage) `FILE:LINE: <problem>`.
template <typename Json>
void read_json_lines(const std::string& file, std::vector<std::string>& warnings,
                     const std::function<void(Json& value, int64_t line_number,
                                              const std::string& where)>& fn);

/// What read_bounded_line() found.
enum class LineStatus {
  kLine,     ///< a line, without its '\n' (the last line of the input may lack one)
  kTooLong,  ///< a line over the limit: consumed up to its '\n', `line` left empty
  kEnd,      ///< end of input
};

/// Reads one line of a line-oriented input (worker requests, JSON Lines) keeping at most
/// `max_bytes` of it in memory, so a line without end cannot exhaust memory.
[[nodiscard]] LineStatus read_bounded_line(std::istream& in, std::string& line,
                                           size_t max_bytes = kMaxJsonDocumentBytes);

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
  /// Reads and parses `file` (read_input_file(), then parse_json()).
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
