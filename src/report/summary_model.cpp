// The rows and facts shared by summary.md and report.html.
#include "report/summary_model.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "core/timing_mode.hpp"

namespace gemmtune::report {
namespace {

constexpr const char* kNone = "–";

/// `j[key]` as text when present, else empty.
[[nodiscard]] std::string text_of(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return "";
  const Json& v = j.at(key);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

[[nodiscard]] std::string timing_protocol(const std::string& mode) {
  const std::optional<TimingMode> parsed = parse_timing_mode(mode);
  return parsed ? describe(*parsed) : mode;
}

}  // namespace

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

std::string fixed(double value, int decimals) { return fmt::format("{:.{}f}", value, decimals); }

std::string speedup_text(std::optional<double> s) { return s ? fixed(*s, 2) + "x" : kNone; }

std::string baseline_title(RunKind kind) {
  switch (kind) {
    case RunKind::kCublasltHeuristic: return "cuBLASLt heuristic";
    case RunKind::kCublasltBest: return "cuBLASLt best";
    case RunKind::kCublasltFp8Tensor: return "cuBLASLt FP8 per-tensor";
    case RunKind::kCublasltPerGroup: return "cuBLASLt per group";
    case RunKind::kCublasltPerGroupGraph: return "cuBLASLt per group, graph";
    case RunKind::kStreamFloor: return "stream floor";
    case RunKind::kGemmtune:
    case RunKind::kSideBySide: break;
  }
  return "gemmtune";
}

std::optional<double> geometric_mean(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  double log_sum = 0.0;
  for (const double v : values) log_sum += std::log(v);
  return std::exp(log_sum / static_cast<double>(values.size()));
}

std::vector<std::pair<std::string, std::string>> env_facts(const RunEnv& env) {
  const Json& gpu = env.raw.value("gpu", Json::object());
  std::string gpu_text = env.gpu_name;
  std::vector<std::string> details;
  if (const std::string v = text_of(gpu, "sm_count"); !v.empty()) details.push_back(v + " SMs");
  // NOTE: run folders written before 97f06f2 spell the clocks sm_clock_max_mhz / mem_clock_mhz.
  const auto either = [&](const char* now, const char* before) {
    const std::string v = text_of(gpu, now);
    return v.empty() ? text_of(gpu, before) : v;
  };
  if (const std::string v = either("max_sm_clock_mhz", "sm_clock_max_mhz"); !v.empty()) {
    details.push_back("SM clock max " + v + " MHz");
  }
  if (const std::string v = either("max_mem_clock_mhz", "mem_clock_mhz"); !v.empty()) {
    details.push_back("memory clock " + v + " MHz");
  }
  if (!details.empty()) gpu_text += " (" + join(details, ", ") + ")";
  std::vector<std::pair<std::string, std::string>> facts = {
      {"GPU", gpu_text},
      {"Versions", "driver " + env.driver + ", CUDA runtime " + env.cuda_runtime + ", NVRTC " +
                       env.nvrtc + ", cuBLASLt " + env.cublaslt},
      {"Timing", timing_protocol(env.timing_mode)},
      {"Roofs", fmt::format("HBM {:.0f} GB/s, FP8 block-scaled {:.0f} TFLOPS, FP8 per-tensor "
                            "{:.0f} TFLOPS: {}; datasheet {:.0f} TFLOPS: constant ({})",
                            env.roofs.hbm_gbps, env.roofs.fp8_block_tflops,
                            env.roofs.fp8_tensor_tflops, roofs_provenance(env.roofs),
                            env.roofs.fp8_datasheet_tflops, kDatasheetOrigin)}};
  if (env.serving.sms) {
    facts.emplace_back("SM budget", fmt::format("every config runs on at most {} SMs (sweep --sms)",
                                                *env.serving.sms));
  }
  if (env.serving.batch_invariant) {
    facts.emplace_back("Batch invariance", "every config keeps each row of D independent of M "
                                           "and of the config chosen (sweep --batch-invariant)");
  }
  const std::string tool = text_of(env.raw, "tool_version");
  const std::string rev = text_of(env.raw, "git_rev");
  if (!tool.empty() || !rev.empty()) {
    facts.emplace_back("Tool", "gemmtune " + tool + (rev.empty() ? "" : " (git " + rev + ")"));
  }
  if (const std::string v = text_of(env.raw, "started_at"); !v.empty()) facts.emplace_back("Started", v);
  if (const std::string v = text_of(env.raw, "command"); !v.empty()) facts.emplace_back("Command", v);
  return facts;
}

bool has_grouped(const TuningTable& table) {
  for (const TableProblem& p : table.problems) {
    if (p.layout != GroupLayout::kNone) return true;
  }
  return false;
}

bool has_stream_floor(const TuningTable& table) {
  for (const TableProblem& p : table.problems) {
    for (const TableEntry& e : p.entries) {
      if (e.baselines.contains(RunKind::kStreamFloor)) return true;
    }
  }
  return false;
}

std::vector<RunKind> table_baseline_kinds(const TuningTable& table) {
  std::vector<RunKind> kinds(std::begin(kBaselineKinds), std::end(kBaselineKinds));
  if (has_grouped(table)) kinds.insert(kinds.end(), std::begin(kGroupedBaselineKinds), std::end(kGroupedBaselineKinds));
  if (has_stream_floor(table)) kinds.push_back(RunKind::kStreamFloor);
  return kinds;
}

SummaryTable results_table(const TuningTable& table) {
  SummaryTable out;
  // NOTE: grouped problems get an "op" column and their two per-group baselines only when the
  // table has any: a dense table reads as it always did.
  const bool grouped = has_grouped(table);
  std::vector<RunKind> shown = {RunKind::kCublasltHeuristic, RunKind::kCublasltBest};
  if (grouped) shown.insert(shown.end(), std::begin(kGroupedBaselineKinds), std::end(kGroupedBaselineKinds));
  // NOTE: "vs stream floor" is the floor's time over the config's: the share of the fastest read
  // of the problem's bytes that the config reaches (near 1 only where it is memory-bound).
  if (has_stream_floor(table)) shown.push_back(RunKind::kStreamFloor);
  if (grouped) out.columns.push_back({"op"});
  out.columns.insert(out.columns.end(), {{"M", true}, {"N", true}, {"K", true}, {"label"},
                                         {"µs", true}, {"TFLOPS", true}, {"GB/s", true}});
  for (const RunKind kind : shown) out.columns.push_back({"vs " + baseline_title(kind), true});
  out.columns.insert(out.columns.end(), {{"config"}, {"reproduce"}});
  for (const TableProblem& p : table.problems) {
    for (const TableEntry& e : p.entries) {
      const GemmShape shape = shape_of(p, e);
      std::vector<SummaryCell> row;
      if (grouped) row.emplace_back(op_text(p));
      row.insert(row.end(), {std::to_string(e.m), std::to_string(p.n), std::to_string(p.k), p.label});
      if (e.config) {
        row.insert(row.end(), {fixed(e.median_us, 1), fixed(gemm_tflops(shape, e.median_us), 0),
                               fixed(gemm_gbps(shape, e.median_us), 0)});
      } else {
        row.insert(row.end(), 3, SummaryCell(kNone));
      }
      for (const RunKind kind : shown) row.emplace_back(speedup_text(speedup(e, kind)));
      if (e.config) {
        row.emplace_back(*e.config, true);
        row.emplace_back(reproduce_command(p, e), true);
      } else {
        row.emplace_back("none: " + e.reason);
        row.emplace_back("");
      }
      out.rows.push_back(std::move(row));
    }
  }
  return out;
}

std::vector<SpeedupGeomean> speedup_geomeans(const TuningTable& table) {
  struct Subset {
    const char* name;
    bool (*contains)(int64_t m);
  };
  const Subset subsets[] = {{"all", [](int64_t) { return true; }},
                            {"M ≤ 256", [](int64_t m) { return m <= 256; }},
                            {"M ≥ 1024", [](int64_t m) { return m >= 1024; }}};
  std::vector<SpeedupGeomean> out;
  for (const Subset& subset : subsets) {
    SpeedupGeomean g{.subset = subset.name};
    for (const RunKind kind : table_baseline_kinds(table)) {
      std::vector<double> values;
      for (const TableProblem& p : table.problems) {
        for (const TableEntry& e : p.entries) {
          const std::optional<double> s = speedup(e, kind);
          if (s && subset.contains(e.m)) values.push_back(*s);
        }
      }
      g.by_baseline.push_back(geometric_mean(values));
      g.rows.push_back(static_cast<int64_t>(values.size()));
    }
    out.push_back(std::move(g));
  }
  return out;
}

SummaryTable geomean_table(const TuningTable& table) {
  SummaryTable out;
  out.columns = {{"rows"}};
  for (const RunKind kind : table_baseline_kinds(table)) out.columns.push_back({"vs " + baseline_title(kind), true});
  for (const SpeedupGeomean& g : speedup_geomeans(table)) {
    std::vector<SummaryCell> cells = {g.subset};
    for (std::size_t i = 0; i < g.by_baseline.size(); ++i) {
      cells.emplace_back(speedup_text(g.by_baseline[i]) + " (" + std::to_string(g.rows[i]) + ")");
    }
    out.rows.push_back(std::move(cells));
  }
  return out;
}

}  // namespace gemmtune::report
