// The side-by-side measurement of a ProblemBench: the run-off candidates (the screening's fastest
// configs) timed together in one Timer call (bursts or interleaved, core/timing_mode.hpp), then the
// winner beside the three cuBLASLt baselines, so that the choice among the candidates and their
// ratios to the baselines are free of clock and power drift.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "core/kernel_family.hpp"
#include "core/exit_codes.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/gemm_bench_state.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {

Measurement ProblemBench::measure_side_by_side(const std::vector<RunoffCandidate>& candidates,
                                               const std::optional<AlgoRecord>& best_algo,
                                               const RunoffPlan& runoff_plan) {
  State& s = *state_;
  if (candidates.empty()) throw Error(kExitUsage, "side by side: no config to time");
  const auto runoff_start = std::chrono::steady_clock::now();
  // One validation record per candidate that passed; the winner's becomes the result.
  std::vector<Measurement> validated;
  std::vector<std::unique_ptr<Loaded>> loaded;
  std::vector<std::string> left_out;
  for (const RunoffCandidate& c : candidates) {
    Measurement v;
    std::unique_ptr<Loaded> l = load_and_validate(c.config, c.compiled, v);
    v.kind = RunKind::kSideBySide;
    if (!l) {
      if (validated.empty()) return v;  // the screening's fastest no longer passes: a failure
      left_out.push_back(v.config + " (" + to_string(v.disposition) + ")");
      continue;
    }
    validated.push_back(std::move(v));
    loaded.push_back(std::move(l));
  }
  std::string note;  // the record's reason: what was left out or could not be replayed
  for (const std::string& l : left_out) note += (note.empty() ? "left out of the run-off: " : ", ") + l;
  std::optional<AlgoRecord> replayed_algo;
  NvtxRange range("side by side " + validated.front().config);
  // NOTE: the baselines write their own buffer: d_cublaslt holds the heuristic's output that
  // every later config of this problem is compared with.
  DeviceBuffer scratch_d(s.inputs.output_bytes());
  std::vector<TimedLaunch> candidate_launches;
  for (size_t i = 0; i < loaded.size(); ++i) {
    Loaded* l = loaded[i].get();
    candidate_launches.push_back({kSm90Fp8Gemm1d2d.kernel_name(validated[i].config),
                                  [l](cudaStream_t st) { l->prepared.launch(st); }});
  }
  // The run-off: candidates alone, as the plan says; then the winner again, on fresh samples,
  // and the baselines after it, so that its ratios carry no bias from being the fastest of noisy
  // medians.
  std::vector<RunoffTiming> runoff;
  size_t winner = 0;
  if (loaded.size() > 1) {
    const std::vector<TimingStats> stats = s.timer.time_runoff(candidate_launches, runoff_plan);
    for (size_t i = 0; i < loaded.size(); ++i) {
      runoff.push_back({validated[i].config, stats[i]});
      if (stats[i].median_us < stats[winner].median_us) winner = i;
    }
  }
  const double runoff_seconds = seconds_since(runoff_start);
  std::vector<TimedLaunch> baselines;
  std::vector<RunKind> kinds;  // of each baseline
  if (s.heuristic_algo) {
    baselines.push_back({"cublaslt_heuristic", s.heuristic->launcher()});
    kinds.push_back(RunKind::kCublasltHeuristic);
  }
  std::unique_ptr<CublasLtFp8Gemm> best;
  if (best_algo) {
    best = std::make_unique<CublasLtFp8Gemm>(s.inputs.operands(), scratch_d.as<uint16_t>(), CublasLtGemmOptions{});
    std::string why;
    if (best->select(*best_algo, &why)) {
      replayed_algo = best->selected();
      baselines.push_back({"cublaslt_best " + to_string(*best_algo), best->launcher()});
      kinds.push_back(RunKind::kCublasltBest);
    } else {
      note += (note.empty() ? "" : "; ") + ("cuBLASLt best " + to_string(*best_algo) +
                                            " not replayable: " + why);
    }
  }
  CublasLtFp8Gemm per_tensor(s.inputs.operands(), scratch_d.as<uint16_t>(),
                             CublasLtGemmOptions{.scaling = CublasLtScaling::kPerTensor});
  if (per_tensor.select_heuristic(nullptr)) {
    baselines.push_back({"cublaslt_fp8_tensor", per_tensor.launcher()});
    kinds.push_back(RunKind::kCublasltFp8Tensor);
  }
  // NOTE: the winner's samples first, then each baseline in a block of its own (not sample by
  // sample): at the power cap a sample's clock follows the kernel before it, and interleaved with
  // cuBLASLt's hotter kernel a large config measured up to 10% slow (core/timing_mode.hpp).
  const std::vector<TimingStats> stats = s.timer.time_with_baselines(
      {candidate_launches[winner]}, baselines, BaselineTiming::kSeparate);
  Measurement m = validated[winner];
  m.reason = note;
  m.algo = replayed_algo;
  m.timing = stats[0];
  m.runoff = std::move(runoff);
  m.runoff_seconds = runoff_seconds;
  for (size_t i = 0; i < kinds.size(); ++i) m.side_by_side[kinds[i]] = stats[i + 1];
  return m;
}

}  // namespace gemmtune
