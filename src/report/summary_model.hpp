#pragma once
/// What summary.md and report.html both show, computed once: the environment facts, one row per
/// (M, N, K) in DeepGEMM's README style, and the geometric means of the speedups.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/tuning_table.hpp"

namespace gemmtune::report {

/// A column of the summary table.
struct SummaryColumn {
  std::string title;
  bool numeric = false;  ///< right-aligned
};

/// One cell: its text, and whether it is shown as code (configs, commands).
struct SummaryCell {
  std::string text;
  bool code = false;
  SummaryCell(std::string text_, bool code_ = false) : text(std::move(text_)), code(code_) {}  // NOLINT: implicit by design
};

/// A table of the summary: columns and, per row, one cell per column.
struct SummaryTable {
  std::vector<SummaryColumn> columns;
  std::vector<std::vector<SummaryCell>> rows;
};

/// Geometric means of the speedups over one subset of rows.
struct SpeedupGeomean {
  std::string subset;                    ///< "all", "M ≤ 256", "M ≥ 1024"
  std::vector<std::optional<double>> by_baseline{};  ///< in table_baseline_kinds() order
  std::vector<int64_t> rows{};           ///< rows with both sides, per baseline
};

/// A GitHub-flavoured markdown table; `|` escaped, code columns in backticks.
[[nodiscard]] std::string md_table(const SummaryTable& table);
/// "NVIDIA H200 (132 SMs, ...)", versions, timing protocol, tool, command: label/value pairs.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> env_facts(const RunEnv& env);
/// Whether the table has grouped problems.
[[nodiscard]] bool has_grouped(const TuningTable& table);
/// Whether any entry has a stream floor (`sweep --stream-floor`).
[[nodiscard]] bool has_stream_floor(const TuningTable& table);
/// The baseline kinds a table's summary shows: the dense ones, then the grouped ones when the
/// table has grouped problems, then the stream floor when it has one.
[[nodiscard]] std::vector<RunKind> table_baseline_kinds(const TuningTable& table);
/// One row per entry, problems in table order, M ascending (grouped: an "op" column first and
/// M counting the rows that carry results).
[[nodiscard]] SummaryTable results_table(const TuningTable& table);
/// One row per subset of speedup_geomeans: "1.23x (rows)" per baseline.
[[nodiscard]] SummaryTable geomean_table(const TuningTable& table);
/// summary.md's "Where the time went": one row per category of the run folder's time breakdown
/// with seconds (reports left out: they are written after it), their share and the total;
/// nullopt when the table carries no breakdown (folders swept before it, tables read from JSON).
[[nodiscard]] std::optional<SummaryTable> time_breakdown_table(const TuningTable& table);

/// The categories of an env.json `time_breakdown`: its members in seconds (`*_s`) without the
/// totals (compile_cpu_s, wall_s, gpu_s), in the object's order, named without the "_s".
[[nodiscard]] std::vector<std::pair<std::string, double>> time_categories(const Json& breakdown);
/// Geometric means over all rows, M ≤ 256 and M ≥ 1024.
[[nodiscard]] std::vector<SpeedupGeomean> speedup_geomeans(const TuningTable& table);
/// Geometric mean of positive values; nullopt for none.
[[nodiscard]] std::optional<double> geometric_mean(const std::vector<double>& values);
/// `parts` joined by `separator`.
[[nodiscard]] std::string join(const std::vector<std::string>& parts, const std::string& separator);
/// Fixed-point text with `decimals` digits.
[[nodiscard]] std::string fixed(double value, int decimals);
/// "1.23x", or "–" when absent.
[[nodiscard]] std::string speedup_text(std::optional<double> speedup);
/// Human name of a baseline kind: "cuBLASLt heuristic", "cuBLASLt best", "cuBLASLt FP8 per-tensor".
[[nodiscard]] std::string baseline_title(RunKind kind);

}  // namespace gemmtune::report
