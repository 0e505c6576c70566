// Typed access to user-written JSON input (shape sets, config spaces): type and range errors,
// each reported as one line naming file, JSON path and problem. Parsing is json_parse.cpp's.
#include "core/json_input.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>

#include "core/error.hpp"

namespace gemmtune {
namespace {

using nlohmann::json;

// Short, single-line description of a JSON value for error messages.
std::string describe(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr size_t kMaxChars = 40;
  if (text.size() > kMaxChars) text = text.substr(0, kMaxChars) + "...";
  if (value.is_number()) return text;
  return fmt::format("{} {}", value.type_name(), text);
}

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
  return JsonInput(file, read_json_file<json>(file));
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
