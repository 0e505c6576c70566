#pragma once
/// The timing protocols, their names and descriptions: the one owner of the concept for the CLI,
/// the worker protocol, run folders and reports (runtime/timing.cpp implements them).
///
///   call:      per sample, a 512 MiB memset flushes the L2, the start event is recorded right
///              behind it in stream order, then one call and the stop event. The host enqueues
///              the call while the GPU is still flushing, so a sample is the device time from the
///              flush's end to the call's end (event and launch gaps included, host launch
///              latency hidden). This is how ../shared/anchors/dg_compare.py times DeepGEMM
///              (torch events after `flush.fill_`), so the two compare like with like.
///   call_sync: as call, but the host waits for the flush before recording the start event, so a
///              sample also holds the host-side launch latency of the call (~2-3 us; what a caller
///              sees on an idle GPU). gemmtune's "call" protocol until 2026-11-22.
///   kernel:    a spin kernel holds the stream while the host enqueues [flush, start, call, stop],
///              then releases it: the GPU finds the call queued (nvbench's blocking-kernel method).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune {

enum class TimingMode { kCall, kCallSync, kKernel };

/// "call", "call_sync" or "kernel".
[[nodiscard]] const char* to_string(TimingMode mode);
/// The mode named `name`, or nothing for an unknown name.
[[nodiscard]] std::optional<TimingMode> parse_timing_mode(std::string_view name);
/// Every mode's name, for CLI validation and error messages.
[[nodiscard]] std::vector<std::string> timing_mode_names();
/// One line saying what a sample of `mode` contains (reports, --help).
[[nodiscard]] const char* describe(TimingMode mode);

}  // namespace gemmtune
