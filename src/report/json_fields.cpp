// Typed JSON field access with file + JSON-path errors.
#include "report/json_fields.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/json_input.hpp"

namespace gemmtune::report {

void JsonAt::fail(const std::string& problem) const { throw_input_error(file, path, problem); }

const Json& require_member(const Json& j, const std::string& key,
                                     const JsonAt& at) {
  if (!j.is_object()) at.fail("expected an object, found " + std::string(j.type_name()));
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) (at / key).fail("missing");
  return *it;
}

std::string require_string(const Json& j, const std::string& key, const JsonAt& at) {
  const Json& v = require_member(j, key, at);
  if (!v.is_string()) (at / key).fail("expected a string, found " + std::string(v.type_name()));
  return v.get<std::string>();
}

std::string require_version(const Json& j, const std::string& key, const JsonAt& at) {
  const Json& v = require_member(j, key, at);
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (!v.is_string()) (at / key).fail("expected a version string, found " + std::string(v.type_name()));
  return v.get<std::string>();
}

double require_number(const Json& j, const std::string& key, const JsonAt& at) {
  const Json& v = require_member(j, key, at);
  if (!v.is_number()) (at / key).fail("expected a number, found " + std::string(v.type_name()));
  const double x = v.get<double>();
  if (!std::isfinite(x)) (at / key).fail("not a finite number");
  return x;
}

int64_t require_positive_int(const Json& j, const std::string& key, const JsonAt& at) {
  const Json& v = require_member(j, key, at);
  if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
    (at / key).fail("expected a positive integer, found " + v.dump());
  }
  return v.get<int64_t>();
}

std::optional<double> optional_number(const Json& j, const std::string& key,
                                      const JsonAt& at) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return require_number(j, key, at);
}

std::string optional_string(const Json& j, const std::string& key, const JsonAt& at,
                            const std::string& fallback) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
  return require_string(j, key, at);
}

Json read_json_file(const std::string& file) { return gemmtune::read_json_file<Json>(file); }

}  // namespace gemmtune::report
