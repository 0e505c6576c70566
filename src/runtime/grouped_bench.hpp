#pragma once
/// Measuring grouped members of the sm90_fp8_gemm_1d2d family on one grouped problem
/// (kernels/README.md "Grouped GEMMs"): inputs and per-group dequantized references are built once;
/// each config is validated group by group on a poisoned output (rows no group owns must stay
/// poisoned), then the configs that passed are timed together: interleaved sample by sample, or in
/// bursts.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"
#include "core/validation_metrics.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/timing.hpp"

namespace gemmtune {

/// One grouped config's validation: the worst group against its reference, and the rows that no
/// group owns (masked rows past masked_m, padding rows) checked untouched.
struct GroupedValidation {
  ValidationMetrics worst;       ///< metrics of the group with the largest diff
  int worst_group = -1;          ///< that group (-1 when every group is empty)
  int64_t groups_checked = 0;    ///< non-empty groups compared with their reference
  int64_t unowned_rows = 0;      ///< rows of D that no group owns
  int64_t unowned_written = 0;   ///< elements of those rows that are not poison any more
  std::optional<ValidationMetrics> worst_vs_cublaslt;  ///< group with the largest diff to
                                                       ///< cuBLASLt's output (when it ran)
  int worst_cublaslt_group = -1;
};

/// One grouped config measured, or a baseline: disposition, validation and (when it passed) its
/// time.
struct GroupedMeasurement {
  /// "gemmtune", or a baseline: "cublaslt_per_group" (one block-scaled matmul per group, launched
  /// in a loop) or "cublaslt_per_group_graph" (the same launches replayed from one CUDA graph).
  std::string kind = "gemmtune";
  std::string config;  ///< gemmtune: the config; baselines: the first group's cuBLASLt algorithm
  Disposition disposition = Disposition::kSkipped;
  std::string reason;
  GroupedValidation validation;
  std::optional<TimingStats> timing;
  jit::PtxasReport ptxas;
  int64_t smem_bytes = -1;

  /// TFLOPS of the median time counting real rows only (2 * sum(group_m) * N * K).
  [[nodiscard]] double useful_tflops(const Problem& problem) const;
  /// GB/s of the median time: A and sA of the real rows, every group's B and sB, D of the real rows.
  [[nodiscard]] double useful_gbps(const Problem& problem) const;
};

/// The baselines of a grouped problem, by GroupedMeasurement::kind.
inline constexpr const char* kGroupedBaselineLoop = "cublaslt_per_group";
inline constexpr const char* kGroupedBaselineGraph = "cublaslt_per_group_graph";

/// The runs.jsonl form of a grouped measurement (gemmtune.run/2, kind `kind`): validation as the
/// worst group's metrics against the dequantized reference and against cuBLASLt.
[[nodiscard]] Measurement to_measurement(const Problem& problem, const GroupedMeasurement& m,
                                         RunKind kind);

/// The JSON record of a grouped measurement (inside schema gemmtune.grouped_run/1).
void to_json(nlohmann::json& j, const GroupedMeasurement& m);
/// The problem's JSON description: layout, n, k, groups, group_m, max_m, useful rows.
[[nodiscard]] nlohmann::json grouped_problem_json(const Problem& problem);

/// Inputs and references of one grouped problem on the current GPU.
class GroupedBench {
 public:
  /// Generates inputs from options.seed and every group's reference (synchronous).
  GroupedBench(const Problem& problem, const BenchOptions& options);
  ~GroupedBench();
  GroupedBench(const GroupedBench&) = delete;
  GroupedBench& operator=(const GroupedBench&) = delete;

  /// For the timings that follow: whether they read the SM clock after every sample, and the
  /// idle before each (Timer::set_clock_per_sample, Timer::set_settle_ms). The worker's single
  /// configs do both (screenings, `check`), its run-offs and baselines neither.
  void set_sampling(bool clock_per_sample, int settle_ms);

  /// Validates every candidate (each group against its dequantized reference and against
  /// cuBLASLt's output); those that passed are then timed among themselves as `runoff` says
  /// (default: interleaved sample by sample, the options' samples), and the cuBLASLt `baselines`
  /// (kGroupedBaselineLoop, kGroupedBaselineGraph) beside them as `timing` says (results:
  /// candidates in request order, then the baselines). A candidate that fails keeps its
  /// disposition and is not timed.
  [[nodiscard]] std::vector<GroupedMeasurement> measure(
      const std::vector<RunoffCandidate>& candidates,
      const std::vector<std::string>& baselines = {kGroupedBaselineLoop, kGroupedBaselineGraph},
      BaselineTiming timing = BaselineTiming::kSeparate, const RunoffPlan& runoff = {});

  [[nodiscard]] const Problem& problem() const { return problem_; }

 private:
  struct State;
  /// Adds the cuBLASLt baselines to `out` (validated against the references) and, when they
  /// can run, to the launches to time.
  void append_cublaslt_baselines(const std::vector<std::string>& kinds,
                                 std::vector<GroupedMeasurement>& out,
                                 std::vector<TimedLaunch>& launches, std::vector<size_t>& timed);
  Problem problem_;
  BenchOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace gemmtune
