// Measuring a GPU's roofs: the HBM copy and the two cuBLASLt FP8 GEMMs.
#include "runtime/roofs_measure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/nvtx_ranges.hpp"
#include "core/stopwatch.hpp"
#include "core/utc_time.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/support_inputs.hpp"
#include "runtime/timing.hpp"

namespace gemmtune {
namespace {

using Json = nlohmann::ordered_json;

/// Smallest copy buffer that still measures HBM: 4x the H200's 60 MiB L2.
constexpr uint64_t kMinCopyBufferBytes = 256ull << 20;
constexpr uint64_t kCopyBufferAlignBytes = 2ull << 20;

/// The timing fields of one roof's record in `method`.
Json timing_json(const TimingStats& t) {
  return {{"warmup", t.warmup_count},
          {"samples", t.samples_us.size()},
          {"median_us", t.median_us},
          {"p10_us", t.p10_us},
          {"p90_us", t.p90_us}};
}

/// Device-to-device copy bandwidth, read + write bytes; fills method["hbm"].
double measure_copy_gbps(const RoofsMeasureOptions& o, Json& method) {
  size_t free_bytes = 0, total_bytes = 0;
  GT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  // NOTE: two buffers in a quarter of free memory each: the other half stays for whoever else
  // uses the GPU (the sweep's worker allocates its own buffers after this).
  const uint64_t bytes = std::min<uint64_t>(o.copy_buffer_bytes, free_bytes / 4) /
                         kCopyBufferAlignBytes * kCopyBufferAlignBytes;
  GT_CHECK(bytes >= kMinCopyBufferBytes, kExitCudaError,
           fmt::format("{} MiB of device memory free: too little for the HBM copy roof (needs "
                       "2 x {} MiB)", free_bytes >> 20, kMinCopyBufferBytes >> 20));
  const DeviceBuffer source(bytes), destination(bytes);
  GT_CUDA_CHECK(cudaMemset(source.get(), 0x5a, bytes));
  // NOTE: the Timer's stream does not wait for the legacy stream the memset ran on.
  GT_CUDA_CHECK(cudaDeviceSynchronize());
  Timer timer({.mode = TimingMode::kCall, .warmup_count = o.copy_warmup,
               .sample_count = o.copy_samples, .flush_l2 = false});
  const TimingStats t = timer.time({"roofs: hbm copy", [&](cudaStream_t stream) {
    GT_CUDA_CHECK(cudaMemcpyAsync(destination.get(), source.get(), bytes,
                                  cudaMemcpyDeviceToDevice, stream));
  }});
  method["hbm"] = {{"what", "cudaMemcpyAsync device to device"},
                   {"buffer_bytes", bytes},
                   {"bytes_per_copy", 2 * bytes}};
  method["hbm"].update(timing_json(t));
  return 2.0 * static_cast<double>(bytes) / (t.median_us * 1e3);
}

/// What measure_gemm_tflops() found.
struct GemmRoofs {
  double tensor_tflops = 0.0;
  double block_tflops = 0.0;
  int sm_clock_mhz = -1;
};

/// The two FP8 GEMMs, interleaved; fills method["fp8_tensor"], ["fp8_block"] and
/// ["clocks_after_gemms"].
GemmRoofs measure_gemm_tflops(const RoofsMeasureOptions& o, Json& method) {
  const int size = o.gemm_size;
  Timer timer({.mode = TimingMode::kCall, .warmup_count = o.gemm_warmup,
               .sample_count = o.gemm_samples});
  const GemmInputs inputs = generate_inputs(size, size, size, InputOptions{.seed = 1}, timer.stream());
  const DeviceBuffer d(inputs.output_bytes());
  CublasLtFp8Gemm tensor(inputs.operands(), d.as<uint16_t>(),
                         CublasLtGemmOptions{.scaling = CublasLtScaling::kPerTensor});
  CublasLtFp8Gemm block(inputs.operands(), d.as<uint16_t>(), CublasLtGemmOptions{});
  std::string why;
  const std::optional<AlgoRecord> tensor_algo = tensor.select_heuristic(&why);
  GT_CHECK(tensor_algo.has_value(), kExitCudaError, "FP8 per-tensor: " + why);
  const std::optional<AlgoRecord> block_algo = block.select_heuristic(&why);
  GT_CHECK(block_algo.has_value(), kExitCudaError, "FP8 block-scaled: " + why);
  const std::vector<TimingStats> t = timer.time_interleaved(
      {{"roofs: cublaslt fp8 per-tensor", tensor.launcher()},
       {"roofs: cublaslt fp8 block-scaled", block.launcher()}});
  const double flops = 2.0 * size * static_cast<double>(size) * size;
  const auto tflops = [&](const TimingStats& s) { return flops / (s.median_us * 1e6); };
  const auto record = [&](const char* name, const AlgoRecord& algo, const TimingStats& s) {
    method[name] = {{"m", size}, {"n", size}, {"k", size}, {"algo", to_string(algo)}};
    method[name].update(timing_json(s));
  };
  record("fp8_tensor", *tensor_algo, t[0]);
  record("fp8_block", *block_algo, t[1]);
  const ClockSample& c = t[1].clocks_after;
  method["clocks_after_gemms"] = {
      {"sm_clock_mhz", c.sm_clock_mhz >= 0 ? Json(c.sm_clock_mhz) : Json()},
      {"mem_clock_mhz", c.mem_clock_mhz >= 0 ? Json(c.mem_clock_mhz) : Json()},
      {"power_w", c.power_w >= 0 ? Json(c.power_w) : Json()},
      {"throttle_reasons", throttle_reason_names(c.throttle_reasons)},
      {"unavailable_reason", c.available ? Json() : Json(c.unavailable_reason)}};
  return {.tensor_tflops = tflops(t[0]), .block_tflops = tflops(t[1]),
          .sm_clock_mhz = c.available ? c.sm_clock_mhz : -1};
}

}  // namespace

CurrentDevice::CurrentDevice(int ordinal) {
  GT_CUDA_CHECK(cudaGetDevice(&previous_));
  GT_CUDA_CHECK(cudaSetDevice(ordinal));
}

CurrentDevice::~CurrentDevice() { (void)cudaSetDevice(previous_); }

MeasuredRoofs measure_roofs(const RoofsMeasureOptions& options) {
  NvtxRange range("roofs");
  const auto start = std::chrono::steady_clock::now();
  Json method = {{"protocol",
                  "CUDA events, warm-ups discarded, median of the samples; the two GEMMs "
                  "interleaved sample by sample, L2 flushed before each (timing mode call)"}};
  MeasuredRoofs roofs;
  roofs.hbm_gbps = measure_copy_gbps(options, method);
  const GemmRoofs gemm = measure_gemm_tflops(options, method);
  roofs.fp8_tensor_tflops = gemm.tensor_tflops;
  roofs.fp8_block_tflops = gemm.block_tflops;
  roofs.measured_at = utc_timestamp_now();
  roofs.sm_clock_mhz = gemm.sm_clock_mhz;
  method["seconds"] = seconds_since(start);
  roofs.method = std::move(method);
  return roofs;
}

}  // namespace gemmtune
