// support_inputs.cuh: reproducible GEMM inputs generated on the device from a seed, quantized to
// e4m3 with the block scales of gemmtune_params.h.
//
// X[r][c] = u(r, c) * f(block), u uniform in [-1, 1) or standard normal (p.distribution, see
// src/core/input_distribution.hpp for why both), f = exp(U(-4, 4)) constant per scale block
// (1x128 for A, 128x128 for B). Scales therefore differ by up to e^8 between neighbouring blocks,
// so a kernel that reads the wrong scale block cannot pass validation by luck.
// Quantization (as DeepGEMM's per_token_cast_to_fp8 / per_block_cast_to_fp8):
//   amax = max(|X| over the block, 1e-4), scale = amax / 448, q = e4m3_rn_satfinite(X * 448 / amax).
// Random numbers: splitmix64 (Steele et al., "Fast splittable pseudorandom number generators")
// of (seed, stream, element index): counter based, so any element can be regenerated alone.
//
// Grid: (ceil(rows_alloc / 128), ceil(k / 128)); block: 256 threads. Warp w owns rows
// 16w..16w+15 of the 128-row tile, lane l owns columns 4l..4l+3 of the 128-column K block.
#pragma once

#include "support_convert.cuh"
#include "support_params.h"

/// splitmix64 finalizer: a bijective 64-bit mix.
__device__ __forceinline__ unsigned long long gt_splitmix64(unsigned long long z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Uniform float in [-1, 1) for element `index` of random stream `stream_key`.
__device__ __forceinline__ float gt_uniform_pm1(unsigned long long stream_key, unsigned long long index) {
  const unsigned long long h = gt_splitmix64(stream_key ^ index);
  return static_cast<float>(h >> 40) * 0x1p-23f - 1.0f;  // 24 random bits, exact in fp32
}

/// Standard normal for element `index` (Box-Muller on two uniforms of the element's hash).
/// Only the cosine branch is used, so an element still depends on its index alone.
__device__ __forceinline__ float gt_normal(unsigned long long stream_key, unsigned long long index) {
  const unsigned long long h = gt_splitmix64(stream_key ^ index);
  const float u1 = (static_cast<float>(h >> 40) + 1.0f) * 0x1p-24f;  // (0, 1]: log stays finite
  const float u2 = static_cast<float>(h & 0xFFFFFFull) * 0x1p-24f;   // [0, 1)
  return sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
}

/// Key of one random stream: stream 2 * tensor_id draws elements, 2 * tensor_id + 1 block factors.
__device__ __forceinline__ unsigned long long gt_stream_key(unsigned long long seed, int stream) {
  return gt_splitmix64(seed ^ (static_cast<unsigned long long>(stream) << 56));
}

__device__ __forceinline__ float gt_warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, offset));
  return v;
}

extern "C" __global__ void __launch_bounds__(256) support_inputs_quantize(GemmtuneSupportQuantizeParams p) {
  constexpr int kRowsPerWarp = 16;
  constexpr float kE4m3Max = 448.0f;
  __shared__ float warp_amax[8];
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int kb = blockIdx.y;
  const int col = kb * 128 + lane * 4;             // k is a multiple of 4: 4 columns are all in or out
  const bool col_ok = col < p.k;
  const int row0 = blockIdx.x * 128 + warp * kRowsPerWarp;
  const unsigned long long element_key = gt_stream_key(p.seed, 2 * p.tensor_id);
  const unsigned long long factor_key = gt_stream_key(p.seed, 2 * p.tensor_id + 1);
  const long long num_kb = (p.k + 127) / 128;

  float x[kRowsPerWarp][4];
  float row_amax[kRowsPerWarp];
  float tile_amax = 0.0f;
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int r = row0 + i;
    const long long block_row = p.per_row_scale ? r : r / 128;
    const float u_factor = gt_uniform_pm1(factor_key, static_cast<unsigned long long>(block_row * num_kb + kb));
    const float factor = expf(4.0f * u_factor);
    float amax = 0.0f;
    for (int j = 0; j < 4; ++j) {
      const bool ok = col_ok && r < p.rows;
      const unsigned long long index = static_cast<unsigned long long>(r) * p.k + col + j;
      const float e = p.distribution == 1 ? gt_normal(element_key, index)
                                          : gt_uniform_pm1(element_key, index);
      x[i][j] = ok ? e * factor : 0.0f;
      amax = fmaxf(amax, fabsf(x[i][j]));
    }
    row_amax[i] = gt_warp_max(amax);
    tile_amax = fmaxf(tile_amax, row_amax[i]);
  }
  if (!p.per_row_scale) {
    if (lane == 0) warp_amax[warp] = tile_amax;
    __syncthreads();
    tile_amax = 0.0f;
    for (int w = 0; w < 8; ++w) tile_amax = fmaxf(tile_amax, warp_amax[w]);
    if (threadIdx.x == 0 && blockIdx.x * 128 < p.rows_alloc) {
      const float amax = fmaxf(tile_amax, 1e-4f);
      p.scales[static_cast<long long>(blockIdx.x) * p.scale_row_stride + kb * p.scale_kb_stride] = amax / kE4m3Max;
    }
  }
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int r = row0 + i;
    if (r >= p.rows_alloc) break;
    const float amax = fmaxf(p.per_row_scale ? row_amax[i] : tile_amax, 1e-4f);
    if (p.per_row_scale && lane == 0) {
      p.scales[static_cast<long long>(r) * p.scale_row_stride + kb * p.scale_kb_stride] = amax / kE4m3Max;
    }
    if (!col_ok) continue;
    const float inv_scale = kE4m3Max / amax;
    const unsigned int lo = gt_f32x2_to_e4m3x2(x[i][0] * inv_scale, x[i][1] * inv_scale);
    const unsigned int hi = gt_f32x2_to_e4m3x2(x[i][2] * inv_scale, x[i][3] * inv_scale);
    const long long offset = static_cast<long long>(r) * p.k + col;
    *reinterpret_cast<unsigned int*>(p.q + offset) = lo | (hi << 16);
    if (p.x != nullptr && r < p.rows) {
      *reinterpret_cast<float4*>(p.x + offset) = make_float4(x[i][0], x[i][1], x[i][2], x[i][3]);
    }
  }
}
