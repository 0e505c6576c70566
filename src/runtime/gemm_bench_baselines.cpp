// The cuBLASLt baselines of a ProblemBench beyond the heuristic: the best enumerated block-scaled
// configuration (screen, validate, re-time) and the per-tensor FP8 GEMM. Same Timer protocol as
// the gemmtune configs, so their numbers compare like with like.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <utility>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "runtime/cublaslt_algo_search.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/gemm_bench_state.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {
namespace {

/// Runs the selected algorithm once, untimed; false (with *why) when cuBLASLt refuses to launch
/// it or the launch reports an error. A fault is not caught: it poisons the context, so the
/// synchronization after it fails again and throws, and the worker must report it and restart.
bool trial_run(const CublasLtFp8Gemm& gemm, cudaStream_t stream, std::string* why) {
  try {
    gemm.run(stream);
  } catch (const Error& e) {
    *why = e.what();
    return false;
  }
  const cudaError_t status = cudaStreamSynchronize(stream);
  if (status == cudaSuccess) return true;
  *why = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
  (void)cudaGetLastError();  // NOTE: clears an error that is not sticky
  GT_CUDA_CHECK(cudaDeviceSynchronize());
  return false;
}

/// What the probe pass and the screening met besides times.
struct ProbeTally {
  int64_t refused = 0;  ///< configurations cuBLASLt refused to launch, or whose launch failed
  int64_t again = 0;    ///< probes timed again because the host was slow to enqueue the first
  int64_t spin_timeouts = 0;  ///< samples (probe or screening) whose spin kernel timed out
};

/// Longest host call of a launch whose probe is kept. NOTE: a longer call (cuBLASLt loading the
/// kernel's module on its first use in the process, or the host descheduled) let the GPU wait
/// between the start event and the kernel, so the probe's time holds the wait; the screening's
/// flush before the start event (~40 us for 2x a 60 MiB L2) hides a call shorter than this.
constexpr double kProbeLongestEnqueueUs = 50.0;

/// The probe of the selected algorithm: its first launches, `timer`'s warm-ups and one sample,
/// and a second sample if the host was slow to enqueue the first. `timer` is never in kernel
/// mode (probe_timer_options says why). nullopt (with *why) when cuBLASLt refuses to launch it
/// or the launch reports an error. A fault is not caught: it poisons the context, so the
/// synchronization after it fails again and throws, and the worker must report it and restart.
std::optional<double> probe_us(const CublasLtFp8Gemm& gemm, Timer& timer, std::string* why,
                               ProbeTally* tally) {
  const LaunchFn launch = gemm.launcher();
  double enqueue_us = 0.0;
  const TimedLaunch probe{"cublaslt_best_probe", [&](cudaStream_t stream) {
                            const auto call_start = std::chrono::steady_clock::now();
                            launch(stream);
                            enqueue_us = 1e6 * seconds_since(call_start);
                          }};
  double us = 0.0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      const TimingStats t = timer.time_interleaved({probe}, 1).front();
      us = t.median_us;
      tally->spin_timeouts += t.spin_timeouts;
    } catch (const Error& e) {
      *why = e.what();
      (void)cudaGetLastError();  // NOTE: clears an error that is not sticky
      GT_CUDA_CHECK(cudaDeviceSynchronize());
      return std::nullopt;
    }
    if (enqueue_us <= kProbeLongestEnqueueUs) break;
    ++tally->again;
  }
  return us;
}

/// The probes' protocol: the screening's, but a kernel-mode sweep probes in call mode. NOTE: in
/// kernel mode a sample is enqueued while a spin kernel holds the GPU, and cuBLASLt's first
/// launch of a kernel loads its module, which waits for the GPU: each kernel new to the process
/// waited out the spin's 1 s timeout (PERF_LOG history). An untimed launch before each probe fixed
/// that but ran every probed algorithm twice: the probes took 2.2 ms each against call mode's
/// 1.0, and a kernel-mode dsv3 sweep covered 174 of 198 problems in the 964 s where call mode's
/// finished in 788. In call mode the load only
/// lengthens the host's call, which the enqueue check catches and probes again. The probes only
/// rank a problem's algorithms against each other for the cut; the screening and the re-timing
/// keep the sweep's own mode.
TimingOptions probe_timer_options(TimingOptions screen_options) {
  if (screen_options.mode == TimingMode::kKernel) screen_options.mode = TimingMode::kCall;
  return screen_options;
}

}  // namespace

Measurement ProblemBench::measure_cublaslt_best(const CublasLtBestOptions& options) {
  NvtxRange range("cublaslt_best");
  State& s = *state_;
  const cudaStream_t stream = s.timer.stream();
  Measurement best;
  best.problem = problem_;
  best.kind = RunKind::kCublasltBest;
  CublasLtFp8Gemm search(s.inputs.operands(), s.d.as<uint16_t>(), CublasLtGemmOptions{});
  // NOTE: the heuristic's pick seeds the walk, so the baseline's space always contains it.
  std::vector<AlgoRecord> seeds;
  if (const std::optional<AlgoRecord> heuristic = search.select_heuristic(nullptr)) seeds.push_back(*heuristic);
  AlgoSearchResult found = search_algos(search, AlgoSearchSpace{}, seeds);
  if (found.valid.empty()) {
    best.disposition = Disposition::kSkipped;
    best.reason = fmt::format("cublasLtMatmulAlgoCheck accepted none of {} configurations",
                              found.checked_count);
    return best;
  }
  const size_t valid_count = found.valid.size();
  if (found.valid.size() > static_cast<size_t>(options.max_algos)) {
    found.valid.resize(static_cast<size_t>(options.max_algos));
  }
  TimingOptions screen_options = s.timer.options();
  screen_options.warmup_count = options.screen_warmup;
  screen_options.sample_count = options.screen_samples;
  screen_options.record_clocks = false;  // NOTE: an NVML query per screened algorithm adds up
  // NOTE: a smaller flush for the screening only (2x the L2 still evicts it): the 512 MiB memset
  // behind each of its 4 launches took ~0.5 ms of the ~2.7 ms per screened algorithm, and the
  // screening of 214 k algorithms is 580 s of the full dsv3 sweep's 909 s. The
  // finalists are re-timed with the full protocol, so no reported time changes.
  int device = 0, l2_bytes = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, device));
  if (l2_bytes > 0) {
    screen_options.flush_bytes =
        std::min(screen_options.flush_bytes, 2 * static_cast<uint64_t>(l2_bytes));
  }
  Timer screen(screen_options);
  Timer probe_timer(probe_timer_options(screen_options));
  // NOTE: a probe pass, then the screening of the probes' fastest few: most of the 512-1536
  // configurations of a problem are far slower than the best (on dsv3's largest rows the mean
  // screened one took 12x the best's time), and their two screening samples and trial launch
  // made the search 610 s of a full dsv3 sweep's 1105 s on one H200.
  std::vector<double> probe_times_us;
  std::vector<size_t> probed;  // index into found.valid of each probe time
  ProbeTally tally;
  const auto probe_start = std::chrono::steady_clock::now();
  {
    NvtxRange probing("probe " + std::to_string(found.valid.size()) + " algos");
    for (size_t i = 0; i < found.valid.size(); ++i) {
      std::string why;
      std::optional<double> us;
      if (search.select(found.valid[i], &why)) us = probe_us(search, probe_timer, &why, &tally);
      if (!us) {
        spdlog::debug("cuBLASLt {} refused: {}", to_string(found.valid[i]), why);
        ++tally.refused;
        continue;
      }
      probe_times_us.push_back(*us);
      probed.push_back(i);
    }
  }
  const double probe_s = seconds_since(probe_start);
  std::vector<size_t> survivors(probed.size());  // indices into probed
  if (options.probe_cut) {
    survivors = probe_survivors(probe_times_us, *options.probe_cut);
  } else {
    std::iota(survivors.begin(), survivors.end(), size_t{0});
  }
  std::vector<std::pair<double, size_t>> screened;  // (median_us, index into found.valid)
  const auto screen_start = std::chrono::steady_clock::now();
  {
    NvtxRange screening("screen " + std::to_string(survivors.size()) + " algos");
    for (const size_t p : survivors) {
      const size_t i = probed[p];
      std::string why;
      if (!search.select(found.valid[i], &why)) {
        spdlog::debug("cuBLASLt {} refused after its probe: {}", to_string(found.valid[i]), why);
        continue;
      }
      const TimingStats t = screen.time({"cublaslt_best_screen", search.launcher()});
      tally.spin_timeouts += t.spin_timeouts;
      screened.emplace_back(t.median_us, i);
    }
  }
  std::sort(screened.begin(), screened.end());
  const double screen_s = seconds_since(screen_start);
  // The fastest screened configurations that validate, each bound to its own matmul object.
  std::vector<std::unique_ptr<CublasLtFp8Gemm>> finalists;
  std::vector<ValidationMetrics> finalist_metrics;
  int64_t incorrect = 0;
  std::string first_incorrect;
  for (const auto& [median_us, index] : screened) {
    if (finalists.size() >= static_cast<size_t>(options.retimed)) break;
    auto gemm = std::make_unique<CublasLtFp8Gemm>(s.inputs.operands(), s.d.as<uint16_t>(),
                                                  CublasLtGemmOptions{});
    std::string why;
    if (!gemm->select(found.valid[index], &why)) continue;
    poison_output(s.d.get(), s.d.size_bytes(), stream);
    gemm->run(stream);
    const ValidationMetrics metrics = compare_output(s.d.as<uint16_t>(), s.reference.as<float>(),
                                                     problem_.m, problem_.n, stream);
    const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
    if (!verdict.passed) {
      if (incorrect++ == 0) first_incorrect = to_string(found.valid[index]) + ": " + verdict.reason;
      continue;
    }
    finalists.push_back(std::move(gemm));
    finalist_metrics.push_back(metrics);
  }
  const std::string summary = fmt::format(
      "{} configurations checked ({:.2f} s), {} valid, {} probed ({:.2f} s; {} refused to launch, "
      "{} probed again), {} screened ({:.2f} s), {} spin timeouts, {} incorrect",
      found.checked_count, found.seconds, valid_count, probed.size(), probe_s, tally.refused,
      tally.again, screened.size(), screen_s, tally.spin_timeouts, incorrect);
  if (finalists.empty()) {
    best.disposition = screened.empty() ? Disposition::kLaunchFailed : Disposition::kIncorrect;
    best.reason = summary + (first_incorrect.empty() ? "" : "; first: " + first_incorrect);
    return best;
  }
  std::vector<TimedLaunch> launches;
  for (const auto& gemm : finalists) {
    launches.push_back({"cublaslt_best " + to_string(gemm->selected()), gemm->launcher()});
  }
  const std::vector<TimingStats> stats = s.timer.time_interleaved(launches);
  const auto winner = static_cast<size_t>(
      std::min_element(stats.begin(), stats.end(),
                       [](const TimingStats& a, const TimingStats& b) {
                         return a.median_us < b.median_us;
                       }) -
      stats.begin());
  best.algo = finalists[winner]->selected();
  best.timing = stats[winner];
  best.vs_reference = finalist_metrics[winner];
  best.disposition = Disposition::kPassed;
  best.reason = summary + fmt::format("; fastest of {} re-timed", finalists.size());
  return best;
}

Measurement ProblemBench::measure_cublaslt_fp8_tensor() {
  NvtxRange range("cublaslt_fp8_tensor");
  State& s = *state_;
  Measurement m;
  m.problem = problem_;
  m.kind = RunKind::kCublasltFp8Tensor;
  CublasLtFp8Gemm gemm(s.inputs.operands(), s.d.as<uint16_t>(),
                       CublasLtGemmOptions{.scaling = CublasLtScaling::kPerTensor});
  std::string why;
  const std::optional<AlgoRecord> algo = gemm.select_heuristic(&why);
  if (!algo) {
    m.disposition = Disposition::kSkipped;
    m.reason = why;
    return m;
  }
  m.algo = algo;
  if (!trial_run(gemm, s.timer.stream(), &why)) {
    m.disposition = Disposition::kLaunchFailed;
    m.reason = why;
    return m;
  }
  m.timing = s.timer.time({"cublaslt_fp8_tensor", gemm.launcher()});
  m.disposition = Disposition::kPassed;
  return m;
}

}  // namespace gemmtune
