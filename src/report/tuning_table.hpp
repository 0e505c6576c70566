#pragma once
/// The tuning table: per problem (op, N, K and, grouped, G) and per M (grouped: per list of
/// group sizes), the fastest config that passed validation and the cuBLASLt baselines measured
/// beside it. Built from a run folder, written as tuning_table.json (`gemmtune.tuning_table/2`,
/// src/report/README.md "Tuning table"; /1 tables are read as dense ones).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/gemm_shape.hpp"
#include "report/run_folder.hpp"

namespace gemmtune::report {

/// The cuBLASLt kinds a dense table entry compares against, in output order.
inline constexpr RunKind kBaselineKinds[] = {RunKind::kCublasltHeuristic, RunKind::kCublasltBest,
                                             RunKind::kCublasltFp8Tensor};
/// The cuBLASLt kinds a grouped entry compares against: block-scaled once per group, looped and
/// replayed from one CUDA graph.
inline constexpr RunKind kGroupedBaselineKinds[] = {RunKind::kCublasltPerGroup,
                                                    RunKind::kCublasltPerGroupGraph};

/// The baseline kinds of a problem of `layout`, in output order (the one list the sweep's plan,
/// the table and the reports share).
[[nodiscard]] std::vector<RunKind> baseline_kinds(GroupLayout layout);

/// The fastest passed measurement of one cuBLASLt kind.
struct BaselineResult {
  double median_us = 0.0;
  double spread_rel = 0.0;
  Json algo{};  ///< the algorithm record, null when the run had none
  [[nodiscard]] bool operator==(const BaselineResult&) const = default;
};

/// The chosen config re-timed interleaved with the cuBLASLt baselines (a side_by_side record).
struct SideBySide {
  double median_us = 0.0;                  ///< of the chosen config
  std::map<RunKind, double> baseline_us{};  ///< median of each cuBLASLt kind timed beside it
  /// The run-off's candidates (config, median µs) in the same call; empty without a run-off.
  std::vector<std::pair<std::string, double>> runoff_us{};
  [[nodiscard]] bool operator==(const SideBySide&) const = default;
};

/// One M of a problem (grouped: one list of group sizes).
struct TableEntry {
  int64_t m = 0;  ///< rows (grouped: the groups' rows that carry results, Problem::useful_rows)
  std::vector<int64_t> group_m{};  ///< grouped: rows per group (masked: rows used)
  int64_t max_m = 0;               ///< masked: rows per group in A and D
  std::optional<std::string> config{};  ///< fastest passed config; nullopt when none passed
  /// How `config` was chosen: "runoff" (fastest of the side-by-side run-off; median_us is then
  /// its re-timing beside the baselines) or "screening" (fastest screening record: runs without
  /// a run-off).
  std::string selected_by{};
  std::string reason{};               ///< why config is nullopt (empty otherwise)
  double median_us = 0.0;             ///< of `config`
  double spread_rel = 0.0;            ///< of `config`: (p90 - p10) / median
  std::string timing_mode{};          ///< "kernel" or "call"
  std::map<std::string, int64_t> dispositions{};  ///< gemmtune measurements per disposition
  std::map<RunKind, BaselineResult> baselines{};  ///< absent kinds were not measured or failed
  std::optional<SideBySide> side_by_side{};       ///< of `config`, when the run re-timed it
  [[nodiscard]] bool operator==(const TableEntry&) const = default;
};

/// One (N, K) pair, e.g. a weight matrix of a model, with its entries sorted by M; grouped
/// problems are keyed by their layout and group count G too.
struct TableProblem {
  std::string label;
  int64_t n = 0;
  int64_t k = 0;
  GroupLayout layout = GroupLayout::kNone;
  int64_t groups = 0;  ///< grouped: G; 0 for dense
  std::vector<TableEntry> entries{};
  [[nodiscard]] bool operator==(const TableProblem&) const = default;
};

/// A whole table. Problems keep the order of their first measurement in runs.jsonl.
struct TuningTable {
  RunEnv env;
  std::vector<TableProblem> problems;
  /// A run folder's env.json `time_breakdown` (src/sweep/README.md "Time breakdown"), shown by
  /// summary.md; kept out of `env` and of the table's JSON, which describe the tuning, not the
  /// run. Null for a table read from JSON and for folders swept without it.
  Json time_breakdown{};
  [[nodiscard]] bool operator==(const TuningTable&) const = default;
};

/// Selects, per (N, K, M), the winner of the last passed side_by_side run-off, or without one the
/// fastest passed gemmtune record (a failed one never, however fast), and per cuBLASLt kind its
/// fastest passed record; attaches the side_by_side record of the chosen config.
[[nodiscard]] TuningTable build_tuning_table(const RunFolder& folder);

/// `gemmtune.tuning_table/1` JSON, derived fields (TFLOPS, GB/s, speedups, reproduce) included.
[[nodiscard]] Json to_json(const TuningTable& table);
/// Parses tuning-table JSON; derived fields are recomputed, not read. `file` names errors.
[[nodiscard]] TuningTable parse_tuning_table(const Json& j, const std::string& file);
/// Reads a tuning_table.json, or builds the table from a run folder when `path` is a directory.
[[nodiscard]] TuningTable load_tuning_table(const std::filesystem::path& path);

/// The problem an entry measured (label, sizes, layout, group sizes).
[[nodiscard]] Problem problem_of(const TableProblem& p, const TableEntry& e);
/// What an entry computes and moves (Problem::shape: grouped M counts useful rows).
[[nodiscard]] inline GemmShape shape_of(const TableProblem& p, const TableEntry& e) {
  return problem_of(p, e).shape();
}
/// "dense" or the grouped op, with G: e.g. "grouped_masked G32".
[[nodiscard]] std::string op_text(const TableProblem& p);
/// baseline_us / ours_us: from the side-by-side re-timing when it has the baseline (one Timer
/// call, so free of clock drift), else from the separate measurements; nullopt when either side
/// is missing.
[[nodiscard]] std::optional<double> speedup(const TableEntry& entry, RunKind baseline);
/// `gemmtune run --m M --n N --k K --config CFG --timing MODE` (grouped: `--layout L --group-m
/// LIST [--max-m M]` for --m); empty when no config.
[[nodiscard]] std::string reproduce_command(const TableProblem& problem, const TableEntry& entry);

}  // namespace gemmtune::report
