// tuning_table.json: writing (with derived fields) and reading (with file + JSON-path errors).
#include <set>

#include "core/legality_entry.hpp"
#include "core/timing_mode.hpp"
#include "core/results_schema.hpp"
#include "report/problem_fields.hpp"
#include "report/serving_fields.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::report {
namespace {

[[nodiscard]] Json baseline_json(const GemmShape& shape, const BaselineResult& b) {
  Json j = {{"median_us", b.median_us},
                      {"spread_rel", b.spread_rel},
                      {"tflops", gemm_tflops(shape, b.median_us)},
                      {"gbps", gemm_gbps(shape, b.median_us)}};
  if (!b.algo.is_null()) j["algo"] = b.algo;
  return j;
}

[[nodiscard]] Json entry_json(const TableProblem& p, const TableEntry& e) {
  const GemmShape shape = shape_of(p, e);
  Json j = {{"m", e.m}};
  if (p.layout != GroupLayout::kNone) {
    j["group_m"] = e.group_m;
    if (p.layout == GroupLayout::kMasked) j["max_m"] = e.max_m;
  }
  j["config"] = nullptr;
  j["timing_mode"] = e.timing_mode;
  Json baselines = Json::object();
  Json speedups = Json::object();
  for (const RunKind kind : baseline_kinds(p.layout)) {
    const std::string name(to_string(kind));
    const auto it = e.baselines.find(kind);
    baselines[name] = it == e.baselines.end() ? Json() : baseline_json(shape, it->second);
    const std::optional<double> s = speedup(e, kind);
    speedups["vs_" + name] = s ? Json(*s) : Json();
  }
  if (e.config) {
    j["config"] = *e.config;
    j["selected_by"] = e.selected_by;
    j["median_us"] = e.median_us;
    j["spread_rel"] = e.spread_rel;
    j["tflops"] = gemm_tflops(shape, e.median_us);
    j["gbps"] = gemm_gbps(shape, e.median_us);
  } else {
    j["reason"] = e.reason;
  }
  // NOTE: the stream floor (sweep --stream-floor) is no cuBLASLt baseline: a field of its own, so
  // that "baselines" keeps its kinds; present only where the sweep measured it.
  if (const auto floor = e.baselines.find(RunKind::kStreamFloor); floor != e.baselines.end()) {
    j["stream_floor"] = baseline_json(shape, floor->second);
    const std::optional<double> s = speedup(e, RunKind::kStreamFloor);
    speedups["vs_stream_floor"] = s ? Json(*s) : Json();
  }
  j["dispositions"] = e.dispositions;
  j["baselines"] = std::move(baselines);
  if (e.side_by_side) {
    Json side = {{"median_us", e.side_by_side->median_us}};
    for (const auto& [kind, us] : e.side_by_side->baseline_us) side[std::string(to_string(kind)) + "_us"] = us;
    if (!e.side_by_side->runoff_us.empty()) {
      Json runoff = Json::array();
      for (const auto& [config, us] : e.side_by_side->runoff_us) {
        runoff.push_back({{"config", config}, {"median_us", us}});
      }
      side["runoff"] = std::move(runoff);
    }
    j["side_by_side"] = std::move(side);
  }
  j["speedup"] = std::move(speedups);
  j["reproduce"] = e.config ? Json(reproduce_command(p, e)) : Json();
  return j;
}

[[nodiscard]] TableEntry parse_entry(const TableProblem& p, const Json& j, const JsonAt& at) {
  TableEntry e;
  e.m = require_positive_int(j, "m", at);
  if (p.layout != GroupLayout::kNone) {
    e.group_m = parse_group_sizes(require_member(j, "group_m", at), at / "group_m");
    if (static_cast<int64_t>(e.group_m.size()) != p.groups) {
      (at / "group_m").fail(std::to_string(e.group_m.size()) + " groups in a problem of G " +
                            std::to_string(p.groups));
    }
    if (p.layout == GroupLayout::kMasked) e.max_m = require_positive_int(j, "max_m", at);
    // The rows that carry results must agree with the groups' (Problem::useful_rows).
    const Problem q = problem_of(p, e);
    if (q.useful_rows() != e.m) {
      (at / "m").fail("the groups hold " + std::to_string(q.useful_rows()) + " rows, m says " +
                      std::to_string(e.m));
    }
    for (const int64_t rows : e.group_m) {
      if (p.layout == GroupLayout::kMasked && rows > e.max_m) {
        (at / "group_m").fail("rows " + std::to_string(rows) + " > max_m " + std::to_string(e.max_m));
      }
    }
  }
  e.timing_mode = require_string(j, "timing_mode", at);
  if (!parse_timing_mode(e.timing_mode)) {
    (at / "timing_mode").fail("\"" + e.timing_mode + "\" is not a timing mode (" +
                              fmt::format("{}", fmt::join(timing_mode_names(), ", ")) + ")");
  }
  if (j.contains("config") && !j.at("config").is_null()) {
    e.config = require_string(j, "config", at);
    e.selected_by = optional_string(j, "selected_by", at, "screening");
    if (e.selected_by != "screening" && e.selected_by != "runoff") {
      (at / "selected_by").fail("expected \"screening\" or \"runoff\"");
    }
    e.median_us = require_number(j, "median_us", at);
    if (e.median_us <= 0.0) (at / "median_us").fail("must be positive");
    e.spread_rel = require_number(j, "spread_rel", at);
    if (e.spread_rel < 0.0) (at / "spread_rel").fail("must not be negative");
    static_cast<void>(
        require_recorded_config(*e.config, {at.file, (at / "config").path}, problem_of(p, e)));
  } else {
    e.reason = optional_string(j, "reason", at, "no passing config");
  }
  if (j.contains("dispositions") && !j.at("dispositions").is_null()) {
    const Json& d = j.at("dispositions");
    if (!d.is_object()) (at / "dispositions").fail("expected an object");
    for (const auto& [name, count] : d.items()) {
      e.dispositions[name] = require_positive_int(d, name, at / "dispositions");
    }
  }
  const Json& baselines = require_member(j, "baselines", at);
  for (const RunKind kind : baseline_kinds(p.layout)) {
    const std::string name(to_string(kind));
    if (!baselines.contains(name) || baselines.at(name).is_null()) continue;
    const Json& b = baselines.at(name);
    const JsonAt bat = at / "baselines" / name;
    BaselineResult result{.median_us = require_number(b, "median_us", bat),
                          .spread_rel = require_number(b, "spread_rel", bat)};
    if (result.median_us <= 0.0) (bat / "median_us").fail("must be positive");
    if (result.spread_rel < 0.0) (bat / "spread_rel").fail("must not be negative");
    if (b.contains("algo")) result.algo = b.at("algo");
    e.baselines[kind] = std::move(result);
  }
  if (j.contains("stream_floor") && !j.at("stream_floor").is_null()) {
    const Json& b = j.at("stream_floor");
    const JsonAt bat = at / "stream_floor";
    BaselineResult floor{.median_us = require_number(b, "median_us", bat),
                         .spread_rel = require_number(b, "spread_rel", bat)};
    if (floor.median_us <= 0.0) (bat / "median_us").fail("must be positive");
    if (floor.spread_rel < 0.0) (bat / "spread_rel").fail("must not be negative");
    e.baselines[RunKind::kStreamFloor] = floor;
  }
  if (j.contains("side_by_side") && !j.at("side_by_side").is_null()) {
    const Json& side = j.at("side_by_side");
    const JsonAt sat = at / "side_by_side";
    if (!side.is_object()) sat.fail("expected an object");
    SideBySide parsed{.median_us = require_number(side, "median_us", sat)};
    if (parsed.median_us <= 0.0) (sat / "median_us").fail("must be positive");
    for (const RunKind kind : baseline_kinds(p.layout)) {
      const std::string key = std::string(to_string(kind)) + "_us";
      if (side.contains(key)) parsed.baseline_us[kind] = require_number(side, key, sat);
    }
    if (side.contains("runoff")) {
      const Json& runoff = side.at("runoff");
      if (!runoff.is_array()) (sat / "runoff").fail("expected an array");
      for (std::size_t i = 0; i < runoff.size(); ++i) {
        const JsonAt rat = (sat / "runoff")[i];
        if (!runoff[i].is_object()) rat.fail("expected an object");
        const std::string config = require_string(runoff[i], "config", rat);
        static_cast<void>(
            require_recorded_config(config, {rat.file, (rat / "config").path}, problem_of(p, e)));
        parsed.runoff_us.emplace_back(config, require_number(runoff[i], "median_us", rat));
      }
    }
    e.side_by_side = std::move(parsed);
  }
  return e;
}

}  // namespace

Json to_json(const TuningTable& table) {
  Json problems = Json::array();
  for (const TableProblem& p : table.problems) {
    Json entries = Json::array();
    for (const TableEntry& e : p.entries) entries.push_back(entry_json(p, e));
    Json pj = {{"label", p.label}};
    if (p.layout != GroupLayout::kNone) {
      pj["op"] = to_string(p.layout);
      pj["groups"] = p.groups;
    }
    pj["n"] = p.n;
    pj["k"] = p.k;
    pj["entries"] = std::move(entries);
    problems.push_back(std::move(pj));
  }
  Json j = {{"schema", kTuningTableSchema}};
  // NOTE: the serving constraints sit at the top too, where a reader looks first; written only
  // where set, so tables swept without them keep their bytes.
  write_serving_fields(j, table.env.serving);
  j["env"] = to_json(table.env);
  j["problems"] = std::move(problems);
  return j;
}

TuningTable parse_tuning_table(const Json& j, const std::string& file) {
  const JsonAt at{file};
  const std::string schema = require_string(j, "schema", at);
  if (!is_tuning_table_schema(schema)) {
    (at / "schema").fail("unsupported schema \"" + schema + "\" (expected \"" +
                         std::string(kTuningTableSchema) + "\" or \"" +
                         std::string(kTuningTableSchemaV1) + "\")");
  }
  TuningTable table;
  table.env = parse_env(require_member(j, "env", at), at / "env");
  if (const ServingConstraints top = parse_serving_fields(j, at); top != table.env.serving) {
    const auto text = [](const ServingConstraints& s) {
      return s == ServingConstraints{} ? std::string("none") : describe(s);
    };
    (at / (top.sms != table.env.serving.sms ? "sms" : "batch_invariant"))
        .fail("the top level says " + text(top) + ", env.sweep says " + text(table.env.serving));
  }
  const Json& problems = require_member(j, "problems", at);
  if (!problems.is_array()) (at / "problems").fail("expected an array");
  std::set<std::string> seen_problems;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const Json& pj = problems[i];
    const JsonAt pat = (at / "problems")[i];
    TableProblem p{.label = optional_string(pj, "label", pat),
                   .n = require_positive_int(pj, "n", pat),
                   .k = require_positive_int(pj, "k", pat)};
    const std::string op = optional_string(pj, "op", pat, "gemm");
    if (op != "gemm") {
      const std::optional<GroupLayout> layout = parse_group_layout(op);
      if (!layout || *layout == GroupLayout::kNone || schema == kTuningTableSchemaV1) {
        (pat / "op").fail("unknown op \"" + op + "\" (expected gemm, grouped_contiguous or grouped_masked" +
                          (schema == kTuningTableSchemaV1 ? std::string("; a /1 table is dense") : "") + ")");
      }
      p.layout = *layout;
      p.groups = require_positive_int(pj, "groups", pat);
    }
    if (!seen_problems.insert(op_text(p) + " " + std::to_string(p.n) + "x" + std::to_string(p.k)).second) {
      pat.fail("duplicate problem " + op_text(p) + " n=" + std::to_string(p.n) + " k=" + std::to_string(p.k));
    }
    const Json& entries = require_member(pj, "entries", pat);
    if (!entries.is_array()) (pat / "entries").fail("expected an array");
    std::set<std::string> seen_entries;
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const JsonAt eat = (pat / "entries")[k];
      TableEntry e = parse_entry(p, entries[k], eat);
      if (!seen_entries.insert(problem_key(problem_of(p, e))).second) {
        eat.fail("duplicate entry " + describe(problem_of(p, e)));
      }
      p.entries.push_back(std::move(e));
    }
    table.problems.push_back(std::move(p));
  }
  check_table_serving(table, file);
  return table;
}

}  // namespace gemmtune::report
