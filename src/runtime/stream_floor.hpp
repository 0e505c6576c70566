#pragma once
/// The stream floor (src/runtime/README.md "The stream floor"): how fast this GPU reads a problem's
/// bytes once in the timing protocol of its GEMMs. A memory-bound GEMM (small M) cannot beat it, so
/// it says how far a kernel is from what is reachable there, launch and first-byte latency
/// included, where the HBM copy roof (runtime/roofs_measure.hpp: 2 GiB, no flush) says nothing of
/// either.
///
/// Each variant of core/stream_floor_plan.hpp is checked once (every word read, every byte
/// landed) and then timed interleaved with the others and with an empty launch (the protocol's
/// fixed cost per call); the floor is the fastest variant's median.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <vector>

#include "core/problem.hpp"
#include "core/stream_floor_plan.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/timing.hpp"

namespace gemmtune {

/// One variant's launch and time.
struct StreamFloorVariant {
  StreamLaunchPlan plan;
  TimingStats timing;
};

struct StreamFloor {
  uint64_t bytes = 0;             ///< read once by each variant (the problem's, rounded up to 16)
  TimingStats empty_call;         ///< the ldg kernel's grid over 0 bytes
  std::vector<StreamFloorVariant> variants;
  size_t fastest = 0;             ///< index into variants

  [[nodiscard]] double floor_us() const { return variants.at(fastest).timing.median_us; }
  /// bytes / floor_us in TB/s (1e12 bytes per second).
  [[nodiscard]] double tbps() const { return static_cast<double>(bytes) / floor_us() / 1e6; }
};

/// Measures the floor of reading `bytes` (> 0; rounded up to 16) on the current device with
/// `timing`'s protocol (its mode, flush, warm-ups and samples; no clock per sample).
/// Throws Error(kExitFailed) if a variant misses a byte (a bug), Error(kExitCudaError) when a
/// CUDA call fails or device memory is short.
[[nodiscard]] StreamFloor measure_stream_floor(uint64_t bytes, const TimingOptions& timing);
/// The same for `problem`'s bytes (core/gemm_shape.hpp gemm_min_bytes of its shape).
[[nodiscard]] StreamFloor measure_stream_floor(const Problem& problem, const TimingOptions& timing);

void to_json(nlohmann::json& j, const StreamFloor& floor);

/// The sweep's record of `problem`'s stream floor (kind stream_floor): the fastest variant's
/// timing, the others and the empty launch in `stream_floor`. A variant that misses bytes, or a
/// CUDA error that leaves the context usable, is a record with its disposition and reason, not
/// an exception, so that the sweep goes on (a fault still throws: the worker must restart).
[[nodiscard]] Measurement stream_floor_measurement(const Problem& problem, const TimingOptions& timing);

}  // namespace gemmtune
