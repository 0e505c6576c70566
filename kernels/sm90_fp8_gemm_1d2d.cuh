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
//                      Masked members pair inside each group where pairs_within_groups says so.
//
// Limits (enforced by src/core/legality.cpp): block_m in {64,128,256}; block_n % 8 == 0, <= 256,
// each tile overlaps at most two 128-wide scale blocks of B; shared memory per src/core/smem_layout.
//
// The generated translation unit (src/jit/codegen_sm90_fp8_gemm_1d2d.cpp) defines a config struct
// with every constant below plus a `Wgmma` type for its block_n, and instantiates run<Config>.
//
// Files: this one holds the math warpgroups' tile loop and the kernel;
// sm90_fp8_gemm_1d2d_mainloop.cuh the math warpgroups' steps (promotion, stage release, ...),
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
#include "sm90_fp8_gemm_1d2d_mainloop.cuh"

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
/// select per accumulator value (31% more instructions, 12% slower bm128_bn192). The price is one copy of the mainloop per possible L (at most 16).
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

/// The math warpgroups: for each of the CTA's tiles the K loop (MMAs and promotion), then the
/// epilogue (store_finished_tile).
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
  const Schedule<C> sched = make_schedule<C, true>(p, smem);
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
  MathWaitProfile wp;
  const MathTileProfile tp;
  // sb_from_tile: the task of the tile whose weight scales the buffer `sb_buf ^ 1` receives
  // (decoded once, while the tile before it stores its result), and which buffer is read.
  // NOTE: two buffers and one barrier per tile: a math thread may store the next tile's scales
  // while a thread of the other warpgroup still reads this tile's; the barrier at the top of
  // the next tile publishes them (the epilogues need not synchronise every math thread).
  constexpr u32 kMathThreads = 128 * C::kMathWarpgroups;
  // Threads that share a tile's weight-scale loads: every math thread, or one warpgroup's.
  constexpr int kSbThreads = wg_scale_buffers<C>() ? 128 : kMathThreads;
  // The task of this CTA's tile `tile_no` (schedule unit `unit`): as the producer published it
  // (publishes_tasks), or decoded here.
  auto task_of = [&](int unit, int tile_no) {
    if constexpr (publishes_tasks<C>()) return published_task<C>(smem, tile_no, num_kb);
    else return tile_task<C, true>(p, smem, sched, unit, rank, num_kb);
  };
  TileTask next_task{};
  int sb_buf = 0;
  if (sb_from_tile<C>() && static_cast<int>(blockIdx.x) / kClusterSize < sched.num_units) {
    next_task = task_of(blockIdx.x / kClusterSize, 0);
    float first_sb[SbTile<C, kSbThreads>::kLoads];
    load_tile_sb<C, kSbThreads>(p, next_task, first_sb);
    store_tile_sb<C, kSbThreads>(smem, 0, first_sb);
  }
  int tile_no = 0;
  for (int unit = blockIdx.x / kClusterSize; unit < sched.num_units;
       unit += num_clusters, ++tile_no) {
    const TileTask t = sb_from_tile<C>() ? next_task : task_of(unit, tile_no);
    if (sb_from_tile<C>()) {  // buffer sb_buf is complete
      if (wg_scale_buffers<C>()) named_barrier_sync(8 + warpgroup, 128);
      else named_barrier_sync(3, kMathThreads);
    }
    const int n0 = t.n0, kb_begin = t.kb_begin, kb_end = t.kb_end;
    tp.start_tile(kb_end - kb_begin);
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
    // NOTE: the loop and its K block stay lambdas over this function's locals, their steps
    // functions (sm90_fp8_gemm_1d2d_mainloop.cuh): as functions given those locals in a struct,
    // they compiled to other machine code (bm128_bn64_s8 sk2: the phase flip and a row offset in
    // another order), and the kernel is kept as measured.
    auto k_loop = [&](auto lo_const, auto arrivals_const) {
      constexpr int kLo = decltype(lo_const)::kValue;
      constexpr u32 kArrivals = decltype(arrivals_const)::kValue;
      // One K block in pipeline stage `stage` (a constant where stage_aligned_k_loop holds).
      auto k_block = [&](int kb, int stage, u32 phase) {
        float sb_lo = next_sb_lo;
        float sb_hi = next_sb_hi;
        if (sb_from_tile<C>()) {
          sb_lo = sb_tile[kb];
          sb_hi = sb_tile[kb + SbTile<C>::kPerRow];
        } else if (!C::kSbInStage && kb + 1 < kb_end) {  // prefetch behind this block's MMAs
          next_sb_lo = __ldg(sb_lo_ptr + kb + 1);
          if (!C::kTileInOneScaleBlock) next_sb_hi = __ldg(sb_hi_ptr + kb + 1);
        }
        // NOTE: testing this barrier during the previous block's promotion instead (DeepGEMM's
        // order; branch exp/early-full-test) measured 1% slower over 15 grouped configs.
        wp.wait(&full[stage], phase);
        const u64 desc_a_stage = desc_a0 + ((stage * (C::kBlockM * 128)) >> 4);
        const u64 desc_b_stage = desc_b0 + ((stage * (C::kBlockN * 128)) >> 4);
        const float* sa = stage_sa<C>(smem, stage, sa_skip);
        const float* sb_run = stage_sb_run<C>(smem, stage, kb);
        // NOTE: the 64-row slices of a warpgroup (two for block_m 256) go through one tensor-core
        // accumulator in turn: acc + sum cost (1 + kSlices) * block_n / 2 floats instead of
        // 2 * kSlices * block_n / 2, which is what lets block_m 256 reach block_n 128.
#pragma unroll
        for (int s = 0; s < C::kSlices; ++s) {
          slice_mmas<C>(desc_a0, desc_b0, desc_a_stage, desc_b_stage, s, acc);
          // NOTE: scales are read while the MMAs run: read before wgmma_fence, a shared-memory
          // load holds up the block's first wgmma (WARPGROUP.ARRIVE waits for the register).
          // The activation scales read before it (DeepGEMM's order; branch exp/scales-first)
          // measured level over 15 grouped configs.
          if (C::kSbInStage && s == 0) {
            sb_lo = sb_run[0];
            if (!C::kTileInOneScaleBlock) sb_hi = sb_run[C::kSbRunFloats];
          }
          float scale_lo[2], scale_hi[2];
          row_scales(sa, row0 + s * 64 + thread_row, sb_lo, sb_hi, scale_lo, scale_hi);
          wgmma_wait<0>();
          if (s == C::kSlices - 1) {
            release_stage_from_warp<C, kArrivals>(empty, empty_lane_remote, release_lane, wp,
                                                  stage);
          }
          promote<C, kLo>(acc, sum[s], scale_lo, scale_hi);
        }
      };
      // mma_ahead: a second K block's MMAs are issued into a second accumulator before the
      // first block is promoted, so the tensor cores' latency overlaps the promotion's FFMAs and
      // the stage release.
      if constexpr (mma_ahead<C>()) {
        float acc_ahead[Wgmma::kAccum];
        // Passes of up to mma_pass_blocks K blocks, alternating between the two accumulators:
        // block i + 1 is issued before block i is promoted, so the promotion and the release run
        // under the next block's MMAs. NOTE: nothing stays in flight across the loop's back edge:
        // with a group in flight there, ptxas serializes every wgmma of the kernel (advisory
        // C7514; a minimal kernel does the same), so each pass drains.
        int st = stage;
        u32 ph = phase;
        int kb = kb_begin;
        auto pass = [&](auto blocks_const) {
          constexpr int kBlocks = decltype(blocks_const)::kValue;
          float pre_lo[kBlocks], pre_hi[kBlocks];
          if constexpr (!C::kSbInStage) {
            load_pass_weight_scales<C, kBlocks>(sb_tile, sb_lo_ptr, sb_hi_ptr, kb, pre_lo, pre_hi);
          }
          int st_next = st;
          u32 ph_next = ph;
          issue_k_block<C>(full, desc_a0, desc_b0, wp, st, ph, acc);
          static_for<0, kBlocks>([&](auto i_const) {
            constexpr int i = decltype(i_const)::kValue;
            if constexpr (i + 1 < kBlocks) {
              advance_stage<C>(st_next, ph_next);
              issue_k_block<C>(full, desc_a0, desc_b0, wp, st_next, ph_next,
                               i % 2 == 0 ? acc_ahead : acc);
              wgmma_wait<1>();
            } else {
              wgmma_wait<0>();
            }
            finish_k_block<C, kLo, kArrivals>(smem, empty, empty_lane_remote, release_lane, wp,
                                              sa_skip, row0 + thread_row, kb + i, st,
                                              i % 2 == 0 ? acc : acc_ahead,
                                              C::kSbInStage ? 0.f : pre_lo[i],
                                              C::kSbInStage ? 0.f : pre_hi[i], sum[0]);
            advance_stage<C>(st, ph);
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
        GT_UNROLL(C::kMainloopUnroll)
        for (int kb = kb_begin; kb < kb_end; ++kb) {
          k_block(kb, stage, phase);
          advance_stage<C>(stage, phase);
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
    tp.lap(kTpLoop);
    // sb_from_tile: the next tile's weight scales, loaded now so that the epilogue hides the
    // loads' latency, stored after it. NOTE: loaded two K blocks before the tile's end instead
    // (branch exp/early-tile-sb), level over 15 grouped configs.
    const bool has_next = unit + num_clusters < sched.num_units;
    float next_tile_sb[SbTile<C, kSbThreads>::kLoads];
    if (sb_from_tile<C>() && has_next) {
      next_task = task_of(unit + num_clusters, tile_no + 1);
      load_tile_sb<C, kSbThreads>(p, next_task, next_tile_sb);
    }
    store_finished_tile<C>(tmap_d, p, smem, sched, t, row0 + thread_row, sum, split_k_phase,
                           cluster_waited);
    GEMMTUNE_TP_PART(kTpEpiIssue);
    if (sb_from_tile<C>() && has_next) {
      sb_buf ^= 1;
      store_tile_sb<C, kSbThreads>(smem, sb_buf, next_tile_sb);
    }
    tp.lap(kTpEpilogue);
  }
  if ((C::kSplitK == 1 || split_k_cluster_sum<C>()) &&
      (wg_epilogue<C>() ? is_store_thread() : threadIdx.x == 128)) {
    tma_store_wait_all();
  }
  tp.report(rank);
  wp.report(rank, warpgroup);
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
  tp_note_prologue(kTpEntry);
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
    if (balances_cheap_units<C>()) mbarrier_init(order_barrier<C>(smem), 1);
    if constexpr (publishes_tasks<C>()) {
      for (int i = 0; i < task_slots<C>(); ++i) mbarrier_init(&task_slot<C>(smem, i)->published, 1);
    }
    fence_barrier_init();
  }
  // Programmatic dependent launch (kernels/README.md "Overlapped launches"): launched with the
  // overlap attribute, this grid may start while the kernel before it in the stream still runs. Up
  // to here it touched only its parameters and shared memory; every global read and write (the
  // group table, the operands, D, the split-K workspace) comes after the wait, which returns at
  // once for a plain launch. The producer signals launch_dependents once it has issued its last
  // load (producer()), so a kernel launched after this one with the attribute is scheduled near
  // this one's end, its prologue hidden behind our last tiles. Signalled at the start instead,
  // the next grid's CTAs took SMs while this grid still ran: in chains of 8 on an H200 an
  // overlapped launch saved 0.3-1.2 us less on 8 of dsv3-quick's 18 picks, and 128 x 7168 x 16384
  // ran 6.5 us a launch slower overlapped, 1.2 with the late signal.
  // Hooks (GEMMTUNE_KERNEL_DEFINES): GEMMTUNE_PDL_OFF, neither instruction (what the two cost a
  // plain launch: nothing measurable); GEMMTUNE_PDL_EARLY_TRIGGER, the signal at the start;
  // GEMMTUNE_PDL_NO_WAIT, the wait left out (wrong results when overlapped: the GPU test's proof
  // that the wait is what orders this grid after the one before).
#if defined(GEMMTUNE_PDL_EARLY_TRIGGER) && !defined(GEMMTUNE_PDL_OFF)
  if (threadIdx.x == 0) griddepcontrol_launch_dependents();
#endif
#if !defined(GEMMTUNE_PDL_NO_WAIT) && !defined(GEMMTUNE_PDL_OFF)
  griddepcontrol_wait();
#endif
  // NOTE: grouped layouts synchronise the CTA inside (every thread takes part), then warp 0
  // scans; the barrier below publishes the table with the mbarriers.
  if (C::kGroupLayout != 0) build_group_table<C>(p, smem);
  tp_note_prologue(kTpTable);
  bool cluster_waited = !late_cluster_wait<C>();  // late_cluster_wait: the start barrier's wait
  if (late_cluster_wait<C>()) {
    __syncthreads();  // this CTA's barriers, for its own threads
    cluster_arrive_relaxed();
  } else if (kClusterSize > 1) {
    cluster_sync();
  } else {
    __syncthreads();
  }
  tp_note_prologue(kTpPublished);
  if (!balances_cheap_units<C>()) tp_note_prologue(kTpOrder);  // else its builder's, when built

  if (threadIdx.x < 128) {
    if (C::kMathWarpgroups == 2) setmaxnreg_dec<40>();
    if (C::kMathWarpgroups == 3) setmaxnreg_dec<32>();
    if (producer_is_warp<C>() ? threadIdx.x < 32 : threadIdx.x == 0) {
      producer<C>(tmap_a, tmap_b, tmap_sa, p, smem, full, empty);
    }
    if (has_scale_producer<C>() && threadIdx.x == 32) {
      scale_producer<C>(tmap_sb, tmap_sa, p, smem, full, empty);
    }
    if (balances_cheap_units<C>() && threadIdx.x / 32 == kOrderBuilderWarp) {
      build_balanced_order<C>(p, smem, static_cast<int>(threadIdx.x % 32));
      __syncwarp();
      if (threadIdx.x % 32 == 0) mbarrier_arrive(order_barrier<C>(smem));
      tp_note_prologue(kTpOrder, threadIdx.x % 32 == 0);
    }
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
