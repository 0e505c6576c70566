#include "runtime/timing.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <nlohmann/json.hpp>
#include <nvtx3/nvtx3.hpp>

#include "core/error.hpp"
#include "core/sample_stats.hpp"
#include "core/stopwatch.hpp"
#include "kernels/support_params.h"
#include "runtime/cuda_check.hpp"
#include "runtime/stream_read.hpp"
#include "runtime/support_module.hpp"

namespace gemmtune {

Timer::Timer(const TimingOptions& options) : options_(options) {
  GT_CHECK(options.sample_count > 0 && options.warmup_count >= 0, kExitUsage, "need >= 1 sample, >= 0 warm-ups");
  GT_CUDA_CHECK(cudaGetDevice(&device_));
  if (options.flush_l2) scratch_ = DeviceBuffer(options.flush_bytes);
  if (options.flush_l2 && options.flush_kind == FlushKind::kRead) {
    int sm_count = 0, smem_optin = 0;
    GT_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device_));
    GT_CUDA_CHECK(cudaDeviceGetAttribute(&smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device_));
    // NOTE: whole 16-byte vectors (the stream kernels' unit); the tail of an odd size stays put.
    // The bulk (TMA) read evicts; the ldg reads, with or without the evict-first hint, left a
    // 32-40 MiB buffer in the H200's L2 (StreamFloorGpu.ReadAndWriteFlushesBothEvictTheL2,
    // 7f3a7dd:results/2026-11-26-h200-bounds-full-dsv3-tail-exit/0237-read-flush-eviction/).
    read_flush_plan_ = plan_stream_read(StreamVariant::kBulk, options.flush_bytes / kStreamAlignBytes * kStreamAlignBytes,
                                        sm_count, smem_optin);
    prepare_stream_read(read_flush_plan_);
    read_flush_sum_ = DeviceBuffer(sizeof(uint64_t));
    // Defined contents to read (the sum is never checked: the floor's own check covers the kernel).
    GT_CUDA_CHECK(cudaMemset(scratch_.get(), 0, scratch_.size_bytes()));
  }
  if (options.mode == TimingMode::kKernel) {
    spin_flags_ = MappedHostBuffer(2 * sizeof(int));
    spin_kernel_ = support_kernels().spin;
  }
  set_clock_per_sample(options.clock_per_sample);
}

void Timer::set_clock_per_sample(bool on) {
  options_.clock_per_sample = on;
  if (on && clock_probe_out_.host() == nullptr) {
    clock_probe_out_ = MappedHostBuffer(3 * sizeof(unsigned long long));
    clock_probe_kernel_ = support_kernels().clock_probe;
  }
}

void Timer::record_sample(const TimedLaunch& launch, TimingStats& stats) {
  const auto start = std::chrono::steady_clock::now();
  if (last_sample_start_) {
    stats.sample_intervals_us.push_back(
        std::chrono::duration<double, std::micro>(start - *last_sample_start_).count());
  }
  last_sample_start_ = start;
  bool timed_out = false;
  stats.samples_us.push_back(sample_us_once(launch, &timed_out));
  stats.spin_timeouts += timed_out ? 1 : 0;
  if (options_.clock_per_sample) record_clock(stats);
  sample_gap();
}

void Timer::record_clock(TimingStats& stats) {
  // NOTE: 20 µs of spin: %globaltimer steps by up to 1 µs, so the clock reads within ~5%.
  constexpr unsigned long long kProbeSpinNs = 20000;
  auto* out = static_cast<volatile unsigned long long*>(clock_probe_out_.host());
  out[1] = 0;
  const GemmtuneSupportClockProbeParams probe{
      .out = static_cast<unsigned long long*>(clock_probe_out_.device()), .spin_ns = kProbeSpinNs};
  launch_kernel(clock_probe_kernel_, LaunchShape{}, stream_.get(), probe);
  stream_.synchronize();
  const unsigned long long cycles = out[0], ns = out[1];
  stats.samples_sm_mhz.push_back(ns > 0 ? 1000.0 * static_cast<double>(cycles) / static_cast<double>(ns)
                                            : 0.0);
  stats.samples_end_ns.push_back(static_cast<unsigned long long>(out[2]));
}

void Timer::flush() {
  if (!options_.flush_l2) return;
  if (options_.flush_kind == FlushKind::kRead) {
    launch_stream_read(read_flush_plan_, scratch_.get(), read_flush_sum_.as<uint64_t>(), stream_.get());
  } else {
    GT_CUDA_CHECK(cudaMemsetAsync(scratch_.get(), 0, scratch_.size_bytes(), stream_.get()));
  }
}

double Timer::sample_us(const TimedLaunch& launch, bool* spin_timed_out) {
  const double us = sample_us_once(launch, spin_timed_out);
  sample_gap();
  return us;
}

void Timer::sample_gap() {
  if (options_.sample_gap_us <= 0) return;
  // NOTE: a spin, not sleep_for: a sleep overshoots by ~50 µs, as much as the gaps asked for.
  stream_.synchronize();
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(options_.sample_gap_us);
  while (std::chrono::steady_clock::now() < until) {
  }
}

double Timer::sample_us_once(const TimedLaunch& launch, bool* spin_timed_out) {
  const nvtx3::scoped_range range{launch.name};
  spdlog::trace("timing sample of {}", launch.name);
  cudaStream_t stream = stream_.get();
  *spin_timed_out = false;
  if (options_.mode != TimingMode::kKernel) {
    flush();
    // NOTE: call_sync waits for the flush, so the start event fires when the host reaches it and
    // the sample includes the host-side launch latency of the call. call records it right behind
    // the flush: the host enqueues the call while the GPU still flushes (~150 us for 512 MiB).
    if (options_.mode == TimingMode::kCallSync) stream_.synchronize();
    start_.record(stream);
    launch.launch(stream);
    stop_.record(stream);
    stop_.synchronize();
    return 1000.0 * stop_.elapsed_ms_since(start_);
  }
  auto* flags = static_cast<volatile int*>(spin_flags_.host());
  flags[0] = 0;
  flags[1] = 0;
  auto* device_flags = static_cast<int*>(spin_flags_.device());
  const GemmtuneSupportSpinParams spin{
      .flag = device_flags, .timed_out = device_flags + 1,
      .timeout_ns = static_cast<unsigned long long>(options_.spin_timeout_ms * 1e6)};
  launch_kernel(spin_kernel_, LaunchShape{}, stream, spin);
  flush();
  start_.record(stream);
  launch.launch(stream);
  stop_.record(stream);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  flags[0] = 1;
  stop_.synchronize();
  *spin_timed_out = flags[1] != 0;
  return 1000.0 * stop_.elapsed_ms_since(start_);
}

void Timer::idle(int idle_ms) {
  GT_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  if (idle_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
}

void Timer::summarize_samples_of(TimingStats& t) {
  const SampleStats s = summarize_samples(t.samples_us);
  t.median_us = s.median;
  t.p10_us = s.p10;
  t.p90_us = s.p90;
  t.min_us = s.min;
  t.max_us = s.max;
  t.spread = s.spread;
  if (!t.sample_intervals_us.empty()) {
    t.sample_period_us = summarize_samples(t.sample_intervals_us).median;
  }
  if (!t.samples_sm_mhz.empty() && t.samples_sm_mhz.size() == t.samples_us.size()) {
    std::vector<double> cycles(t.samples_us.size());
    for (size_t i = 0; i < cycles.size(); ++i) cycles[i] = t.samples_us[i] * t.samples_sm_mhz[i];
    t.sample_median_mhz = summarize_samples(t.samples_sm_mhz).median;
    t.sample_median_cycles = summarize_samples(cycles).median;
  }
}

std::vector<TimingStats> Timer::summarize(const std::vector<TimedLaunch>& launches,
                                          int warmup_count, int settle_ms,
                                          std::vector<TimingStats> measured) const {
  const ClockSample clocks = options_.record_clocks ? sample_clocks(device_) : ClockSample{};
  for (size_t c = 0; c < launches.size(); ++c) {
    TimingStats& t = measured[c];
    t.name = launches[c].name;
    t.mode = options_.mode;
    t.flushed_l2 = options_.flush_l2;
    t.flush_kind = options_.flush_kind;
    t.warmup_count = warmup_count;
    t.settle_ms = settle_ms;
    summarize_samples_of(t);
    t.clocks_after = clocks;
    if (t.spin_timeouts > 0) {
      spdlog::warn("{}: {} samples launched after the spin kernel timed out; they include launch latency", t.name,
                   t.spin_timeouts);
    }
  }
  return measured;
}

std::vector<TimingStats> Timer::time_interleaved(const std::vector<TimedLaunch>& launches,
                                                 int sample_count) {
  GT_CHECK(!launches.empty(), kExitUsage, "nothing to time");
  const int samples = sample_count > 0 ? sample_count : options_.sample_count;
  std::vector<TimingStats> stats(launches.size());
  for (const TimedLaunch& launch : launches) {
    spdlog::debug("timing {} ({} mode, {} warm-ups, {} samples)", launch.name, to_string(options_.mode),
                  options_.warmup_count, samples);
  }
  bool timed_out = false;
  if (options_.settle_ms > 0) idle(options_.settle_ms);
  for (int w = 0; w < options_.warmup_count; ++w) {
    for (const TimedLaunch& launch : launches) static_cast<void>(sample_us(launch, &timed_out));
  }
  restart_sample_loop();
  for (int s = 0; s < samples; ++s) {
    for (size_t c = 0; c < launches.size(); ++c) record_sample(launches[c], stats[c]);
  }
  return summarize(launches, options_.warmup_count, options_.settle_ms, std::move(stats));
}

std::vector<TimingStats> Timer::time_in_bursts(const std::vector<TimedLaunch>& launches,
                                               const BurstPlan& plan) {
  GT_CHECK(!launches.empty(), kExitUsage, "nothing to time");
  GT_CHECK(plan.rounds > 0 && plan.burst_samples > 0 && plan.warmup_count >= 0 &&
               plan.max_idle_ms >= 0,
           kExitUsage, "a burst plan needs >= 1 round, >= 1 sample, >= 0 warm-ups and idle");
  const size_t n = launches.size();
  for (const TimedLaunch& launch : launches) {
    spdlog::debug("timing {} ({} mode, {} rounds of {} warm-ups + {} samples, idle <= {} ms)",
                  launch.name, to_string(options_.mode), plan.rounds, plan.warmup_count,
                  plan.burst_samples, plan.max_idle_ms);
  }
  std::vector<TimingStats> stats(n);
  bool timed_out = false;
  // NOTE: the idle gap lasts as long as the burst before it (a 50% duty cycle keeps a small
  // problem's run-off cheap), at most max_idle_ms: the power cap averages over tens of ms, so the
  // card must idle long enough to shed the previous burst's heat before the next one starts; the
  // first burst follows validation and screening, so it gets the full gap.
  int idle_ms = plan.max_idle_ms;
  for (int round = 0; round < plan.rounds; ++round) {
    for (size_t i = 0; i < n; ++i) {
      const size_t c = (static_cast<size_t>(round) + i) % n;
      idle(idle_ms);
      const auto burst_start = std::chrono::steady_clock::now();
      for (int w = 0; w < plan.warmup_count; ++w) {
        static_cast<void>(sample_us(launches[c], &timed_out));
      }
      restart_sample_loop();
      for (int s = 0; s < plan.burst_samples; ++s) record_sample(launches[c], stats[c]);
      const double burst_ms = 1000.0 * seconds_since(burst_start);
      idle_ms = static_cast<int>(std::min<double>(std::ceil(burst_ms), plan.max_idle_ms));
    }
  }
  std::vector<TimingStats> out = summarize(launches, plan.warmup_count, 0, std::move(stats));
  for (TimingStats& t : out) t.burst_rounds = plan.rounds;
  return out;
}

std::vector<TimingStats> Timer::time_runoff(const std::vector<TimedLaunch>& launches,
                                            const RunoffPlan& plan) {
  bool whole_bursts = true;
  std::vector<TimingStats> stats = time_runoff_pass(launches, plan, &whole_bursts);
  if (plan.confirm_within_rel <= 0.0 || !whole_bursts) return stats;
  std::vector<double> medians_us;
  for (const TimingStats& t : stats) medians_us.push_back(t.median_us);
  const std::vector<size_t> close = close_contest(medians_us, plan.confirm_within_rel);
  if (close.empty()) return stats;
  spdlog::info("run-off: {} of {} candidates within {:.1f}% of the fastest; timed once more",
               close.size(), stats.size(), 100.0 * plan.confirm_within_rel);
  std::vector<TimedLaunch> again;
  for (const size_t i : close) again.push_back(launches[i]);
  const std::vector<TimingStats> more = time_runoff_pass(again, plan, &whole_bursts);
  for (size_t j = 0; j < close.size(); ++j) {
    TimingStats& t = stats[close[j]];
    const TimingStats& m = more[j];
    t.samples_us.insert(t.samples_us.end(), m.samples_us.begin(), m.samples_us.end());
    t.sample_intervals_us.insert(t.sample_intervals_us.end(), m.sample_intervals_us.begin(),
                                 m.sample_intervals_us.end());
    t.samples_sm_mhz.insert(t.samples_sm_mhz.end(), m.samples_sm_mhz.begin(), m.samples_sm_mhz.end());
    t.samples_end_ns.insert(t.samples_end_ns.end(), m.samples_end_ns.begin(), m.samples_end_ns.end());
    t.spin_timeouts += m.spin_timeouts;
    t.burst_rounds += m.burst_rounds;
    t.clocks_after = m.clocks_after;
    summarize_samples_of(t);
  }
  return stats;
}

std::vector<TimingStats> Timer::time_runoff_pass(const std::vector<TimedLaunch>& launches,
                                                 const RunoffPlan& plan, bool* whole_bursts) {
  *whole_bursts = true;
  if (plan.regime == RunoffRegime::kBurst && plan.burst.max_burst_ms > 0) {
    // NOTE: a burst of a long problem is itself sustained load (burst_shape says why and what
    // is done instead): one probe sample per candidate sizes the bursts.
    double longest_us = 0.0;
    bool timed_out = false;
    for (const TimedLaunch& launch : launches) {
      longest_us = std::max(longest_us, sample_us(launch, &timed_out));
    }
    const BurstShape shape = burst_shape(plan.burst.rounds, plan.burst.burst_samples,
                                         plan.burst.max_burst_ms, longest_us);
    if (shape != BurstShape{.rounds = plan.burst.rounds, .samples = plan.burst.burst_samples}) {
      spdlog::info("run-off in {} short bursts of {} samples: a burst of {} would last {:.0f} ms "
                   "(> {} ms)",
                   shape.rounds, shape.samples, plan.burst.burst_samples,
                   longest_us * plan.burst.burst_samples / 1000.0, plan.burst.max_burst_ms);
      *whole_bursts = false;
      BurstPlan short_bursts = plan.burst;
      short_bursts.rounds = shape.rounds;
      short_bursts.burst_samples = shape.samples;
      return time_in_bursts(launches, short_bursts);
    }
  }
  if (plan.regime == RunoffRegime::kBurst) return time_in_bursts(launches, plan.burst);
  return time_interleaved(launches, plan.sustained_samples);
}

TimingStats Timer::time(const TimedLaunch& launch) { return time_interleaved({launch}).front(); }

std::vector<TimingStats> Timer::time_with_baselines(const std::vector<TimedLaunch>& configs,
                                                    const std::vector<TimedLaunch>& baselines,
                                                    BaselineTiming how,
                                                    const RunoffPlan& configs_plan) {
  if (how == BaselineTiming::kInterleaved) {
    std::vector<TimedLaunch> all = configs;
    all.insert(all.end(), baselines.begin(), baselines.end());
    return time_runoff(all, configs_plan);
  }
  std::vector<TimingStats> stats;
  if (!configs.empty()) stats = time_runoff(configs, configs_plan);
  if (how == BaselineTiming::kSeparate) {
    for (const TimedLaunch& b : baselines) stats.push_back(time(b));
  }
  return stats;
}

void to_json(nlohmann::json& j, const TimingStats& t) {
  j = nlohmann::json{{"name", t.name},
                     {"mode", to_string(t.mode)},
                     {"flushed_l2", t.flushed_l2},
                     {"flush", to_string(t.flush_kind)},
                     {"settle_ms", t.settle_ms},
                     {"warmup_count", t.warmup_count},
                     {"sample_count", t.samples_us.size()},
                     {"median_us", t.median_us},
                     {"p10_us", t.p10_us},
                     {"p90_us", t.p90_us},
                     {"min_us", t.min_us},
                     {"max_us", t.max_us},
                     {"spread", t.spread},
                     {"spin_timeouts", t.spin_timeouts},
                     {"burst_rounds", t.burst_rounds},
                     {"samples_us", t.samples_us},
                     {"clocks_after", t.clocks_after}};
  if (t.sample_period_us > 0) j["sample_period_us"] = t.sample_period_us;
  if (!t.samples_sm_mhz.empty()) {  // only where asked for: records stay as they were otherwise
    j["samples_sm_mhz"] = t.samples_sm_mhz;
    j["samples_end_ns"] = t.samples_end_ns;
    j["sample_median_mhz"] = t.sample_median_mhz;
    j["sample_median_cycles"] = t.sample_median_cycles;
  }
}

}  // namespace gemmtune
