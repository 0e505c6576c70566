#pragma once
/// Measures the roofs of a GPU (src/runtime/README.md "Roofs"): what the roofline of a run on this
/// device must be drawn under, instead of another device's figures. The runtime only measures;
/// labelling and caching the figures is worker/device_roofs.hpp's (the report layer's types stay
/// out of the runtime).
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
/// sustained FP8 loop (an H200: 1.98 -> ~1.3 GHz) has not set in yet, so these are the
/// ceilings of the sweep's own short timing calls, and the SM clock NVML reports right after the
/// GEMM samples is recorded with them.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace gemmtune {

/// The knobs of a roofs measurement (defaults: src/runtime/README.md "Roofs").
struct RoofsMeasureOptions {
  int gemm_size = 8192;                      ///< M = N = K of both FP8 GEMMs
  uint64_t copy_buffer_bytes = 2ull << 30;   ///< per buffer (source and destination), at most
  int copy_warmup = 2;
  int copy_samples = 10;
  int gemm_warmup = 3;
  int gemm_samples = 15;
};

/// What one measurement on the current device found.
struct MeasuredRoofs {
  double hbm_gbps = 0.0;           ///< device-to-device copy, read + write bytes
  double fp8_block_tflops = 0.0;   ///< cuBLASLt FP8 1x128/128x128 block-scaled, gemm_size^3
  double fp8_tensor_tflops = 0.0;  ///< cuBLASLt FP8 per-tensor scales, gemm_size^3
  std::string measured_at;         ///< UTC, "2026-11-23T10:15:00Z"
  int sm_clock_mhz = -1;           ///< NVML SM clock after the FP8 timings; -1 without NVML
  nlohmann::ordered_json method;   ///< protocol and timings, free form
};

/// Measures the roofs of the current device. Throws Error when a CUDA call fails, memory is
/// short or cuBLASLt has no algorithm.
[[nodiscard]] MeasuredRoofs measure_roofs(const RoofsMeasureOptions& options = {});

/// Makes `ordinal` the current device for a scope, then restores the previous one.
class CurrentDevice {
 public:
  explicit CurrentDevice(int ordinal);
  ~CurrentDevice();
  CurrentDevice(const CurrentDevice&) = delete;
  CurrentDevice& operator=(const CurrentDevice&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace gemmtune
