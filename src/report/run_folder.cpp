// Reading env.json and runs.jsonl of a sweep's run folder.
#include "report/run_folder.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <tuple>
#include <utility>

#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/legality_entry.hpp"
#include "core/results_schema.hpp"
#include "report/problem_fields.hpp"
#include "report/serving_fields.hpp"
#include "core/timing_mode.hpp"

namespace gemmtune::report {
namespace {

/// `name` as a RunKind or Disposition (`parse`: the core parser); else an input error listing
/// the valid names.
template <typename Enum, typename Parse>
[[nodiscard]] Enum enum_from_name(Parse parse, const std::vector<std::string>& valid_names,
                                  const std::string& name, const JsonAt& at) {
  if (const std::optional<Enum> value = parse(name)) return *value;
  std::string valid;
  for (const std::string& text : valid_names) valid += (valid.empty() ? "" : ", ") + text;
  at.fail("unknown value \"" + name + "\" (expected one of: " + valid + ")");
}

[[nodiscard]] RunKind run_kind_from_name(const std::string& name, const JsonAt& at) {
  return enum_from_name<RunKind>(parse_run_kind, run_kind_names(), name, at);
}

[[nodiscard]] Disposition disposition_from_name(const std::string& name, const JsonAt& at) {
  return enum_from_name<Disposition>(parse_disposition, disposition_names(), name, at);
}

constexpr std::string_view kEnvSchema = "gemmtune.env/1";
void check_schema(const Json& j, std::string_view expected, const JsonAt& at) {
  const std::string schema = require_string(j, "schema", at);
  if (schema != expected) {
    (at / "schema").fail("unsupported schema \"" + schema + "\" (expected \"" +
                         std::string(expected) + "\")");
  }
}

[[nodiscard]] Timing parse_timing(const Json& j, const JsonAt& at) {
  Timing t;
  t.mode = optional_string(j, "mode", at);
  t.median_us = require_number(j, "median_us", at);
  if (t.median_us <= 0.0) (at / "median_us").fail("must be positive");
  const std::optional<double> spread = optional_number(j, "spread_rel", at);
  const std::optional<double> p10 = optional_number(j, "p10_us", at);
  const std::optional<double> p90 = optional_number(j, "p90_us", at);
  if (spread) {
    t.spread_rel = *spread;
  } else if (p10 && p90) {
    t.spread_rel = (*p90 - *p10) / t.median_us;
  }
  if (t.spread_rel < 0.0) (at / "spread_rel").fail("must not be negative");
  t.samples = static_cast<int64_t>(optional_number(j, "samples", at).value_or(0.0));
  return t;
}

}  // namespace

RunEnv parse_env(const Json& j, const JsonAt& at) {
  check_schema(j, kEnvSchema, at);
  RunEnv env;
  env.raw = j;
  env.gpu_name = require_string(require_member(j, "gpu", at), "name", at / "gpu");
  const Json& versions = require_member(j, "versions", at);
  env.driver = require_version(versions, "driver", at / "versions");
  env.cuda_runtime = require_version(versions, "cuda_runtime", at / "versions");
  env.nvrtc = require_version(versions, "nvrtc", at / "versions");
  env.cublaslt = require_version(versions, "cublaslt", at / "versions");
  env.timing_mode = require_string(j, "timing_mode", at);
  if (!parse_timing_mode(env.timing_mode)) {
    std::string names;
    for (const std::string& name : timing_mode_names()) names += (names.empty() ? "" : ", ") + name;
    (at / "timing_mode").fail("expected one of " + names + ", found \"" + env.timing_mode + "\"");
  }
  if (j.contains("roofs") && !j.at("roofs").is_null()) {
    env.roofs = parse_roofs(j.at("roofs"), at / "roofs");
  }
  env.serving = env_serving(j, at);
  // NOTE: `raw` keeps the roofs as to_json writes them, so that an env read from an old file (no
  // source: the H200 constants) equals itself written and read again.
  env.raw["roofs"] = to_json(env.roofs);
  return env;
}

Json env_member(const Json& env, const char* object, const char* key) {
  if (!env.is_object() || !env.contains(object) || !env.at(object).is_object()) return Json();
  return env.at(object).value(key, Json());
}

std::string env_text(const Json& env, const char* object, const char* key) {
  const Json v = env_member(env, object, key);
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

std::string env_runoff_regime(const Json& env) {
  const Json timing = env.is_object() ? env.value("timing", Json()) : Json();
  const Json regime = timing.is_object() ? timing.value("runoff_regime", Json()) : Json();
  return regime.is_string() ? regime.get<std::string>() : to_string(RunoffRegime::kSustained);
}

Json to_json(const RunEnv& env) {
  Json j = env.raw.is_object() ? env.raw : Json::object();
  j["schema"] = kEnvSchema;
  j["gpu"]["name"] = env.gpu_name;
  j["versions"]["driver"] = env.driver;
  j["versions"]["cuda_runtime"] = env.cuda_runtime;
  j["versions"]["nvrtc"] = env.nvrtc;
  j["versions"]["cublaslt"] = env.cublaslt;
  j["timing_mode"] = env.timing_mode;
  j["roofs"] = to_json(env.roofs);
  write_env_serving(j, env.serving);
  return j;
}

RunClock parse_run_clock(const Json& j, const JsonAt& at) {
  RunClock c;
  if (!j.contains("clock") || !j.at("clock").is_object()) return c;
  const Json& clock = j.at("clock");
  c.sm_mhz = optional_number(clock, "sm_mhz", at / "clock").value_or(0.0);
  c.sample_median_mhz = optional_number(clock, "sample_median_mhz", at / "clock").value_or(0.0);
  c.sample_median_cycles =
      optional_number(clock, "sample_median_cycles", at / "clock").value_or(0.0);
  return c;
}

namespace {

/// A record's config is canonical, and legal for its problem when the record passed: only a
/// passed record can be chosen, re-timed or exported. A failed or skipped one documents what
/// happened to its config, which may be what made it fail (`check` skips the configs this GPU
/// cannot run; a side-by-side record with no passing config has none).
void check_record_config(const RunRecord& r, const std::string& path, const std::string& file) {
  if (!has_config(r.kind)) return;
  if (r.disposition == Disposition::kPassed) {
    static_cast<void>(require_recorded_config(r.config, {file, path}, r.problem));
  } else if (!r.config.empty()) {
    static_cast<void>(require_canonical_config(r.config, {file, path}));
  }
}

}  // namespace

RunRecord parse_run_record(const Json& j, const JsonAt& at) {
  const std::string schema = require_string(j, "schema", at);
  if (!is_run_schema(schema)) {
    (at / "schema").fail("unsupported schema \"" + schema + "\" (expected \"" +
                         std::string(kRunSchema) + "\" or \"" + std::string(kRunSchemaV1) + "\")");
  }
  RunRecord r;
  r.problem = parse_problem(require_member(j, "problem", at), at / "problem");
  if (schema == kRunSchemaV1 && r.problem.layout != GroupLayout::kNone) {
    (at / "problem" / "op").fail("a gemmtune.run/1 record is dense; grouped records are " +
                                 std::string(kRunSchema));
  }
  r.label = r.problem.label;
  r.shape = r.problem.shape();
  r.kind = run_kind_from_name(require_string(j, "kind", at), at / "kind");
  if (has_config(r.kind)) r.config = require_string(j, "config", at);
  if (r.kind != RunKind::kGemmtune && j.contains("algo") && !j.at("algo").is_null()) {
    if (!j.at("algo").is_object()) (at / "algo").fail("expected an object");
    r.algo = j.at("algo");
  }
  r.disposition =
      disposition_from_name(require_string(j, "disposition", at), at / "disposition");
  r.reason = optional_string(j, "reason", at);
  r.clock = parse_run_clock(j, at);
  check_record_config(r, (at / "config").path, at.file);
  if (r.disposition == Disposition::kPassed) {
    r.timing = parse_timing(require_member(j, "timing", at), at / "timing");
  }
  if (r.kind == RunKind::kSideBySide && j.contains("side_by_side")) {
    const Json& sbs = j.at("side_by_side");
    const JsonAt sat = at / "side_by_side";
    if (!sbs.is_object()) sat.fail("expected an object");
    for (const auto& [name, timing] : sbs.items()) {
      const RunKind kind = run_kind_from_name(name, sat / name);
      if (has_config(kind)) (sat / name).fail("not a cuBLASLt kind");
      r.side_by_side[kind] = parse_timing(timing, sat / name);
    }
  }
  if (r.kind == RunKind::kSideBySide && j.contains("runoff")) {
    const Json& runoff = j.at("runoff");
    const JsonAt rat = at / "runoff";
    if (!runoff.is_array()) rat.fail("expected an array");
    bool has_winner = false;
    for (std::size_t i = 0; i < runoff.size(); ++i) {
      const JsonAt cat = rat[i];
      if (!runoff[i].is_object()) cat.fail("expected an object");
      const std::string config = require_string(runoff[i], "config", cat);
      static_cast<void>(require_recorded_config(config, {cat.file, (cat / "config").path}, r.problem));
      has_winner = has_winner || config == r.config;
      r.runoff.emplace_back(config, parse_timing(runoff[i], cat));
    }
    if (!runoff.empty() && !has_winner) rat.fail("does not contain the record's config " + r.config);
  }
  return r;
}

std::vector<RunRecord> read_runs_jsonl(const std::filesystem::path& file,
                                       std::vector<std::string>& warnings) {
  std::vector<RunRecord> records;
  read_json_lines<Json>(file.string(), warnings,
                        [&](Json& j, int64_t line, const std::string& where) {
                          RunRecord record = parse_run_record(j, JsonAt{where});
                          record.line = line;
                          records.push_back(std::move(record));
                        });
  return records;
}

std::vector<Problem> shape_set_problems(const RunEnv& env) {
  const Json shapes = env.raw.is_object() ? env.raw.value("shapes", Json()) : Json();
  const Json listed = shapes.is_object() ? shapes.value("problems", Json()) : Json();
  std::vector<Problem> problems;
  if (!listed.is_array()) return problems;
  for (const Json& p : listed) {
    const auto text = [&](const char* key) {
      const Json v = p.is_object() ? p.value(key, Json()) : Json();
      return v.is_string() ? v.get<std::string>() : std::string();
    };
    const auto size = [&](const char* key) {
      const Json v = p.is_object() ? p.value(key, Json()) : Json();
      return v.is_number_integer() ? v.get<int64_t>() : int64_t{-1};
    };
    problems.push_back({.label = text("label"), .m = size("m"), .n = size("n"), .k = size("k")});
  }
  return problems;
}

std::vector<size_t> plan_order(const std::vector<Problem>& planned,
                               const std::vector<RunRecord>& runs) {
  using ShapeFields = std::tuple<std::string, int64_t, int64_t, int64_t>;  // label, m, n, k
  std::map<std::string, size_t> position;  // by problem_key(): a plan's own problems
  std::map<ShapeFields, size_t> position_by_fields;  // env.json's, grouped problems included
  for (size_t i = 0; i < planned.size(); ++i) {
    const Problem& p = planned[i];
    position.try_emplace(problem_key(p), i);
    position_by_fields.try_emplace({p.label, p.m, p.n, p.k}, i);
  }
  // NOTE: the rank of a problem is that of its first record, so that two records of one problem
  // never part; problems the plan does not list rank after all of it.
  std::map<std::string, size_t> rank_of_problem;
  size_t next = planned.size();
  std::vector<size_t> rank(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const Problem& p = runs[i].problem;
    const std::string key = problem_key(p);
    const auto [it, added] = rank_of_problem.try_emplace(key, 0);
    if (added) {
      const auto by_key = position.find(key);
      const auto by_fields = position_by_fields.find({p.label, p.m, p.n, p.k});
      it->second = by_key != position.end()              ? by_key->second
                   : by_fields != position_by_fields.end() ? by_fields->second
                                                           : next++;
    }
    rank[i] = it->second;
  }
  std::vector<size_t> order(runs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank[a] < rank[b]; });
  return order;
}

void sort_in_plan_order(std::vector<RunRecord>& runs, const std::vector<Problem>& planned) {
  std::vector<RunRecord> sorted;
  sorted.reserve(runs.size());
  for (const size_t i : plan_order(planned, runs)) sorted.push_back(std::move(runs[i]));
  runs = std::move(sorted);
}

RunFolder read_run_folder(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw_input_error(dir.string(), "$", "not a run folder (expected a directory)");
  }
  RunFolder folder;
  const std::string env_file = (dir / "env.json").string();
  folder.env = parse_env(read_json_file(env_file), JsonAt{env_file});
  folder.runs = read_runs_jsonl(dir / "runs.jsonl", folder.warnings);
  sort_in_plan_order(folder.runs, shape_set_problems(folder.env));
  return folder;
}

}  // namespace gemmtune::report
