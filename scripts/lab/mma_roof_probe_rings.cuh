// mma_roof_probe_rings.cuh: scripts/lab/mma_roof_probe.cu's ring kernels: the MMAs fed through a
// stage ring by a producer thread's bulk copies (mma_fill), and in clusters of two CTAs sharing
// one operand by multicast (every mma_fill_mc* variant, the three-chain and RS rings).
#pragma once

#include "mma_roof_probe_common.cuh"
#include "mma_roof_probe_variants.cuh"

namespace mma_roof_probe {

/// Variant::kMmaFill (its own kernel: a producer warpgroup and two math warpgroups).
__global__ void __launch_bounds__(384, 1)
    mma_fill_roof(const unsigned char* stream, int tiles, int k_blocks, float* out, long long* clocks) {
  constexpr Variant kV = Variant::kMmaFill;
  extern __shared__ __align__(1024) unsigned char smem[];
  u64* full = reinterpret_cast<u64*>(smem + kSmemBytes);
  u64* empty = full + kStages;
  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s) {
      gemmtune_ptx::mbarrier_init(&full[s], 1);
      gemmtune_ptx::mbarrier_init(&empty[s], 8);  // one arrival per math warp
    }
    gemmtune_ptx::fence_barrier_init();
  }
  __syncthreads();
  const long long clock0 = clock64(), ns0 = globaltimer();
  float total = 0.0f;
  if (threadIdx.x < 128) {
    if (threadIdx.x == 0) {  // the producer
      constexpr long kChunks = kStreamBytes / kStageBytes;
      int it = 0;
      for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
        for (int kb = 0; kb < k_blocks; ++kb, ++it) {
          const int stage = it % kStages;
          gemmtune_ptx::mbarrier_wait(&empty[stage], ((it / kStages) & 1) ^ 1);
          gemmtune_ptx::mbarrier_arrive_expect_tx(&full[stage], kStageBytes);
          const unsigned char* from =
              stream + ((static_cast<long>(tile) * k_blocks + kb) % kChunks) * kStageBytes;
          for (int part = 0; part < 3; ++part) {
            gemmtune_ptx::bulk_load(smem + stage * kStageBytes + part * 16384, from + part * 16384,
                                    16384, &full[stage]);
          }
        }
      }
    }
  } else {  // the math warpgroups: kMma's MMAs per K block, then the stage back
    const int count = (tiles - static_cast<int>(blockIdx.x) + static_cast<int>(gridDim.x) - 1) /
                      static_cast<int>(gridDim.x);
    total = ring_mma_only(smem, full, count, k_blocks,
                          [&](int stage) { gemmtune_ptx::mbarrier_arrive(&empty[stage]); });
  }
  out[blockIdx.x * threads_of(kV) + threadIdx.x] = total;
  if (blockIdx.x == 0 && threadIdx.x == 128) {
    clocks[0] = clock64() - clock0;
    clocks[1] = globaltimer() - ns0;
  }
}

/// Variant::kMmaFillMc: clusters of two CTAs taking tiles in pairs that share A (the GEMM's
/// multicast A): each stage's 32 KB of A comes from rank 0's multicast copy, its 16 KB of B from
/// the CTA's own copy, so the L2 serves 32 KB a K block per CTA instead of 48. Both CTAs' math
/// warps release every stage to both producers (either writes into the other's stage).
/// kPromote (Variant::kMmaFillMcPromote): the math warpgroups run the GEMM's bm256 K loop on the
/// stages (per slice: 4 wgmma, wait, 64 FFMAs into its FP32 sum; the stage released after the
/// second slice), with the registers split as the GEMM splits them (setmaxnreg 40 / 232), and
/// each stage carries its 1 KB of activation scales.
/// kSplitN (Variant::kMmaFillMcPromoteSplitN): the same promotion with each slice's product in
/// two 64-column halves (m64n64k32 MMAs into two 32-float accumulators, one commit group each),
/// so that a half is promoted while the next half's MMAs run: the warpgroup's own MMAs cover its
/// FFMAs, in the registers the two-slice loop already has.
/// kTurns (Variants kMmaFillMcPromoteTurns / TurnsDone; kPromote only): 1, a warpgroup issues a
/// slice after the other warpgroup has issued its previous one; 2, after that slice's MMAs have
/// completed (named barriers 1 and 2: warpgroup w waits on 1 + w, hands over on 2 - w).
/// kBn < kBlockN (Variants kMmaFillMcPromoteBn96 / Bn112 and their Ahead; kPromote only): bm256 x kBn tiles,
/// the first kBn rows of each stage's B used; kAhead: two accumulators a warpgroup, both slices'
/// MMAs issued before the first slice's wait.
/// kFootprint (Variant::kMmaFillMcPromoteHbm): the operands from g_footprint (ring_producer).
template <bool kPromote, bool kSplitN = false, int kTurns = 0, int kBn = kBlockN, bool kAhead = false,
          int kFootprint = 0>
__global__ void __cluster_dims__(2, 1, 1) __launch_bounds__(384, 1)
    mma_fill_mc_roof(const unsigned char* stream, int tiles, int k_blocks, float* out,
                     long long* clocks) {
  // NOTE: this preamble stands in mma_fill_mc_rs_roof too. Folded into one helper returning the
  // CTA's place, it changed both kernels' K-loop machine code (register allocation; cuobjdump,
  // 2026-11-26), so it stays written out: session 42's numbers were measured on this code.
  extern __shared__ __align__(1024) unsigned char smem[];
  u64* full = reinterpret_cast<u64*>(smem + kSmemBytes);
  u64* empty = full + kStages;
  const u32 rank = gemmtune_ptx::cluster_cta_rank();
  ring_init(full, empty, kStages, 16);  // both CTAs' math warps
  const long long clock0 = clock64(), ns0 = globaltimer();
  const int pair = blockIdx.x / 2, pairs = gridDim.x / 2, units = tiles / 2;
  float total = 0.0f;
  if (threadIdx.x < 128) {
    // kPromote: the GEMM's split of the registers, 128 x 40 + 256 x 232 (in each role's branch,
    // where ptxas can give each its budget).
    // kBn 112: 24 / 240, the two accumulators' 224 floats need the room. NOTE: the split must fit
    // the CTA's pool (384 x 168 registers at launch): 32 / 240 asks 1 K more and setmaxnreg.inc
    // waits for it forever (call H hung, 2026-11-26).
    if constexpr (kPromote && kBn == 112) gemmtune_ptx::setmaxnreg_dec<24>();
    if constexpr (kPromote && kBn != 112) gemmtune_ptx::setmaxnreg_dec<40>();
    if (threadIdx.x == 0) {  // the producer: A shared, B the CTA's own (its first kBn rows)
      // NOTE: B's sources kStageB (16 KB) apart for every kBn, as in calls G and H: with them
      // 14 KB apart (kBn 112) both bn112 rings took 12-14% more cycles, the math warps' machine
      // code unchanged (results/2026-11-26-smem-model/2302-probe-refactor-check/).
      ring_producer<kStageA, kBn * kBlockK, kPromote ? kBlockM * 4 : 0, kStageB, kFootprint>(
          smem, full, empty, stream, rank, pair, pairs, units, k_blocks);
    }
  } else if constexpr (!kPromote) {  // kMma's MMAs per K block, the stage back to both CTAs
    const int count = (units - pair + pairs - 1) / pairs;
    total = ring_mma_only(smem, full, count, k_blocks, [&](int stage) {
      gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 0);
      gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 1);
    });
  } else if constexpr (kBn != kBlockN) {  // bm256 x bn96 / bn112: one accumulator, or two (kAhead)
    static_assert(kBn == 96 || kBn == 112, "the probe has wgmma wrappers for N = 96 and 112");
    gemmtune_ptx::setmaxnreg_inc<kBn == 112 ? 240 : 232>();
    constexpr int kAcc = kBn / 2;
    const int mwg = threadIdx.x / 128 - 1;
    const int thread_row = (threadIdx.x % 128) / 32 * 16 + (threadIdx.x % 32) / 4;
    const u64 a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem) + mwg * 2 * 64 * 128);
    const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem + kStageA));
    const float* scales = reinterpret_cast<const float*>(smem + kScaleOffset);
    int it = 0;
    for (int unit = pair; unit < units; unit += pairs) {
      float acc[kAhead ? 2 : 1][kAcc];
      float sum[2][kAcc] = {};
      for (int kb = 0; kb < k_blocks; ++kb, ++it) {
        const int stage = it % kStages;
        gemmtune_ptx::mbarrier_wait(&full[stage], (it / kStages) & 1);
        // Slice s's MMAs into d, one commit group.
        auto issue = [&](int s, float (&d)[kAcc]) {
          const u64 da = a0 + ((stage * kStageBytes + s * 64 * 128) >> 4);
          const u64 db = b0 + ((stage * kStageBytes) >> 4);
          gemmtune_ptx::wgmma_fence();
#pragma unroll
          for (int ks = 0; ks < 4; ++ks) {
            if constexpr (kBn == 96) {
              wgmma_m64n96k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), d, ks > 0 ? 1u : 0u);
            } else {
              wgmma_m64n112k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), d, ks > 0 ? 1u : 0u);
            }
          }
          gemmtune_ptx::wgmma_commit();
        };
        // Slice s's scales (read while its MMAs run) and its promotion after the wait, pinned
        // below it as the GEMM's mma_ahead does (the other slice's group may be in flight).
        auto scale_of = [&](int s, int h) { return scales[stage * kBlockM + (mwg * 2 + s) * 64 + thread_row + h * 8]; };
        auto promote = [&](int s, float (&d)[kAcc], float lo, float hi) {
          promote_slice<true>(sum[s], d, lo, hi);
        };
        auto release = [&] { release_to_pair(empty, stage); };
        if constexpr (kAhead) {
          issue(0, acc[0]);
          issue(1, acc[kAhead ? 1 : 0]);
          const float lo0 = scale_of(0, 0), hi0 = scale_of(0, 1), lo1 = scale_of(1, 0), hi1 = scale_of(1, 1);
          gemmtune_ptx::wgmma_wait<1>();
          promote(0, acc[0], lo0, hi0);
          gemmtune_ptx::wgmma_wait<0>();
          release();
          promote(1, acc[kAhead ? 1 : 0], lo1, hi1);
        } else {
#pragma unroll
          for (int s = 0; s < 2; ++s) {
            issue(s, acc[0]);
            const float lo = scale_of(s, 0), hi = scale_of(s, 1);
            gemmtune_ptx::wgmma_wait<0>();
            if (s == 1) release();
            promote(s, acc[0], lo, hi);
          }
        }
      }
      total += total_of(sum);
    }
  } else if constexpr (kSplitN) {  // halves: one half promoted while the next one's MMAs run
    gemmtune_ptx::setmaxnreg_inc<232>();
    const int mwg = threadIdx.x / 128 - 1;
    const int thread_row = (threadIdx.x % 128) / 32 * 16 + (threadIdx.x % 32) / 4;
    const u64 a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem) + mwg * 2 * 64 * 128);
    const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem + kStageA));
    const float* scales = reinterpret_cast<const float*>(smem + kScaleOffset);
    constexpr int kHalf = kAccum / 2;  // 32 floats: an m64n64 product
    int it = 0;
    for (int unit = pair; unit < units; unit += pairs) {
      float acc[2][kHalf];
      float sum[2][kAccum] = {};
      for (int kb = 0; kb < k_blocks; ++kb, ++it) {
        const int stage = it % kStages;
        gemmtune_ptx::mbarrier_wait(&full[stage], (it / kStages) & 1);
        // Issues slice s, half h (B rows h * 64 ..) into acc[h], one commit group.
        auto issue = [&](int s, int h) {
          const u64 da = a0 + ((stage * kStageBytes + s * 64 * 128) >> 4);
          const u64 db = b0 + ((stage * kStageBytes + h * 64 * 128) >> 4);
          gemmtune_ptx::wgmma_fence();
#pragma unroll
          for (int ks = 0; ks < 4; ++ks) {
            wgmma_m64n64k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), acc[h], ks > 0 ? 1u : 0u);
          }
          gemmtune_ptx::wgmma_commit();
        };
        // Promotes half h of slice s (its columns h * 64 .. in the slice's sum).
        auto promote = [&](int s, int h) {
          const float* sa = scales + stage * kBlockM + (mwg * 2 + s) * 64 + thread_row;
          const float scale_lo = sa[0], scale_hi = sa[8];
#pragma unroll
          for (int i = 0; i < kHalf; ++i) {
            asm volatile("" : "+f"(acc[h][i])::"memory");
            sum[s][h * kHalf + i] = fmaf(acc[h][i], (i % 4) < 2 ? scale_lo : scale_hi, sum[s][h * kHalf + i]);
          }
        };
        issue(0, 0);
        issue(0, 1);
        gemmtune_ptx::wgmma_wait<1>();
        promote(0, 0);
        issue(1, 0);
        gemmtune_ptx::wgmma_wait<1>();
        promote(0, 1);
        issue(1, 1);
        gemmtune_ptx::wgmma_wait<1>();
        promote(1, 0);
        gemmtune_ptx::wgmma_wait<0>();
        if (threadIdx.x % 32 == 0) {
          gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 0);
          gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 1);
        }
        promote(1, 1);
      }
#pragma unroll
      for (int s = 0; s < 2; ++s)
#pragma unroll
        for (int i = 0; i < kAccum; ++i) total += sum[s][i];
    }
  } else {  // the GEMM's bm256 K loop: per slice MMAs, wait, promotion
    gemmtune_ptx::setmaxnreg_inc<232>();
    const int mwg = threadIdx.x / 128 - 1;
    const int thread_row = (threadIdx.x % 128) / 32 * 16 + (threadIdx.x % 32) / 4;
    const u64 a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem) + mwg * 2 * 64 * 128);
    const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem + kStageA));
    const float* scales = reinterpret_cast<const float*>(smem + kScaleOffset);
    int it = 0;
    for (int unit = pair; unit < units; unit += pairs) {
      float acc[kAccum];
      float sum[2][kAccum] = {};
      for (int kb = 0; kb < k_blocks; ++kb, ++it) {
        const int stage = it % kStages;
        gemmtune_ptx::mbarrier_wait(&full[stage], (it / kStages) & 1);
#pragma unroll
        for (int s = 0; s < 2; ++s) {
          // kTurns: warpgroup 0's very first slice goes first, every other waits for its turn.
          if (kTurns != 0 && (mwg == 1 || unit != pair || kb != 0 || s != 0)) {
            asm volatile("bar.sync %0, 256;" ::"r"(1 + mwg) : "memory");
          }
          issue_slice(a0, b0, stage, s, acc, false);
          if (kTurns == 1) asm volatile("bar.arrive %0, 256;" ::"r"(2 - mwg) : "memory");
          const float* sa = scales + stage * kBlockM + (mwg * 2 + s) * 64 + thread_row;
          const float scale_lo = sa[0], scale_hi = sa[8];
          gemmtune_ptx::wgmma_wait<0>();
          if (kTurns == 2) asm volatile("bar.arrive %0, 256;" ::"r"(2 - mwg) : "memory");
          if (s == 1) release_to_pair(empty, stage);
          promote_slice(sum[s], acc, scale_lo, scale_hi);
        }
      }
      total += total_of(sum);
    }
    // kTurns: warpgroup 0 takes warpgroup 1's last hand-over, so no barrier is left half-arrived.
    if (kTurns != 0 && mwg == 0 && pair < units) {
      asm volatile("bar.sync %0, 256;" ::"r"(1) : "memory");
    }
  }
  ring_finish(out, total, 384, clocks, clock0, ns0);
}

/// Variants kMmaFillMcPromote3wgS4 / S5: the multicast ring and the GEMM's K loop on bm192 tiles
/// (three math warpgroups of one 64-row slice each: three chains of MMAs-then-promote, as the
/// family's block_m 192), stages of 24 KB of A (shared by the CTA pair) and 16 KB of B, kRing of
/// them; registers 40 / 152 (the family's 32 / 160 spilled 28 B in this producer).
/// kCopy false (Variant::kMmaRingMcPromote3wgS4): no copies; the stages keep whatever they hold
/// and the producer only passes each one on (a plain arrive on its full barrier) once both
/// CTAs' math warps have released it: the ring's waits and hand-overs without its traffic.
template <int kRing, bool kCopy = true>
__global__ void __cluster_dims__(2, 1, 1) __launch_bounds__(512, 1)
    mma_fill_mc_3wg_roof(const unsigned char* stream, int tiles, int k_blocks, float* out,
                         long long* clocks) {
  constexpr int kA = 192 * kBlockK, kB = kBlockN * kBlockK, kStage = kA + kB;  // 40 KB
  constexpr int kScales = kRing * kStage;  // 192 floats a stage
  extern __shared__ __align__(1024) unsigned char smem[];
  u64* full = reinterpret_cast<u64*>(smem + kScales + kRing * 192 * 4);
  u64* empty = full + kRing;
  const u32 rank = gemmtune_ptx::cluster_cta_rank();
  ring_init(full, empty, kRing, 24);  // 12 math warps in each CTA of the pair
  const long long clock0 = clock64(), ns0 = globaltimer();
  const int pair = blockIdx.x / 2, pairs = gridDim.x / 2, units = tiles / 2;
  float total = 0.0f;
  if (threadIdx.x < 128) {
    gemmtune_ptx::setmaxnreg_dec<40>();
    if (threadIdx.x == 0) {
      constexpr long kChunksA = kStreamBytes / kA, kChunksB = kStreamBytes / kB;
      int it = 0;
      for (int unit = pair; unit < units; unit += pairs) {
        for (int kb = 0; kb < k_blocks; ++kb, ++it) {
          const int stage = it % kRing;
          gemmtune_ptx::mbarrier_wait(&empty[stage], ((it / kRing) & 1) ^ 1);
          if constexpr (!kCopy) {
            gemmtune_ptx::mbarrier_arrive(&full[stage]);
            continue;
          }
          gemmtune_ptx::mbarrier_arrive_expect_tx(&full[stage], kStage + 192 * 4);
          gemmtune_ptx::bulk_load(smem + kScales + stage * 192 * 4,
                                  stream + ((static_cast<long>(it) * 192 * 4) % kStreamBytes),
                                  192 * 4, &full[stage]);
          if (rank == 0) {
            const unsigned char* a = stream + ((static_cast<long>(unit) * k_blocks + kb) % kChunksA) * kA;
            bulk_load_multicast(smem + stage * kStage, a, kA, &full[stage], 0x3);
          }
          const unsigned char* b =
              stream + ((static_cast<long>(2 * unit + rank) * k_blocks + kb) % kChunksB) * kB;
          gemmtune_ptx::bulk_load(smem + stage * kStage + kA, b, kB, &full[stage]);
        }
      }
    }
  } else {
    gemmtune_ptx::setmaxnreg_inc<152>();
    const int mwg = threadIdx.x / 128 - 1;
    const int thread_row = (threadIdx.x % 128) / 32 * 16 + (threadIdx.x % 32) / 4;
    const u64 a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem) + mwg * 64 * 128);
    const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem + kA));
    const float* scales = reinterpret_cast<const float*>(smem + kScales);
    int it = 0;
    for (int unit = pair; unit < units; unit += pairs) {
      float acc[kAccum], sum[kAccum];
#pragma unroll
      for (int i = 0; i < kAccum; ++i) sum[i] = 0.0f;
      for (int kb = 0; kb < k_blocks; ++kb, ++it) {
        const int stage = it % kRing;
        gemmtune_ptx::mbarrier_wait(&full[stage], (it / kRing) & 1);
        const u64 da = a0 + ((stage * kStage) >> 4);
        const u64 db = b0 + ((stage * kStage) >> 4);
        gemmtune_ptx::wgmma_fence();
#pragma unroll
        for (int ks = 0; ks < 4; ++ks) {
          wgmma_m64n128k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), acc, ks > 0 ? 1u : 0u);
        }
        gemmtune_ptx::wgmma_commit();
        const float* sa = scales + stage * 192 + mwg * 64 + thread_row;
        const float scale_lo = sa[0], scale_hi = sa[8];
        gemmtune_ptx::wgmma_wait<0>();
        if (threadIdx.x % 32 == 0) {
          gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 0);
          gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 1);
        }
#pragma unroll
        for (int i = 0; i < kAccum; ++i) sum[i] = fmaf(acc[i], (i % 4) < 2 ? scale_lo : scale_hi, sum[i]);
      }
#pragma unroll
      for (int i = 0; i < kAccum; ++i) total += sum[i];
    }
  }
  ring_finish(out, total, 512, clocks, clock0, ns0);
}

/// Variant::kMmaFillMcPromoteRs: bm128 x bn256 tiles on the multicast ring, pairs of CTAs
/// sharing B (rank 0 multicasts its 32 KB; each CTA copies its own 16 KB of A), so the L2 serves
/// 32 KB a K block per CTA, as for mma_fill_mc_promote. Each math warpgroup owns 64 rows: per K
/// block it loads its A fragments (4 k-steps x 4 registers) with ldmatrix from the 128B-swizzled
/// stage, then for each 128-column half of B issues 4 RS wgmma into one accumulator, waits and
/// promotes into the half's sum (64 FFMAs by the row's scale), as the bm256 loop does a slice.
/// Shared-memory bytes a K block and CTA: B 2 x 2 x 16 KB, A 16 KB (once), fill 48 KB: 128 KB
/// against the bm256 loop's 144 KB, for the same MMAs, chains and waits.
__global__ void __cluster_dims__(2, 1, 1) __launch_bounds__(384, 1)
    mma_fill_mc_rs_roof(const unsigned char* stream, int tiles, int k_blocks, float* out,
                        long long* clocks) {
  constexpr int kRsM = 128, kB = 256 * kBlockK, kA = kRsM * kBlockK;  // B first, then A: 48 KB
  static_assert(kA + kB == kStageBytes, "the same stage size as the bm256 ring");
  extern __shared__ __align__(1024) unsigned char smem[];
  u64* full = reinterpret_cast<u64*>(smem + kSmemBytes);
  u64* empty = full + kStages;
  const u32 rank = gemmtune_ptx::cluster_cta_rank();
  ring_init(full, empty, kStages, 16);  // both CTAs' math warps
  const long long clock0 = clock64(), ns0 = globaltimer();
  const int pair = blockIdx.x / 2, pairs = gridDim.x / 2, units = tiles / 2;
  float total = 0.0f;
  if (threadIdx.x < 128) {
    gemmtune_ptx::setmaxnreg_dec<40>();
    if (threadIdx.x == 0) {  // the producer: B shared, A the CTA's own
      ring_producer<kB, kA, kRsM * 4>(smem, full, empty, stream, rank, pair, pairs, units, k_blocks);
    }
  } else {
    gemmtune_ptx::setmaxnreg_inc<232>();
    const int mwg = threadIdx.x / 128 - 1;
    const int warp = (threadIdx.x % 128) / 32, lane = threadIdx.x % 32;
    const int thread_row = warp * 16 + lane / 4;
    const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem));
    // ldmatrix rows: matrix j = lane / 8 is rows (j % 2) * 8 .. + 7 of the warp's 16, K bytes
    // (j / 2) * 16 .. + 15 of the k-step; the 128B swizzle puts 16-byte chunk c of row r at
    // chunk c ^ (r % 8) (r % 8 == lane % 8 here, rows being 8-aligned per matrix).
    const int a_row = mwg * 64 + warp * 16 + ((lane / 8) % 2) * 8 + lane % 8;
    const u32 a_lane = gemmtune_ptx::smem_addr(smem + kB) + a_row * 128;
    const float* scales = reinterpret_cast<const float*>(smem + kScaleOffset);
    int it = 0;
    for (int unit = pair; unit < units; unit += pairs) {
      float acc[kAccum];
      float sum[2][kAccum] = {};
      for (int kb = 0; kb < k_blocks; ++kb, ++it) {
        const int stage = it % kStages;
        gemmtune_ptx::mbarrier_wait(&full[stage], (it / kStages) & 1);
        u32 a[4][4];
#pragma unroll
        for (int ks = 0; ks < 4; ++ks) {
          const int chunk = ks * 2 + lane / 16;
          ldmatrix_x4(a[ks], a_lane + stage * kStageBytes + ((chunk ^ (lane % 8)) << 4));
        }
        const float* sa = scales + stage * kBlockM + mwg * 64 + thread_row;
        const float scale_lo = sa[0], scale_hi = sa[8];
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const u64 db = b0 + ((stage * kStageBytes + h * 128 * 128) >> 4);
          gemmtune_ptx::wgmma_fence();
#pragma unroll
          for (int ks = 0; ks < 4; ++ks) {
            wgmma_m64n128k32_rs(a[ks], db + ((ks * 32) >> 4), acc, ks > 0 ? 1u : 0u);
          }
          gemmtune_ptx::wgmma_commit();
          gemmtune_ptx::wgmma_wait<0>();
          if (h == 1) release_to_pair(empty, stage);
          promote_slice(sum[h], acc, scale_lo, scale_hi);
        }
      }
      total += total_of(sum);
    }
  }
  ring_finish(out, total, 384, clocks, clock0, ns0);
}

/// Dynamic shared memory of mma_fill_mc_3wg_roof<kRing>: its stages, scales and barriers.
constexpr int smem_3wg(int ring) { return ring * (192 + kBlockN) * kBlockK + ring * 192 * 4 + 2 * ring * 8; }

}  // namespace mma_roof_probe
