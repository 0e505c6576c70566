// sm90_fp8_gemm_1d2d_mainloop.cuh: the math warpgroups' steps of the sm90_fp8_gemm_1d2d kernel
// family, which math() (sm90_fp8_gemm_1d2d.cuh) strings together: where each tile's weight scales
// come from, the choices of K loop (stage-aligned rounds, two K blocks in flight), one slice's
// MMAs, the promotion, the stage release and the epilogue's dispatch. Included by
// sm90_fp8_gemm_1d2d.cuh.
#pragma once

#include "gemmtune_params.h"
#include "sm90_fp8_gemm_1d2d_epilogue.cuh"
#include "sm90_fp8_gemm_1d2d_profile.cuh"
#include "sm90_fp8_gemm_1d2d_schedule.cuh"
#include "sm90_ptx.cuh"

namespace sm90_fp8_gemm_1d2d {

using namespace gemmtune_ptx;

/// One math warp's release of a pipeline stage, kCount arrivals (itself and any idle warp it
/// stands in for): to its own CTA's producer, and with multicast to both CTAs' (either may load
/// into this CTA's stage).
template <int kClusterSize, u32 kCount>
__device__ __forceinline__ void release_stage(u64* empty_bar) {
  if (kClusterSize > 1) {
    mbarrier_arrive_cluster<kCount>(empty_bar, 0);
    mbarrier_arrive_cluster<kCount>(empty_bar, 1);
  } else {
    mbarrier_arrive<kCount>(empty_bar);
  }
}

/// Whether a multicast build's math warps release a stage from two lanes at once, lane r
/// arriving on CTA r's barrier (one arrive instruction per warp and K block, its address computed
/// once per thread), rather than from one elected lane arriving on both CTAs in turn (an elect,
/// two mapa and two arrives per K block). DeepGEMM releases that way. In the run-time-stage
/// loop (+0.9% on one mcB row, 0 elsewhere: removed); in the stage-aligned
/// loop it is 6 of 141 instructions per K block and gained 0.2-0.4% in every round on the
/// bm128_bn192_s4_mcB rows.
template <class C>
__device__ __forceinline__ constexpr bool lane_pair_release() {
  return C::kMulticast != 0;
}

/// Whether the one-warpgroup K loop (bm64: one slice, the scales in the stage) keeps two K blocks
/// in flight, issuing the second's MMAs before it promotes the first (KernelConfig::mma_ahead()
/// decides where, and why). Why at all: on the M <= 128 picks the producer waits for free stages
/// 15-42% of the time (GEMMTUNE_WAIT_PROFILE), so
/// this warpgroup, waiting out each block's MMAs before it promotes them, paces the loop.
template <class C>
__device__ __forceinline__ constexpr bool mma_ahead() {
  return C::kMmaAhead;
}

/// K blocks per pass of the mma_ahead loop, a power of two >= 2 (KernelConfig::mma_pass_blocks()
/// decides, and why).
template <class C>
__device__ __forceinline__ constexpr int mma_pass_blocks() {
  constexpr int kBlocks = C::kMmaPassBlocks;
  static_assert(kBlocks >= 2 && (kBlocks & (kBlocks - 1)) == 0, "a power of two >= 2");
  return kBlocks;
}

/// Whether the K loop runs in whole rounds of the stage ring, the stage a compile-time constant
/// in each of a round's K blocks (so its barrier, descriptor and scale addresses are constants,
/// as in DeepGEMM's K loop, which unrolls 8 blocks). Possible with a fixed K whose K blocks per
/// split are whole rounds: every tile then starts at stage 0, since each tile's K blocks, and so
/// the pipeline's count before it (skips_idle_warpgroup derives the stage from that count), are
/// whole rounds. With a round as long as the unrolled pass the config already has, the code size
/// stays. Used only where SASS and the device showed it to pay: block_m 128 (two math warpgroups, one 64-row slice each) with 4 stages, e.g.
/// grouped bm128_bn192_s4 k7168: 147.2 -> 137 instructions per K block, no spill, 0.6-1.3%
/// faster; dense bm128_bn192_s4: +0.6% over 8 dsv3 rows beside DeepGEMM. Elsewhere it lost:
/// 8 stages doubled the loop's uniform instructions (bm64_bn128_s8 90 -> 98 per K block),
/// bm256_bn128_s3 (two slices) spilled 572 bytes, and two rounds per pass
/// (bm128_bn128_s4 unrolled 8) moved tile values to per-thread registers (59 R2UR per pass) and
/// measured 0.7% slower.
template <class C>
__device__ __forceinline__ constexpr bool stage_aligned_k_loop() {
  constexpr int kBlocks = (C::kFixedK + 127) / 128;
  return C::kBlockM == 128 && C::kStages == 4 && C::kFixedK != 0 && kBlocks % C::kSplitK == 0 &&
         (kBlocks / C::kSplitK) % C::kStages == 0 && C::kMainloopUnroll == C::kStages;
}

/// stage_aligned_k_loop: whether the descriptors take their offsets in 32 bits (their low words)
/// rather than as 64-bit sums, which ptxas split in some grouped K-loop copies into two adds with
/// carry and four UMOVs per wgmma. Grouped only: the dense bm128_bn192_s4 spilled 196 bytes with
/// the low words and not with the sums (129 and 142 instructions per K block in its two copies,
/// against 143.5 with the run-time stage).
template <class C>
__device__ __forceinline__ constexpr bool stage_aligned_low_word_descs() {
  return stage_aligned_k_loop<C>() && C::kGroupLayout != 0;
}

/// Whether this build reads each tile's weight scales from shared memory (C::kSbPerTile, see
/// KernelConfig::sb_per_tile) rather than two global loads per K block and math thread (which
/// spill in the unrolled K loop at split-K 2).
template <class C>
__device__ __forceinline__ constexpr bool sb_from_tile() {
  return C::kSbPerTile;
}

/// sb_from_tile: global loads per thread for one tile's weight scales when `kThreads` threads
/// share them: every math thread, or one warpgroup (wg_scale_buffers: each loads the whole region).
template <class C, int kThreads = 128 * C::kMathWarpgroups>
struct SbTile {
  static_assert(!C::kSbPerTile || !C::kTileInOneScaleBlock, "a per-tile region holds two rows");
  static constexpr int kMathThreads = 128 * C::kMathWarpgroups;
  // At least 1 each, so that configs without the region still compile the (unused) code.
  static constexpr int kPerRow = C::kSbTileFloats > 0 ? C::kSbTileFloats / 2 : 1;
  static constexpr int kLoads =
      C::kSbTileFloats > 0 ? (C::kSbTileFloats + kThreads - 1) / kThreads : 1;
  /// This thread's first float of the region.
  __device__ __forceinline__ static int first() {
    return kThreads == kMathThreads ? static_cast<int>(threadIdx.x) - 128
                                    : static_cast<int>(threadIdx.x % kThreads);
  }
};

/// sb_from_tile: where float `i` of tile `t`'s weight-scale region comes from (its split's K
/// blocks of its first scale row, then of its second).
template <class C>
__device__ __forceinline__ const float* tile_sb_source(const GemmtuneGemmParams& p,
                                                       const TileTask& t, int i) {
  using S = SbTile<C>;
  const int sb_row = i / S::kPerRow == 0 ? t.sb_row0 : t.sb_row1();
  return p.sb + static_cast<long long>(sb_row) * p.sb_ld + t.kb_begin + i % S::kPerRow;
}

/// sb_from_tile: this thread's share of tile `t`'s weight scales, read from global memory into `v`
/// (`kThreads` as SbTile's).
template <class C, int kThreads = 128 * C::kMathWarpgroups>
__device__ __forceinline__ void load_tile_sb(const GemmtuneGemmParams& p, const TileTask& t,
                                             float (&v)[SbTile<C, kThreads>::kLoads]) {
  using S = SbTile<C, kThreads>;
#pragma unroll
  for (int j = 0; j < S::kLoads; ++j) {
    const int i = S::first() + j * kThreads;
    v[j] = i < C::kSbTileFloats ? __ldg(tile_sb_source<C>(p, t, i)) : 0.f;
  }
}

/// sb_from_tile: stores `v` (load_tile_sb) into buffer `buf` of the tile weight-scale region. With
/// one warpgroup's threads (wg_scale_buffers) each warpgroup writes the same values, so neither
/// waits for the other's.
template <class C, int kThreads = 128 * C::kMathWarpgroups>
__device__ __forceinline__ void store_tile_sb(char* smem, int buf,
                                              const float (&v)[SbTile<C, kThreads>::kLoads]) {
  using S = SbTile<C, kThreads>;
  float* region = reinterpret_cast<float*>(smem + C::kSbTileOffset) + buf * C::kSbTileFloats;
#pragma unroll
  for (int j = 0; j < S::kLoads; ++j) {
    const int i = S::first() + j * kThreads;
    if (i < C::kSbTileFloats) region[i] = v[j];
  }
}

/// The next pipeline stage, flipping the phase at the ring's end.
template <class C>
__device__ __forceinline__ void advance_stage(int& st, u32& ph) {
  if (++st == C::kStages) {
    st = 0;
    ph ^= 1;
  }
}

/// Stage st's activation scales (sA), from the tile's first row (`sa_skip` rows into the stage's
/// box, which grouped layouts start at the 4-aligned row at or below it).
template <class C>
__device__ __forceinline__ const float* stage_sa(char* smem, int st, int sa_skip) {
  return reinterpret_cast<const float*>(smem + C::kSaOffset + st * C::kSaStageBytes) + sa_skip;
}

/// kSbInStage: stage st's weight scales of K block kb (the run's first scale row; the second is
/// kSbRunFloats further).
template <class C>
__device__ __forceinline__ const float* stage_sb_run(char* smem, int st, int kb) {
  return reinterpret_cast<const float*>(smem + C::kSbOffset + st * C::kSbStageBytes) +
         kb % C::kSbRunFloats;
}

/// The promotion's scales of rows `row` and `row + 8`: their activation scale (of stage sA `sa`)
/// times the weight scale of the tile's first scale block (scale_lo) and of its second (scale_hi).
__device__ __forceinline__ void row_scales(const float* sa, int row, float sb_lo, float sb_hi,
                                           float (&scale_lo)[2], float (&scale_hi)[2]) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const float a_scale = sa[row + h * 8];
    scale_lo[h] = a_scale * sb_lo;
    scale_hi[h] = a_scale * sb_hi;
  }
}

/// The promotion: adds one 64-row slice's product d into its FP32 sum, the n8 fragments before
/// the tile's scale-block boundary (kLo) scaled by the first block's scales, the rest by the
/// second's.
template <class C, int kLo>
__device__ __forceinline__ void promote(const float (&d)[C::Wgmma::kAccum],
                                        float (&slice_sum)[C::Wgmma::kAccum],
                                        const float (&scale_lo)[2], const float (&scale_hi)[2]) {
#pragma unroll
  for (int j = 0; j < C::kBlockN / 8; ++j) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float scale = j < kLo ? scale_lo[e / 2] : scale_hi[e / 2];
      slice_sum[j * 4 + e] = fmaf(d[j * 4 + e], scale, slice_sum[j * 4 + e]);
    }
  }
}

/// Hands stage st back to the producer: one arrival per math warp and CTA, kArrivals of them
/// (2: the first warpgroup's warps stand in for an idle second's). lane_pair_release: lanes 0
/// and 1 (`release_lane`) arrive, each on its CTA's barrier (`empty_lane_remote`: stage 0's).
/// NOTE: else by the lane elect.sync picks, not `lane == 0`: at 168 registers the grouped K loop
/// re-read SR_TID.X for it in every K block (2.6% of the stall samples on the compare); elect
/// needs no register. Grouped bm128 rows 1-2% faster beside DeepGEMM.
template <class C, u32 kArrivals>
__device__ __forceinline__ void release_stage_from_warp(u64* empty, u32 empty_lane_remote,
                                                        u32 release_lane,
                                                        const MathWaitProfile& wp, int st) {
  constexpr int kClusterSize = C::kMulticast ? 2 : 1;
  wp.note_release(st);
  if constexpr (lane_pair_release<C>()) {
    if (release_lane < 2) {
      mbarrier_arrive_remote<kArrivals>(empty_lane_remote + st * sizeof(u64));
    }
  } else {
    if (elect_one_sync()) release_stage<kClusterSize, kArrivals>(&empty[st]);
  }
}

/// One 64-row slice's MMAs of a K block (4 wgmma of K 32) into `acc`, from stage descriptors
/// desc_a_stage / desc_b_stage (slice 0's rows; a slice adds its byte offset / 16).
template <class C>
__device__ __forceinline__ void slice_mmas(u64 desc_a0, u64 desc_b0, u64 desc_a_stage,
                                           u64 desc_b_stage, int s,
                                           float (&acc)[C::Wgmma::kAccum]) {
  wgmma_fence();
#pragma unroll
  for (int ks = 0; ks < 4; ++ks) {
    // NOTE: stepping 32 bytes along K inside a 128B-swizzled row is valid because the
    // swizzle is a function of the absolute address bits and stages are 1024-aligned.
    const u64 desc_a = desc_a_stage + ((s * 64 * 128 + ks * 32) >> 4);
    const u64 desc_b = desc_b_stage + ((ks * 32) >> 4);
    if constexpr (stage_aligned_low_word_descs<C>()) {
      // NOTE: only the low words change (the start-address field never carries out, see
      // math()). The run-time-stage loop keeps the 64-bit sums: 32 bits cost it 2 instructions
      // per K block (SASS).
      C::Wgmma::mma(desc_with_low_word(desc_a0, static_cast<u32>(desc_a)),
                    desc_with_low_word(desc_b0, static_cast<u32>(desc_b)), acc,
                    ks > 0 ? 1u : 0u);
    } else {
      C::Wgmma::mma(desc_a, desc_b, acc, ks > 0 ? 1u : 0u);
    }
  }
  wgmma_commit();
}

/// mma_ahead: waits for stage st and issues its K block's MMAs (one slice) into accumulator d.
template <class C>
__device__ __forceinline__ void issue_k_block(u64* full, u64 desc_a0, u64 desc_b0,
                                              MathWaitProfile& wp, int st, u32 ph,
                                              float (&d)[C::Wgmma::kAccum]) {
  wp.wait(&full[st], ph);
  const u64 desc_a_stage = desc_a0 + ((st * (C::kBlockM * 128)) >> 4);
  const u64 desc_b_stage = desc_b0 + ((st * (C::kBlockN * 128)) >> 4);
  wgmma_fence();
#pragma unroll
  for (int ks = 0; ks < 4; ++ks) {
    C::Wgmma::mma(desc_a_stage + ((ks * 32) >> 4), desc_b_stage + ((ks * 32) >> 4), d,
                  ks > 0 ? 1u : 0u);
  }
  wgmma_commit();
}

/// mma_ahead without kSbInStage: the weight scales of the pass's kBlocks K blocks from block kb,
/// of the tile's first scale block (pre_lo) and second (pre_hi), from the per-tile region
/// (sb_from_tile, indexed by K block) or global memory.
template <class C, int kBlocks>
__device__ __forceinline__ void load_pass_weight_scales(const float* sb_tile,
                                                        const float* sb_lo_ptr,
                                                        const float* sb_hi_ptr, int kb,
                                                        float (&pre_lo)[kBlocks],
                                                        float (&pre_hi)[kBlocks]) {
#pragma unroll
  for (int i = 0; i < kBlocks; ++i) {
    if (sb_from_tile<C>()) {
      pre_lo[i] = sb_tile[kb + i];
      pre_hi[i] = C::kTileInOneScaleBlock ? pre_lo[i] : sb_tile[kb + i + SbTile<C>::kPerRow];
    } else {
      pre_lo[i] = __ldg(sb_lo_ptr + kb + i);
      pre_hi[i] = C::kTileInOneScaleBlock ? pre_lo[i] : __ldg(sb_hi_ptr + kb + i);
    }
  }
}

/// mma_ahead, after wgmma_wait: releases stage st and promotes K block kb's product (in d) into
/// the slice's sum. pre_lo / pre_hi: block kb's weight scales where they are not in the stage
/// (loaded at the pass's start, so their latency runs under its first MMAs). `row`: this
/// thread's first row of the tile, `sa_skip` as for stage_sa.
template <class C, int kLo, u32 kArrivals>
__device__ __forceinline__ void finish_k_block(char* smem, u64* empty, u32 empty_lane_remote,
                                               u32 release_lane, const MathWaitProfile& wp,
                                               int sa_skip, int row, int kb, int st,
                                               float (&d)[C::Wgmma::kAccum], float pre_lo,
                                               float pre_hi,
                                               float (&slice_sum)[C::Wgmma::kAccum]) {
  // NOTE: the empty asm keeps the FFMAs' reads of d below the wait (a register read is not
  // ordered by the wait's memory clobber).
#pragma unroll
  for (int i = 0; i < C::Wgmma::kAccum; ++i) asm volatile("" : "+f"(d[i])::"memory");
  const float* sa = stage_sa<C>(smem, st, sa_skip);
  float sb_lo = pre_lo, sb_hi = pre_hi;
  if constexpr (C::kSbInStage) {
    const float* sb_run = stage_sb_run<C>(smem, st, kb);
    sb_lo = sb_run[0];
    sb_hi = C::kTileInOneScaleBlock ? sb_lo : sb_run[C::kSbRunFloats];
  }
  float scale_lo[2], scale_hi[2];
  row_scales(sa, row, sb_lo, sb_hi, scale_lo, scale_hi);
  release_stage_from_warp<C, kArrivals>(empty, empty_lane_remote, release_lane, wp, st);
  promote<C, kLo>(d, slice_sum, scale_lo, scale_hi);
}

/// The epilogue: stores a finished tile's sums to D (a grouped tile that ends inside its group
/// row by row, an unsplit one by TMA), or sums its K splits first (in the cluster, or through the
/// workspace, whose last split stores it). `row`: this thread's first row of the tile.
template <class C>
__device__ __forceinline__ void store_finished_tile(const TmaDescriptor* tmap_d,
                                                    const GemmtuneGemmParams& p, char* smem,
                                                    const Schedule<C>& sched, const TileTask& t,
                                                    int row,
                                                    float (&sum)[C::kSlices][C::Wgmma::kAccum],
                                                    u32& split_k_phase, bool* cluster_waited) {
  const Work& w = t.work;
  if (C::kGroupLayout != 0 && t.a_row0 + C::kBlockM > t.row_end) {
    store_tile_rows<C>(p, smem, sum, row, t.a_row0, t.n0, t.row_end, w.owns_result);
  } else if (C::kSplitK == 1) {
    store_tile<C>(tmap_d, smem, sum, row, t.a_row0, t.n0, w.owns_result);
  } else if (split_k_cluster_sum<C>()) {
    if (late_cluster_wait<C>() && !*cluster_waited) {
      cluster_wait();  // the peer's barriers are initialised before the first send or sum
      *cluster_waited = true;
    }
    if (sum_split_k_in_cluster<C>(smem, sum, w.split, split_k_phase)) {
      store_tile<C>(tmap_d, smem, sum, row, t.a_row0, t.n0, true);
    }
  } else {
    store_tile_split_k<C>(p, smem, sum, row, t.a_row0, t.n0, w.split,
                          w.m_block * sched.n_blocks + w.n_block, w.owns_result);
  }
}

}  // namespace sm90_fp8_gemm_1d2d
