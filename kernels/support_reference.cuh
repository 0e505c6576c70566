// support_reference.cuh: FP32 SIMT reference GEMMs that every candidate kernel is checked against.
//
//   support_reference_gemm_dequantized: D[m][n] = sum_kb sA[kb][m] * sB[n/128][kb] *
//       (sum_{k in kb} A[m][k] * B[n][k]), A and B e4m3 decoded exactly, the inner sum in fp32
//       per 128-wide K block, then scaled and summed in fp32 (the math of the tuned kernel, with
//       fp32 rounding only).
//   support_reference_gemm_f32: D = X_A * X_B^T on the unquantized fp32 inputs (measures the
//       quantization error, DeepGEMM's accuracy protocol).
//
// Layouts: gemmtune_params.h; D fp32 [m][n] row-major. Limits: k multiple of 16.
// Tiling: 128x128 output tile per 256-thread CTA, K staged 32 at a time through shared memory
// (transposed to [k][m] so that a thread reads 4 consecutive rows as one float4). Thread (tx, ty)
// owns rows {4ty..4ty+3, 64+4ty..64+4ty+3} and the same pattern of columns with tx.
// Grid: (ceil(n / 128), ceil(m / 128)).
#pragma once

#include "support_convert.cuh"
#include "support_params.h"

namespace gt_reference {

constexpr int kTile = 128;
constexpr int kTileK = 32;
constexpr int kThreads = 256;

/// Stages a [128 rows][32 k] e4m3 tile as floats in smem[k][row]; zero outside the matrix.
__device__ __forceinline__ void stage_e4m3(const unsigned char* src, int rows, int k, int row0, int k0,
                                           float (*smem)[kTile]) {
  const int row = threadIdx.x / 2;
  const int kofs = (threadIdx.x % 2) * 16;
  uint4 raw = make_uint4(0, 0, 0, 0);
  if (row0 + row < rows && k0 + kofs < k) {
    raw = *reinterpret_cast<const uint4*>(src + static_cast<long long>(row0 + row) * k + k0 + kofs);
  }
  const unsigned int words[4] = {raw.x, raw.y, raw.z, raw.w};
  for (int w = 0; w < 4; ++w) {
    float v[4];
    gt_e4m3x4_to_f32x4(words[w], v);
    for (int j = 0; j < 4; ++j) smem[kofs + 4 * w + j][row] = v[j];
  }
}

/// Stages a [128 rows][32 k] fp32 tile in smem[k][row]; zero outside the matrix.
__device__ __forceinline__ void stage_f32(const float* src, int rows, int k, int row0, int k0,
                                          float (*smem)[kTile]) {
  for (int it = 0; it < kTile * kTileK / 4 / kThreads; ++it) {
    const int idx = threadIdx.x + it * kThreads;
    const int row = idx / (kTileK / 4);
    const int kofs = (idx % (kTileK / 4)) * 4;
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (row0 + row < rows && k0 + kofs < k) {
      v = *reinterpret_cast<const float4*>(src + static_cast<long long>(row0 + row) * k + k0 + kofs);
    }
    smem[kofs + 0][row] = v.x;
    smem[kofs + 1][row] = v.y;
    smem[kofs + 2][row] = v.z;
    smem[kofs + 3][row] = v.w;
  }
}

/// The tile loop shared by both variants. kScaled: e4m3 operands with block scales.
template <bool kScaled>
__device__ __forceinline__ void gemm_tile(const GemmtuneSupportReferenceParams& p) {
  __shared__ __align__(16) float a_smem[kTileK][kTile];
  __shared__ __align__(16) float b_smem[kTileK][kTile];
  const int tx = threadIdx.x % 16;
  const int ty = threadIdx.x / 16;
  const int m0 = blockIdx.y * kTile;
  const int n0 = blockIdx.x * kTile;
  const int num_k_tiles = (p.k + kTileK - 1) / kTileK;
  constexpr int kTilesPerScaleBlock = 128 / kTileK;

  float acc[8][8];
  float part[8][8];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) acc[i][j] = part[i][j] = 0.0f;

  for (int kt = 0; kt < num_k_tiles; ++kt) {
    const int k0 = kt * kTileK;
    if (kScaled) {
      stage_e4m3(static_cast<const unsigned char*>(p.a), p.m, p.k, m0, k0, a_smem);
      stage_e4m3(static_cast<const unsigned char*>(p.b), p.n, p.k, n0, k0, b_smem);
    } else {
      stage_f32(static_cast<const float*>(p.a), p.m, p.k, m0, k0, a_smem);
      stage_f32(static_cast<const float*>(p.b), p.n, p.k, n0, k0, b_smem);
    }
    __syncthreads();
    for (int kk = 0; kk < kTileK; ++kk) {
      float a[8], b[8];
      *reinterpret_cast<float4*>(&a[0]) = *reinterpret_cast<const float4*>(&a_smem[kk][4 * ty]);
      *reinterpret_cast<float4*>(&a[4]) = *reinterpret_cast<const float4*>(&a_smem[kk][64 + 4 * ty]);
      *reinterpret_cast<float4*>(&b[0]) = *reinterpret_cast<const float4*>(&b_smem[kk][4 * tx]);
      *reinterpret_cast<float4*>(&b[4]) = *reinterpret_cast<const float4*>(&b_smem[kk][64 + 4 * tx]);
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) part[i][j] = fmaf(a[i], b[j], part[i][j]);
    }
    __syncthreads();

    const bool block_done = (kt + 1) % kTilesPerScaleBlock == 0 || kt + 1 == num_k_tiles;
    if (kScaled && block_done) {
      const int kb = kt / kTilesPerScaleBlock;
      // NOTE: the tile's 128 columns are one 128-row block of B, so one sB value serves them all.
      const float sb = p.sb[static_cast<long long>(n0 / 128) * p.sb_ld + kb];
      for (int i = 0; i < 8; ++i) {
        const int m = m0 + (i < 4 ? 4 * ty + i : 64 + 4 * ty + i - 4);
        const float s = (m < p.m ? p.sa[static_cast<long long>(kb) * p.sa_ld + m] : 0.0f) * sb;
        for (int j = 0; j < 8; ++j) {
          acc[i][j] = fmaf(part[i][j], s, acc[i][j]);
          part[i][j] = 0.0f;
        }
      }
    }
  }

  for (int i = 0; i < 8; ++i) {
    const int m = m0 + (i < 4 ? 4 * ty + i : 64 + 4 * ty + i - 4);
    if (m >= p.m) continue;
    for (int j = 0; j < 8; ++j) {
      const int n = n0 + (j < 4 ? 4 * tx + j : 64 + 4 * tx + j - 4);
      if (n < p.n) p.d[static_cast<long long>(m) * p.n + n] = kScaled ? acc[i][j] : part[i][j];
    }
  }
}

}  // namespace gt_reference

extern "C" __global__ void __launch_bounds__(256)
    support_reference_gemm_dequantized(GemmtuneSupportReferenceParams p) {
  gt_reference::gemm_tile<true>(p);
}

extern "C" __global__ void __launch_bounds__(256) support_reference_gemm_f32(GemmtuneSupportReferenceParams p) {
  gt_reference::gemm_tile<false>(p);
}
