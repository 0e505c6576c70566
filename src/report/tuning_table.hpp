#pragma once
/// The tuning table: per problem (N, K) and per M, the fastest config that passed validation and
/// the three cuBLASLt baselines measured beside it. Built from a run folder, written as
/// tuning_table.json (`gemmtune.tuning_table/1`, README "Run folder and tuning table schema").
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

/// The cuBLASLt kinds a table entry compares against, in output order.
inline constexpr RunKind kBaselineKinds[] = {RunKind::kCublasltHeuristic, RunKind::kCublasltBest,
                                             RunKind::kCublasltFp8Tensor};

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

/// One M of a problem.
struct TableEntry {
  int64_t m = 0;
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

/// One (N, K) pair, e.g. a weight matrix of a model, with its entries sorted by M.
struct TableProblem {
  std::string label;
  int64_t n = 0;
  int64_t k = 0;
  std::vector<TableEntry> entries{};
  [[nodiscard]] bool operator==(const TableProblem&) const = default;
};

/// A whole table. Problems keep the order of their first measurement in runs.jsonl.
struct TuningTable {
  RunEnv env;
  std::vector<TableProblem> problems;
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

/// M, N, K of an entry.
[[nodiscard]] inline GemmShape shape_of(const TableProblem& p, const TableEntry& e) {
  return {.m = e.m, .n = p.n, .k = p.k};
}
/// baseline_us / ours_us: from the side-by-side re-timing when it has the baseline (one Timer
/// call, so free of clock drift), else from the separate measurements; nullopt when either side
/// is missing.
[[nodiscard]] std::optional<double> speedup(const TableEntry& entry, RunKind baseline);
/// `gemmtune run --m M --n N --k K --config CFG --timing MODE`; empty when no config.
[[nodiscard]] std::string reproduce_command(const TableProblem& problem, const TableEntry& entry);

}  // namespace gemmtune::report
