// sm90_fp8_gemm_1d2d_deepgemm_layout.cuh: DeepGEMM's argument layouts to the family's, in one
// launch before the GEMM (the bundle's C library, src/report/README.md "From Python"): the
// contiguous layout's per-row group indices, and the activation scales of every call.
//
// Why a kernel: done with PyTorch ops, the conversion was six launches on the host (a running
// maximum, a clamp, an arange and a searchsorted for the offsets; an allocation and a copy for
// the scales), 60-90 host µs a call that a single call leaves the GPU idle for
// (results/h200-python/contiguous_conversion.md). One launch costs a few µs.
//
// The first blocks turn per-row group indices into offsets and group ends (each its share of the
// rows, the last to finish the whole); the others transpose the activation scales from K-major
// [rows, k_blocks] to the MN-major [k_blocks, stride] the kernels' sA tensor map reads, only the
// rows a masked GEMM reads. NVRTC-clean: no CUDA header.
#pragma once

#include "gemmtune_params.h"

namespace gemmtune_deepgemm_layout {

/// Threads of every block, two blocks per SM (at most 32 registers a thread).
constexpr int kThreads = 1024;
constexpr int kBlocksPerSm = 2;
/// Index scan: consecutive rows per thread and pass, all loaded at once (a pass costs one memory
/// latency); a scan block covers kThreads * kRowsPerThread rows a pass.
constexpr int kRowsPerThread = 8;
/// Transpose tile: 128 rows x 32 k-blocks, four rows per thread loaded at once; reads coalesced
/// along k-blocks, writes along rows. NOTE: the transpose is bound by loads in flight, not by
/// bytes: one load in flight per thread waited one memory latency per 256 elements (the dense
/// M = 64, K = 16384 call took 16 us longer than the PyTorch copy it replaced), and one element
/// per thread still ran a masked call's 131072 rows x 56 k-blocks (29 MB) at about 1 TB/s (H200).
constexpr int kTileRows = 128;
constexpr int kTileKBlocks = 32;
constexpr int kRowsPerLane = kTileRows / 32;

/// The scan's summary in global memory, used by more than one scan block only and then zeroed
/// before the launch (cuMemsetD32Async), 2G + 2 ints: per index value v, rows - (its first row)
/// and (its last row) + 1 (0: no such row); then one past the last row with an index, and the
/// count of scan blocks that have published theirs.
struct ScanSummary {
  int* first_from_end;  ///< [groups]
  int* last_end;        ///< [groups]
  int* end;             ///< [1]
  int* done;            ///< [1]
};

/// Block-wide suffix minimum of values[0, count) in shared memory (count <= kThreads).
static_assert(kGemmtuneMaxGroups <= kThreads, "suffix_min: a thread per group");
__device__ __forceinline__ void suffix_min(int* values, int count) {
  for (int d = 1; d < count; d *= 2) {
    const int g = static_cast<int>(threadIdx.x);
    const int other = g + d < count ? values[g + d] : 0x7fffffff;
    __syncthreads();
    if (g < count && other < values[g]) values[g] = other;
    __syncthreads();
  }
}

/// offsets [groups + 1] from each index value's first row (`first_row`, shared memory, none:
/// INT_MAX; overwritten) and `end`, one past the last row with an index.
__device__ __forceinline__ void write_offsets(int* first_row, int groups, int end, int* offsets) {
  suffix_min(first_row, groups);
  for (int g = threadIdx.x; g <= groups; g += kThreads) {
    offsets[g] = g == 0 ? 0 : g == groups ? end : min(end, first_row[g]);
  }
}

/// One scan block: its rows' first and last row per index value (indices >= groups count as
/// groups - 1, -1 rows count for none) into shared memory, then into the global summary; the
/// last block to publish writes offsets [groups + 1] and ends [groups]:
///   offsets[0] = 0, offsets[g] = the first row whose index is >= g, at most `end` (one past the
///   last row with an index; 0 when there is none), offsets[groups] = end;
///   ends[g] = one past the last row whose index is g (0 for none).
/// This is gemmtune_bundle.group_offsets / group_ends. Why a minimum and not a running maximum:
/// the first row whose owner (the largest index at or before it) is >= g is the first row whose
/// own index is >= g, and a minimum needs no order between the blocks. For a layout whose
/// indices never decrease (DeepGEMM's) ends[g] is also the end of group g's rows before the
/// padding; for any other the GEMM clamps it into [offsets[g], offsets[g + 1]].
/// A single scan block (the host's choice, up to a few passes of rows) finishes from its shared
/// memory: no global summary, so no memset before the launch, and no atomics or ticket in global
/// memory. Why: those are a launch and three dependent round trips to L2, a few µs of a call
/// whose GEMM may take 25 (results/PERF_LOG.md).
__device__ __forceinline__ void scan_indices(const int* __restrict__ m_indices, int rows,
                                             int groups, int scan_blocks, ScanSummary summary,
                                             int* offsets, int* ends) {
  __shared__ int first_from_end[kGemmtuneMaxGroups];
  __shared__ int last_end[kGemmtuneMaxGroups];
  __shared__ int block_end;
  __shared__ bool finisher;
  for (int g = threadIdx.x; g < groups; g += kThreads) first_from_end[g] = last_end[g] = 0;
  if (threadIdx.x == 0) block_end = 0;
  __syncthreads();
  const int pass_rows = kThreads * kRowsPerThread;
  for (int base = blockIdx.x * pass_rows; base < rows; base += scan_blocks * pass_rows) {
    const int first = base + threadIdx.x * kRowsPerThread;
    int index[kRowsPerThread];
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      index[i] = first + i < rows ? min(__ldg(m_indices + first + i), groups - 1) : -1;
    }
    // Runs of one index value: shared-memory atomics only where a run starts or ends.
    int run = -1, run_first = 0, run_last = 0;
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      if (index[i] < 0) continue;
      if (index[i] != run) {
        if (run >= 0) {
          atomicMax(&first_from_end[run], rows - run_first);
          atomicMax(&last_end[run], run_last + 1);
        }
        run = index[i];
        run_first = first + i;
      }
      run_last = first + i;
    }
    if (run >= 0) {
      atomicMax(&first_from_end[run], rows - run_first);
      atomicMax(&last_end[run], run_last + 1);
      atomicMax(&block_end, run_last + 1);
    }
  }
  __syncthreads();
  if (scan_blocks == 1) {
    const int end = block_end;
    for (int g = threadIdx.x; g < groups; g += kThreads) {
      ends[g] = last_end[g];
      first_from_end[g] = first_from_end[g] > 0 ? rows - first_from_end[g] : 0x7fffffff;
    }
    __syncthreads();
    write_offsets(first_from_end, groups, end, offsets);
    return;
  }
  for (int g = threadIdx.x; g < groups; g += kThreads) {
    if (first_from_end[g] > 0) {
      atomicMax(summary.first_from_end + g, first_from_end[g]);
      atomicMax(summary.last_end + g, last_end[g]);
    }
  }
  if (threadIdx.x == 0 && block_end > 0) atomicMax(summary.end, block_end);
  __threadfence();  // this block's summary is visible before its ticket counts
  __syncthreads();
  if (threadIdx.x == 0) finisher = atomicAdd(summary.done, 1) == scan_blocks - 1;
  __syncthreads();
  if (!finisher) return;
  __threadfence();
  // The last block: every block's summary is in; L2 reads (__ldcg), not a stale L1 line.
  const int end = __ldcg(summary.end);
  for (int g = threadIdx.x; g < groups; g += kThreads) {
    const int from_end = __ldcg(summary.first_from_end + g);
    first_from_end[g] = from_end > 0 ? rows - from_end : 0x7fffffff;
    ends[g] = __ldcg(summary.last_end + g);
  }
  __syncthreads();
  write_offsets(first_from_end, groups, end, offsets);
}

/// Tile `tile` of the transpose: sfa[r * row_stride + kb] to sfa_mn[kb * mn_stride + r] for its
/// kTileRows rows and kTileKBlocks k-blocks, through shared memory. Tiles lie inside one segment
/// of `segment_rows` rows (a masked group, or every row); a segment's rows at or past
/// used[segment] (masked_m; null: every row) are not read by the GEMM and not transposed: a
/// masked call's A holds max_m rows per group for the worst case (DeepGEMM's own test: 4096), and
/// decode fills a few. Returns without a barrier when the tile holds no such row (the same for
/// the whole block), so skipped tiles cost one cached load.
__device__ __forceinline__ void transpose_tile(const float* __restrict__ sfa, int segment_rows,
                                               int k_blocks, int row_stride, float* sfa_mn,
                                               int mn_stride, const int* __restrict__ used,
                                               int tile) {
  __shared__ float staged[kTileRows][kTileKBlocks + 1];
  const int kb_tiles = (k_blocks + kTileKBlocks - 1) / kTileKBlocks;
  const int segment_tiles = (segment_rows + kTileRows - 1) / kTileRows * kb_tiles;
  const int segment = tile / segment_tiles, in_segment = tile % segment_tiles;
  const int row0 = in_segment / kb_tiles * kTileRows, kb0 = in_segment % kb_tiles * kTileKBlocks;
  const int used_rows = used != nullptr ? min(max(__ldg(used + segment), 0), segment_rows)
                                        : segment_rows;
  if (row0 >= used_rows) return;
  const long long base = static_cast<long long>(segment) * segment_rows + row0;
  const int tile_rows = min(kTileRows, used_rows - row0);
  const int x = threadIdx.x % 32, y = threadIdx.x / 32;
  float value[kRowsPerLane];
#pragma unroll
  for (int i = 0; i < kRowsPerLane; ++i) {
    const int row = y + 32 * i;
    value[i] = row < tile_rows && kb0 + x < k_blocks
                   ? __ldg(sfa + (base + row) * row_stride + kb0 + x)
                   : 0.0f;
  }
#pragma unroll
  for (int i = 0; i < kRowsPerLane; ++i) staged[y + 32 * i][x] = value[i];
  __syncthreads();
#pragma unroll
  for (int i = 0; i < kRowsPerLane; ++i) {
    const int row = x + 32 * i;
    if (kb0 + y < k_blocks && row < tile_rows) {
      sfa_mn[static_cast<long long>(kb0 + y) * mn_stride + base + row] = staged[row][y];
    }
  }
  __syncthreads();  // staged is read before the next tile writes it
}

}  // namespace gemmtune_deepgemm_layout

/// Grid: scan_blocks (0 without m_indices) + any number of blocks of kThreads threads.
/// Blocks [0, scan_blocks) write offsets [groups + 1] and ends [groups] from m_indices [rows]
/// (scan_indices; `summary` holds 2 groups + 2 ints zeroed before the launch; groups <=
/// kGemmtuneMaxGroups); the others transpose sfa (skipped when sfa is null), one tile at a time,
/// in segments of segment_rows rows (a masked call's max_m, else rows), of which only the first
/// used[segment] rows when `used` (masked_m) is not null.
extern "C" __global__ void __launch_bounds__(gemmtune_deepgemm_layout::kThreads,
                                             gemmtune_deepgemm_layout::kBlocksPerSm)
    gemmtune_deepgemm_contiguous_layout(const int* m_indices, int rows, int groups,
                                        int scan_blocks, int* summary, int* offsets, int* ends,
                                        const float* sfa, int k_blocks, int sfa_row_stride,
                                        float* sfa_mn, int sfa_mn_stride, int segment_rows,
                                        const int* used) {
  namespace dl = gemmtune_deepgemm_layout;
  // The GEMM launched after this kernel (a programmatic dependent launch) may be scheduled once
  // every block has started; it reads nothing of ours before its griddepcontrol.wait, which
  // returns when this grid has finished and its writes are visible.
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
  if (static_cast<int>(blockIdx.x) < scan_blocks) {
    if (m_indices != nullptr) {
      const dl::ScanSummary parts{summary, summary + groups, summary + 2 * groups,
                                  summary + 2 * groups + 1};
      dl::scan_indices(m_indices, rows, groups, scan_blocks, parts, offsets, ends);
    }
    return;
  }
  if (sfa == nullptr || segment_rows < 1) return;
  const int segments = (rows + segment_rows - 1) / segment_rows;
  const int tiles = segments * ((segment_rows + dl::kTileRows - 1) / dl::kTileRows) *
                    ((k_blocks + dl::kTileKBlocks - 1) / dl::kTileKBlocks);
  const int transpose_blocks = static_cast<int>(gridDim.x) - scan_blocks;
  for (int tile = static_cast<int>(blockIdx.x) - scan_blocks; tile < tiles; tile += transpose_blocks) {
    dl::transpose_tile(sfa, segment_rows, k_blocks, sfa_row_stride, sfa_mn, sfa_mn_stride, used,
                       tile);
  }
}
