// Input-file reading for shape sets and config spaces: file errors, JSON syntax errors, duplicate
// keys and type errors, each reported as one line naming file, JSON path and problem.
#include "core/json_input.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.hpp"

namespace gemmtune {
namespace {

using nlohmann::json;

[[noreturn]] void fail_file(const std::string& file, const std::string& problem) {
  throw Error(kExitUsage, one_line(fmt::format("{}: {}", file, problem)));
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

std::string read_text_file(const std::string& file) {
  const FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_file(file, fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    fail_file(file, fmt::format("cannot stat: {}", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) fail_file(file, "is a directory, expected a JSON file");
  std::string text;
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_file(file, fmt::format("cannot read: {}", std::strerror(errno)));
    }
    text.append(buffer, static_cast<size_t>(got));
  }
  return text;
}

// Short, single-line description of a JSON value for error messages.
std::string describe(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr size_t kMaxChars = 40;
  if (text.size() > kMaxChars) text = text.substr(0, kMaxChars) + "...";
  if (value.is_number()) return text;
  return fmt::format("{} {}", value.type_name(), text);
}

// Tracks the JSON path during a callback parse to reject keys repeated within one object, which
// nlohmann::json would otherwise resolve silently by keeping the last.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string& file) : file_(file) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: {
        Frame frame;
        frame.is_array = event == json::parse_event_t::array_start;
        frame.path = frames_.empty() ? std::string() : next_child_path();
        frames_.push_back(std::move(frame));
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case json::parse_event_t::key: {
        Frame& frame = frames_.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second) {
          throw_input_error(file_, json_child(frame.path, frame.key),
                            fmt::format("duplicate key \"{}\" in one object", frame.key));
        }
        break;
      }
      case json::parse_event_t::value:
        if (!frames_.empty() && frames_.back().is_array) ++frames_.back().next_index;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array = false;
    std::string path;
    size_t next_index = 0;    // arrays: index of the next element
    std::string key;          // objects: the key whose value is being read
    std::set<std::string> keys;
  };

  std::string next_child_path() {
    Frame& parent = frames_.back();
    return parent.is_array ? json_child(parent.path, parent.next_index++)
                           : json_child(parent.path, parent.key);
  }

  const std::string& file_;
  std::vector<Frame> frames_;
};

}  // namespace

std::string resolve_input_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path, ec)) return path;
  const fs::path in_source = fs::path(GEMMTUNE_SOURCE_DIR) / path;
  return fs::exists(in_source, ec) ? in_source.string() : path;
}

std::string json_child(const std::string& path, std::string_view key) {
  std::string escaped;
  for (const char c : key) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return path + "/" + escaped;
}

std::string json_child(const std::string& path, size_t index) {
  return fmt::format("{}/{}", path, index);
}

JsonInput JsonInput::read(const std::string& file) {
  const std::string text = read_text_file(file);
  try {
    return JsonInput(file, json::parse(text, DuplicateKeyCheck(file)));
  } catch (const json::parse_error& e) {
    // NOTE: what() is "[json.exception.parse_error.N] parse error at line L, column C: ...".
    std::string detail = e.what();
    const size_t tag_end = detail.find("] ");
    if (tag_end != std::string::npos) detail = detail.substr(tag_end + 2);
    fail_file(file, fmt::format("malformed JSON (byte {}): {}", e.byte, detail));
  }
}

void JsonInput::fail(const std::string& path, const std::string& problem) const {
  throw_input_error(file_, path.empty() ? "/" : path, problem);
}

void JsonInput::expect_object(const json& value, const std::string& path) const {
  if (!value.is_object()) fail(path, fmt::format("expected an object, got {}", describe(value)));
}

void JsonInput::expect_array(const json& value, const std::string& path) const {
  if (!value.is_array()) fail(path, fmt::format("expected a list, got {}", describe(value)));
  if (value.empty()) fail(path, "empty list: give at least one value");
}

const json& JsonInput::member(const json& object, const std::string& path,
                              std::string_view key) const {
  const json* value = optional_member(object, key);
  if (value == nullptr) fail(path, fmt::format("missing required key \"{}\"", key));
  return *value;
}

const json* JsonInput::optional_member(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

int64_t JsonInput::to_int64(const json& value, const std::string& path) const {
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      fail(path, fmt::format("integer {} is out of the 64-bit signed range", describe(value)));
    }
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    // NOTE: nlohmann stores integers beyond the uint64 range as doubles, so a whole double of
    // magnitude >= 2^63 may have been written as a (too large) integer.
    const double number = value.get<double>();
    const bool whole = std::isfinite(number) && std::trunc(number) == number;
    if (whole && std::fabs(number) >= 0x1p63) {
      fail(path, fmt::format("number {} is out of the 64-bit signed integer range",
                             describe(value)));
    }
    fail(path, fmt::format("expected an integer, got {}{}", describe(value),
                           whole ? " (write integers without a decimal point or exponent)"
                                 : " (not a whole number)"));
  }
  fail(path, fmt::format("expected an integer, got {}", describe(value)));
}

std::string JsonInput::to_string(const json& value, const std::string& path) const {
  if (!value.is_string()) fail(path, fmt::format("expected a string, got {}", describe(value)));
  return value.get<std::string>();
}

std::vector<JsonItem> JsonInput::to_list(const json& value, const std::string& path) const {
  if (!value.is_array()) {
    if (value.is_object()) fail(path, "expected a value or a list of values, got an object");
    return {JsonItem{.value = &value, .path = path}};
  }
  expect_array(value, path);
  std::vector<JsonItem> items;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = json_child(path, i);
    if (value[i].is_array() || value[i].is_object()) {
      fail(item_path, fmt::format("expected a single value, got {}", describe(value[i])));
    }
    items.push_back({.value = &value[i], .path = item_path});
  }
  return items;
}

void JsonInput::warn_unknown_keys(const json& object, const std::string& path,
                                  std::initializer_list<std::string_view> known) const {
  for (const auto& item : object.items()) {
    bool is_known = false;
    for (const std::string_view name : known) is_known = is_known || item.key() == name;
    if (!is_known) {
      spdlog::warn("{}", one_line(fmt::format("{}: {}: unknown key ignored (known keys: {})",
                                              file_, json_child(path, item.key()),
                                              fmt::join(known, ", "))));
    }
  }
}

}  // namespace gemmtune
