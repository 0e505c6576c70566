// support_compare.cuh: one pass over an output D (bf16) and a reference (fp32 or bf16) that
// accumulates everything validation needs (src/core/validation_metrics.hpp):
//   sum x*y, sum x*x, sum y*y in double over pairs where both are finite (DeepGEMM's
//   diff = 1 - 2 sum xy / sum (x^2 + y^2)), the count of non-finite outputs, the count of outputs
//   still equal to the poison pattern, the count of non-finite reference values, max |x - y| and
//   max |x - y| / max(|y|, rel_err_floor) with the index of the worst element.
// Each CTA reduces in registers and shared memory, then one thread per CTA adds to the global
// sums with atomics (double atomicAdd: sm_60+). Grid-stride loop: any grid size works.
//
// support_compare_to_bf16: rounds an fp32 array to bf16 (a correctly rounded "output" used as a
// positive control by the tests, and to store a reference compactly).
#pragma once

#include "support_convert.cuh"
#include "support_params.h"

namespace gt_compare {

constexpr int kThreads = 256;

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, offset);
  return v;
}

template <typename T>
__device__ __forceinline__ T warp_max(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    const T other = __shfl_xor_sync(0xFFFFFFFFu, v, offset);
    v = other > v ? other : v;
  }
  return v;
}

__device__ __forceinline__ bool is_finite(float v) { return !isnan(v) && !isinf(v); }

}  // namespace gt_compare

extern "C" __global__ void __launch_bounds__(256) support_compare(GemmtuneSupportCompareParams p) {
  using namespace gt_compare;
  double sum_xy = 0.0, sum_xx = 0.0, sum_yy = 0.0;
  unsigned long long nonfinite = 0, poison = 0, ref_nonfinite = 0, worst = 0;
  float max_abs_err = 0.0f;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < p.count; i += stride) {
    const unsigned short x_bits = p.x[i];
    const float x = gt_bf16_to_f32(x_bits);
    const float y = p.y_is_bf16 ? gt_bf16_to_f32(static_cast<const unsigned short*>(p.y)[i])
                                : static_cast<const float*>(p.y)[i];
    const bool x_ok = is_finite(x);
    const bool y_ok = is_finite(y);
    nonfinite += x_ok ? 0 : 1;
    poison += x_bits == kGemmtunePoisonBf16 ? 1 : 0;
    ref_nonfinite += y_ok ? 0 : 1;
    if (!x_ok || !y_ok) continue;
    sum_xy += static_cast<double>(x) * y;
    sum_xx += static_cast<double>(x) * x;
    sum_yy += static_cast<double>(y) * y;
    const float abs_err = fabsf(x - y);
    max_abs_err = fmaxf(max_abs_err, abs_err);
    const float rel_err = abs_err / fmaxf(fabsf(y), p.rel_err_floor);
    // NOTE: non-negative floats order like their bit patterns; 33 bits of index reach 8.5e9.
    const unsigned long long key = (static_cast<unsigned long long>(__float_as_uint(rel_err)) << 33) |
                                   static_cast<unsigned long long>(i);
    worst = key > worst ? key : worst;
  }

  __shared__ double s_sums[3][kThreads / 32];
  __shared__ unsigned long long s_counts[4][kThreads / 32];
  __shared__ float s_max_abs[kThreads / 32];
  sum_xy = warp_sum(sum_xy);
  sum_xx = warp_sum(sum_xx);
  sum_yy = warp_sum(sum_yy);
  nonfinite = warp_sum(nonfinite);
  poison = warp_sum(poison);
  ref_nonfinite = warp_sum(ref_nonfinite);
  worst = warp_max(worst);
  max_abs_err = warp_max(max_abs_err);
  const int warp = threadIdx.x / 32;
  if (threadIdx.x % 32 == 0) {
    s_sums[0][warp] = sum_xy;
    s_sums[1][warp] = sum_xx;
    s_sums[2][warp] = sum_yy;
    s_counts[0][warp] = nonfinite;
    s_counts[1][warp] = poison;
    s_counts[2][warp] = ref_nonfinite;
    s_counts[3][warp] = worst;
    s_max_abs[warp] = max_abs_err;
  }
  __syncthreads();
  if (threadIdx.x != 0) return;
  for (int w = 1; w < kThreads / 32; ++w) {
    for (int q = 0; q < 3; ++q) s_sums[q][0] += s_sums[q][w];
    for (int q = 0; q < 3; ++q) s_counts[q][0] += s_counts[q][w];
    s_counts[3][0] = s_counts[3][w] > s_counts[3][0] ? s_counts[3][w] : s_counts[3][0];
    s_max_abs[0] = fmaxf(s_max_abs[0], s_max_abs[w]);
  }
  GemmtuneSupportCompareSums* out = p.sums;
  atomicAdd(&out->sum_xy, s_sums[0][0]);
  atomicAdd(&out->sum_xx, s_sums[1][0]);
  atomicAdd(&out->sum_yy, s_sums[2][0]);
  atomicAdd(&out->nonfinite_count, s_counts[0][0]);
  atomicAdd(&out->poison_count, s_counts[1][0]);
  atomicAdd(&out->ref_nonfinite_count, s_counts[2][0]);
  atomicMax(&out->worst, s_counts[3][0]);
  atomicMax(&out->max_abs_err_bits, __float_as_uint(s_max_abs[0]));
}

extern "C" __global__ void __launch_bounds__(256)
    support_compare_to_bf16(GemmtuneSupportToBf16Params p) {
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < p.count; i += stride) {
    p.dst[i] = gt_f32_to_bf16(p.src[i]);
  }
}
