// Encoding and decoding of the worker protocol's lines (worker_protocol.hpp).
#include "sweep/worker_protocol.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/problem_json.hpp"
#include "report/problem_fields.hpp"
#include "core/timing_mode.hpp"

namespace gemmtune::sweep {
namespace {

using report::Json;

[[noreturn]] void bad_request(const std::string& problem) {
  throw Error(kExitUsage, one_line("worker request: " + problem));
}

/// Member `key` of a request object, or a usage error naming it.
const Json& request_member(const Json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) bad_request(std::string("missing \"") + key + "\"");
  return j.at(key);
}

/// Member `key` as an integer in [min_value, max_value].
int64_t request_int(const Json& j, const char* key, int64_t min_value = INT64_MIN,
                    int64_t max_value = INT64_MAX) {
  const Json& v = request_member(j, key);
  if (!v.is_number_integer()) bad_request(std::string("\"") + key + "\" is not an integer");
  // NOTE: an unsigned value above INT64_MAX would wrap in get<int64_t>(); a parsed non-negative
  // number is unsigned, so the lower bound applies to it too.
  const bool in_range =
      v.is_number_unsigned()
          ? v.get<uint64_t>() <= static_cast<uint64_t>(max_value) &&
                (min_value <= 0 || v.get<uint64_t>() >= static_cast<uint64_t>(min_value))
          : v.get<int64_t>() >= min_value && v.get<int64_t>() <= max_value;
  if (!in_range) {
    bad_request(std::string("\"") + key + "\" is out of range [" + std::to_string(min_value) +
                ", " + std::to_string(max_value) + "]");
  }
  return v.get<int64_t>();
}

std::string request_string(const Json& j, const char* key) {
  const Json& v = request_member(j, key);
  if (!v.is_string()) bad_request(std::string("\"") + key + "\" is not a string");
  return v.get<std::string>();
}

Json response_head(int64_t id) {
  Json j;
  j["schema"] = kWorkerResponseSchema;
  j["id"] = id;
  return j;
}

}  // namespace

std::optional<report::RunKind> run_kind_from_name(const std::string& name) {
  return report::parse_run_kind(name);
}

std::string encode_hello(int64_t id) {
  Json j;
  j["schema"] = kWorkerRequestSchema;
  j["id"] = id;
  j["op"] = "hello";
  return j.dump();
}

std::string encode_measure(const MeasureRequest& r) {
  Json j;
  j["schema"] = kWorkerRequestSchema;
  j["id"] = r.id;
  j["op"] = "measure";
  j["kind"] = report::to_string(r.kind);
  j["problem"] = problem_to_json<Json>(r.problem);
  if (report::has_config(r.kind)) j["config"] = r.config;
  if (r.kind == report::RunKind::kSideBySide) {
    j["algo"] = r.algo;
    if (!r.runoff.empty()) j["runoff"] = r.runoff;
  }
  j["timing"] = {{"mode", r.timing.mode}, {"warmup", r.timing.warmup}, {"iters", r.timing.iters},
                 {"runoff_regime", r.timing.runoff_regime},
                 {"runoff_rounds", r.timing.runoff_rounds},
                 {"runoff_confirm", r.timing.runoff_confirm}};
  j["seed"] = r.seed;
  return j.dump();
}

WorkerRequest decode_request(const std::string& line) {
  const ParsedJson<Json> parsed = try_parse_json<Json>(line);
  if (parsed.problem) bad_request(parsed.problem->message);
  const Json& j = parsed.value;
  if (!j.is_object()) bad_request("not a JSON object");
  if (request_string(j, "schema") != kWorkerRequestSchema) bad_request("unsupported schema");
  WorkerRequest request;
  request.id = request_int(j, "id");
  const std::string op = request_string(j, "op");
  if (op == "hello") {
    request.hello = true;
    return request;
  }
  if (op != "measure") bad_request("unknown op \"" + op + "\"");
  MeasureRequest m;
  m.id = request.id;
  const std::optional<report::RunKind> kind = run_kind_from_name(request_string(j, "kind"));
  if (!kind) bad_request("unknown kind \"" + request_string(j, "kind") + "\"");
  m.kind = *kind;
  try {
    m.problem = report::parse_problem(request_member(j, "problem"),
                                      report::JsonAt{"worker request", "$.problem"});
  } catch (const Error& e) {
    bad_request(e.what());
  }
  if (report::has_config(m.kind)) m.config = request_string(j, "config");
  if (m.kind == report::RunKind::kSideBySide && j.contains("algo")) {
    if (!j.at("algo").is_null() && !j.at("algo").is_object()) bad_request("\"algo\" is not an object");
    m.algo = j.at("algo");
  }
  if (m.kind == report::RunKind::kSideBySide && j.contains("runoff")) {
    const Json& runoff = j.at("runoff");
    if (!runoff.is_array()) bad_request("\"runoff\" is not an array");
    for (const Json& c : runoff) {
      if (!c.is_string()) bad_request("\"runoff\" holds a non-string");
      m.runoff.push_back(c.get<std::string>());
    }
  }
  const Json& timing = request_member(j, "timing");
  if (!timing.is_object()) bad_request("\"timing\" is not an object");
  m.timing = {.mode = request_string(timing, "mode"),
              .warmup = static_cast<int>(request_int(timing, "warmup", 0, INT_MAX)),
              .iters = static_cast<int>(request_int(timing, "iters", 1, INT_MAX))};
  if (!parse_timing_mode(m.timing.mode)) bad_request("unknown timing mode");
  if (timing.contains("runoff_regime")) {
    m.timing.runoff_regime = request_string(timing, "runoff_regime");
  }
  if (!parse_runoff_regime(m.timing.runoff_regime)) bad_request("unknown run-off regime");
  if (timing.contains("runoff_rounds")) {
    m.timing.runoff_rounds = static_cast<int>(request_int(timing, "runoff_rounds", 1, 64));
  }
  if (timing.contains("runoff_confirm")) {
    if (!timing.at("runoff_confirm").is_boolean()) bad_request("\"runoff_confirm\" is not a boolean");
    m.timing.runoff_confirm = timing.at("runoff_confirm").get<bool>();
  }
  const Json& seed = request_member(j, "seed");
  if (!seed.is_number_unsigned()) bad_request("\"seed\" is not a non-negative integer");
  m.seed = seed.get<uint64_t>();
  request.measure = std::move(m);
  return request;
}

std::string encode_record_response(int64_t id, const Json& record, bool restart,
                                   const RequestPhases& phases) {
  Json j = response_head(id);
  j["record"] = record;
  j["restart"] = restart;
  j["phases_s"] = {{"set_up", phases.set_up_s}, {"runoff", phases.runoff_s}};
  return j.dump();
}

std::string encode_environment_response(int64_t id, const Json& environment) {
  Json j = response_head(id);
  j["environment"] = environment;
  return j.dump();
}

std::string encode_error_response(int64_t id, const std::string& message, int exit_code) {
  Json j = response_head(id);
  j["error"] = one_line(message);
  j["exit_code"] = exit_code;
  return j.dump();
}

namespace {

/// A response's `phases_s`; a missing or malformed member (an older worker) counts as none, as
/// the breakdown is an account, not a result.
RequestPhases decode_phases(const Json& phases) {
  const auto seconds = [&](const char* key) {
    const Json value = phases.is_object() ? phases.value(key, Json()) : Json();
    return value.is_number() && value.get<double>() > 0.0 ? value.get<double>() : 0.0;
  };
  return {.set_up_s = seconds("set_up"), .runoff_s = seconds("runoff")};
}

}  // namespace

WorkerResponse decode_response(const std::string& line, int64_t expected_id) {
  WorkerResponse r;
  const ParsedJson<Json> parsed = try_parse_json<Json>(line);
  if (parsed.problem) {
    r.malformed = parsed.problem->message;
    return r;
  }
  const Json& j = parsed.value;
  if (!j.is_object() || j.value("schema", Json()) != kWorkerResponseSchema) {
    r.malformed = "not a gemmtune.worker_response/1 object";
  } else if (!j.contains("id") || !j.at("id").is_number_integer() ||
             j.at("id").get<int64_t>() != expected_id) {
    r.malformed = "answers another request (expected id " + std::to_string(expected_id) + ")";
  } else if (j.contains("error") && j.at("error").is_string()) {
    r.error = j.at("error").get<std::string>();
    const Json code = j.value("exit_code", Json());
    r.exit_code = code.is_number_integer() ? code.get<int>() : static_cast<int>(kExitCudaError);
  } else if (j.contains("record") && j.at("record").is_object()) {
    r.record = j.at("record");
    r.restart = j.value("restart", Json(false)) == Json(true);
    r.phases = decode_phases(j.value("phases_s", Json()));
  } else if (j.contains("environment") && j.at("environment").is_object()) {
    r.environment = j.at("environment");
  } else {
    r.malformed = "has none of \"record\", \"environment\", \"error\"";
  }
  return r;
}

std::string record_mismatch(const Json& record, const MeasureRequest& request) {
  report::RunRecord parsed;
  try {
    parsed = report::parse_run_record(record, report::JsonAt{"worker record"});
  } catch (const Error& e) {
    return e.what();
  }
  if (problem_key(parsed.problem) != problem_key(request.problem)) return "record is for another problem";
  if (parsed.kind != request.kind) return "record is of another kind";
  // A side-by-side record names the run-off winner: the requested config or one of the others.
  const bool runoff_winner =
      std::find(request.runoff.begin(), request.runoff.end(), parsed.config) != request.runoff.end();
  if (report::has_config(request.kind) && parsed.config != request.config && !runoff_winner) {
    return "record is for config " + parsed.config;
  }
  return "";
}

}  // namespace gemmtune::sweep
