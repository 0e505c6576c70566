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
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileDescriptor& operator=(FileDescriptor&&) = delete;
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
  // NOTE: JSON text holds no NUL byte, and a parser reading a C string would stop at one, taking
  // `{valid}\0{"zzz` as `{valid}`. Malformed, as what a crash leaves at a file's end can be zeros.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return {.value = Json(),
            .problem = JsonProblem{.message = fmt::format("malformed JSON (byte {}): a NUL byte "
                                                          "(byte offset {}); JSON text holds none",
                                                          nul + 1, nul),
                                   .malformed = true}};
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

namespace {

// `file` opened for reading: a regular file of at most `max_bytes` (by its size now).
// NOTE: opened non-blocking, so that a FIFO without a writer fails here at once instead of
// hanging open(); anything but a regular file (FIFO, device, socket) is then refused, since
// neither its size nor its end can be trusted.
FileDescriptor open_regular_file(const std::string& file, int64_t max_bytes) {
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) fail_file(file, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    fail_file(file, fmt::format("cannot stat: {}", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) fail_file(file, "is a directory, expected a JSON file");
  if (!S_ISREG(info.st_mode)) {
    fail_file(file, fmt::format("is a {}, not a regular file: give a JSON file",
                                S_ISFIFO(info.st_mode)   ? "FIFO (named pipe)"
                                : S_ISSOCK(info.st_mode) ? "socket"
                                                         : "device"));
  }
  if (info.st_size > max_bytes) fail_file(file, too_large(info.st_size, true, max_bytes, "this input"));
  return fd;
}

// Reads `file` in chunks, calling `chunk(bytes)` for each; fails past `max_bytes` in all.
// NOTE: /proc files report no size, and a file may grow while it is read.
void read_chunks(const std::string& file, const FileDescriptor& fd, int64_t max_bytes,
                 const std::function<void(std::string_view)>& chunk) {
  char buffer[1 << 16];
  int64_t total = 0;
  while (true) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_file(file, fmt::format("cannot read: {}", std::strerror(errno)));
    }
    total += got;
    if (total > max_bytes) fail_file(file, too_large(total, false, max_bytes, "this input"));
    chunk(std::string_view(buffer, static_cast<size_t>(got)));
  }
}

}  // namespace

std::string read_input_file(const std::string& file, int64_t max_bytes) {
  const FileDescriptor fd = open_regular_file(file, max_bytes);
  std::string text;
  read_chunks(file, fd, max_bytes, [&](std::string_view bytes) { text.append(bytes); });
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
  // NOTE: streamed: at most one line (kMaxJsonDocumentBytes) is held, and a longer line is
  // refused as soon as it passes the limit, before the rest of it is read.
  const FileDescriptor fd = open_regular_file(file, kMaxJsonLinesFileBytes);
  std::string content;
  int64_t line = 1;
  bool done = false;  // a truncated last line was skipped
  const auto finish_line = [&](bool terminated) {
    const std::string where = fmt::format("{}:{}", file, line);
    if (content.find_first_not_of(" \t\r") != std::string::npos) {
      ParsedJson<Json> parsed = try_parse_json<Json>(content);
      if (parsed.problem) {
        // NOTE: writers append whole lines ending in '\n', so the lines before an unterminated
        // malformed last line are intact.
        if (!terminated && parsed.problem->malformed) {
          warnings.push_back(one_line(
              fmt::format("{}: truncated last line skipped ({})", where, parsed.problem->message)));
          spdlog::warn("{}", warnings.back());
          done = true;
          return;
        }
        fail_file(where, parsed.problem->message);
      }
      fn(parsed.value, line, where);
    }
    content.clear();
    ++line;
  };
  const auto append = [&](std::string_view bytes) {
    if (static_cast<int64_t>(content.size() + bytes.size()) > kMaxJsonDocumentBytes) {
      fail_file(fmt::format("{}:{}", file, line),
                too_large(static_cast<int64_t>(content.size() + bytes.size()), false,
                          kMaxJsonDocumentBytes, "one JSON document"));
    }
    content.append(bytes);
  };
  read_chunks(file, fd, kMaxJsonLinesFileBytes, [&](std::string_view bytes) {
    while (!bytes.empty()) {
      const size_t newline = bytes.find('\n');
      append(bytes.substr(0, newline));
      if (newline == std::string_view::npos) return;
      finish_line(true);
      bytes.remove_prefix(newline + 1);
    }
  });
  if (!done && !content.empty()) finish_line(false);
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
