// The timing harness in both modes, interleaving and bursts.
#include <gtest/gtest.h>
#include <chrono>
#include <thread>

#include "gpu_test_support.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/timing.hpp"

namespace gemmtune {
namespace {

/// A 1 GiB memset: a few hundred microseconds of device time whatever the launch latency.
struct MemsetWork {
  DeviceBuffer buffer{size_t{1} << 30};
  [[nodiscard]] TimedLaunch launch() const {
    return {"memset_1GiB", [this](cudaStream_t s) { GT_CUDA_CHECK(cudaMemsetAsync(buffer.get(), 1, buffer.size_bytes(), s)); }};
  }
};

void expect_sane(const TimingStats& t, int samples) {
  EXPECT_EQ(static_cast<int>(t.samples_us.size()), samples) << t.name;
  EXPECT_GT(t.median_us, 0.0) << t.name;
  EXPECT_LE(t.min_us, t.p10_us);
  EXPECT_LE(t.p10_us, t.median_us);
  EXPECT_LE(t.median_us, t.p90_us);
  EXPECT_EQ(t.spin_timeouts, 0) << t.name;
  if (t.clocks_after.available) EXPECT_GT(t.clocks_after.sm_clock_mhz, 0);
}

TEST(Timing, CallModeTimesACublasLtGemm) {
  GT_SKIP_WITHOUT_GPU();
  Timer timer(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 2, .sample_count = 10});
  const testing::Problem p = testing::make_problem(128, 2112, 7168, 1, timer.stream());
  CublasLtFp8Gemm gemm(p.inputs.operands(), p.d.as<uint16_t>(), CublasLtGemmOptions{});
  ASSERT_TRUE(gemm.select_heuristic(nullptr).has_value());
  const TimingStats t = timer.time(TimedLaunch{"cublaslt_block_heuristic", gemm.launcher()});
  expect_sane(t, 10);
  EXPECT_LT(t.median_us, 10000.0) << "a 4 GFLOP GEMM cannot take 10 ms";
}

TEST(Timing, KernelModeExcludesLaunchLatency) {
  GT_SKIP_WITHOUT_GPU();
  const MemsetWork work;
  Timer call(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 2, .sample_count = 15});
  Timer kernel(TimingOptions{.mode = TimingMode::kKernel, .warmup_count = 2, .sample_count = 15});
  const TimingStats call_stats = call.time(work.launch());
  const TimingStats kernel_stats = kernel.time(work.launch());
  expect_sane(call_stats, 15);
  expect_sane(kernel_stats, 15);
  EXPECT_EQ(kernel_stats.mode, TimingMode::kKernel);
  // NOTE: the same device work; kernel mode drops only the launch latency (a few us).
  EXPECT_LT(kernel_stats.median_us, call_stats.median_us * 1.1 + 5.0);
  EXPECT_GT(kernel_stats.median_us, 0.5 * call_stats.median_us);
}

TEST(Timing, InterleavedCandidatesKeepTheirOrderAndNames) {
  GT_SKIP_WITHOUT_GPU();
  const MemsetWork work;
  Timer timer(TimingOptions{.mode = TimingMode::kKernel, .warmup_count = 1, .sample_count = 8});
  const TimedLaunch nothing{"empty", [](cudaStream_t) {}};
  const std::vector<TimingStats> stats = timer.time_interleaved({work.launch(), nothing});
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "memset_1GiB");
  EXPECT_EQ(stats[1].name, "empty");
  expect_sane(stats[0], 8);
  EXPECT_EQ(stats[1].samples_us.size(), 8u);  // events around nothing may read 0 us
  EXPECT_GT(stats[0].median_us, 10.0 * stats[1].median_us);
}

TEST(Timing, ClockPerSampleReadsTheClockAfterEverySample) {
  GT_SKIP_WITHOUT_GPU();
  const MemsetWork work;
  Timer timer(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 1, .sample_count = 6,
                            .flush_bytes = 1u << 20, .clock_per_sample = true});
  const TimingStats t = timer.time(work.launch());
  expect_sane(t, 6);
  ASSERT_EQ(t.samples_sm_mhz.size(), 6u);
  ASSERT_EQ(t.samples_end_ns.size(), 6u);
  for (size_t i = 0; i < t.samples_sm_mhz.size(); ++i) {
    // Any Hopper SM clock lies between its idle 345 MHz and its 1980 MHz maximum; a probe that
    // read a wrong counter or did not run reads 0 or far outside.
    EXPECT_GT(t.samples_sm_mhz[i], 200.0) << i;
    EXPECT_LT(t.samples_sm_mhz[i], 2500.0) << i;
    // Sample i + 1's probe ran after sample i's, at least one memset (>= 100 µs) later.
    if (i > 0) EXPECT_GT(t.samples_end_ns[i], t.samples_end_ns[i - 1] + 100000ull) << i;
  }
  Timer plain(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 0, .sample_count = 2,
                            .flush_bytes = 1u << 20});
  EXPECT_TRUE(plain.time(work.launch()).samples_sm_mhz.empty());
}

TEST(Timing, SamplePeriodCountsTheGapBetweenSamples) {
  GT_SKIP_WITHOUT_GPU();
  const MemsetWork work;
  const TimingOptions base{.mode = TimingMode::kCall, .warmup_count = 1, .sample_count = 8,
                           .flush_bytes = 1u << 20};
  TimingOptions gapped = base;
  gapped.sample_gap_us = 2000;
  Timer plain(base), with_gap(gapped);
  const TimingStats p = plain.time(work.launch());
  const TimingStats g = with_gap.time(work.launch());
  // 8 samples, 7 intervals between them; the warm-up's is not one of them.
  ASSERT_EQ(p.sample_intervals_us.size(), 7u);
  ASSERT_EQ(g.sample_intervals_us.size(), 7u);
  // A period holds at least the sample itself, and the gap on top of it where one is asked for.
  EXPECT_GE(p.sample_period_us, p.median_us);
  EXPECT_GE(g.sample_period_us, g.median_us + 2000.0);
  EXPECT_LT(p.sample_period_us, p.median_us + 2000.0) << "no gap asked for, yet one was there";
}

/// The order in which a launch ran, recorded on the host as it is enqueued.
struct LaunchLog {
  std::vector<std::string> order;
  [[nodiscard]] TimedLaunch launch(const std::string& name) {
    return {name, [this, name](cudaStream_t) { order.push_back(name); }};
  }
  /// A launch whose sample lasts >= host_ms: the stop event is recorded after the host's sleep.
  [[nodiscard]] TimedLaunch slow_launch(const std::string& name, int host_ms) {
    return {name, [this, name, host_ms](cudaStream_t) {
              order.push_back(name);
              std::this_thread::sleep_for(std::chrono::milliseconds(host_ms));
            }};
  }
};

TEST(Timing, BaselinesSeparateInterleavedOrNone) {
  GT_SKIP_WITHOUT_GPU();
  Timer timer(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 0, .sample_count = 3,
                            .flush_bytes = 1u << 20, .record_clocks = false});
  {
    LaunchLog log;
    const std::vector<TimingStats> stats = timer.time_with_baselines(
        {log.launch("a"), log.launch("b")}, {log.launch("base")}, BaselineTiming::kSeparate);
    ASSERT_EQ(stats.size(), 3u);
    EXPECT_EQ(stats[2].name, "base");
    // The configs interleaved among themselves, then the baseline's samples in a block.
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b", "a", "b", "a", "b", "base", "base",
                                                   "base"}));
  }
  {
    LaunchLog log;
    const std::vector<TimingStats> stats = timer.time_with_baselines(
        {log.launch("a")}, {log.launch("base")}, BaselineTiming::kInterleaved);
    ASSERT_EQ(stats.size(), 2u);
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "base", "a", "base", "a", "base"}));
  }
  {
    LaunchLog log;
    const std::vector<TimingStats> stats = timer.time_with_baselines(
        {log.launch("a")}, {log.launch("base")}, BaselineTiming::kNone);
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "a", "a"}));
  }
}

TEST(Timing, BurstsRotateTheCandidatesAndPoolEveryRound) {
  GT_SKIP_WITHOUT_GPU();
  Timer timer(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 5, .sample_count = 7,
                            .flush_bytes = 1u << 20, .record_clocks = false});
  LaunchLog log;
  const BurstPlan plan{.rounds = 3, .warmup_count = 1, .burst_samples = 2, .max_idle_ms = 1};
  const std::vector<TimingStats> stats =
      timer.time_in_bursts({log.launch("a"), log.launch("b"), log.launch("c")}, plan);
  ASSERT_EQ(stats.size(), 3u);
  for (size_t c = 0; c < stats.size(); ++c) {
    EXPECT_EQ(stats[c].name, std::string(1, static_cast<char>('a' + c)));
    // rounds x burst_samples, not the options' 7; the plan's warm-ups, not the options' 5.
    EXPECT_EQ(stats[c].samples_us.size(), 6u) << stats[c].name;
    EXPECT_EQ(stats[c].warmup_count, 1) << stats[c].name;
  }
  // Round r starts at candidate r; each burst is 1 warm-up + 2 samples of one candidate.
  EXPECT_EQ(log.order, (std::vector<std::string>{"a", "a", "a", "b", "b", "b", "c", "c", "c",
                                                 "b", "b", "b", "c", "c", "c", "a", "a", "a",
                                                 "c", "c", "c", "a", "a", "a", "b", "b", "b"}));
}

TEST(Timing, RunoffPlanChoosesBurstsOrInterleaving) {
  GT_SKIP_WITHOUT_GPU();
  Timer timer(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 0, .sample_count = 2,
                            .flush_bytes = 1u << 20, .record_clocks = false});
  {
    LaunchLog log;
    const std::vector<TimingStats> stats = timer.time_runoff(
        {log.launch("a"), log.launch("b")},
        {.regime = RunoffRegime::kSustained, .sustained_samples = 3});
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b", "a", "b", "a", "b"}));
    EXPECT_EQ(stats.at(1).samples_us.size(), 3u);
  }
  {
    LaunchLog log;
    const RunoffPlan bursts{.regime = RunoffRegime::kBurst,
                            .burst = {.rounds = 2, .warmup_count = 0, .burst_samples = 1,
                                      .max_idle_ms = 0}};
    // The configs in bursts, then the baseline's block.
    const std::vector<TimingStats> stats = timer.time_with_baselines(
        {log.launch("a"), log.launch("b")}, {log.launch("base")}, BaselineTiming::kSeparate,
        bursts);
    ASSERT_EQ(stats.size(), 3u);
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b", "b", "a", "base", "base"}));
  }
  {
    // A burst longer than max_burst_ms (2 bursts of 4 samples of 2 ms, 5 ms allowed): one probe
    // sample per candidate, then short bursts of the 2 samples that fit, half the samples in
    // all (burst_shape), the order rotated each round; a short enough one keeps its bursts.
    LaunchLog log;
    const RunoffPlan capped{.regime = RunoffRegime::kBurst, .sustained_samples = 2,
                            .burst = {.rounds = 2, .warmup_count = 0, .burst_samples = 4,
                                      .max_idle_ms = 0, .max_burst_ms = 5}};
    const std::vector<TimingStats> stats =
        timer.time_runoff({log.slow_launch("a", 2), log.slow_launch("b", 2)}, capped);
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b", "a", "a", "b", "b", "b", "b", "a", "a"}));
    EXPECT_EQ(stats.at(0).samples_us.size(), 4u);
    EXPECT_EQ(stats.at(0).burst_rounds, 2);
    LaunchLog kept_log;
    const RunoffPlan roomy{.regime = RunoffRegime::kBurst,
                           .burst = {.rounds = 1, .warmup_count = 0, .burst_samples = 1,
                                     .max_idle_ms = 0, .max_burst_ms = 1000}};
    const std::vector<TimingStats> kept =
        timer.time_runoff({kept_log.slow_launch("a", 2), kept_log.slow_launch("b", 2)}, roomy);
    EXPECT_EQ(kept_log.order, (std::vector<std::string>{"a", "b", "a", "b"}));  // probes, bursts
    EXPECT_EQ(kept.at(1).samples_us.size(), 1u);
    EXPECT_EQ(kept.at(1).burst_rounds, 1);
  }
}

TEST(Timing, ACloseRunoffIsTimedOnceMoreAndDecidesOnBothPasses) {
  GT_SKIP_WITHOUT_GPU();
  Timer timer(TimingOptions{.mode = TimingMode::kCall, .warmup_count = 0, .sample_count = 2,
                            .flush_bytes = 1u << 20, .record_clocks = false});
  const BurstPlan one_burst{.rounds = 1, .warmup_count = 0, .burst_samples = 1, .max_idle_ms = 0};
  {
    // a and b (empty launches, a few us each) are within 100% of each other; c (>= 3 ms) is not:
    // a and b get a second pass, c keeps its one.
    LaunchLog log;
    const std::vector<TimingStats> stats = timer.time_runoff(
        {log.launch("a"), log.launch("b"), log.slow_launch("c", 3)},
        {.regime = RunoffRegime::kBurst, .burst = one_burst, .confirm_within_rel = 1.0});
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b", "c", "a", "b"}));
    ASSERT_EQ(stats.size(), 3u);
    for (const size_t i : {0, 1}) {
      EXPECT_EQ(stats[i].samples_us.size(), 2u) << stats[i].name;
      EXPECT_EQ(stats[i].burst_rounds, 2) << stats[i].name;
      EXPECT_LE(stats[i].min_us, stats[i].median_us);
      EXPECT_LE(stats[i].median_us, stats[i].max_us);
    }
    EXPECT_EQ(stats[2].samples_us.size(), 1u);
    EXPECT_EQ(stats[2].burst_rounds, 1);
    EXPECT_GT(stats[2].median_us, 2000.0);
  }
  {
    // Without a margin, one pass.
    LaunchLog log;
    static_cast<void>(timer.time_runoff({log.launch("a"), log.launch("b")},
                                        {.regime = RunoffRegime::kBurst, .burst = one_burst}));
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b"}));
  }
  {
    // Shortened bursts (2 ms samples, 3 ms bursts allowed): one pass, however close.
    LaunchLog log;
    const RunoffPlan capped{.regime = RunoffRegime::kBurst,
                            .burst = {.rounds = 1, .warmup_count = 0, .burst_samples = 4,
                                      .max_idle_ms = 0, .max_burst_ms = 3},
                            .confirm_within_rel = 1.0};
    const std::vector<TimingStats> stats =
        timer.time_runoff({log.slow_launch("a", 2), log.slow_launch("b", 2)}, capped);
    // Probes, then 2 rounds of 1-sample bursts (half the 4 planned, burst_shape), rotated.
    EXPECT_EQ(log.order, (std::vector<std::string>{"a", "b", "a", "b", "b", "a"}));
    EXPECT_EQ(stats.at(0).samples_us.size(), 2u);
    EXPECT_EQ(stats.at(0).burst_rounds, 2);
  }
}

}  // namespace
}  // namespace gemmtune
