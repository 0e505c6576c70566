// sm90_fp8_gemm_1d2d.cuh: the gemmtune FP8 block-scaled GEMM kernel family for Hopper (sm_90a).
//
// Computes  D[m][n] = sum_b  sA[b][m] * sB[n/128][b] * (A[m, 128b:128b+128] . B[n, 128b:128b+128])
//   A  e4m3 [M][K] row-major, sA fp32 [ceil(K/128)][M padded to 4]    (1x128 activation scales)
//   B  e4m3 [N][K] row-major, sB fp32 [ceil(N/128)][sb_ld]            (128x128 weight scales;
//                             sb_ld = ceil(K/128) rounded up to 4, a TMA-legal row stride)
//   D  bf16 [M][N] row-major.    Any M >= 1; N % 8 == 0; K % 16 == 0; ragged tiles handled by TMA
//   out-of-bounds zero fill (loads) and clipping (stores).
//
// Structure of one CTA (persistent: it loops over tiles of a static schedule):
//   warpgroup 0        producer: one thread issues TMA loads of A, B and sA (with kSbInStage a
//                      second one those of sB, and of sA in dense members) into a ring of
//                      kStages shared-memory stages (128B swizzle), full/empty mbarriers; B
//                      under an L2 evict-first policy where few tiles read it
//                      (support_l2_policy.h). Without kSbInStage the math threads read sB
//                      from global memory one K block ahead, or (kSbPerTile: two warpgroups, K
//                      compiled in) from a per-tile copy in shared memory that they fill one tile
//                      ahead.
//   warpgroups 1..W    math: wgmma m64nNk32 e4m3 (4 per 128-wide K block) into a tensor-core
//                      accumulator, then the "1D2D" promotion: sum += acc * sA[row] * sB[col block]
//                      on the CUDA cores in FP32 (Hopper's FP8 accumulation is not full FP32).
//                      The mainloop is compiled once per possible split of a tile between two
//                      weight-scale blocks, so the promotion has no per-value scale select.
//   epilogue           bf16 tile to shared memory, one TMA store, overlapped with the producer
//                      already loading the next tile. Split-K: FP32 partials to a workspace, the
//                      last CTA of a tile (arrival counter) sums them in split order (deterministic).
//   multicast          clusters of 2 CTAs on tiles sharing A (kMulticast 1) or B (2): the CTA of
//                      rank 0 loads the shared operand for both (one multicast per stage). With an odd number of tiles
//                      the second CTA mirrors its partner's tile and discards its result.
//
//   grouped (kGroupLayout 1 contiguous, 2 masked; gemmtune_params.h has the layouts): the groups'
//                      m-blocks are numbered one after another (a table in shared memory, built
//                      by each CTA from the device's group sizes, so no host sync), and the
//                      schedule runs over them as over the m-blocks of one tall problem. A tile
//                      never mixes two groups' rows: B and sB rows are the tile's group's; a
//                      tile that ends inside its group's last rows is stored directly, rows past
//                      the group untouched. No split-K. Multicast B pairs m-blocks (2i, 2i + 1)
//                      of the numbering; a pair from two groups loads B per CTA (b_shared).
//
// Limits (enforced by src/core/legality.cpp): block_m in {64,128,256}; block_n % 8 == 0, <= 256,
// each tile overlaps at most two 128-wide scale blocks of B; shared memory per src/core/smem_layout.
//
// The generated translation unit (src/jit/codegen_sm90_fp8_gemm_1d2d.cpp) defines a config struct
// with every constant below plus a `Wgmma` type for its block_n, and instantiates run<Config>.
//
// Files: this one holds the math warpgroups (K loop, promotion, stage release) and the kernel;
// sm90_fp8_gemm_1d2d_producer.cuh the TMA producer, sm90_fp8_gemm_1d2d_epilogue.cuh the tile
// stores and split-K sums, sm90_fp8_gemm_1d2d_schedule.cuh the persistent schedule,
// sm90_fp8_gemm_1d2d_profile.cuh the measuring hooks (GEMMTUNE_WAIT_PROFILE, _TILE_PROFILE).
#pragma once

#include "gemmtune_params.h"
#include "sm90_fp8_gemm_1d2d_schedule.cuh"
#include "sm90_ptx.cuh"

#define GT_PRAGMA(x) _Pragma(#x)
#define GT_UNROLL(n) GT_PRAGMA(unroll n)

#include "sm90_fp8_gemm_1d2d_profile.cuh"
#include "sm90_fp8_gemm_1d2d_producer.cuh"
#include "sm90_fp8_gemm_1d2d_epilogue.cuh"

namespace sm90_fp8_gemm_1d2d {

using namespace gemmtune_ptx;

/// A compile-time int passed as a value (NVRTC has no <type_traits>).
template <int V>
struct IntConst {
  static constexpr int kValue = V;
};

/// Calls f(IntConst<I>) for I = kBegin .. kEnd - 1 in order: a loop whose index is a constant in
/// each step (an accumulator chosen by it stays a register array, never local memory).
template <int kBegin, int kEnd, class F>
__device__ __forceinline__ void static_for(F&& f) {
  if constexpr (kBegin < kEnd) {
    f(IntConst<kBegin>{});
    static_for<kBegin + 1, kEnd>(f);
  }
}

__host__ __device__ constexpr int log2_int(int v) { return v <= 1 ? 0 : 1 + log2_int(v / 2); }

__host__ __device__ constexpr int gcd_int(int a, int b) { return b == 0 ? a : gcd_int(b, a % b); }

/// Where a tile's columns cross from its first 128-wide weight-scale block into the second, in n8
/// fragments ("lo" fragments take the first block's scale). Tiles start at multiples of block_n,
/// so n0 % 128 steps by gcd(block_n, 128) and lo = (128 - n0 % 128) / 8 takes the values 16,
/// 16 - kStep, ..., kStep; any lo >= kTile means the whole tile lies in one block.
template <class C>
struct LoFragments {
  static constexpr int kTile = C::kBlockN / 8;
  static constexpr int kStep = gcd_int(C::kBlockN, 128) / 8;
  /// Whether some tile lies wholly in one scale block (lo = 16 >= kTile).
  static constexpr bool kHasWhole = kTile <= 16;
  /// The largest lo that splits a tile; <= 0 when no tile straddles two blocks.
  static constexpr int kFirstSplit = kTile > 16 ? 16 : 16 - ((16 - kTile) / kStep + 1) * kStep;
};

template <class C, int kLo, class F>
__device__ __forceinline__ void with_split_lo_fragments(int lo, F&& f) {
  if constexpr (kLo <= LoFragments<C>::kStep) {
    f(IntConst<kLo>{});  // the last possible value: no comparison
  } else {
    if (lo == kLo) f(IntConst<kLo>{});
    else with_split_lo_fragments<C, kLo - LoFragments<C>::kStep>(lo, static_cast<F&&>(f));
  }
}

/// Calls f(IntConst<L>) with L the number of lo fragments of the tile starting at column n0.
/// Why a compile-time L: the promotion chooses per fragment between the two weight scales, and
/// with the boundary known to the compiler the choice compiles away; a run-time boundary cost a
/// select per accumulator value (31% more instructions, 12% slower bm128_bn192: PERF_LOG,
/// session 4). The price is one copy of the mainloop per possible L (at most 16).
template <class C, class F>
__device__ __forceinline__ void with_lo_fragments(int n0, F&& f) {
  using Lo = LoFragments<C>;
  const int lo = (128 - n0 % 128) / 8;
  if constexpr (Lo::kFirstSplit <= 0) {
    f(IntConst<Lo::kTile>{});
  } else if constexpr (!Lo::kHasWhole) {
    with_split_lo_fragments<C, Lo::kFirstSplit>(lo, static_cast<F&&>(f));
  } else {
    if (lo >= Lo::kTile) f(IntConst<Lo::kTile>{});
    else with_split_lo_fragments<C, Lo::kFirstSplit>(lo, static_cast<F&&>(f));
  }
}

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
/// two mapa and two arrives per K block). DeepGEMM releases that way. Tried first on 2026-11-23
/// in the run-time-stage loop (+0.9% on one mcB row, 0 elsewhere: removed); in the stage-aligned
/// loop it is 6 of 141 instructions per K block and gained 0.2-0.4% in every round on the
/// bm128_bn192_s4_mcB rows (results/PERF_LOG.md, session 32). GEMMTUNE_ELECT_RELEASE
/// (experiment hook): the elected lane, as before.
template <class C>
__device__ __forceinline__ constexpr bool lane_pair_release() {
#ifdef GEMMTUNE_ELECT_RELEASE
  return false;
#else
  return C::kMulticast != 0;
#endif
}

/// Whether the one-warpgroup K loop (bm64: one slice, the scales in the stage) keeps two K blocks
/// in flight, issuing the second's MMAs before it promotes the first (KernelConfig::mma_ahead()
/// decides where, and why). Why at all: on the M <= 128 picks the producer waits for free stages
/// 15-42% of the time (wait profile, results/2026-11-26-grouped-resweep-tail-exit/0523-...), so
/// this warpgroup, waiting out each block's MMAs before it promotes them, paces the loop.
/// GEMMTUNE_MMA_AHEAD (experiment hook): 0 never, 1 on every one-warpgroup tile.
/// GEMMTUNE_MMA_AHEAD_2WG (experiment hook): also on dense two-warpgroup tiles of one slice each
/// (bm128; scripts/mma_roof_probe.cu's mma_ahead_bm128 pattern), their weight scales read from
/// global memory (or the per-tile region) at the start of each pass.
template <class C>
__device__ __forceinline__ constexpr bool mma_ahead() {
#ifdef GEMMTUNE_MMA_AHEAD
  return C::kSlices == 1 && C::kSbInStage && GEMMTUNE_MMA_AHEAD != 0;
#elif defined(GEMMTUNE_MMA_AHEAD_2WG)
  return C::kMmaAhead || (C::kSlices == 1 && C::kMathWarpgroups == 2 && C::kGroupLayout == 0);
#else
  return C::kMmaAhead;
#endif
}

/// K blocks per pass of the mma_ahead loop, a power of two >= 2 (KernelConfig::mma_pass_blocks()
/// decides, and why). GEMMTUNE_MMA_PASS (experiment hook): another length for every tile.
template <class C>
__device__ __forceinline__ constexpr int mma_pass_blocks() {
#ifdef GEMMTUNE_MMA_PASS
  constexpr int kBlocks = GEMMTUNE_MMA_PASS;
#else
  constexpr int kBlocks = C::kMmaPassBlocks;
#endif
  static_assert(kBlocks >= 2 && (kBlocks & (kBlocks - 1)) == 0, "a power of two >= 2");
  return kBlocks;
}

/// Whether the K loop runs in whole rounds of the stage ring, the stage a compile-time constant
/// in each of a round's K blocks (so its barrier, descriptor and scale addresses are constants,
/// as in DeepGEMM's K loop, which unrolls 8 blocks). Possible with a fixed K whose K blocks per
/// split are whole rounds: every tile then starts at stage 0, since each tile's K blocks, and so
/// the pipeline's count before it (skips_idle_warpgroup derives the stage from that count), are
/// whole rounds. With a round as long as the unrolled pass the config already has, the code size
/// stays. Used only where SASS and the device showed it to pay (2026-11-25, results/PERF_LOG.md
/// session 30): block_m 128 (two math warpgroups, one 64-row slice each) with 4 stages, e.g.
/// grouped bm128_bn192_s4 k7168: 147.2 -> 137 instructions per K block, no spill, 0.6-1.3%
/// faster; dense bm128_bn192_s4: +0.6% over 8 dsv3 rows beside DeepGEMM. Elsewhere it lost:
/// 8 stages doubled the loop's uniform instructions (bm64_bn128_s8 90 -> 98 per K block),
/// bm256_bn128_s3 (two slices) spilled 572 bytes, and two rounds per pass
/// (bm128_bn128_s4 unrolled 8) moved tile values to per-thread registers (59 R2UR per pass) and
/// measured 0.7% slower. GEMMTUNE_STAGE_ALIGNED_OFF (experiment hook): the run-time stage
/// everywhere, as before.
template <class C>
__device__ __forceinline__ constexpr bool stage_aligned_k_loop() {
#ifdef GEMMTUNE_STAGE_ALIGNED_OFF
  return false;
#else
  constexpr int kBlocks = (C::kFixedK + 127) / 128;
  return C::kBlockM == 128 && C::kStages == 4 && C::kFixedK != 0 && kBlocks % C::kSplitK == 0 &&
         (kBlocks / C::kSplitK) % C::kStages == 0 && C::kMainloopUnroll == C::kStages;
#endif
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
/// KernelConfig::sb_per_tile). GEMMTUNE_SB_GLOBAL (experiment hook): two global loads per K block
/// and math thread instead (with GEMMTUNE_MAINLOOP_UNROLL=1 too, the kernel until 2026-11-23;
/// unrolled, those loads spill at split-K 2).
template <class C>
__device__ __forceinline__ constexpr bool sb_from_tile() {
#ifdef GEMMTUNE_SB_GLOBAL
  return false;
#else
  return C::kSbPerTile;
#endif
}

/// sb_from_tile: global loads per math thread for one tile's weight scales.
template <class C>
struct SbTile {
  static_assert(!C::kSbPerTile || !C::kTileInOneScaleBlock, "a per-tile region holds two rows");
  static constexpr int kMathThreads = 128 * C::kMathWarpgroups;
  // At least 1 each, so that configs without the region still compile the (unused) code.
  static constexpr int kPerRow = C::kSbTileFloats > 0 ? C::kSbTileFloats / 2 : 1;
  static constexpr int kLoads =
      C::kSbTileFloats > 0 ? (C::kSbTileFloats + kMathThreads - 1) / kMathThreads : 1;
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

/// sb_from_tile: this thread's share of tile `t`'s weight scales, read from global memory into `v`.
template <class C>
__device__ __forceinline__ void load_tile_sb(const GemmtuneGemmParams& p, const TileTask& t,
                                             float (&v)[SbTile<C>::kLoads]) {
  using S = SbTile<C>;
#pragma unroll
  for (int j = 0; j < S::kLoads; ++j) {
    const int i = static_cast<int>(threadIdx.x) - 128 + j * S::kMathThreads;
    v[j] = i < C::kSbTileFloats ? __ldg(tile_sb_source<C>(p, t, i)) : 0.f;
  }
}

/// GEMMTUNE_SB_CP_ASYNC (experiment hook; refuted on 2026-11-23: 1-8% slower, results/PERF_LOG.md
/// session 18): the next tile's weight scales go straight to shared memory by cp.async, issued
/// at the top of this tile (its buffer is free once the tile barrier has passed), instead of
/// global loads in the epilogue whose latency the epilogue must cover. Why it was tried: the
/// tile profile put bm128_bn192's epilogue at 1400-1900 cycles per tile, ~10% of a K-2048
/// tile, and staging the bf16 tile alone should take well under half of that.
template <class C>
__device__ __forceinline__ constexpr bool sb_copy_async() {
#ifdef GEMMTUNE_SB_CP_ASYNC
  return sb_from_tile<C>();
#else
  return false;
#endif
}

/// sb_copy_async: this thread's share of tile `t`'s weight scales into buffer `buf`, by cp.async
/// (complete after cp_async_wait_all).
template <class C>
__device__ __forceinline__ void copy_tile_sb_async(const GemmtuneGemmParams& p, const TileTask& t,
                                                   char* smem, int buf) {
  using S = SbTile<C>;
  const u32 region = smem_addr(smem + C::kSbTileOffset) + buf * C::kSbTileFloats * 4;
#pragma unroll
  for (int j = 0; j < S::kLoads; ++j) {
    const int i = static_cast<int>(threadIdx.x) - 128 + j * S::kMathThreads;
    if (i < C::kSbTileFloats) cp_async_4(region + i * 4, tile_sb_source<C>(p, t, i));
  }
}

/// sb_from_tile: stores `v` (load_tile_sb) into buffer `buf` of the tile weight-scale region.
template <class C>
__device__ __forceinline__ void store_tile_sb(char* smem, int buf,
                                              const float (&v)[SbTile<C>::kLoads]) {
  using S = SbTile<C>;
  float* region = reinterpret_cast<float*>(smem + C::kSbTileOffset) + buf * C::kSbTileFloats;
#pragma unroll
  for (int j = 0; j < S::kLoads; ++j) {
    const int i = static_cast<int>(threadIdx.x) - 128 + j * S::kMathThreads;
    if (i < C::kSbTileFloats) region[i] = v[j];
  }
}

template <class C>
__device__ __forceinline__ void math(const TmaDescriptor* tmap_d, const GemmtuneGemmParams& p,
                                     char* smem, u64* full, u64* empty, bool* cluster_waited) {
  using Wgmma = typename C::Wgmma;
  // Multicast pairs share a unit; the CTAs of a split-K cluster take a unit each (rank == split).
  constexpr int kClusterSize = C::kMulticast ? 2 : 1;
  const u32 rank = kClusterSize > 1 ? cluster_cta_rank() : 0;
  // NOTE: read through a shuffle so the compiler knows it is warp-uniform: the descriptors and
  // stage addresses built from it then live in uniform registers, not in every thread's.
  const int warpgroup = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x / 128), 0) - 1;
  const int warp = (threadIdx.x / 32) % 4;
  const int lane = threadIdx.x % 32;
  // Rows of the tile this warpgroup owns start at row0; a thread holds rows r and r + 8 of each
  // 64-row slice, r = slice * 64 + warp * 16 + lane / 4 (wgmma D fragment layout, PTX ISA).
  const int row0 = warpgroup * (C::kBlockM / C::kMathWarpgroups);
  const int thread_row = warp * 16 + lane / 4;
#ifdef GEMMTUNE_SCHEDULE_MAGIC
  Schedule<C> sched = make_schedule<C, true>(p, smem);  // prepare_fast() after the first tile
#else
  const Schedule<C> sched = make_schedule<C, true>(p, smem);
#endif
  const int num_kb = k_blocks<C>(p);
  const int num_clusters = C::kNumSms / kClusterSize;

  // Descriptors of stage 0 at this warpgroup's first row; a stage, slice or K step adds its byte
  // offset / 16 to the start-address field (shared addresses < 256 KB fill its 14 bits without
  // a carry out), so the mainloop spends adds, not masks and shifts, on them.
  const u64 desc_a0 = wgmma_desc_k_major_sw128(smem_addr(smem + C::kAOffset) + row0 * 128);
  const u64 desc_b0 = wgmma_desc_k_major_sw128(smem_addr(smem + C::kBOffset));

  // lane_pair_release: lanes 0 and 1 each arrive on their CTA's empty barriers (stage 0's here).
  const u32 release_lane = lane_id();
  const u32 empty_lane_remote =
      lane_pair_release<C>() ? cluster_smem_addr(empty, release_lane & 1) : 0;

  float acc[Wgmma::kAccum];
  float sum[C::kSlices][Wgmma::kAccum];
  int stage = 0;   // pipeline position, carried across tiles
  u32 phase = 0;
  int blocks_done = 0;  // K blocks the pipeline has passed, over all tiles (skips_idle_warpgroup)
  u32 split_k_phase = 0;  // split_k_cluster_sum: split-K tiles this CTA has summed or sent
  GroupCache group_cache;  // grouped layouts: the last tile's group (GEMMTUNE_GROUP_CACHE)
#ifdef GEMMTUNE_WAIT_PROFILE
  long long wp_full_wait = 0, wp_first = clock64(), wp_first_ns = globaltimer_ns();
  int wp_blocks = 0;
#endif
#ifdef GEMMTUNE_TILE_PROFILE
  const long long tp_first = clock64(), tp_first_ns = globaltimer_ns();
  if (threadIdx.x == 128) {
    for (int i = 0; i < kTpSlots; ++i) tp_sums()[i] = 0;
  }
  tp_lap(-1);
#endif
  // sb_from_tile: the task of the tile whose weight scales the buffer `sb_buf ^ 1` receives
  // (decoded once, while the tile before it stores its result), and which buffer is read.
  // NOTE: two buffers and one barrier per tile: a math thread may store the next tile's scales
  // while a thread of the other warpgroup still reads this tile's; the barrier at the top of
  // the next tile publishes them (the epilogues need not synchronise every math thread).
  constexpr u32 kMathThreads = 128 * C::kMathWarpgroups;
  TileTask next_task{};
  int sb_buf = 0;
  if (sb_from_tile<C>() && static_cast<int>(blockIdx.x) / kClusterSize < sched.num_units) {
    next_task = tile_task<C, true>(p, smem, sched, blockIdx.x / kClusterSize, rank, num_kb,
                                   group_cache);
    float first_sb[SbTile<C>::kLoads];
    load_tile_sb<C>(p, next_task, first_sb);
    store_tile_sb<C>(smem, 0, first_sb);
  }
  for (int unit = blockIdx.x / kClusterSize; unit < sched.num_units; unit += num_clusters) {
    const TileTask t = sb_from_tile<C>()
                           ? next_task
                           : tile_task<C, true>(p, smem, sched, unit, rank, num_kb, group_cache);
    if (sb_from_tile<C>()) named_barrier_sync(3, kMathThreads);  // buffer sb_buf is complete
    if (sb_copy_async<C>() && unit + num_clusters < sched.num_units) {
      // The other buffer held the last tile's scales, which every math thread has now used.
      const TileTask ahead = tile_task<C, true>(p, smem, sched, unit + num_clusters, rank,
                                                num_kb, group_cache);
      copy_tile_sb_async<C>(p, ahead, smem, sb_buf ^ 1);
    }
    const Work& w = t.work;
    const int n0 = t.n0, kb_begin = t.kb_begin, kb_end = t.kb_end;
#ifdef GEMMTUNE_TILE_PROFILE
    tp_lap(kTpGap);
    if (threadIdx.x == 128) {
      tp_sums()[kTpTiles] += 1;
      tp_sums()[kTpBlocks] += kb_end - kb_begin;
    }
#endif
    if (skips_idle_warpgroup<C>()) {
      // Derived per tile, not carried: a warpgroup that skipped the last tile's K loop picks up
      // where the stages are.
      stage = blocks_done % C::kStages;
      phase = (blocks_done / C::kStages) & 1;
      blocks_done += kb_end - kb_begin;
    }
    // Grouped: the stage's sA starts at the 4-aligned row at or below the tile's first.
    const int sa_skip = C::kGroupLayout != 0 ? (t.a_row0 & 3) : 0;
    // Without kSbInStage the weight scales come from global memory, one block ahead.
    const float* sb_lo_ptr = p.sb + static_cast<long long>(t.sb_row0) * p.sb_ld;
    const float* sb_hi_ptr = p.sb + static_cast<long long>(t.sb_row1()) * p.sb_ld;
#pragma unroll
    for (int s = 0; s < C::kSlices; ++s)
#pragma unroll
      for (int i = 0; i < Wgmma::kAccum; ++i) sum[s][i] = 0.f;
#ifdef GEMMTUNE_NO_PROMOTE
#pragma unroll
    for (int i = 0; i < Wgmma::kAccum; ++i) acc[i] = 0.f;
    float scales_kept = 0.f;
#endif

    // sb_from_tile: the tile's weight scales, indexed by K block.
    const float* sb_tile = reinterpret_cast<const float*>(smem + C::kSbTileOffset) +
                           sb_buf * C::kSbTileFloats - kb_begin;
    float next_sb_lo = 0.f, next_sb_hi = 0.f;
    if (!C::kSbInStage && !sb_from_tile<C>()) {
      next_sb_lo = __ldg(sb_lo_ptr + kb_begin);
      if (!C::kTileInOneScaleBlock) next_sb_hi = __ldg(sb_hi_ptr + kb_begin);
    }
    // NOTE: the idle warpgroup must not wait on the tile's full barriers out of turn (a parity
    // wait more than one phase ahead passes at once), so it rejoins the first at a named barrier
    // after the K loop, when every stage the tile used has completed.
    const bool wg1_idle =
        skips_idle_warpgroup<C>() && t.a_row0 + C::kBlockM / 2 >= t.row_end;
    // The K loop, with kArrivals releases per warp and stage (2: the first warpgroup's warps
    // stand in for the idle second's). A compile-time count: a run-time one was selected afresh
    // in every K block (4 more instructions in the loop, SASS).
    auto k_loop = [&](auto lo_const, auto arrivals_const) {
      constexpr int kLo = decltype(lo_const)::kValue;
      constexpr u32 kArrivals = decltype(arrivals_const)::kValue;
      // Waits for stage st's bytes (timed under GEMMTUNE_WAIT_PROFILE).
      auto wait_full = [&](int st, u32 ph) {
#ifdef GEMMTUNE_WAIT_PROFILE
        const long long wp_t0 = clock64();
#endif
        mbarrier_wait(&full[st], ph);
#ifdef GEMMTUNE_WAIT_PROFILE
        wp_full_wait += clock64() - wp_t0;
        ++wp_blocks;
#endif
      };
      // Hands stage st back to the producer: one arrival per math warp and CTA.
      // NOTE: by the lane elect.sync picks, not `lane == 0`: at 168 registers the grouped K loop
      // re-read SR_TID.X for it in every K block (2.6% of the stall samples on the compare);
      // elect needs no register. Grouped bm128 rows 1-2% faster beside DeepGEMM
      // (results/2026-11-23-grouped-vs-deepgemm/0101-elect-arrive-ab/). GEMMTUNE_LANE0_ARRIVE
      // (experiment hook): the old way.
      auto release = [&](int st) {
#ifdef GEMMTUNE_WAIT_PROFILE
        if (threadIdx.x == 128) wp_release_clocks()[st] = clock64();
#endif
        if constexpr (lane_pair_release<C>()) {
          if (release_lane < 2) {
            mbarrier_arrive_remote<kArrivals>(empty_lane_remote + st * sizeof(u64));
          }
        } else {
#ifdef GEMMTUNE_LANE0_ARRIVE
          if (lane == 0) release_stage<kClusterSize, kArrivals>(&empty[st]);
#else
          if (elect_one_sync()) release_stage<kClusterSize, kArrivals>(&empty[st]);
#endif
        }
      };
      // Promotes one 64-row slice's product d into its FP32 sum, fragments before the tile's
      // scale-block boundary (kLo) by the first block's scales, the rest by the second's.
      auto promote = [&](const float (&d)[Wgmma::kAccum], float (&slice_sum)[Wgmma::kAccum],
                         const float (&scale_lo)[2], const float (&scale_hi)[2]) {
#pragma unroll
        for (int j = 0; j < C::kBlockN / 8; ++j) {
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const float scale = j < kLo ? scale_lo[e / 2] : scale_hi[e / 2];
            slice_sum[j * 4 + e] = fmaf(d[j * 4 + e], scale, slice_sum[j * 4 + e]);
          }
        }
      };
      // The next pipeline stage, flipping the phase at the ring's end.
      auto advance = [](int& st, u32& ph) {
        if (++st == C::kStages) {
          st = 0;
          ph ^= 1;
        }
      };
#ifdef GEMMTUNE_NO_PROMOTE
      // Diagnostic: the slices' MMAs accumulate into acc across the tile's K blocks (the tile's
      // end adds it to the last slice's sum), so that ptxas keeps every MMA with no FFMA
      // reading their products; the promotion's FFMAs are left out (=1: every slice's; =2: all
      // but the first slice's). Nsight's clock and time of the launch then price the FFMAs'
      // energy at the power cap. The scales are still loaded and multiplied (4 FADDs a slice
      // into scales_kept keep them). The output is wrong by design: profile it
      // (`run --profile`), never time it.
      constexpr bool kNoPromote = true;
#else
      constexpr bool kNoPromote = false;
#endif
      // One K block in pipeline stage `stage` (a constant where stage_aligned_k_loop holds).
      auto k_block = [&](int kb, int stage, u32 phase) {
#ifdef GEMMTUNE_FILL_ONLY
        // Diagnostic: the stages' fill alone (no MMA, no promotion: the output is wrong and fails
        // validation; run it under GEMMTUNE_TILE_PROFILE and read the validation launch's
        // cycles). How fast the producer can fill the ring when the math warps hand each stage
        // straight back: the K loop's bound from the TMA side. Two or three math warpgroups
        // (the one-warpgroup mma_ahead loop below keeps its MMAs).
        wait_full(stage, phase);
        release(stage);
        return;
#endif
        float sb_lo = next_sb_lo;
        float sb_hi = next_sb_hi;
        if (sb_from_tile<C>()) {
          sb_lo = sb_tile[kb];
          sb_hi = sb_tile[kb + SbTile<C>::kPerRow];
        } else if (!C::kSbInStage && kb + 1 < kb_end) {  // prefetch behind this block's MMAs
          next_sb_lo = __ldg(sb_lo_ptr + kb + 1);
          if (!C::kTileInOneScaleBlock) next_sb_hi = __ldg(sb_hi_ptr + kb + 1);
        }
        wait_full(stage, phase);
        const u64 desc_a_stage = desc_a0 + ((stage * (C::kBlockM * 128)) >> 4);
        const u64 desc_b_stage = desc_b0 + ((stage * (C::kBlockN * 128)) >> 4);
        const float* sa =
            reinterpret_cast<const float*>(smem + C::kSaOffset + stage * C::kSaStageBytes) +
            sa_skip;
        const float* sb_run = reinterpret_cast<const float*>(smem + C::kSbOffset +
                                                             stage * C::kSbStageBytes) +
                              kb % C::kSbRunFloats;
        // NOTE: the 64-row slices of a warpgroup (two for block_m 256) go through one tensor-core
        // accumulator in turn: acc + sum cost (1 + kSlices) * block_n / 2 floats instead of
        // 2 * kSlices * block_n / 2, which is what lets block_m 256 reach block_n 128.
#pragma unroll
        for (int s = 0; s < C::kSlices; ++s) {
          wgmma_fence();
#pragma unroll
          for (int ks = 0; ks < 4; ++ks) {
            // NOTE: stepping 32 bytes along K inside a 128B-swizzled row is valid because the
            // swizzle is a function of the absolute address bits and stages are 1024-aligned.
            const u64 desc_a = desc_a_stage + ((s * 64 * 128 + ks * 32) >> 4);
            const u64 desc_b = desc_b_stage + ((ks * 32) >> 4);
            if constexpr (stage_aligned_low_word_descs<C>()) {
              // NOTE: only the low words change (the start-address field never carries out,
              // above). The run-time-stage loop keeps the 64-bit sums: 32 bits cost it 2
              // instructions per K block (SASS, 2026-11-25).
              Wgmma::mma(desc_with_low_word(desc_a0, static_cast<u32>(desc_a)),
                         desc_with_low_word(desc_b0, static_cast<u32>(desc_b)), acc,
                         kNoPromote || ks > 0 ? 1u : 0u);
            } else {
              Wgmma::mma(desc_a, desc_b, acc, kNoPromote || ks > 0 ? 1u : 0u);
            }
          }
          wgmma_commit();
          // NOTE: scales are read while the MMAs run: read before wgmma_fence, a shared-memory
          // load holds up the block's first wgmma (WARPGROUP.ARRIVE waits for the register).
          if (C::kSbInStage && s == 0) {
            sb_lo = sb_run[0];
            if (!C::kTileInOneScaleBlock) sb_hi = sb_run[C::kSbRunFloats];
          }
          float scale_lo[2], scale_hi[2];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const float a_scale = sa[row0 + s * 64 + thread_row + h * 8];
            scale_lo[h] = a_scale * sb_lo;
            scale_hi[h] = a_scale * sb_hi;
          }
          wgmma_wait<0>();
          if (s == C::kSlices - 1) release(stage);
#ifdef GEMMTUNE_NO_PROMOTE
          if (GEMMTUNE_NO_PROMOTE == 2 && s == 0) {
            promote(acc, sum[s], scale_lo, scale_hi);
          } else {
            scales_kept += (scale_lo[0] + scale_lo[1]) + (scale_hi[0] + scale_hi[1]);
          }
#else
          promote(acc, sum[s], scale_lo, scale_hi);
#endif
        }
      };
      // mma_ahead: a second K block's MMAs are issued into a second accumulator before the
      // first block is promoted, so the tensor cores' latency overlaps the promotion's FFMAs and
      // the stage release.
      if constexpr (mma_ahead<C>()) {
        float acc_ahead[Wgmma::kAccum];
        auto issue = [&](int st, u32 ph, float (&d)[Wgmma::kAccum]) {
          wait_full(st, ph);
          const u64 desc_a_stage = desc_a0 + ((st * (C::kBlockM * 128)) >> 4);
          const u64 desc_b_stage = desc_b0 + ((st * (C::kBlockN * 128)) >> 4);
          wgmma_fence();
#pragma unroll
          for (int ks = 0; ks < 4; ++ks) {
            Wgmma::mma(desc_a_stage + ((ks * 32) >> 4), desc_b_stage + ((ks * 32) >> 4), d,
                       ks > 0 ? 1u : 0u);
          }
          wgmma_commit();
        };
        // After wgmma_wait: promotes block kb's product (in d, stage st) and releases the stage.
        // pre_lo / pre_hi: block kb's weight scales where they are not in the stage (loaded at
        // the pass's start, so their latency runs under its first MMAs).
        auto finish = [&](int kb, int st, float (&d)[Wgmma::kAccum], float pre_lo, float pre_hi) {
          // NOTE: the empty asm keeps the FFMAs' reads of d below the wait (a register read is
          // not ordered by the wait's memory clobber).
#pragma unroll
          for (int i = 0; i < Wgmma::kAccum; ++i) asm volatile("" : "+f"(d[i])::"memory");
          const float* sa =
              reinterpret_cast<const float*>(smem + C::kSaOffset + st * C::kSaStageBytes) +
              sa_skip;
          float sb_lo = pre_lo, sb_hi = pre_hi;
          if constexpr (C::kSbInStage) {
            const float* sb_run =
                reinterpret_cast<const float*>(smem + C::kSbOffset + st * C::kSbStageBytes) +
                kb % C::kSbRunFloats;
            sb_lo = sb_run[0];
            sb_hi = C::kTileInOneScaleBlock ? sb_lo : sb_run[C::kSbRunFloats];
          }
          float scale_lo[2], scale_hi[2];
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const float a_scale = sa[row0 + thread_row + h * 8];
            scale_lo[h] = a_scale * sb_lo;
            scale_hi[h] = a_scale * sb_hi;
          }
          release(st);
          promote(d, sum[0], scale_lo, scale_hi);
        };
        // Passes of up to mma_pass_blocks K blocks, alternating between the two accumulators:
        // block i + 1 is issued before block i is promoted, so the promotion and the release run
        // under the next block's MMAs. NOTE: nothing stays in flight across the loop's back edge:
        // with a group in flight there, ptxas serializes every wgmma of the kernel (advisory
        // C7514; a minimal kernel does the same, session 37), so each pass drains.
        int st = stage;
        u32 ph = phase;
        int kb = kb_begin;
        auto pass = [&](auto blocks_const) {
          constexpr int kBlocks = decltype(blocks_const)::kValue;
          float pre_lo[kBlocks], pre_hi[kBlocks];
          if constexpr (!C::kSbInStage) {
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
          int st_next = st;
          u32 ph_next = ph;
          issue(st, ph, acc);
          static_for<0, kBlocks>([&](auto i_const) {
            constexpr int i = decltype(i_const)::kValue;
            if constexpr (i + 1 < kBlocks) {
              advance(st_next, ph_next);
              issue(st_next, ph_next, i % 2 == 0 ? acc_ahead : acc);
              wgmma_wait<1>();
            } else {
              wgmma_wait<0>();
            }
            finish(kb + i, st, i % 2 == 0 ? acc : acc_ahead, C::kSbInStage ? 0.f : pre_lo[i],
                   C::kSbInStage ? 0.f : pre_hi[i]);
            advance(st, ph);
          });
          kb += kBlocks;
        };
        constexpr int kPass = mma_pass_blocks<C>();
        GT_UNROLL(1)
        while (kb + kPass <= kb_end) pass(IntConst<kPass>{});
        // The rest (fewer than kPass blocks) in passes of halving length.
        static_for<1, log2_int(kPass) + 1>([&](auto j_const) {
          constexpr int kBlocks = kPass >> decltype(j_const)::kValue;
          if (kb + kBlocks <= kb_end) pass(IntConst<kBlocks>{});
        });
        stage = st;
        phase = ph;
        return;
      }
      if constexpr (stage_aligned_k_loop<C>()) {
        // Every tile starts at stage 0 (stage_aligned_k_loop): a round of the ring per pass.
        GT_UNROLL(1)
        for (int kb = kb_begin; kb < kb_end; kb += C::kStages) {
#pragma unroll
          for (int st = 0; st < C::kStages; ++st) k_block(kb + st, st, phase);
          phase ^= 1;
        }
      } else {
        // Unrolled K blocks let the compiler hoist the next block's barrier wait and scale loads
        // into this block's promotion (KernelConfig::mainloop_unroll() says where that pays).
#ifdef GEMMTUNE_MAINLOOP_UNROLL
        GT_UNROLL(GEMMTUNE_MAINLOOP_UNROLL)  // experiment hook (GEMMTUNE_KERNEL_DEFINES)
#else
        GT_UNROLL(C::kMainloopUnroll)
#endif
        for (int kb = kb_begin; kb < kb_end; ++kb) {
          k_block(kb, stage, phase);
          advance(stage, phase);
        }
      }
    };
    // A tile overlaps at most two 128-wide scale blocks of B: its first kLo n8 fragments use the
    // first ((128 - n0 % 128) is a multiple of 8, so no fragment straddles both).
    with_lo_fragments<C>(n0, [&](auto lo_const) {
      if (!wg1_idle) k_loop(lo_const, IntConst<1>{});
      else if (warpgroup == 0) k_loop(lo_const, IntConst<2>{});
    });
    if (wg1_idle) named_barrier_sync(2, 128 * C::kMathWarpgroups);
#ifdef GEMMTUNE_NO_PROMOTE
#pragma unroll
    for (int i = 0; i < Wgmma::kAccum; ++i) sum[C::kSlices - 1][i] += acc[i];
    sum[0][0] += scales_kept;
#endif
#ifdef GEMMTUNE_TILE_PROFILE
    tp_lap(kTpLoop);
#endif
    // sb_from_tile: the next tile's weight scales, loaded now so that the epilogue hides the
    // loads' latency, stored after it.
    const bool has_next = unit + num_clusters < sched.num_units;
    float next_tile_sb[SbTile<C>::kLoads];
    if (sb_from_tile<C>() && has_next) {
      next_task = tile_task<C, true>(p, smem, sched, unit + num_clusters, rank, num_kb,
                                     group_cache);
      if (!sb_copy_async<C>()) load_tile_sb<C>(p, next_task, next_tile_sb);
    }
    if (C::kGroupLayout != 0 && t.a_row0 + C::kBlockM > t.row_end) {
      store_tile_rows<C>(p, smem, sum, row0 + thread_row, t.a_row0, n0, t.row_end,
                         w.owns_result);
    } else if (C::kSplitK == 1) {
      store_tile<C>(tmap_d, p, smem, sum, row0 + thread_row, t.a_row0, n0, t.row_end,
                    w.owns_result);
    } else if (split_k_cluster_sum<C>()) {
      if (late_cluster_wait<C>() && !*cluster_waited) {
        cluster_wait();  // the peer's barriers are initialised before the first send or sum
        *cluster_waited = true;
      }
      if (sum_split_k_in_cluster<C>(smem, sum, w.split, split_k_phase)) {
        store_tile<C>(tmap_d, p, smem, sum, row0 + thread_row, t.a_row0, n0, t.row_end, true);
      }
    } else {
      store_tile_split_k<C>(p, smem, sum, row0 + thread_row, t.a_row0, n0, w.split,
                            w.m_block * sched.n_blocks + w.n_block, w.owns_result);
    }
    GEMMTUNE_TP_PART(kTpEpiIssue);
    if (sb_from_tile<C>() && has_next) {
      sb_buf ^= 1;
      if (sb_copy_async<C>()) cp_async_wait_all();  // the next tile barrier publishes them
      else store_tile_sb<C>(smem, sb_buf, next_tile_sb);
    }
#ifdef GEMMTUNE_SCHEDULE_MAGIC
    if (!sched.fast && has_next) sched.prepare_fast();  // a CTA of one tile never pays it
#endif
#ifdef GEMMTUNE_TILE_PROFILE
    tp_lap(kTpEpilogue);
#endif
  }
  if ((C::kSplitK == 1 || split_k_cluster_sum<C>()) && !d_from_registers<C>() &&
      threadIdx.x == 128) {
    tma_store_wait_all();
  }
#if defined(GEMMTUNE_TILE_PROFILE) && !defined(GEMMTUNE_TILE_PROFILE_QUIET)
  // GEMMTUNE_TILE_PROFILE_QUIET: the clock reads without the printf, to time what each costs.
  if (threadIdx.x == 128) {
    volatile long long* sums = tp_sums();
    const long long end_ns = globaltimer_ns(), cycles = clock64() - tp_first;
    if (tp_wait_for_all_ctas() % GEMMTUNE_TILE_PROFILE_EVERY == 0 &&
        static_cast<int>(blockIdx.x) < GEMMTUNE_TILE_PROFILE_CTAS) {
      printf("TP cta %d rank %u tiles %lld blocks %lld loop %lld epi %lld gap %lld total %lld "
             "start_ns %lld end_ns %lld maxloop %lld maxat %lld\n",
             blockIdx.x, rank, sums[kTpTiles], sums[kTpBlocks], sums[kTpLoop], sums[kTpEpilogue],
             sums[kTpGap], cycles, tp_first_ns, end_ns, sums[kTpMaxLoop], sums[kTpMaxAt]);
#ifdef GEMMTUNE_TILE_PROFILE_EPI
      printf("TPE cta %d prep %lld wread %lld bar1 %lld stage %lld bar2 %lld issue %lld "
             "bar1_wg1 %lld bar2_wg1 %lld\n",
             blockIdx.x, sums[kTpEpiPrep], sums[kTpEpiWaitRead], sums[kTpEpiBar1],
             sums[kTpEpiStage], sums[kTpEpiBar2], sums[kTpEpiIssue], sums[kTpBar1Wg1],
             sums[kTpBar2Wg1]);
#endif
    }
  }
#endif
#ifdef GEMMTUNE_WAIT_PROFILE
  if (threadIdx.x % 128 == 0) {
    printf("WP cta %d rank %u M%d wait %lld blocks %d total %lld ns %lld\n", blockIdx.x, rank,
           warpgroup, wp_full_wait, wp_blocks, clock64() - wp_first, globaltimer_ns() - wp_first_ns);
  }
#endif
}

/// Kernel body; the generated __global__ entry point forwards to it.
template <class C>
__device__ __forceinline__ void run(const TmaDescriptor* tmap_a, const TmaDescriptor* tmap_b,
                                    const TmaDescriptor* tmap_sa, const TmaDescriptor* tmap_sb,
                                    const TmaDescriptor* tmap_d,
                                    const GemmtuneGemmParams& p) {
  // The launch's cluster (KernelConfig::cluster_size): multicast pairs, or a tile's two K splits.
  // Only multicast shares stages, so only it multiplies the stage releases.
  constexpr int kClusterSize = C::kMulticast || C::kSplitKInCluster ? 2 : 1;
  constexpr u32 kEmptyArrivals = 4 * C::kMathWarpgroups * (C::kMulticast ? 2 : 1);
  extern __shared__ __align__(1024) char smem_raw[];
  // NOTE: dynamic shared memory is only guaranteed 16-byte aligned; the layout reserves 1024
  // bytes of slack so the swizzled stages can start on a 1024-byte boundary.
  // Pointer arithmetic (not an integer round trip) keeps the shared address space visible to the
  // compiler, so accesses through `smem` compile to LDS/STS rather than generic loads and stores.
  char* smem = smem_raw + ((1024 - (smem_addr(smem_raw) & 1023)) & 1023);
  // NOTE: the host never launches a member on another K (legality rule fixed_k, can_run); a
  // kernel launched by other means stops here rather than compute a wrong K.
  if (C::kFixedK != 0 && p.k != C::kFixedK) __trap();
  u64* full = reinterpret_cast<u64*>(smem + C::kFullBarrierOffset);
  u64* empty = reinterpret_cast<u64*>(smem + C::kEmptyBarrierOffset);
  if (threadIdx.x == 0) {
    tma_prefetch_descriptor(tmap_a);
    tma_prefetch_descriptor(tmap_b);
    tma_prefetch_descriptor(tmap_sa);
    tma_prefetch_descriptor(tmap_sb);
    tma_prefetch_descriptor(tmap_d);
    for (int i = 0; i < C::kStages; ++i) {
      mbarrier_init(&full[i], full_barrier_arrivals<C>());  // one per producer thread
      mbarrier_init(&empty[i], kEmptyArrivals);
    }
    if (C::kSplitKInCluster) {  // sum_split_k_in_cluster's "received" and "buffer free"
      mbarrier_init(reinterpret_cast<u64*>(smem + C::kFlagOffset), 1);
      mbarrier_init(reinterpret_cast<u64*>(smem + C::kFlagOffset) + 1, 1);
    }
    fence_barrier_init();
  }
  // Programmatic dependent launch (kernels/README.md "Overlapped launches"): launched with the
  // overlap attribute, this grid may start while the kernel before it in the stream still runs. Up
  // to here it touched only its parameters and shared memory; every global read and write (the
  // group table, the operands, D, the split-K workspace) comes after the wait, which returns at
  // once for a plain launch. The producer signals launch_dependents once it has issued its last
  // load (producer()), so a kernel launched after this one with the attribute is scheduled near
  // this one's end, its prologue hidden behind our last tiles. Signalled at the start instead
  // (GEMMTUNE_PDL_EARLY_TRIGGER, experiment hook: the kernel of session 49), the next grid's
  // CTAs took SMs while this grid still ran: in chains of 8 on an H200 an overlapped launch
  // saved 0.3-1.2 us less on 8 of dsv3-quick's 18 picks, and 128 x 7168 x 16384 ran 6.5 us a
  // launch slower overlapped, 1.2 with the late signal (results/2026-11-27-overlapped-launches/,
  // session 50). GEMMTUNE_PDL_OFF (experiment hook):
  // neither instruction, to time what the two cost a plain launch (nothing measurable).
#if defined(GEMMTUNE_PDL_EARLY_TRIGGER) && !defined(GEMMTUNE_PDL_OFF)
  if (threadIdx.x == 0) griddepcontrol_launch_dependents();
#endif
#if !defined(GEMMTUNE_PDL_NO_WAIT) && !defined(GEMMTUNE_PDL_OFF)  // NO_WAIT: the GPU test's proof
  griddepcontrol_wait();
#endif
  // NOTE: grouped layouts synchronise the CTA inside (every thread takes part), then warp 0
  // scans; the barrier below publishes the table with the mbarriers.
  if (C::kGroupLayout != 0) build_group_table<C>(p, smem);
  bool cluster_waited = !late_cluster_wait<C>();  // late_cluster_wait: the start barrier's wait
  if (late_cluster_wait<C>()) {
    __syncthreads();  // this CTA's barriers, for its own threads
    cluster_arrive_relaxed();
  } else if (kClusterSize > 1) {
    cluster_sync();
  } else {
    __syncthreads();
  }
  // Grouped: every thread, after the group table is published.
  if (C::kGroupLayout != 0) build_balanced_order<C>(p, smem);

  if (threadIdx.x < 128) {
    if (C::kMathWarpgroups == 2) setmaxnreg_dec<40>();
    if (C::kMathWarpgroups == 3) setmaxnreg_dec<32>();
    if (producer_is_warp<C>() ? threadIdx.x < 32 : threadIdx.x == 0) {
      producer<C>(tmap_a, tmap_b, tmap_sa, p, smem, full, empty);
    }
    if (has_scale_producer<C>() && threadIdx.x == 32) {
      scale_producer<C>(tmap_sb, tmap_sa, tmap_b, p, smem, full, empty);
    }
    if (b_producer<C>() == 2 && threadIdx.x == 64) b_producer_thread<C>(tmap_b, p, smem, full, empty);
  } else {
    if (C::kMathWarpgroups == 2) setmaxnreg_inc<232>();
    if (C::kMathWarpgroups == 3) setmaxnreg_inc<160>();  // 128 x 32 + 384 x 160 = 65536
    math<C>(tmap_d, p, smem, full, empty, &cluster_waited);
  }
  if (!cluster_waited) cluster_wait();  // producers, and math threads of a CTA without tiles
  // NOTE: a CTA of a cluster must not exit while its peer may still multicast (or, split-K,
  // st.async) into its shared memory or arrive on its barriers. producer_tail_exit: the
  // producer's wait for the last releases keeps the CTA alive instead.
  if (kClusterSize > 1 && !producer_tail_exit<C>()) cluster_sync();
}

}  // namespace sm90_fp8_gemm_1d2d
