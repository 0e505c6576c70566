// Bytes to JSON under limits (core/json_input.hpp): file and line reading with size caps, a
// depth pre-scan, and nlohmann's parser driving a builder that refuses repeated keys
// (core/json_checked_builder.hpp). Every step is linear in the input, up to a log factor.
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <istream>

#include "core/error.hpp"
#include "core/json_checked_builder.hpp"
#include "core/json_input.hpp"

namespace gemmtune {
namespace {

[[noreturn]] void fail_file(const std::string& file, const std::string& problem) {
  throw Error(kExitUsage, one_line(fmt::format("{}: {}", file, problem)));
}

// "<what> is over the limit ..." for an input of `bytes` (or at least that many, when read
// from a stream whose size is not known in advance).
std::string too_large(int64_t bytes, bool exact, int64_t max_bytes, std::string_view what) {
  return fmt::format("{}{} bytes: over the limit of {} bytes ({} MiB) for {}",
                     exact ? "" : "at least ", bytes, max_bytes, max_bytes >> 20, what);
}

// Closes a POSIX file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// The byte offset (0-based) of the first '[' or '{' that opens level kMaxJsonDepth + 1, or
// nullopt. One pass, no allocation.
// NOTE: brackets inside strings do not count; the scan agrees with the parser on every valid
// prefix, and the parser stops at its first error, so it never goes deeper than the scan saw.
std::optional<size_t> first_too_deep_byte(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// A parse and, for malformed text, the 1-based byte where the parser stopped.
template <typename Json>
struct CheckedParse {
  ParsedJson<Json> parsed;
  size_t error_byte = 0;
};

template <typename Json>
CheckedParse<Json> parse_checked(std::string_view text) {
  Json root;
  detail::CheckedBuilder<Json> builder(root);
  if (Json::sax_parse(text, &builder)) return {.parsed = {.value = std::move(root), .problem = {}}};
  const detail::SaxStop& stop = builder.stop();
  // NOTE: nlohmann's exception ids: 1xx the text is not JSON; 406 a number beyond the double
  // range (1e400), which JSON allows and a double cannot hold.
  const bool malformed = stop.nlohmann_id / 100 == 1;
  std::string message = stop.message;
  if (malformed) {
    message = fmt::format("malformed JSON (byte {}): {}", stop.byte, stop.message);
  } else if (stop.nlohmann_id != 0) {
    message = fmt::format("number out of range (byte {}): {}", stop.byte, stop.message);
  }
  return {.parsed = {.value = Json(),
                     .problem = JsonProblem{.message = std::move(message), .malformed = malformed}},
          .error_byte = stop.byte};
}

}  // namespace

template <typename Json>
ParsedJson<Json> try_parse_json(std::string_view text) {
  if (static_cast<int64_t>(text.size()) > kMaxJsonDocumentBytes) {
    return {.value = Json(),
            .problem = JsonProblem{.message = too_large(static_cast<int64_t>(text.size()), true,
                                                        kMaxJsonDocumentBytes, "one JSON document"),
                                   .malformed = false}};
  }
  const std::optional<size_t> too_deep = first_too_deep_byte(text);
  if (!too_deep) return parse_checked<Json>(text).parsed;
  // A problem before the too-deep bracket comes first: parse the text up to it (at most
  // kMaxJsonDepth levels). A parser that ran out of text there found nothing earlier.
  CheckedParse<Json> prefix = parse_checked<Json>(text.substr(0, *too_deep));
  if (prefix.parsed.problem &&
      (!prefix.parsed.problem->malformed || prefix.error_byte <= *too_deep)) {
    return std::move(prefix.parsed);
  }
  return {.value = Json(),
          .problem = JsonProblem{
              .message = fmt::format("byte {}: arrays and objects nested deeper than {} levels "
                                     "(the limit for every gemmtune JSON input)",
                                     *too_deep + 1, kMaxJsonDepth),
              .malformed = false}};
}

template <typename Json>
Json parse_json(std::string_view text, const std::string& source) {
  ParsedJson<Json> parsed = try_parse_json<Json>(text);
  if (parsed.problem) fail_file(source, parsed.problem->message);
  return std::move(parsed.value);
}

std::string read_input_file(const std::string& file, int64_t max_bytes) {
  const FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_file(file, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    fail_file(file, fmt::format("cannot stat: {}", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) fail_file(file, "is a directory, expected a JSON file");
  if (S_ISREG(info.st_mode) && info.st_size > max_bytes) {
    fail_file(file, too_large(info.st_size, true, max_bytes, "this input"));
  }
  std::string text;
  if (S_ISREG(info.st_mode)) text.reserve(static_cast<size_t>(info.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_file(file, fmt::format("cannot read: {}", std::strerror(errno)));
    }
    text.append(buffer, static_cast<size_t>(got));
    // NOTE: pipes and /proc files report no size; a file may also grow while it is read.
    if (static_cast<int64_t>(text.size()) > max_bytes) {
      fail_file(file, too_large(static_cast<int64_t>(text.size()), false, max_bytes, "this input"));
    }
  }
  return text;
}

template <typename Json>
Json read_json_file(const std::string& file) {
  return parse_json<Json>(read_input_file(file), file);
}

template <typename Json>
void read_json_lines(
    const std::string& file, std::vector<std::string>& warnings,
    const std::function<void(Json& value, int64_t line_number, const std::string& where)>& fn) {
  const std::string text = read_input_file(file, kMaxJsonLinesFileBytes);
  size_t begin = 0;
  for (int64_t line = 1; begin < text.size(); ++line) {
    const size_t newline = text.find('\n', begin);
    const bool terminated = newline != std::string::npos;
    const std::string_view content =
        std::string_view(text).substr(begin, terminated ? newline - begin : std::string::npos);
    begin = terminated ? newline + 1 : text.size();
    if (content.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = fmt::format("{}:{}", file, line);
    ParsedJson<Json> parsed = try_parse_json<Json>(content);
    if (parsed.problem) {
      // NOTE: writers append whole lines ending in '\n', so the lines before an unterminated
      // malformed last line are intact.
      if (!terminated && parsed.problem->malformed) {
        warnings.push_back(one_line(
            fmt::format("{}: truncated last line skipped ({})", where, parsed.problem->message)));
        spdlog::warn("{}", warnings.back());
        break;
      }
      fail_file(where, parsed.problem->message);
    }
    fn(parsed.value, line, where);
  }
}

LineStatus read_bounded_line(std::istream& in, std::string& line, size_t max_bytes) {
  line.clear();
  bool too_long = false;
  bool any = false;
  char chunk[1 << 12];
  while (true) {
    // NOTE: getline() stops at '\n' (extracted, not stored: good() stays true), at the end of
    // input (eofbit) or with a full chunk (failbit alone: the line goes on).
    in.getline(chunk, sizeof(chunk));
    const auto got = static_cast<size_t>(in.gcount());
    const bool newline = in.good();
    const size_t stored = newline ? got - 1 : got;
    any = any || got > 0;
    if (!too_long && line.size() + stored > max_bytes) {
      too_long = true;
      std::string().swap(line);
    }
    if (!too_long) line.append(chunk, stored);
    if (newline) break;
    if (in.eof() || in.bad()) {
      if (!any) return LineStatus::kEnd;
      break;
    }
    in.clear();
  }
  return too_long ? LineStatus::kTooLong : LineStatus::kLine;
}

template ParsedJson<nlohmann::json> try_parse_json(std::string_view);
template ParsedJson<nlohmann::ordered_json> try_parse_json(std::string_view);
template nlohmann::json parse_json(std::string_view, const std::string&);
template nlohmann::ordered_json parse_json(std::string_view, const std::string&);
template nlohmann::json read_json_file(const std::string&);
template void read_json_lines(
    const std::string&, std::vector<std::string>&,
    const std::function<void(nlohmann::json&, int64_t, const std::string&)>&);
template void read_json_lines(
    const std::string&, std::vector<std::string>&,
    const std::function<void(nlohmann::ordered_json&, int64_t, const std::string&)>&);
template nlohmann::ordered_json read_json_file(const std::string&);

}  // namespace gemmtune
