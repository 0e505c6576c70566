#pragma once
/// The timing harness: times any launch function with CUDA events under a stated protocol
/// (core/timing_mode.hpp defines the protocols; src/runtime/README.md "Timing methodology").
/// Warm-up samples run the same protocol and are discarded. Several candidates are either
/// interleaved sample by sample (A B C A B C ...) so that clock and power drift hits all of them
/// alike, or timed in bursts after idle gaps (core/timing_mode.hpp RunoffRegime).
/// The NVML clock sample taken right after the last sample is attached to every result.
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/stream_floor_plan.hpp"
#include "core/timing_mode.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/module.hpp"
#include "runtime/nvml.hpp"

namespace gemmtune {

/// Launches the work being timed on the given stream (asynchronously).
using LaunchFn = std::function<void(cudaStream_t)>;

struct TimingOptions {
  TimingMode mode = TimingMode::kCall;
  int warmup_count = 3;
  int sample_count = 30;
  bool flush_l2 = true;
  uint64_t flush_bytes = 512ull << 20;   ///< > 8x the H200's 60 MiB L2
  /// How the flush evicts the L2 (core/timing_mode.hpp): a memset (the comparison protocol) or a
  /// read-only kernel over the same bytes (`run --flush read`, an experiment).
  FlushKind flush_kind = FlushKind::kWrite;
  double spin_timeout_ms = 1000.0;       ///< kernel mode: longest the spin kernel waits
  bool record_clocks = true;             ///< NVML clock/power sample after each timing call
  /// Host idle time before the warm-ups, the stream drained first (`run --settle-ms`).
  /// NOTE: under the 700 W cap the SM clock depends on what ran just before: right after the
  /// references and validation of a large problem the card is capped (~1.46 GHz), after a second
  /// idle it starts at 1.98 GHz and throttles within ~0.3 s (scripts/lab/device_clock_probe.sh).
  /// A comparison with a side that starts idle must start gemmtune's timing idle too.
  int settle_ms = 0;
  /// Read the SM clock right after every sample (support_timing_clock_probe, ~20 µs queued
  /// behind the stop event, outside the timed span): TimingStats::samples_sm_mhz.
  bool clock_per_sample = false;
  /// Host wait after every sample (warm-ups too) with the stream drained: the GPU idles this long
  /// between samples. Why: the anchors' Python loop idles the card ~100 µs more per sample than
  /// `run` does; 100 µs more did not move when the 700 W controller steps the clock down on
  /// dsv3's capped rows (PERF_LOG history), but a comparison can now match it.
  int sample_gap_us = 0;
};

/// A launch to time, with the name logged before it runs (so a hang names its culprit).
struct TimedLaunch {
  std::string name;
  LaunchFn launch;
};

/// The burst regime of a run-off (core/timing_mode.hpp RunoffRegime::kBurst; sweep/runoff.hpp
/// has the sweep's values).
struct BurstPlan {
  int rounds = 4;          ///< bursts per candidate, the order rotated by one each round
  int warmup_count = 3;    ///< untimed samples at the start of each burst
  int burst_samples = 30;  ///< timed samples per burst
  int max_idle_ms = 50;    ///< longest idle gap before a burst
  /// Longest burst (ms, estimated from one probe sample per candidate); longer problems are
  /// timed in shorter bursts, more rounds (0: no limit). See burst_shape (core/timing_mode.hpp).
  int max_burst_ms = 0;
};

/// How a run-off times its candidates against each other (Timer::time_runoff).
struct RunoffPlan {
  RunoffRegime regime = RunoffRegime::kSustained;
  int sustained_samples = 0;  ///< kSustained: timed samples per candidate (0: the options')
  BurstPlan burst{};          ///< kBurst
  /// > 0: the candidates whose median ends within this fraction of the fastest one (two or
  /// more: close_contest) are timed once more as planned, and each one's samples of both passes
  /// decide. Not where a long problem's bursts were shortened (burst_shape): there the clock,
  /// not the samples, makes the noise, and a second pass costs seconds. 0: one pass.
  double confirm_within_rel = 0.0;
};

struct TimingStats {
  std::string name;
  TimingMode mode = TimingMode::kCall;
  bool flushed_l2 = true;
  FlushKind flush_kind = FlushKind::kWrite;  ///< TimingOptions::flush_kind (flushed_l2 only)
  int warmup_count = 0;
  int settle_ms = 0;  ///< TimingOptions::settle_ms of the call
  std::vector<double> samples_us;  ///< in measurement order
  /// TimingOptions::clock_per_sample: the SM clock each sample ended at, and the GPU's
  /// %globaltimer then (ns; its steps give each sample's period, so the duty cycle).
  std::vector<double> samples_sm_mhz;
  std::vector<unsigned long long> samples_end_ns;
  /// Host time from each timed sample's start to the next one's in the same loop (any launch's):
  /// the loop's period per sample, the call plus the flush, the host's gap and any sample gap.
  /// Why: at the 700 W cap the idle share of that period sets the clock (PERF_LOG history), so
  /// two sides compared must idle alike; their periods show whether they do.
  std::vector<double> sample_intervals_us;
  double sample_period_us = 0.0;  ///< median of sample_intervals_us (0: fewer than 2 samples)
  double median_us = 0.0;
  double p10_us = 0.0;
  double p90_us = 0.0;
  double min_us = 0.0;
  double max_us = 0.0;
  double spread = 0.0;             ///< (p90 - p10) / median
  /// samples_sm_mhz present: their median, and the median over samples of time x that sample's
  /// clock (µs x MHz = cycles), which a clock step inside the burst moves less than the time,
  /// though not to nothing: at the cap a lower clock needs fewer cycles for the same memory
  /// waits (results/PERF_LOG.md history). sweep/runoff.hpp Screened says who ranks by it.
  /// 0 without per-sample clocks.
  double sample_median_mhz = 0.0;
  double sample_median_cycles = 0.0;
  int spin_timeouts = 0;           ///< kernel mode: samples whose launch was not queued in time
  /// Bursts the samples were taken in (Timer::time_in_bursts; more than planned for a long
  /// problem's short bursts, burst_shape); 0: interleaved sample by sample with the other
  /// launches of the call (a sustained run-off; run folders before 8d91659 time a long problem's
  /// burst run-off this way too).
  int burst_rounds = 0;
  ClockSample clocks_after;
};

/// Owns the scratch buffer, stream and events; reuse one Timer for many measurements.
class Timer {
 public:
  explicit Timer(const TimingOptions& options);

  /// Times one launch.
  [[nodiscard]] TimingStats time(const TimedLaunch& launch);
  /// Times `configs` among themselves as `configs_plan` says (by default interleaved with the
  /// options' samples) and the `baselines` as `how` says (separate: each baseline in a block of
  /// its own after the configs; interleaved: configs and baselines together, as `configs_plan`
  /// says; none: the baselines are not timed). Stats: the configs', then the timed baselines'.
  [[nodiscard]] std::vector<TimingStats> time_with_baselines(
      const std::vector<TimedLaunch>& configs, const std::vector<TimedLaunch>& baselines,
      BaselineTiming how, const RunoffPlan& configs_plan = {});
  /// Times several launches interleaved sample by sample; stats in input order. `sample_count`
  /// > 0 overrides the options' count for this call (a run-off needs more samples than a
  /// screening measurement).
  [[nodiscard]] std::vector<TimingStats> time_interleaved(const std::vector<TimedLaunch>& launches,
                                                          int sample_count = 0);
  /// Times several launches in bursts: for round r in [0, plan.rounds), candidate (r + i) % n
  /// for i in [0, n): the stream drained, an idle gap (the previous burst's wall time, at most
  /// plan.max_idle_ms; the first gap plan.max_idle_ms), plan.warmup_count untimed samples, then
  /// plan.burst_samples timed ones. Stats in input order, each pooling its rounds * burst_samples
  /// samples in measurement order; the options' warm-ups and settle_ms are not used.
  [[nodiscard]] std::vector<TimingStats> time_in_bursts(const std::vector<TimedLaunch>& launches,
                                                        const BurstPlan& plan);
  /// Times a run-off's candidates as `plan` says: time_in_bursts or time_interleaved, then
  /// once more for a close contest (RunoffPlan::confirm_within_rel).
  [[nodiscard]] std::vector<TimingStats> time_runoff(const std::vector<TimedLaunch>& launches,
                                                     const RunoffPlan& plan);

  /// Switches TimingOptions::clock_per_sample for the timings that follow. The sweep's worker
  /// reads the clock per sample for single configs (screenings, `check`) only: its run-off and
  /// baselines keep the timing protocol the comparisons use.
  void set_clock_per_sample(bool on);
  /// Sets TimingOptions::settle_ms for the timings that follow.
  void set_settle_ms(int settle_ms) { options_.settle_ms = settle_ms; }

  /// Queues the options' L2 flush (a memset or the read stream, TimingOptions::flush_kind) on
  /// the stream, as before every timed sample; nothing when flush_l2 is off.
  void flush();

  [[nodiscard]] cudaStream_t stream() const { return stream_.get(); }
  [[nodiscard]] const TimingOptions& options() const { return options_; }

 private:
  /// One sample of `launch` in the configured mode, then the options' sample gap; returns
  /// microseconds.
  double sample_us(const TimedLaunch& launch, bool* spin_timed_out);
  double sample_us_once(const TimedLaunch& launch, bool* spin_timed_out);
  /// The options' sample_gap_us: the stream drained, then a host spin.
  void sample_gap();
  /// One timed sample of `launch` added to `stats` (with its clock if the options ask).
  void record_sample(const TimedLaunch& launch, TimingStats& stats);
  /// clock_per_sample: the SM clock now (the probe queued on the stream) added to `stats`.
  void record_clock(TimingStats& stats);
  /// Starts a new loop of timed samples: the next sample's interval is not measured.
  void restart_sample_loop() { last_sample_start_.reset(); }
  /// Drains the stream, then sleeps `idle_ms` on the host.
  void idle(int idle_ms);
  /// One pass of time_runoff; `whole_bursts` false where a long problem's bursts were shortened.
  std::vector<TimingStats> time_runoff_pass(const std::vector<TimedLaunch>& launches,
                                            const RunoffPlan& plan, bool* whole_bursts);
  /// The fields of `t` that follow from its samples (median, quantiles, period, clock, cycles).
  static void summarize_samples_of(TimingStats& t);
  /// `measured` (one per launch, only samples_us and spin_timeouts set) with every other field
  /// filled from its samples, the options and one clock sample taken now.
  [[nodiscard]] std::vector<TimingStats> summarize(const std::vector<TimedLaunch>& launches,
                                                   int warmup_count, int settle_ms,
                                                   std::vector<TimingStats> measured) const;

  TimingOptions options_;
  int device_ = 0;
  CudaStream stream_;
  CudaEvent start_, stop_;
  DeviceBuffer scratch_;
  StreamLaunchPlan read_flush_plan_;  // FlushKind::kRead: the bulk stream over scratch_
  DeviceBuffer read_flush_sum_;       // FlushKind::kRead: what the stream counts (never read)
  MappedHostBuffer spin_flags_;  // kernel mode: [0] release flag, [1] timed-out flag
  Kernel spin_kernel_;           // kernel mode: support_timing_spin
  MappedHostBuffer clock_probe_out_;  // clock_per_sample: GemmtuneSupportClockProbeParams::out
  Kernel clock_probe_kernel_;
  std::optional<std::chrono::steady_clock::time_point> last_sample_start_;  // record_sample
};

void to_json(nlohmann::json& j, const TimingStats& stats);

}  // namespace gemmtune
