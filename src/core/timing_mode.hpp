#pragma once
/// The timing protocols, their names and descriptions: the one owner of the concept for the CLI,
/// the worker protocol, run folders and reports (runtime/timing.cpp implements them).
///
///   call:      per sample, a 512 MiB memset flushes the L2, the start event is recorded right
///              behind it in stream order, then one call and the stop event. The host enqueues
///              the call while the GPU is still flushing, so a sample is the device time from the
///              flush's end to the call's end (event and launch gaps included, host launch
///              latency hidden). This is how the DeepGEMM harness (.anchors/dg_compare.py)
///              times DeepGEMM (torch events after `flush.fill_`), so the two compare like with
///              like.
///   call_sync: as call, but the host waits for the flush before recording the start event, so a
///              sample also holds the host-side launch latency of the call (~2-3 us; what a caller
///              sees on an idle GPU). gemmtune's earlier "call" protocol.
///   kernel:    a spin kernel holds the stream while the host enqueues [flush, start, call, stop],
///              then releases it: the GPU finds the call queued (nvbench's blocking-kernel method).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune {

enum class TimingMode { kCall, kCallSync, kKernel };

/// How `run` times the cuBLASLt baselines beside the configs it measures:
///   separate:    the configs interleaved sample by sample among themselves, then each baseline
///                in a block of its own (the default). Why: at the 700 W cap a sample's clock
///                depends on the kernel that ran just before it; interleaved with cuBLASLt's
///                slower, hotter kernel, every sample of a large config started throttled
///                (issue 10, results/PERF_LOG.md history), while DeepGEMM's side of the
///                comparison times its kernel alone.
///   interleaved: configs and baselines sample by sample (the earlier protocol).
///   none:        no baseline timed.
enum class BaselineTiming { kSeparate, kInterleaved, kNone };

/// How a run-off (sweep/runoff.hpp) times its candidates against each other:
///   burst:     each candidate in turn in a block of its own, after an idle gap: the stream
///              drained, the host idle, then warm-ups and a short burst of samples; the order
///              rotates by one each round, so a candidate's place in it (first after the
///              screening, or later) changes. What a caller timing one call after idle sees,
///              and how the DeepGEMM comparison times both sides (3 warm-ups + 30 samples).
///              The sweep's default.
///   sustained: all candidates interleaved sample by sample, >= 100 samples each (the only
///              protocol before `sweep --runoff`). What a GPU under continuous load sees: at
///              the 700 W cap the clock settles lower, and at 4096x7168x16384 this picks a
///              multicast-B config 1% ahead sustained but 4% behind in 30-sample bursts
///              (results/PERF_LOG.md, "Selection regime").
enum class RunoffRegime { kBurst, kSustained };

/// How a sample flushes the L2 before the call:
///   write: a 512 MiB memset (cudaMemsetAsync), as the anchors' DeepGEMM harness flushes
///          (`flush.fill_`). The default, and the protocol of every comparison. NOTE: it leaves
///          the L2 full of dirty lines, which the next kernel's misses may have to write back
///          to HBM while it reads, so a short memory-bound call may pay for some of the flush.
///   read:  a read-only kernel over the same 512 MiB (support_stream_read_bulk, TMA copies):
///          the L2 is as cold for the call, but clean (not the ldg read, which left a 32-40 MiB
///          buffer in the H200's L2: Timer::Timer). An experiment, to measure what the write
///          flush charges the memory-bound rows (issue 10's bandwidth goals), not a comparison
///          protocol: DeepGEMM's side always flushes by writing.
enum class FlushKind { kWrite, kRead };

/// "call", "call_sync" or "kernel".
[[nodiscard]] const char* to_string(TimingMode mode);
/// The mode named `name`, or nothing for an unknown name.
[[nodiscard]] std::optional<TimingMode> parse_timing_mode(std::string_view name);
/// Every mode's name, for CLI validation and error messages.
[[nodiscard]] std::vector<std::string> timing_mode_names();
/// One line saying what a sample of `mode` contains (reports, --help).
[[nodiscard]] const char* describe(TimingMode mode);

/// "separate", "interleaved" or "none".
[[nodiscard]] const char* to_string(BaselineTiming timing);
/// The baseline timing named `name`, or nothing for an unknown name.
[[nodiscard]] std::optional<BaselineTiming> parse_baseline_timing(std::string_view name);
/// Every baseline timing's name, for CLI validation and error messages.
[[nodiscard]] std::vector<std::string> baseline_timing_names();

/// The bursts of one candidate of a burst run-off: `rounds` bursts of `samples` timed samples.
struct BurstShape {
  int rounds = 0;
  int samples = 0;
  friend bool operator==(const BurstShape&, const BurstShape&) = default;
};

/// The bursts planned (`rounds` x `samples`) for a problem whose sample lasts `sample_us`: as
/// planned while a burst's samples last at most `max_burst_ms` (0: no limit); otherwise short
/// bursts of as many samples as fit in max_burst_ms (at least one), half the planned samples in
/// all, in as many rounds as that takes.
/// Why short bursts, not one long one: 30 samples of a 3.4 ms problem throttled within their
/// burst (spreads 13-15%, a pick by noise; results/PERF_LOG.md history). Why not interleaved
/// sample by sample (the earlier fallback): that ranks configs under sustained load,
/// where at 12288 x 7168 x 18432 it chose a config 9% slower when both were timed as a caller
/// times one call (7f3a7dd:results/2026-11-22-multi-gpu/2229-h200-same-pick-dsv3-full/). Why half: each
/// sample lasts over a millisecond, so the median of 60 is as steady as that of 120 shorter
/// ones, and the extra idle gaps of the short bursts then cost about a third more time than
/// interleaving did, not twice as much.
[[nodiscard]] BurstShape burst_shape(int rounds, int samples, int max_burst_ms, double sample_us);

/// The candidates of a close contest (RunoffPlan::confirm_within_rel): the indices of the
/// medians within `within_rel` of the fastest one, in input order; empty unless there are two
/// or more (one candidate is no contest).
[[nodiscard]] std::vector<size_t> close_contest(const std::vector<double>& medians_us,
                                                double within_rel);

/// "write" or "read".
[[nodiscard]] const char* to_string(FlushKind kind);
/// The flush kind named `name`, or nothing for an unknown name.
[[nodiscard]] std::optional<FlushKind> parse_flush_kind(std::string_view name);
/// Every flush kind's name, for CLI validation and error messages.
[[nodiscard]] std::vector<std::string> flush_kind_names();

/// "burst" or "sustained".
[[nodiscard]] const char* to_string(RunoffRegime regime);
/// The run-off regime named `name`, or nothing for an unknown name.
[[nodiscard]] std::optional<RunoffRegime> parse_runoff_regime(std::string_view name);
/// Every run-off regime's name, for CLI validation and error messages.
[[nodiscard]] std::vector<std::string> runoff_regime_names();

}  // namespace gemmtune
