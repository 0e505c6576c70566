// sm90_fp8_gemm_1d2d_epilogue.cuh: how the sm90_fp8_gemm_1d2d kernel family stores a finished
// tile: bf16 through a swizzled shared-memory tile and TMA stores, the split-K sums (through a
// global workspace, or inside a cluster's shared memory), and the direct store of a grouped tile
// that ends inside its group's last rows. Included by sm90_fp8_gemm_1d2d.cuh.
#pragma once

#include "gemmtune_params.h"
#include "sm90_fp8_gemm_1d2d_schedule.cuh"
#include "sm90_ptx.cuh"
#include "sm90_fp8_gemm_1d2d_profile.cuh"

namespace sm90_fp8_gemm_1d2d {

using namespace gemmtune_ptx;

/// Byte offset of D element (row, col) in the shared-memory tile: column chunks of kDSwizzleBytes
/// (block_m rows each), rows of one chunk kDSwizzleBytes apart, 16-byte units XOR-swizzled by the
/// address bits above them exactly as TMA's 32B/64B/128B swizzle modes expect (CUTLASS's
/// Swizzle<1|2|3, 4, 3>). An n8 fragment's 8 rows then fall in distinct 16-byte bank groups.
template <class C>
__device__ __forceinline__ int d_tile_offset(int row, int col) {
  if (C::kDSwizzleBytes == 0) return (row * C::kBlockN + col) * 2;
  constexpr int kChunkCols = C::kDSwizzleBytes / 2;
  const int linear = (col / kChunkCols) * (C::kBlockM * C::kDSwizzleBytes) +
                     row * C::kDSwizzleBytes + (col % kChunkCols) * 2;
  return linear ^ (((linear >> 7) & (C::kDSwizzleBytes / 16 - 1)) << 4);
}

/// Whether each math warpgroup stores its own rows of a whole-tile result (TMA stores of block_m
/// / warpgroups rows each; the host's D box, d_box_rows in sm90_fp8_gemm_1d2d_launch.h, follows
/// the same rule) and synchronises only its own threads, instead of every math thread meeting
/// twice per tile. Why: a warpgroup that finishes its K loop first stores its rows and starts the
/// next tile's MMAs without waiting for the other. Measured on one H200 against the shared epilogue
/// (4 rounds alternating, every run validated): 11 contiguous MoE rows 1.002-1.020 (geomean
/// 1.010), 5 dense M = 4096 rows 0.999-1.012 (1.005). NOTE: starting the second warpgroup ~500 ns
/// later, to make the two epilogues take turns, ran 0.71-0.89x (K = 768 alone 1.014): the
/// warpgroups share the stage ring, so the leader waits for stages the follower still holds.
/// Only where a tile has at least 6 K blocks (the host knows no more of the member than that).
template <class C>
__device__ __forceinline__ constexpr bool wg_epilogue() {
  return C::kMathWarpgroups >= 2 && C::kFixedK / 128 >= 6;
}

/// wg_epilogue with the tile's weight scales (sb_from_tile) loaded by each warpgroup for itself
/// and published within it: where a tile has at least as many K blocks as the ring has stages,
/// so that a warpgroup cannot run a whole tile ahead of the other and rewrite a buffer the other
/// still reads. Elsewhere (e.g. bm128_bn48_s8 at K = 768) both warpgroups load and meet as before.
template <class C>
__device__ __forceinline__ constexpr bool wg_scale_buffers() {
  return wg_epilogue<C>() && C::kFixedK / 128 >= C::kStages;
}

/// The thread of each math warpgroup that issues (and waits for) its TMA stores: its first.
__device__ __forceinline__ bool is_store_thread() { return threadIdx.x % 128 == 0; }

/// Writes the math warpgroups' FP32 sums as bf16 into the shared-memory D tile (laid out as
/// d_tile_offset), once the previous tile's TMA stores have read it. Every math thread takes part.
template <class C>
__device__ __forceinline__ void stage_tile(char* smem,
                                           const float (&sum)[C::kSlices][C::Wgmma::kAccum],
                                           int row0, bool own_rows = false) {
  constexpr u32 kMathThreads = 128 * C::kMathWarpgroups;
  const int lane = threadIdx.x % 32;
  GEMMTUNE_TP_PART(kTpEpiPrep);
  if (wg_epilogue<C>() ? is_store_thread() : threadIdx.x == 128) {
    tma_store_wait_read();  // the previous tile's stores have left it
  }
  GEMMTUNE_TP_PART(kTpEpiWaitRead);
  if (wg_epilogue<C>() && own_rows) {
    // Barriers 4-6: one per math warpgroup (threads 128-255, 256-383, 384-511); 8 and 9 are
    // the warpgroups' weight-scale buffers' (math()).
    named_barrier_sync(3 + threadIdx.x / 128, 128);  // this warpgroup's rows only
  } else {
    GEMMTUNE_TP_BARRIER(1, kMathThreads, kTpBar1Wg1);
  }
  GEMMTUNE_TP_PART(kTpEpiBar1);
  // stmatrix: one instruction stores a warp's 16 rows x 16 columns (4 matrices of 8 x 8), four
  // times fewer shared-memory store instructions than one 32-bit store per column pair. Lane l
  // addresses row l % 8 of matrix l / 8: matrices 0/1 are rows 0-7/8-15 of fragment j, 2/3 the
  // same rows of fragment j + 1. Each 8-column row segment is 16 contiguous bytes in the swizzled
  // tile (the swizzle permutes whole 16-byte units).
  const int warp_row0 = row0 - lane / 4;  // row0 is this thread's first row: warp base + lane / 4
  const int lane_row = (lane / 8) % 2 * 8 + lane % 8;
  const int lane_col = lane / 16 * 8;
  const u32 tile_addr = smem_addr(smem + C::kDOffset);
#pragma unroll
  for (int s = 0; s < C::kSlices; ++s) {
    const int row = warp_row0 + s * 64 + lane_row;
    const float* v = sum[s];
#pragma unroll
    for (int j = 0; j + 1 < C::kBlockN / 8; j += 2) {
      stmatrix_x4(tile_addr + d_tile_offset<C>(row, j * 8 + lane_col),
                  pack_bf16x2(v[j * 4], v[j * 4 + 1]), pack_bf16x2(v[j * 4 + 2], v[j * 4 + 3]),
                  pack_bf16x2(v[j * 4 + 4], v[j * 4 + 5]),
                  pack_bf16x2(v[j * 4 + 6], v[j * 4 + 7]));
    }
    if ((C::kBlockN / 8) % 2 == 1) {  // last fragment alone; lanes 16-31 addresses are ignored
      constexpr int j = C::kBlockN / 8 - 1;
      stmatrix_x2(tile_addr + d_tile_offset<C>(row, j * 8), pack_bf16x2(v[j * 4], v[j * 4 + 1]),
                  pack_bf16x2(v[j * 4 + 2], v[j * 4 + 3]));
    }
  }
  GEMMTUNE_TP_PART(kTpEpiStage);
}

/// Writes the math warpgroups' FP32 sums as bf16 through shared memory and TMA stores (one per
/// column chunk), issued by one thread; they complete while the next tile computes. For a tile
/// that lies wholly inside its group (dense: inside D, TMA clips at its edges).
template <class C>
__device__ __forceinline__ void store_tile(const TmaDescriptor* tmap_d, char* smem,
                                           const float (&sum)[C::kSlices][C::Wgmma::kAccum],
                                           int row0, int m0, int n0, bool owns_result) {
  constexpr u32 kMathThreads = 128 * C::kMathWarpgroups;
  constexpr int kChunkCols = C::kDSwizzleBytes == 0 ? C::kBlockN : C::kDSwizzleBytes / 2;
  char* tile = smem + C::kDOffset;
  if constexpr (wg_epilogue<C>()) {
    constexpr int kWgRows = C::kBlockM / C::kMathWarpgroups;
    const int wg = static_cast<int>(threadIdx.x) / 128 - 1;
    stage_tile<C>(smem, sum, row0, true);
    fence_proxy_async_smem();
    named_barrier_sync(3 + threadIdx.x / 128, 128);
    if (is_store_thread() && owns_result) {
#pragma unroll
      for (int chunk = 0; chunk < C::kBlockN / kChunkCols; ++chunk) {
        tma_store_2d(tmap_d, tile + (chunk * C::kBlockM + wg * kWgRows) * kChunkCols * 2,
                     n0 + chunk * kChunkCols, m0 + wg * kWgRows);
      }
      tma_store_commit();
    }
    return;
  }
  stage_tile<C>(smem, sum, row0);
  fence_proxy_async_smem();
  GEMMTUNE_TP_BARRIER(1, kMathThreads, kTpBar2Wg1);
  GEMMTUNE_TP_PART(kTpEpiBar2);
  if (threadIdx.x == 128 && owns_result) {
#pragma unroll
    for (int chunk = 0; chunk < C::kBlockN / kChunkCols; ++chunk) {
      tma_store_2d(tmap_d, tile + chunk * C::kBlockM * kChunkCols * 2, n0 + chunk * kChunkCols, m0);
    }
    tma_store_commit();
  }
}

/// Calls f(row, col, i) for each pair of adjacent output columns this thread holds inside D
/// (rows below row_end): global row and first column, and i, the index of the pair's first
/// value in sum[s][...] flattened as s * kAccum + j * 4 + h * 2 (the wgmma D fragment layout,
/// PTX ISA).
template <class C, class F>
__device__ __forceinline__ void for_each_output_pair(const GemmtuneGemmParams& p, int row0, int m0,
                                                     int n0, int row_end, F&& f) {
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int s = 0; s < C::kSlices; ++s) {
#pragma unroll
    for (int j = 0; j < C::kBlockN / 8; ++j) {
      const int col = n0 + j * 8 + (lane % 4) * 2;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = m0 + row0 + s * 64 + h * 8;
        if (row < row_end && col < p.n) f(row, col, s * C::Wgmma::kAccum + j * 4 + h * 2);
      }
    }
  }
}


/// Partials one thread of the split-K sum has in flight (float2 loads: 2 registers each). NOTE:
/// 16 (32 registers) fits beside the accumulators of the largest split-K tiles without spills.
constexpr int kSplitKLoadsInFlight = 16;

/// Split-K epilogue: every split writes its FP32 partial; the last CTA to arrive on the tile's
/// counter sums all partials in split order (so the result is identical on every run),
/// kSplitKLoadsInFlight partials at a time per thread.
/// NOTE: summing each output pair over the splits before the next pair waited one L2 round trip
/// per pair, as the compiler cannot move a pair's loads
/// above the previous pair's store to D (they may alias): 12-48 round trips per thread, ~3.5 µs
/// of 18 at 512 x 576 x 7168 sk2 and +92 µs at 256 x 24576 x 1536 sk2.
template <class C>
__device__ __forceinline__ void store_tile_split_k(const GemmtuneGemmParams& p, char* smem,
                                                   const float (&sum)[C::kSlices][C::Wgmma::kAccum],
                                                   int row0, int m0, int n0, int split,
                                                   int tile_id, bool owns_result) {
  constexpr u32 kMathThreads = 128 * C::kMathWarpgroups;
  const long long mn = static_cast<long long>(p.m) * p.n;
  const float* values = &sum[0][0];
  volatile int* last_flag = reinterpret_cast<volatile int*>(smem + C::kFlagOffset);
  if (owns_result) {
    float* ws = p.workspace + split * mn;
    for_each_output_pair<C>(p, row0, m0, n0, p.m, [&](int row, int col, int i) {
      *reinterpret_cast<float2*>(&ws[static_cast<long long>(row) * p.n + col]) =
          make_float2(values[i], values[i + 1]);
    });
  }
  __threadfence();
  named_barrier_sync(1, kMathThreads);
  if (threadIdx.x == 128) {
    int last = 0;
    if (owns_result) {
      const unsigned int before = atomicAdd(&p.tile_counters[tile_id], 1u);
      last = before == C::kSplitK - 1;
      if (last) p.tile_counters[tile_id] = 0;  // ready for the next launch
    }
    *last_flag = last;
  }
  named_barrier_sync(1, kMathThreads);
  const bool last = *last_flag != 0;
  named_barrier_sync(1, kMathThreads);  // the flag slot is rewritten by the next tile
  if (!last) return;
  __threadfence();
  // Chunks of pairs, in for_each_output_pair's order: a chunk's loads (every split of each of
  // its pairs) are issued together, then its sums stored. The stores keep the next chunk's
  // loads behind them (they may alias), which bounds the registers in flight to a chunk's.
  constexpr int kPairsPerSlice = C::kBlockN / 8 * 2;
  constexpr int kPairs = C::kSlices * kPairsPerSlice;
  constexpr int kChunk =  // pairs per chunk
      kSplitKLoadsInFlight / C::kSplitK > 0 ? kSplitKLoadsInFlight / C::kSplitK : 1;
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int first = 0; first < kPairs; first += kChunk) {
    float2 v[kChunk][C::kSplitK];
    long long idx[kChunk];
    bool inside[kChunk];
#pragma unroll
    for (int c = 0; c < kChunk; ++c) {
      const int pair = first + c, slice = pair / kPairsPerSlice;
      const int j = pair % kPairsPerSlice / 2, h = pair % 2;
      const int row = m0 + row0 + slice * 64 + h * 8, col = n0 + j * 8 + (lane % 4) * 2;
      inside[c] = pair < kPairs && row < p.m && col < p.n;
      idx[c] = static_cast<long long>(row) * p.n + col;
#pragma unroll
      for (int q = 0; q < C::kSplitK; ++q) {
        const float2* partial = reinterpret_cast<const float2*>(&p.workspace[q * mn + idx[c]]);
        v[c][q] = inside[c] ? __ldcg(partial) : make_float2(0.f, 0.f);
      }
    }
#pragma unroll
    for (int c = 0; c < kChunk; ++c) {
      float x = 0.f, y = 0.f;  // in split order, as every run sums them
#pragma unroll
      for (int q = 0; q < C::kSplitK; ++q) {
        x += v[c][q].x;
        y += v[c][q].y;
      }
      if (inside[c]) *reinterpret_cast<u32*>(&p.d[idx[c]]) = pack_bf16x2(x, y);
    }
  }
}

/// Whether this build sums a tile's K splits inside its cluster (C::kSplitKInCluster, from
/// KernelConfig::split_k_in_cluster) rather than through the workspace (store_tile_split_k).
template <class C>
__device__ __forceinline__ constexpr bool split_k_cluster_sum() {
  return C::kSplitKInCluster;
}

/// With split_k_cluster_sum, the kernel's first cluster barrier is split into an arrive at the
/// start and a wait just before the math threads' first send or sum (producers: at the end),
/// instead of every thread waiting at the start for the peer CTA to have started.
/// NOTE: measured on the H200: 0.03-0.42 µs
/// faster on all 7 split-K rows (16 x 2112 x 7168 12.08 -> 11.66); a cluster launch alone costs
/// nothing (1029-...).
template <class C>
__device__ __forceinline__ constexpr bool late_cluster_wait() {
  return split_k_cluster_sum<C>();
}

/// split_k_cluster_sum: the CTA of split 1 sends its FP32 partial into split 0's shared memory
/// (16 bytes per st.async, counted on split 0's "received" mbarrier); split 0 adds it to its own
/// in split order, from 0 as store_tile_split_k sums (so both paths give the same bits), frees
/// the buffer for split 1's next tile and then stores the tile as an unsplit one. Returns whether
/// this CTA stores the tile. `phase` counts the cluster's split-K tiles (both CTAs take the same
/// units in pairs: rank == split, Schedule::work with an even grid).
/// Layout of the received partial: float4 chunk c of math thread t at (c * kMathThreads + t) * 16
/// bytes, so consecutive threads touch consecutive 16 bytes (no bank conflicts) and each thread of
/// split 0 reads the values its own accumulators hold (the same fragment layout in both CTAs).
/// NOTE: why not the workspace: writing every partial, a fence, an atomic counter and the last
/// CTA's reads are three L2 round trips in a row, ~2 us of a 10-15 us small-M GEMM; over the
/// cluster's shared memory the partial arrives in well under a microsecond and never touches L2.
template <class C>
__device__ __forceinline__ bool sum_split_k_in_cluster(char* smem,
                                                       float (&sum)[C::kSlices][C::Wgmma::kAccum],
                                                       int split, u32& phase) {
  // Instantiated for every member (the caller's branch is not constexpr): checked where used.
  static_assert(!split_k_cluster_sum<C>() || (C::kSplitK == 2 && C::Wgmma::kAccum % 4 == 0),
                "pairs of splits, float4 chunks");
  constexpr u32 kMathThreads = 128 * C::kMathWarpgroups;
  constexpr int kChunksPerSlice = C::Wgmma::kAccum / 4;
  constexpr u32 kBytes = kMathThreads * C::kSlices * kChunksPerSlice * 16;
  u64* received = reinterpret_cast<u64*>(smem + C::kFlagOffset);  // split 0's
  u64* buffer_free = received + 1;                                 // split 1's
  const u32 t = threadIdx.x - 128;
  if (split != 0) {
    mbarrier_wait(buffer_free, phase ^ 1);  // a fresh barrier passes the first tile
    const u32 remote = cluster_smem_addr(smem + C::kSplitKRecvOffset, 0) + t * 16;
    const u32 remote_bar = cluster_smem_addr(received, 0);
#pragma unroll
    for (int s = 0; s < C::kSlices; ++s)
#pragma unroll
      for (int q = 0; q < kChunksPerSlice; ++q) {
        const float* v = &sum[s][q * 4];
        st_async_v4(remote + (s * kChunksPerSlice + q) * kMathThreads * 16, v[0], v[1], v[2], v[3],
                    remote_bar);
      }
    phase ^= 1;
    return false;
  }
  if (threadIdx.x == 128) mbarrier_arrive_expect_tx(received, kBytes);
  mbarrier_wait(received, phase);
  const float4* in = reinterpret_cast<const float4*>(smem + C::kSplitKRecvOffset) + t;
#pragma unroll
  for (int s = 0; s < C::kSlices; ++s)
#pragma unroll
    for (int q = 0; q < kChunksPerSlice; ++q) {
      const float4 v = in[(s * kChunksPerSlice + q) * kMathThreads];
      float* x = &sum[s][q * 4];
      x[0] = (0.f + x[0]) + v.x;
      x[1] = (0.f + x[1]) + v.y;
      x[2] = (0.f + x[2]) + v.z;
      x[3] = (0.f + x[3]) + v.w;
    }
  named_barrier_sync(1, kMathThreads);  // every math thread has read the buffer
  if (threadIdx.x == 128) mbarrier_arrive_cluster(buffer_free, 1);
  phase ^= 1;
  return true;
}

/// Grouped layouts, a tile that ends inside its group's last rows: rows >= row_end (the next
/// group's, or rows a masked group does not use) are left untouched.
/// NOTE: a TMA store writes whole boxes (clipped only at the tensor's edge), so it cannot stop
/// at a group's end. The tile goes through shared memory as for the TMA store, then the math
/// threads copy its rows below row_end in 16-byte units, consecutive threads along a row (whole
/// 128-byte lines). Each thread storing its own bf16 pairs instead (8 rows of 16 bytes per warp
/// instruction, four times the instructions) was 1.5-3.2% slower on ragged contiguous groups
/// (dsv3 down prefill g8 211.2 -> 205.9 µs).
template <class C>
__device__ __forceinline__ void store_tile_rows(const GemmtuneGemmParams& p, char* smem,
                                                const float (&sum)[C::kSlices][C::Wgmma::kAccum],
                                                int row0, int m0, int n0, int row_end,
                                                bool owns_result) {
  if (!owns_result) return;  // the same for every thread of the CTA
  constexpr int kMathThreads = 128 * C::kMathWarpgroups;
  constexpr int kUnitsPerRow = C::kBlockN / 8;  // 16 bytes = 8 bf16; N % 8 == 0 (legality)
  stage_tile<C>(smem, sum, row0);
  GEMMTUNE_TP_BARRIER(1, kMathThreads, kTpBar2Wg1);
  GEMMTUNE_TP_PART(kTpEpiBar2);
  const char* tile = smem + C::kDOffset;
  const int units = min(row_end - m0, C::kBlockM) * kUnitsPerRow;
  for (int u = static_cast<int>(threadIdx.x) - 128; u < units; u += kMathThreads) {
    const int row = u / kUnitsPerRow, col = u % kUnitsPerRow * 8;
    if (n0 + col < p.n) {
      *reinterpret_cast<uint4*>(&p.d[static_cast<long long>(m0 + row) * p.n + n0 + col]) =
          *reinterpret_cast<const uint4*>(tile + d_tile_offset<C>(row, col));
    }
  }
  // The next tile's stage_tile waits at a barrier for every thread, so none rewrites the tile
  // while another still reads it; wg_epilogue's waits for its own warpgroup only, hence this one.
  if (wg_epilogue<C>()) named_barrier_sync(1, kMathThreads);
}

}  // namespace sm90_fp8_gemm_1d2d
