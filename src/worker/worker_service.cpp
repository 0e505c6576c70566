// The worker's measurements: a protocol request to the bench of its problem.
#include "worker/worker_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/stream_floor.hpp"
#include "runtime/test_hooks.hpp"
#include "sweep/runoff.hpp"

namespace gemmtune::worker {
namespace {

using report::RunKind;
using sweep::MeasureRequest;

/// The request's configs (`config`, then the run-off's for side_by_side), parsed and built.
std::vector<RunoffCandidate> candidates_of(const MeasureRequest& r) {
  std::vector<std::string> texts{r.config};
  if (r.kind == RunKind::kSideBySide) texts.insert(texts.end(), r.runoff.begin(), r.runoff.end());
  std::vector<RunoffCandidate> candidates;
  for (const std::string& text : texts) {
    std::string error;
    const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
    if (!config) throw Error(kExitUsage, "config " + text + ": " + error);
    if (config->layout != r.problem.layout) {
      throw Error(kExitUsage, "config " + text + " is not built for " + to_string(r.problem.layout));
    }
    candidates.push_back({.config = *config, .compiled = jit::build_kernel(*config)});
  }
  return candidates;
}

TimingOptions timing_options(const MeasureRequest& r) {
  TimingOptions timing;
  timing.mode = *parse_timing_mode(r.timing.mode);  // decode_request checked the name
  timing.warmup_count = r.timing.warmup;
  timing.sample_count = r.timing.iters;
  return timing;
}

/// How the request's side-by-side run-off times its candidates (sweep/runoff.hpp): in the
/// request's rounds of bursts, or interleaved with `sustained_samples` each (0: the request's
/// iters); a close contest timed twice unless the request's budget level leaves that out.
RunoffPlan runoff_plan(const MeasureRequest& r, int sustained_samples) {
  return {.regime = *parse_runoff_regime(r.timing.runoff_regime),  // decode_request checked it
          .sustained_samples = sustained_samples,
          .burst = {.rounds = r.timing.runoff_rounds, .warmup_count = r.timing.warmup,
                    .burst_samples = sweep::kRunoffBurstSamples,
                    .max_idle_ms = sweep::kRunoffMaxIdleMs,
                    .max_burst_ms = sweep::kRunoffMaxBurstMs},
          .confirm_within_rel = r.timing.runoff_confirm ? sweep::kRunoffConfirmWithinRel : 0.0};
}

/// Whether request `r` reads the SM clock after every sample: one config (kind gemmtune: a
/// sweep's screening, a `check` re-measurement) does, so that the sweep can rank its configs by
/// cycles (sweep/runoff.hpp Screened::cycles) and a record says at what clock it ran. Why: at
/// the power cap a burst's clock steps down at a sample the card decides, and NVML's one
/// reading after the burst had one problem's configs at 1155-1980 MHz (results/PERF_LOG.md
/// history; re-measured per sample: the clocks spread less, the picks did not change). The
/// run-off and the baselines keep the comparisons' protocol.
bool screens_per_sample_clock(const MeasureRequest& r) { return r.kind == RunKind::kGemmtune; }

/// The cuBLASLt best search's probe cut: the sweep's, unless the environment asks to screen all.
std::optional<ProbeCut> cublaslt_probe_cut() {
  if (const char* all = std::getenv(sweep::kCublasLtScreenAllEnv); all != nullptr && *all != '\0') {
    return std::nullopt;
  }
  return ProbeCut{.margin = sweep::kCublasLtBestProbeMargin,
                  .min_kept = sweep::kCublasLtBestProbeMinKept};
}

/// A request the problem's kind of bench has no measurement for.
[[noreturn]] void throw_kind_mismatch(const MeasureRequest& r, const char* baselines) {
  throw Error(kExitUsage, std::string("kind ") + std::string(report::to_string(r.kind)) +
                              " is not measured on a " +
                              (r.problem.layout == GroupLayout::kNone ? "dense" : "grouped") +
                              " problem; its baselines are " + baselines);
}

Measurement run_hook(const MeasureRequest& r, TestHook hook) {
  const cudaError_t status = run_test_hook(hook);
  GT_CHECK(status != cudaSuccess, kExitCudaError, "the trap kernel finished without a fault");
  Measurement m;
  m.problem = r.problem;
  m.config = r.config;
  m.disposition = Disposition::kFaulted;
  m.reason = std::string("test hook ") + kTestFaultConfigEnv + ": " + cudaGetErrorName(status) +
             ": " + cudaGetErrorString(status);
  return m;
}

}  // namespace

Measurement WorkerService::measure(const MeasureRequest& r) {
  phases_ = {};
  if (r.kind == RunKind::kGemmtune) {
    if (const std::optional<TestHook> hook = test_hook_for(r.config)) return run_hook(r, *hook);
  }
  Measurement m = r.problem.layout == GroupLayout::kNone ? measure_dense(r) : measure_grouped(r);
  phases_.runoff_s = m.runoff_seconds;
  if (screens_per_sample_clock(r) && m.timing) last_screen_us_ = m.timing->median_us;
  return m;
}

template <class Bench>
void WorkerService::set_timing(Bench& bench, const MeasureRequest& r) const {
  const bool screening = screens_per_sample_clock(r);
  bench.set_sampling(screening, screening ? sweep::screening_settle_ms(last_screen_us_) : 0);
}

Measurement WorkerService::measure_dense(const MeasureRequest& r) {
  ProblemBench& bench = bench_for(r);
  set_timing(bench, r);
  // NOTE: every kind is named and there is no default, so that a new kind is a -Wswitch warning
  // here until the worker knows how to measure it.
  switch (r.kind) {
    case RunKind::kGemmtune: {
      const RunoffCandidate c = candidates_of(r).at(0);
      return bench.measure(c.config, c.compiled, BaselineTiming::kNone).at(0);
    }
    case RunKind::kCublasltHeuristic: return bench.measure_cublaslt_heuristic();
    case RunKind::kCublasltBest:
      return bench.measure_cublaslt_best({.max_algos = sweep::kCublasLtBestMaxAlgos,
                                          .probe_cut = cublaslt_probe_cut(),
                                          .screen_warmup = sweep::kCublasLtBestScreenWarmup,
                                          .screen_samples = sweep::kCublasLtBestScreenSamples,
                                          .retimed = sweep::kCublasLtBestRetimed});
    case RunKind::kCublasltFp8Tensor: return bench.measure_cublaslt_fp8_tensor();
    case RunKind::kSideBySide: {
      std::optional<AlgoRecord> algo;
      if (r.algo.is_object()) algo = parse_algo_record(r.algo, "worker request", "$.algo");
      return bench.measure_side_by_side(
          candidates_of(r), algo,
          runoff_plan(r, std::max(r.timing.iters, sweep::kRunoffMinSamples)));
    }
    case RunKind::kStreamFloor: return stream_floor_measurement(r.problem, timing_options(r));
    case RunKind::kCublasltPerGroup:
    case RunKind::kCublasltPerGroupGraph:
      throw_kind_mismatch(r, "cublaslt_heuristic, cublaslt_best and cublaslt_fp8_tensor");
  }
  throw Error(kExitUsage, "unknown kind");
}

Measurement WorkerService::measure_grouped(const MeasureRequest& r) {
  GroupedBench& bench = grouped_bench_for(r);
  set_timing(bench, r);
  const Problem& p = r.problem;
  switch (r.kind) {
    case RunKind::kGemmtune:
      return to_measurement(p, bench.measure(candidates_of(r), {}).at(0), RunKind::kGemmtune);
    case RunKind::kCublasltPerGroup:
      return to_measurement(p, bench.measure({}, {kGroupedBaselineLoop}).at(0),
                            RunKind::kCublasltPerGroup);
    case RunKind::kCublasltPerGroupGraph:
      return to_measurement(p, bench.measure({}, {kGroupedBaselineGraph}).at(0),
                            RunKind::kCublasltPerGroupGraph);
    case RunKind::kSideBySide: return grouped_side_by_side(bench, r);
    case RunKind::kStreamFloor: return stream_floor_measurement(p, timing_options(r));
    case RunKind::kCublasltHeuristic:
    case RunKind::kCublasltBest:
    case RunKind::kCublasltFp8Tensor:
      throw_kind_mismatch(r, "cublaslt_per_group and cublaslt_per_group_graph");
  }
  throw Error(kExitUsage, "unknown kind");
}

Measurement WorkerService::grouped_side_by_side(GroupedBench& bench, const MeasureRequest& r) {
  const std::vector<RunoffCandidate> candidates = candidates_of(r);
  // NOTE: the grouped run-off's sustained regime keeps the request's iters (its protocol before
  // --runoff); only the dense one is raised to kRunoffMinSamples.
  const std::vector<GroupedMeasurement> results =
      bench.measure(candidates, {kGroupedBaselineLoop, kGroupedBaselineGraph},
                    BaselineTiming::kSeparate, runoff_plan(r, 0));
  Measurement side;
  const GroupedMeasurement* best = nullptr;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const GroupedMeasurement& m = results[i];
    if (m.disposition != Disposition::kPassed || !m.timing) continue;
    side.runoff.push_back({.config = m.config, .timing = *m.timing});
    if (best == nullptr || m.timing->median_us < best->timing->median_us) best = &m;
  }
  if (best == nullptr) {
    side = to_measurement(r.problem, results.at(0), RunKind::kSideBySide);
    if (side.disposition == Disposition::kPassed) side.disposition = Disposition::kIncorrect;
    side.reason = "no run-off candidate passed: " + results.at(0).reason;
    return side;
  }
  std::vector<RunoffTiming> runoff = std::move(side.runoff);
  side = to_measurement(r.problem, *best, RunKind::kSideBySide);
  if (candidates.size() > 1) side.runoff = std::move(runoff);
  for (size_t i = candidates.size(); i < results.size(); ++i) {
    const GroupedMeasurement& b = results[i];
    if (b.disposition != Disposition::kPassed || !b.timing) continue;
    side.side_by_side[b.kind == kGroupedBaselineLoop ? RunKind::kCublasltPerGroup
                                                     : RunKind::kCublasltPerGroupGraph] = *b.timing;
  }
  return side;
}

bool WorkerService::keep_benches(const MeasureRequest& r) {
  if (problem_ == r.problem && timing_ == r.timing && seed_ == r.seed) return true;
  // NOTE: free the old problem's buffers before allocating the new ones.
  bench_.reset();
  grouped_.reset();
  problem_ = r.problem;
  timing_ = r.timing;
  seed_ = r.seed;
  last_screen_us_ = 0.0;  // the new problem's inputs and references take the card off load
  return false;
}

ProblemBench& WorkerService::bench_for(const MeasureRequest& r) {
  if (!keep_benches(r) || !bench_) {
    grouped_.reset();
    const auto start = std::chrono::steady_clock::now();
    bench_ = std::make_unique<ProblemBench>(
        r.problem, BenchOptions{.timing = timing_options(r), .seed = r.seed});
    phases_.set_up_s = seconds_since(start);
  }
  return *bench_;
}

GroupedBench& WorkerService::grouped_bench_for(const MeasureRequest& r) {
  if (!keep_benches(r) || !grouped_) {
    bench_.reset();
    const auto start = std::chrono::steady_clock::now();
    grouped_ = std::make_unique<GroupedBench>(
        r.problem, BenchOptions{.timing = timing_options(r), .seed = r.seed});
    phases_.set_up_s = seconds_since(start);
  }
  return *grouped_;
}

Measurement thrown_measurement(const MeasureRequest& r, const std::string& what) {
  Measurement m;
  m.problem = r.problem;
  m.kind = r.kind;
  m.config = r.config;
  m.disposition = Disposition::kFaulted;
  m.reason = "worker: " + what;
  return m;
}

}  // namespace gemmtune::worker
