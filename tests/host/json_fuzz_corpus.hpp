#pragma once
/// A corpus of hostile JSON documents, generated from a valid one: every prefix (truncation),
/// every value replaced by a huge number, a wrong type, a NaN-like string, a non-positive size or
/// deep nesting, every object given a repeated key; plus documents that are hostile whatever the
/// schema (empty, deep, huge, invalid bytes, trailing garbage).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace gemmtune::test {

/// Replacement values for every value of a document, as JSON text.
inline const std::vector<std::string>& hostile_values() {
  static const std::vector<std::string> values = {
      "99999999999999999999", "18446744073709551616", "-9223372036854775809",
      "9223372036854775807", "1e308", "-1", "0", "1.5", "1e3", "\"NaN\"", "\"inf\"", "\"64\"",
      "\"\"", "null", "true", "[]", "{}", "[[[[[[[[1]]]]]]]]", "{\"a\": {\"b\": {\"c\": []}}}",
      std::string(100, '[') + std::string(100, ']')};
  return values;
}

/// Documents hostile to any reader.
inline std::vector<std::string> schema_free_hostile_documents() {
  std::vector<std::string> docs = {
      "", " ", "\n", "null", "0", "-1", "\"x\"", "[]", "{}", "[1e400]", "{\"a\": -1e400}",
      "NaN", "[Infinity]", "{\"a\": 1} trailing", "{\"a\": 1}{\"a\": 1}",
      "{\"a\": \"unterminated", "{\"a\": \"\\ud800\"}", "{\"a\": \"\\u00\"}",
      std::string("{\"a\"\0: 1}", 9), "\xef\xbb\xbf{}",
      "{\"a\": \"\xff\xfe\"}", "{\"a\": 1, \"a\": 2}", "[{\"k\": [], \"k\": {}}]",
      "{\"name\": " + std::string(1000, '[') + "}",
      std::string(100 << 10, '['),
      std::string(20000, '{'),
  };
  std::string object_chain;
  for (int i = 0; i < 5000; ++i) object_chain += "{\"a\": ";
  docs.push_back(object_chain + "1" + std::string(5000, '}'));
  docs.push_back("{\"a\": \"" + std::string(1 << 20, 'x') + "\"}");
  std::string many_keys = "{";
  for (int i = 0; i < 20000; ++i) {
    many_keys += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  }
  many_keys.back() = '}';
  docs.push_back(many_keys);
  return docs;
}

namespace detail {

using Pointer = nlohmann::json_pointer<std::string>;

inline void collect_pointers(const nlohmann::ordered_json& value, const Pointer& at,
                             std::vector<Pointer>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& item : value.items()) collect_pointers(item.value(), at / item.key(), out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) collect_pointers(value[i], at / i, out);
  }
}

}  // namespace detail

/// Hostile variants of the valid document `valid` (one line of JSON): truncations at every
/// `prefix_stride`-th length, each value replaced by each of hostile_values(), each object with
/// its first key repeated.
inline std::vector<std::string> hostile_variants(const std::string& valid, size_t prefix_stride) {
  std::vector<std::string> docs;
  for (size_t length = 0; length < valid.size(); length += prefix_stride) {
    docs.push_back(valid.substr(0, length));
  }
  const nlohmann::ordered_json root = nlohmann::ordered_json::parse(valid);
  std::vector<detail::Pointer> pointers;
  detail::collect_pointers(root, detail::Pointer(), pointers);
  constexpr const char* kMarker = "\"@@gemmtune-fuzz@@\"";
  for (const auto& pointer : pointers) {
    nlohmann::ordered_json marked = root;
    marked[pointer] = "@@gemmtune-fuzz@@";
    const std::string text = marked.dump();
    const size_t at = text.find(kMarker);
    for (const std::string& value : hostile_values()) {
      docs.push_back(text.substr(0, at) + value + text.substr(at + std::string(kMarker).size()));
    }
    const nlohmann::ordered_json& target = root[pointer];
    if (target.is_object() && !target.empty()) {
      // The first key again, in front: `{"k": null, "k": ..., ...}`.
      const std::string key = nlohmann::ordered_json(target.begin().key()).dump();
      docs.push_back(text.substr(0, at) + "{" + key + ": null, " + target.dump().substr(1) +
                     text.substr(at + std::string(kMarker).size()));
    }
  }
  return docs;
}

}  // namespace gemmtune::test
