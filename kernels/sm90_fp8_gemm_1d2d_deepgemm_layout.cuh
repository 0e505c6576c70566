// sm90_fp8_gemm_1d2d_deepgemm_layout.cuh: DeepGEMM's argument layouts to the family's, in one
// launch before the GEMM (the bundle's C library, src/report/README.md "From Python"): the
// contiguous layout's per-row group indices, and the activation scales of every call.
//
// Why a kernel: done with PyTorch ops, the conversion was six launches on the host (a running
// maximum, a clamp, an arange and a searchsorted for the offsets; an allocation and a copy for
// the scales), 60-90 host µs a call that a single call leaves the GPU idle for
// (results/h200-python/contiguous_conversion.md). One launch costs a few µs.
//
// Block 0 turns per-row group indices into offsets; the other blocks transpose the activation
// scales from K-major [rows, k_blocks] to the MN-major [k_blocks, stride] the kernels' sA tensor
// map reads. NVRTC-clean: no CUDA header.
#pragma once

#include "gemmtune_params.h"

namespace gemmtune_deepgemm_layout {

/// Threads of every block. Block 0 scans kRowsPerThread rows per thread and pass (16384 rows: a
/// DeepSeek-V3 prefill of 4096 tokens x 8 experts in two passes); each thread loads its rows into
/// registers at once, so a pass costs one memory latency, not one per row.
constexpr int kThreads = 1024;
constexpr int kRowsPerThread = 16;
/// Transpose tile: 32 rows x 32 k-blocks, one element per thread; reads coalesced along k-blocks,
/// writes along rows. NOTE: a block that looped over its tile's k-blocks with one load in flight
/// per thread waited one memory latency per 256 elements: the dense M = 64, K = 16384 call took
/// 16 us longer than the PyTorch copy it replaced (H200).
constexpr int kTileRows = 32;
constexpr int kTileKBlocks = 32;

/// The largest value of `v` over the block's threads before this one (-1 for thread 0), and the
/// largest of all in `*total`.
__device__ __forceinline__ int exclusive_max(int v, int* total) {
  static_assert(kThreads == 32 * 32, "one lane per warp in the second level");
  __shared__ int warp_max[kThreads / 32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  int inclusive = v;
  for (int d = 1; d < 32; d *= 2) {
    const int other = __shfl_up_sync(0xffffffffu, inclusive, d);
    if (lane >= d) inclusive = max(inclusive, other);
  }
  if (lane == 31) warp_max[warp] = inclusive;
  __syncthreads();
  // Every lane reads one warp's maximum; two reductions over the warp give the maximum before
  // this warp and the maximum of all.
  const int mine = warp_max[lane];
  int before_warp = lane < warp ? mine : -1, all = mine;
  for (int d = 16; d > 0; d /= 2) {
    before_warp = max(before_warp, __shfl_xor_sync(0xffffffffu, before_warp, d));
    all = max(all, __shfl_xor_sync(0xffffffffu, all, d));
  }
  int exclusive = __shfl_up_sync(0xffffffffu, inclusive, 1);
  if (lane == 0) exclusive = -1;
  __syncthreads();  // warp_max is read by every thread before the next call writes it
  *total = all;
  return max(before_warp, exclusive);
}

/// offsets[g] = the first row whose owner is >= g, where a row's owner is the largest group
/// index at or before it, floored at 0 (so -1 rows belong to the group before them, leading ones
/// to group 0), but at most `end`, one past the last row of a group (0 when there is none): the
/// -1 rows after the last group belong to no group, as DeepGEMM skips them (an engine's buffer
/// sized for the worst case ends in many). This is gemmtune_bundle.group_offsets, exact for any
/// input: the owners never decrease, so each g is written once, by the row where the owner
/// passes it. Indices >= groups count as groups - 1 (no write out of bounds).
/// ends[g] = one past the last row of group g whose index is not -1 (0 for a group without one;
/// the GEMM clamps it to [offsets[g], offsets[g + 1]]): DeepGEMM's layout pads every group to
/// 128 rows with -1 rows, which the GEMM then does not compute. At most kGemmtuneMaxGroups
/// groups (the GEMM's limit).
__device__ __forceinline__ void contiguous_offsets(const int* __restrict__ m_indices, int rows,
                                                   int groups, int* offsets, int* ends) {
  __shared__ int end;
  __shared__ int group_end[kGemmtuneMaxGroups];
  if (threadIdx.x == 0) {
    offsets[0] = 0;
    end = 0;
  }
  for (int g = threadIdx.x; g < groups; g += kThreads) group_end[g] = 0;
  __syncthreads();  // end and group_end are 0 before any thread raises them
  int owner_before = 0;  // the owner of the row before the pass (0 before row 0)
  int last_real = -1;    // this thread's last row of a group
  for (int base = 0; base < rows; base += kThreads * kRowsPerThread) {
    const int first = base + threadIdx.x * kRowsPerThread;
    int index[kRowsPerThread];
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      index[i] = first + i < rows ? __ldg(m_indices + first + i) : -1;
    }
    int local = -1;
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      local = max(local, min(index[i], groups - 1));
      if (index[i] >= 0) last_real = first + i;
    }
    int pass_max = -1;
    int owner = max(owner_before, max(exclusive_max(local, &pass_max), 0));
    // This thread's run of rows with one owner: its last row with an index, + 1 (0: none yet).
    int run_owner = owner, run_end = 0;
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      const int next = max(owner, min(index[i], groups - 1));
      for (int g = owner + 1; g <= next; ++g) offsets[g] = first + i;
      owner = next;
      if (index[i] >= 0) {
        if (owner != run_owner && run_end > 0) atomicMax(&group_end[run_owner], run_end);
        run_owner = owner;
        run_end = first + i + 1;
      }
    }
    if (run_end > 0) atomicMax(&group_end[run_owner], run_end);
    owner_before = max(owner_before, pass_max);
  }
  atomicMax(&end, last_real + 1);
  __syncthreads();
  for (int g = owner_before + 1 + static_cast<int>(threadIdx.x); g <= groups; g += kThreads) {
    offsets[g] = end;
  }
  for (int g = threadIdx.x; g < groups; g += kThreads) ends[g] = group_end[g];
}

/// Tile `tile` of the transpose: sfa[r * row_stride + kb] to sfa_mn[kb * mn_stride + r] for its
/// kTileRows rows and kTileKBlocks k-blocks, through shared memory.
__device__ __forceinline__ void transpose_tile(const float* __restrict__ sfa, int rows,
                                               int k_blocks, int row_stride, float* sfa_mn,
                                               int mn_stride, int tile) {
  __shared__ float staged[kTileRows][kTileKBlocks + 1];
  const int kb_tiles = (k_blocks + kTileKBlocks - 1) / kTileKBlocks;
  const int row0 = tile / kb_tiles * kTileRows, kb0 = tile % kb_tiles * kTileKBlocks;
  const int x = threadIdx.x % 32, y = threadIdx.x / 32;
  if (row0 + y < rows && kb0 + x < k_blocks) {
    staged[y][x] = __ldg(sfa + static_cast<long long>(row0 + y) * row_stride + kb0 + x);
  }
  __syncthreads();
  if (kb0 + y < k_blocks && row0 + x < rows) {
    sfa_mn[static_cast<long long>(kb0 + y) * mn_stride + row0 + x] = staged[x][y];
  }
  __syncthreads();  // staged is read before the next tile writes it
}

}  // namespace gemmtune_deepgemm_layout

/// Grid: 1 + any number of blocks of kThreads threads. Block 0 writes offsets [groups + 1] and
/// ends [groups] from m_indices [rows] (none when m_indices is null: dense and masked calls;
/// groups <= kGemmtuneMaxGroups); blocks 1.. transpose sfa (skipped when sfa is null), one tile
/// at a time.
extern "C" __global__ void __launch_bounds__(gemmtune_deepgemm_layout::kThreads)
    gemmtune_deepgemm_contiguous_layout(const int* m_indices, int rows, int groups, int* offsets,
                                        int* ends, const float* sfa, int k_blocks,
                                        int sfa_row_stride, float* sfa_mn, int sfa_mn_stride) {
  namespace dl = gemmtune_deepgemm_layout;
  if (blockIdx.x == 0) {
    if (m_indices != nullptr) dl::contiguous_offsets(m_indices, rows, groups, offsets, ends);
    return;
  }
  if (sfa == nullptr) return;
  const int tiles = (rows + dl::kTileRows - 1) / dl::kTileRows *
                    ((k_blocks + dl::kTileKBlocks - 1) / dl::kTileKBlocks);
  for (int tile = blockIdx.x - 1; tile < tiles; tile += gridDim.x - 1) {
    dl::transpose_tile(sfa, rows, k_blocks, sfa_row_stride, sfa_mn, sfa_mn_stride, tile);
  }
}
