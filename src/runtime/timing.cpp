#include "runtime/timing.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <nlohmann/json.hpp>
#include <nvtx3/nvtx3.hpp>

#include "core/error.hpp"
#include "core/sample_stats.hpp"
#include "kernels/support_params.h"
#include "runtime/cuda_check.hpp"
#include "runtime/support_module.hpp"

namespace gemmtune {

Timer::Timer(const TimingOptions& options) : options_(options) {
  GT_CHECK(options.sample_count > 0 && options.warmup_count >= 0, kExitUsage, "need >= 1 sample, >= 0 warm-ups");
  GT_CUDA_CHECK(cudaGetDevice(&device_));
  if (options.flush_l2) scratch_ = DeviceBuffer(options.flush_bytes);
  if (options.mode == TimingMode::kKernel) {
    spin_flags_ = MappedHostBuffer(2 * sizeof(int));
    spin_kernel_ = support_kernels().spin;
  }
}

void Timer::flush() {
  if (options_.flush_l2) GT_CUDA_CHECK(cudaMemsetAsync(scratch_.get(), 0, scratch_.size_bytes(), stream_.get()));
}

double Timer::sample_us(const TimedLaunch& launch, bool* spin_timed_out) {
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
  if (options_.settle_ms > 0) {
    GT_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.settle_ms));
  }
  for (int w = 0; w < options_.warmup_count; ++w) {
    for (const TimedLaunch& launch : launches) static_cast<void>(sample_us(launch, &timed_out));
  }
  for (int s = 0; s < samples; ++s) {
    for (size_t c = 0; c < launches.size(); ++c) {
      stats[c].samples_us.push_back(sample_us(launches[c], &timed_out));
      stats[c].spin_timeouts += timed_out ? 1 : 0;
    }
  }
  const ClockSample clocks = options_.record_clocks ? sample_clocks(device_) : ClockSample{};
  for (size_t c = 0; c < launches.size(); ++c) {
    TimingStats& t = stats[c];
    const SampleStats s = summarize_samples(t.samples_us);
    t.name = launches[c].name;
    t.mode = options_.mode;
    t.flushed_l2 = options_.flush_l2;
    t.warmup_count = options_.warmup_count;
    t.settle_ms = options_.settle_ms;
    t.median_us = s.median;
    t.p10_us = s.p10;
    t.p90_us = s.p90;
    t.min_us = s.min;
    t.max_us = s.max;
    t.spread = s.spread;
    t.clocks_after = clocks;
    if (t.spin_timeouts > 0) {
      spdlog::warn("{}: {} samples launched after the spin kernel timed out; they include launch latency", t.name,
                   t.spin_timeouts);
    }
  }
  return stats;
}

TimingStats Timer::time(const TimedLaunch& launch) { return time_interleaved({launch}).front(); }

std::vector<TimingStats> Timer::time_with_baselines(const std::vector<TimedLaunch>& configs,
                                                    const std::vector<TimedLaunch>& baselines,
                                                    BaselineTiming how) {
  if (how == BaselineTiming::kInterleaved) {
    std::vector<TimedLaunch> all = configs;
    all.insert(all.end(), baselines.begin(), baselines.end());
    return time_interleaved(all);
  }
  std::vector<TimingStats> stats;
  if (!configs.empty()) stats = time_interleaved(configs);
  if (how == BaselineTiming::kSeparate) {
    for (const TimedLaunch& b : baselines) stats.push_back(time(b));
  }
  return stats;
}

void to_json(nlohmann::json& j, const TimingStats& t) {
  j = nlohmann::json{{"name", t.name},
                     {"mode", to_string(t.mode)},
                     {"flushed_l2", t.flushed_l2},
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
                     {"samples_us", t.samples_us},
                     {"clocks_after", t.clocks_after}};
}

}  // namespace gemmtune
