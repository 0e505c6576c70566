#include "runtime/support_compare.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>

#include "kernels/support_params.h"
#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/support_module.hpp"

namespace gemmtune {

namespace {

/// Enough CTAs to fill any current GPU several times over; the kernels loop grid-stride.
LaunchShape elementwise_shape(int64_t count) {
  constexpr int64_t kMaxBlocks = 132 * 8;
  const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(kMaxBlocks, (count + 255) / 256));
  return LaunchShape{.grid = dim3(static_cast<unsigned int>(blocks), 1, 1), .block = dim3(256, 1, 1)};
}

GemmtuneSupportCompareSums compare_pass(GemmtuneSupportCompareParams p, DeviceBuffer& sums, cudaStream_t stream) {
  p.sums = sums.as<GemmtuneSupportCompareSums>();
  GT_CUDA_CHECK(cudaMemsetAsync(sums.get(), 0, sizeof(GemmtuneSupportCompareSums), stream));
  launch_kernel(support_kernels().compare, elementwise_shape(p.count), stream, p);
  GemmtuneSupportCompareSums host{};
  GT_CUDA_CHECK(cudaMemcpyAsync(&host, sums.get(), sizeof(host), cudaMemcpyDeviceToHost, stream));
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return host;
}

ValidationMetrics compare(const uint16_t* d, const void* reference, bool reference_is_bf16, int64_t m, int64_t n,
                          cudaStream_t stream) {
  DeviceBuffer sums(sizeof(GemmtuneSupportCompareSums));
  GemmtuneSupportCompareParams p{.x = d, .y = reference, .y_is_bf16 = reference_is_bf16 ? 1 : 0,
                                 .rel_err_floor = FLT_MAX, .count = m * n, .sums = nullptr};
  const GemmtuneSupportCompareSums first = compare_pass(p, sums, stream);
  ValidationMetrics metrics;
  metrics.count = m * n;
  metrics.diff = deepgemm_diff(first.sum_xy, first.sum_xx, first.sum_yy);
  metrics.ref_rms = reference_rms(first.sum_yy, metrics.count);
  metrics.max_abs_err = std::bit_cast<float>(first.max_abs_err_bits);
  metrics.nonfinite_count = static_cast<int64_t>(first.nonfinite_count);
  metrics.poison_count = static_cast<int64_t>(first.poison_count);
  metrics.ref_nonfinite_count = static_cast<int64_t>(first.ref_nonfinite_count);

  p.rel_err_floor = static_cast<float>(kRelErrFloorOfRms * metrics.ref_rms);
  const GemmtuneSupportCompareSums second = compare_pass(p, sums, stream);
  const uint64_t worst = second.worst;
  metrics.max_rel_err = std::bit_cast<float>(static_cast<uint32_t>(worst >> 33));
  if (metrics.nonfinite_count + metrics.ref_nonfinite_count < metrics.count) {  // some pair was finite
    const int64_t index = static_cast<int64_t>(worst & ((uint64_t{1} << 33) - 1));
    metrics.worst_row = index / n;
    metrics.worst_col = index % n;
  }
  return metrics;
}

}  // namespace

void poison_output(void* d, size_t bytes, cudaStream_t stream) {
  static_assert(kGemmtunePoisonBf16 == 0xFFFF, "poison_output fills bytes with 0xFF");
  GT_CUDA_CHECK(cudaMemsetAsync(d, 0xFF, bytes, stream));
}

ValidationMetrics compare_output(const uint16_t* d, const float* reference, int64_t m, int64_t n,
                                 cudaStream_t stream) {
  return compare(d, reference, false, m, n, stream);
}

ValidationMetrics compare_output_bf16(const uint16_t* d, const uint16_t* reference, int64_t m, int64_t n,
                                      cudaStream_t stream) {
  return compare(d, reference, true, m, n, stream);
}

void round_to_bf16(const float* src, uint16_t* dst, int64_t count, cudaStream_t stream) {
  launch_kernel(support_kernels().to_bf16, elementwise_shape(count), stream,
                GemmtuneSupportToBf16Params{.src = src, .dst = dst, .count = count});
}

}  // namespace gemmtune
