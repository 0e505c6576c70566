#pragma once
/// Internal to core/json_parse.cpp: the SAX handler that builds a JSON value from nlohmann's
/// parser while refusing a key repeated within one object.
///
/// NOTE: why not nlohmann's own DOM builder: it inserts each object member through the object
/// type's operator[], and nlohmann::ordered_json's object is a vector searched linearly, so a
/// document with one object of n keys cost O(n^2) (80,000 keys: 4.4 s; a 64 MiB document could
/// hold millions). Here every key is looked up once in a per-object set, then appended: O(log n).
/// The handler also keeps no per-level copy of the JSON path (the path is assembled only for an
/// error), which made nested brackets quadratic before issue 15.
#include <fmt/format.h>

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/json_input.hpp"

namespace gemmtune::detail {

/// What stopped a parse: the problem and, for nlohmann's errors, its byte and exception id.
struct SaxStop {
  std::string message;
  size_t byte = 0;      ///< 1-based; 0 for a repeated key
  int nlohmann_id = 0;  ///< 1xx: malformed text; 406: number beyond the double range
};

/// Builds `Json` from SAX events; see the NOTE above.
template <typename Json>
class CheckedBuilder {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;
  using object_t = typename Json::object_t;

  explicit CheckedBuilder(Json& root) : root_(root) {}

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool value) { return add(Json(value)); }
  bool number_integer(number_integer_t value) { return add(Json(value)); }
  bool number_unsigned(number_unsigned_t value) { return add(Json(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) { return add(Json(value)); }
  bool string(string_t& value) { return add(Json(std::move(value))); }
  bool binary(binary_t& value) { return add(Json::binary(std::move(value))); }

  bool start_object(size_t /*elements*/) { return open(Json::object(), false); }
  bool start_array(size_t /*elements*/) { return open(Json::array(), true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(string_t& key) {
    Frame& frame = frames_.back();
    if (!frame.keys.insert(key).second) {
      frame.key = key;
      stop_ = SaxStop{
          .message = one_line(fmt::format("{}: duplicate key \"{}\" in one object", path(), key)),
          .byte = 0,
          .nlohmann_id = 0};
      return false;
    }
    object_t& object = *frame.value->template get_ptr<object_t*>();
    if constexpr (requires { typename object_t::Container; }) {
      // nlohmann::ordered_map: append to its vector; the key set above has ruled out a repeat.
      auto& members = static_cast<typename object_t::Container&>(object);
      member_ = &members.emplace_back(key, Json()).second;
    } else {
      member_ = &object.emplace_hint(object.end(), key, Json())->second;
    }
    frame.key = std::move(key);
    return true;
  }

  template <typename Exception>
  bool parse_error(size_t byte, const std::string& /*last_token*/, const Exception& error) {
    // NOTE: what() is "[json.exception.parse_error.N] parse error at line L, column C: ...".
    std::string detail = error.what();
    const size_t tag_end = detail.find("] ");
    if (tag_end != std::string::npos) detail = detail.substr(tag_end + 2);
    stop_ = SaxStop{.message = one_line(detail), .byte = byte, .nlohmann_id = error.id};
    return false;
  }

  /// Why the parse stopped; empty message when it did not.
  [[nodiscard]] const SaxStop& stop() const { return stop_; }

 private:
  struct Frame {
    Json* value = nullptr;
    bool is_array = false;
    size_t elements = 0;  // arrays: elements started so far; the open one is the last
    string_t key;         // objects: the key whose value is being read
    std::set<string_t> keys;
  };

  // NOTE: pointers stay valid: a container only grows while it is the innermost open one, and
  // an object member's slot is written before the next key is appended.
  Json* place(Json&& value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = frames_.back();
    if (frame.is_array) {
      ++frame.elements;
      auto& array = *frame.value->template get_ptr<typename Json::array_t*>();
      array.push_back(std::move(value));
      return &array.back();
    }
    *member_ = std::move(value);
    return member_;
  }

  bool add(Json&& value) {
    place(std::move(value));
    return true;
  }

  bool open(Json&& container, bool is_array) {
    Json* value = place(std::move(container));
    frames_.push_back({.value = value, .is_array = is_array, .elements = 0, .key = {}, .keys = {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  // The JSON pointer of the value being read, assembled only for an error message.
  [[nodiscard]] std::string path() const {
    std::string pointer;
    for (const Frame& frame : frames_) {
      pointer =
          frame.is_array ? json_child(pointer, frame.elements - 1) : json_child(pointer, frame.key);
    }
    return pointer;
  }

  Json& root_;
  std::vector<Frame> frames_;
  Json* member_ = nullptr;
  SaxStop stop_;
};

}  // namespace gemmtune::detail
