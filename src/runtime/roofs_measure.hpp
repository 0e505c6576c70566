#pragma once
/// Measures the roofs of a GPU (README "Roofs"; report/roofs.hpp holds them): what the roofline
/// of a run on this device must be drawn under, instead of another device's figures.
///
///   hbm_gbps:          cudaMemcpyAsync device to device of one large buffer (2 GiB, less when
///                      free memory is short), bytes read + written per second.
///   fp8_tensor_tflops: cuBLASLt FP8 E4M3, per-tensor scales (the sweep's cublaslt_fp8_tensor
///                      baseline: heuristic algorithm, no fast accumulation), 8192^3.
///   fp8_block_tflops:  cuBLASLt FP8 E4M3, 1x128 / 128x128 block scales (the heuristic's pick, as
///                      the cublaslt_heuristic baseline), 8192^3.
/// Each is the median of timed samples after warm-ups (runtime/timing.hpp, CUDA events). The two
/// GEMMs are interleaved sample by sample with the L2 flushed before each (timing mode call);
/// the copy moves 30x the L2 and needs no flush. A burst of ~0.1 s: the power cap that slows a
/// sustained FP8 loop (shared/DEVICE.md: 1.98 -> ~1.3 GHz) has not set in yet, so these are the
/// ceilings of the sweep's own short timing calls, and the SM clock NVML reports right after the
/// GEMM samples is recorded with them.
#include <cstdint>

#include "report/roofs.hpp"
#include "report/roofs_cache.hpp"
#include "runtime/environment.hpp"

namespace gemmtune {

/// The knobs of a roofs measurement (defaults: README "Roofs").
struct RoofsMeasureOptions {
  int gemm_size = 8192;                      ///< M = N = K of both FP8 GEMMs
  uint64_t copy_buffer_bytes = 2ull << 30;   ///< per buffer (source and destination), at most
  int copy_warmup = 2;
  int copy_samples = 10;
  int gemm_warmup = 3;
  int gemm_samples = 15;
};

/// Measures the roofs of the current device (source kMeasured, named `device_name`, dated now).
/// Throws Error when a CUDA call fails, memory is short or cuBLASLt has no algorithm.
[[nodiscard]] report::Roofs measure_roofs(const std::string& device_name,
                                          const RoofsMeasureOptions& options = {});

/// The roofs cache key of `device` under `environment`'s driver and cuBLASLt.
[[nodiscard]] report::RoofsCacheKey roofs_cache_key(const EnvironmentInfo& environment,
                                                    const DeviceInfo& device);

/// The roofs of `device` (one of environment.devices): cached, else measured on it (a progress
/// line on stderr) and cached; `remeasure` measures even when cached. A failed measurement is
/// a warning and the labelled constants (report::Roofs{}, with the reason in `origin`), never
/// cached. Leaves the current device as it was.
[[nodiscard]] report::RoofsLookup device_roofs(const EnvironmentInfo& environment,
                                               const DeviceInfo& device, bool remeasure);

}  // namespace gemmtune
