// sm90_fp8_gemm_1d2d_producer.cuh: the producer side of the sm90_fp8_gemm_1d2d kernel family:
// the CTA's (tile, K block) walk in pipeline order, the TMA loads of A, B and sA (multicast within
// a cluster where the config shares an operand) into the stage ring, and the second producer of
// the scales (kSbInStage: the weight scales, and sA in dense members). The math side drains the
// stages in the same order (sm90_fp8_gemm_1d2d.cuh). Included by sm90_fp8_gemm_1d2d.cuh.
#pragma once

#include "gemmtune_params.h"
#include "sm90_fp8_gemm_1d2d_schedule.cuh"
#include "sm90_ptx.cuh"
#include "sm90_fp8_gemm_1d2d_profile.cuh"

namespace sm90_fp8_gemm_1d2d {

using namespace gemmtune_ptx;

/// The problem's 128-wide K blocks. A member compiled for one K (C::kFixedK, the config's `_k`)
/// has them as a constant, so its K loop's trip count is one, as in DeepGEMM's shape-specialised
/// kernels; run() traps when such a member is launched on another K.
template <class C>
__device__ __forceinline__ int k_blocks(const GemmtuneGemmParams& p) {
  return ((C::kFixedK != 0 ? C::kFixedK : p.k) + 127) / 128;
}

/// Whether the stage's sA box is loaded by the second producer thread (scale_producer, beside the
/// weight scales' box, on the stage's full barrier) instead of the main producer, which then
/// issues A and B only. Dense members with kSbInStage (one math warpgroup).
/// NOTE: measured on the H200, interleaved rounds on the M <= 128 picks: 128 x 4096 x 7168 -11%, 64 x 4096 x
/// 7168 -5.6%, the other nine rows -1.3 to +0.5%. The same bytes on a barrier of their own or
/// once a tile were slower: what cost was the main producer issuing a third load a stage.
/// Grouped layouts keep sA in the main producer (moving it there measured ±0.2% on ten grouped
/// rows). Two-warpgroup tiles too (they would run the second producer thread for sA alone): 0.4-1.7%
/// slower on dsv3-quick's seven two-warpgroup picks.
template <class C>
__device__ __forceinline__ constexpr bool sa_from_scale_producer() {
  return C::kGroupLayout == 0 && C::kSbInStage;
}

/// Whether the CTA runs the second producer thread (scale_producer), whose arrival each stage's
/// full barrier then expects beside the main producer's.
template <class C>
__device__ __forceinline__ constexpr bool has_scale_producer() {
  return C::kSbInStage || sa_from_scale_producer<C>();
}

/// The arrivals each stage's full barrier expects: one per producer thread that loads into it.
template <class C>
__device__ __forceinline__ constexpr int full_barrier_arrivals() {
  return 1 + (has_scale_producer<C>() ? 1 : 0);
}

/// Walks this CTA's (tile, K block) sequence in pipeline order: for each, waits until its stage
/// is free and calls f(stage, kb, tile). Every producer thread uses it, so they fill the stages in
/// the same order as the math warpgroups drain them. Returns how many stages it filled.
/// `kFullWarp`: called by all lanes of a warp (tile values then warp-uniform, as make_schedule).
/// `kPublishes`: the main producer, which publishes each tile's task (publishes_tasks).
template <class C, bool kFullWarp = false, bool kPublishes = false, class F>
__device__ __forceinline__ int for_each_free_stage(const GemmtuneGemmParams& p, char* smem,
                                                    u64* empty, F&& f) {
  // Multicast pairs share a unit; the CTAs of a split-K cluster take a unit each (rank == split).
  constexpr int kClusterSize = C::kMulticast ? 2 : 1;
  const u32 rank = kClusterSize > 1 ? cluster_cta_rank() : 0;
  const Schedule<C> sched = make_schedule<C, kFullWarp>(p, smem);
  const int num_kb = k_blocks<C>(p);
  const int num_clusters = C::kNumSms / kClusterSize;
  int it = 0;
#ifdef GEMMTUNE_WAIT_PROFILE
  static_assert(C::kStages <= 32, "wp_release_clocks holds 32 stages");
  volatile long long* release_clock = wp_release_clocks();
  long long wp_wait = 0, wp_lag = 0, wp_first = clock64(), wp_first_ns = globaltimer_ns();
  int wp_lag_n = 0;
#endif
  int tile_no = 0;
  for (int unit = blockIdx.x / kClusterSize; unit < sched.num_units;
       unit += num_clusters, ++tile_no) {
    const TileTask t = tile_task<C, kFullWarp>(p, smem, sched, unit, rank, num_kb);
    if constexpr (kPublishes && publishes_tasks<C>()) {
      if (!kFullWarp || lane_id() == 0) publish_task<C>(smem, tile_no, t);
    }
    for (int kb = t.kb_begin; kb < t.kb_end; ++kb, ++it) {
      const int stage = it % C::kStages;
#ifdef GEMMTUNE_WAIT_PROFILE
      const long long wp_t0 = clock64();
#endif
      mbarrier_wait(&empty[stage], ((it / C::kStages) & 1) ^ 1);
#ifdef GEMMTUNE_WAIT_PROFILE
      const long long wp_t1 = clock64();
      wp_wait += wp_t1 - wp_t0;
      if (it >= C::kStages) { wp_lag += wp_t1 - release_clock[stage]; ++wp_lag_n; }
#endif
      f(stage, kb, t);
    }
  }
#ifdef GEMMTUNE_WAIT_PROFILE
  if (threadIdx.x == 0) {
    printf("WP cta %d rank %u P wait %lld lag %lld n %d total %lld ns %lld\n", blockIdx.x, rank,
           wp_wait, wp_lag, wp_lag_n, clock64() - wp_first, globaltimer_ns() - wp_first_ns);
  }
#endif
  return it;
}

/// Producer tail exit: a multicast pair ends without the kernel's last cluster barrier. Instead
/// the producer, after its last load, waits until every stage it filled has been released by both
/// CTAs' math warps (the peer's releases arrive on this CTA's empty barriers, so this CTA outlives
/// them), and the other threads of the producer warpgroup leave at once, as DeepGEMM's do. Why it
/// is safe: the peer writes into this CTA's shared memory only the stages this CTA's math warps
/// wait for and consume, and arrives on its barriers only to release stages, which the producer
/// waits for here. A split-K pair that sums in a cluster (st.async into the peer's receive
/// buffer) keeps the barrier; it never multicasts (KernelConfig::split_k_in_cluster).
/// Measured on the H200: DG/gt
/// geomean 1.035 -> 1.049 on six multicast rows and 0.980 -> 1.004 on seven bm256 rows, two
/// interleaved rounds each, every row passing validation.
template <class C>
__device__ __forceinline__ constexpr bool producer_tail_exit() {
  return C::kMulticast != 0 && !C::kSplitKInCluster;
}

/// producer_tail_exit: waits for the release of the last use of each stage, of `filled` uses in
/// ring order (use u of stage s completes phase u of its empty barrier: parity u & 1).
template <class C>
__device__ __forceinline__ void wait_for_last_releases(u64* empty, int filled) {
#pragma unroll 1
  for (int s = 0; s < C::kStages; ++s) {
    const int uses = filled / C::kStages + (s < filled % C::kStages ? 1 : 0);
    if (uses > 0) mbarrier_wait(&empty[s], (uses - 1) & 1);
  }
}

/// Loads one K block (kRows rows x 128 bytes, from row `row0`) of an operand into `dst`. An operand
/// shared by the cluster (multicast) is loaded whole by the CTA of rank 0 into both CTAs.
/// NOTE: both CTAs loading half each (one multicast per CTA and stage) ran bm256_bn128_s3 2-4%
/// slower than no multicast (tensor pipe 86% vs 90%); DeepGEMM, whose sm90
/// kernel issues the whole tile from rank 0, gets 93% with multicast on the same tile. The CTAs
/// taking turns per K block ran as rank 0 alone, though rank 0's producer runs about a K block
/// behind its peer's (wait profile).
template <int kRows, bool kShared>
__device__ __forceinline__ void load_operand_block(char* dst, const TmaDescriptor* tmap, u64* bar,
                                                   int kb, int row0, u32 rank) {
  if (kShared) {
    if (rank == 0) tma_load_2d_multicast(dst, tmap, bar, kb * 128, row0, 0x3);
  } else {
    tma_load_2d(dst, tmap, bar, kb * 128, row0);
  }
}

/// Loads the stage's B block of tile t: under the L2 evict-first policy where the tile asks for
/// it, multicast where the config shares B within the pair.
template <class C>
__device__ __forceinline__ void load_b_stage(char* smem, const TmaDescriptor* tmap_b, u64* full,
                                             int stage, int kb, const TileTask& t, u32 rank,
                                             u64 b_policy) {
  char* b_stage = smem + C::kBOffset + stage * (C::kBlockN * 128);
  if (t.b_evict_first) {
    if (C::kMulticast != 2 || !t.b_shared) {
      tma_load_2d_hint(b_stage, tmap_b, &full[stage], kb * 128, t.b_row0, b_policy);
    } else if (rank == 0) {
      tma_load_2d_multicast_hint(b_stage, tmap_b, &full[stage], kb * 128, t.b_row0, 0x3,
                                 b_policy);
    }
  } else if (C::kMulticast == 2 && !t.b_shared) {
    // A pair across two groups, or two n-blocks of one m-block (group_pair_cell): each CTA
    // loads its own B. Its stage is free: both CTAs' math warps release every stage to both
    // producers (release_stage).
    tma_load_2d(b_stage, tmap_b, &full[stage], kb * 128, t.b_row0);
  } else {
    load_operand_block<C::kBlockN, C::kMulticast == 2>(b_stage, tmap_b, &full[stage], kb,
                                                       t.b_row0, rank);
  }
}

/// The bytes of a stage's sA load (load_sa_stage): grouped layouts load whole tiles' rows from
/// the 4-aligned row at or below the tile's first, in kSaBoxes boxes; dense ones the launcher's
/// a_box_rows.
template <class C>
__device__ __forceinline__ u32 sa_stage_bytes(const GemmtuneGemmParams& p) {
  return C::kGroupLayout != 0 ? C::kSaBoxes * C::kSaBoxRows * 4 : p.a_box_rows * 4;
}

/// Loads the stage's sA of tile t (sa_stage_bytes).
template <class C>
__device__ __forceinline__ void load_sa_stage(char* smem, const TmaDescriptor* tmap_sa, u64* full,
                                              int stage, int kb, const TileTask& t) {
  char* sa_stage = smem + C::kSaOffset + stage * C::kSaStageBytes;
  if (C::kGroupLayout != 0) {
    // From the 4-aligned row at or below the tile's first (gemmtune_grouped_sa_box_rows).
    const int sa_row0 = t.a_row0 & ~3;
#pragma unroll
    for (int b = 0; b < C::kSaBoxes; ++b) {
      tma_load_2d(sa_stage + b * (C::kBlockM / C::kSaBoxes) * 4, tmap_sa, &full[stage],
                  sa_row0 + b * (C::kBlockM / C::kSaBoxes), kb);
    }
  } else {
    tma_load_2d(sa_stage, tmap_sa, &full[stage], t.a_row0, kb);
  }
}

/// Whether the producer is a whole warp (grouped layouts) or one thread.
/// Grouped layouts: the whole warp walks the schedule, so the tile values it reads from memory
/// are warp-uniform (tile_task) and the TMA coordinates stay in uniform registers; one elected
/// lane issues. With one thread, each TMA took its coordinates through R2UR inside an ELECT loop
/// (SASS); as a warp, grouped bm128_bn192 rows ran 1.2-2.2% faster beside DeepGEMM. Dense tile
/// values are arithmetic; dense rows did not change as a warp: one thread.
template <class C>
__device__ __forceinline__ constexpr bool producer_is_warp() {
  return C::kGroupLayout != 0;
}

template <class C>
__device__ __forceinline__ void producer(const TmaDescriptor* tmap_a, const TmaDescriptor* tmap_b,
                                         const TmaDescriptor* tmap_sa, const GemmtuneGemmParams& p,
                                         char* smem, u64* full, u64* empty) {
  // NOTE: a problem with fewer rows than a tile loads only p.a_box_rows rows of A and sA (the
  // launcher's box); the rows above them in the stage keep stale bytes, which reach only D rows
  // >= M: wgmma row r depends on A row r alone, and those rows are never stored.
  constexpr bool kSa = !sa_from_scale_producer<C>();
  const u32 stage_tx_bytes = (C::kGroupLayout != 0 ? C::kBlockM : p.a_box_rows) * 128 +
                             (kSa ? sa_stage_bytes<C>(p) : 0) + C::kBlockN * 128;
  const u32 rank = C::kMulticast ? cluster_cta_rank() : 0;
  constexpr bool kWarp = producer_is_warp<C>();
  const u64 b_policy = l2_evict_first_policy();  // for tiles with b_evict_first
  const int filled = for_each_free_stage<C, kWarp, true>(p, smem, empty, [&](int stage, int kb, const TileTask& t) {
    if (kWarp && !elect_one_sync()) return;
    mbarrier_arrive_expect_tx(&full[stage], stage_tx_bytes);
    // NOTE: A first, multicast or not: issuing a shared B before the CTA's own A (branch
    // exp/mcb-b-first) measured level over 15 multicast-B configs.
    load_operand_block<C::kBlockM, C::kMulticast == 1>(
        smem + C::kAOffset + stage * (C::kBlockM * 128), tmap_a, &full[stage], kb, t.a_row0,
        rank);
    load_b_stage<C>(smem, tmap_b, full, stage, kb, t, rank, b_policy);
    if (kSa) load_sa_stage<C>(smem, tmap_sa, full, stage, kb, t);
  });
#if !defined(GEMMTUNE_PDL_EARLY_TRIGGER) && !defined(GEMMTUNE_PDL_OFF)  // run() says why
  griddepcontrol_launch_dependents();
#endif
  if (producer_tail_exit<C>()) wait_for_last_releases<C>(empty, filled);
}

/// Second producer thread (has_scale_producer): loads each stage's weight scales (kSbInStage),
/// and in dense members its sA (sa_from_scale_producer), alongside the main producer's A and B,
/// arriving on the same full barrier (full_barrier_arrivals).
/// NOTE: a thread of its own keeps the main producer within its 40 registers (a fourth tensor map
/// spilled there). Why only one-warpgroup tiles: see kSbInStage in src/core/kernel_config.hpp.
template <class C>
__device__ __forceinline__ void scale_producer(const TmaDescriptor* tmap_sb,
                                               const TmaDescriptor* tmap_sa,
                                               const GemmtuneGemmParams& p, char* smem, u64* full,
                                               u64* empty) {
  // One box: 2 scale rows x kSbRunFloats K blocks (TMA counts out-of-bounds fill as bytes).
  constexpr u32 kSbBytes = C::kSbInStage ? 2 * C::kSbRunFloats * 4 : 0;
  constexpr bool kSa = sa_from_scale_producer<C>();
  for_each_free_stage<C>(p, smem, empty, [&](int stage, int kb, const TileTask& t) {
    mbarrier_arrive_expect_tx(&full[stage], kSbBytes + (kSa ? sa_stage_bytes<C>(p) : 0));
    if constexpr (kSa) load_sa_stage<C>(smem, tmap_sa, full, stage, kb, t);
    // The aligned run of K blocks holding kb, from the tile's first scale row and the next
    // (zero-filled past the last row; a tile overlaps at most two, legality). Grouped: the next
    // row may be the next group's first; it is used only by columns past N, never stored.
    if constexpr (kSbBytes > 0) {
      tma_load_2d(smem + C::kSbOffset + stage * C::kSbStageBytes, tmap_sb, &full[stage],
                  kb - kb % C::kSbRunFloats, t.sb_row0);
    }
  });
}

}  // namespace sm90_fp8_gemm_1d2d
