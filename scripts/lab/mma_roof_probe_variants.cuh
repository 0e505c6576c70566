// mma_roof_probe_variants.cuh: the variants of scripts/lab/mma_roof_probe.cu, what each does per K
// block, and their launch shapes (threads, tile).
//
// Variants, interleaved sample by sample (A B A B ...), as `gemmtune run --timing call` times:
//   mma               the MMAs alone, both slices' products in flight, one accumulator each
//   mma_promote       the sm90_fp8_gemm_1d2d K loop's pattern for bm256 (kernels/
//                     sm90_fp8_gemm_1d2d.cuh k_block): per slice 4 wgmma, wait, 64 FFMAs into the
//                     slice's sum with a scale read from shared memory
//   mma_wait_slice    per slice 4 wgmma and a wait, no FFMAs: the drain's share of mma_promote
//   mma_promote_skew  mma_promote with warpgroup 1 a slice behind warpgroup 0 at each tile's start:
//                     do the two warpgroups' promotions collide?
//   mma_promote_3wg   three math warpgroups of one 64-row slice each (bm192 tiles; ceil(M / 192)
//                     m-blocks, so its TFLOPS count the padded rows' work as lost)
//   mma_promote_bm128 two math warpgroups of one 64-row slice each (bm128 tiles)
//   mma_ahead_bm128   the same with two K blocks in flight a warpgroup (two accumulators: block
//                     kb + 1's MMAs run while block kb is promoted), as the bm64 K loop's mma_ahead
//   mma_n256, mma_n64 mma's work as m64n256k32 (bm128 x bn256 tiles) or m64n64k32 (bm256 x bn64):
//                     how the tensor cores' rate depends on the wgmma's N (each wgmma reads its
//                     64 x 32 A and N x 32 B operands from shared memory)
//   mma_fill          mma's MMAs fed through a 4-stage ring from an L2-resident 16 MiB buffer
//                     (a producer thread's cp.async.bulk, full and empty mbarriers): what the
//                     fill adds to the MMAs' time and to the card's power (its clock)
//   mma_fill_mc       mma_fill in clusters of two CTAs sharing A (rank 0's multicast copy), each
//                     CTA copying its own B: the L2 serves 32 KB a K block per CTA, not 48
//   mma_fill_mc_promote  mma_fill_mc with the GEMM's bm256 K loop on the stages (per slice: MMAs,
//                     wait, 64 FFMAs by the row's scale, copied with the stage): what the
//                     promotion costs on top of the multicast ring
//   mma_fill_mc_promote_split_n  mma_fill_mc_promote with each slice's product in two 64-column
//                     halves (m64n64 MMAs, a commit group each): a half is promoted while the
//                     next half's MMAs run, in the same registers
//   mma_fill_mc_promote_3wg_s4, _s5  the same K loop on bm192 tiles (three math warpgroups of
//                     one slice: three chains), 40 KB stages, a ring of 4 or 5 (block_m 192's
//                     4 stages run out of lookahead at the full clock: results/PERF_LOG.md
//                     session 41)
//   mma_ring_mc_promote_3wg_s4  the same ring with no copies (stages passed on as soon as both
//                     CTAs release them): its waits and hand-overs without its traffic
//   mma_ffma_overlap  per slice 4 wgmma, then 64 FFMAs that read none of the accumulators, then
//                     the wait: do FFMAs running beside a warpgroup's MMAs slow them?
//   mma_wait_ffma     per slice 4 wgmma, the wait, then those 64 FFMAs: mma_promote's order
//                     without its reads of the fresh accumulators. NOTE: ptxas places these
//                     FFMAs (and the two variants below) between the slice's QGMMAs in both, so
//                     they also delay the MMAs' issue (SASS, results/PERF_LOG.md session 42)
//   mma_ffma32_overlap, mma_ffma128_overlap  mma_ffma_overlap with 32 or 128 FFMAs a slice: does
//                     the MMAs' loss grow with the count?
//   mma_fmul_overlap  64 FMULs by an immediate (one register read each, not three) in their place:
//                     is it the register file's reads or the instructions' issue?
//   mma_fill_mc_promote_turns, _turns_done  mma_fill_mc_promote with the two math warpgroups
//                     taking turns at the tensor pipe (named barriers, CUTLASS's "pingpong"
//                     order): a warpgroup issues a slice only once the other has issued its last
//                     one (_turns), or once the other's last slice has completed (_turns_done)
//   mma_fill_mc_promote_bn96, _bn96_ahead  mma_fill_mc_promote on bm256 x bn96 tiles, with one
//                     accumulator a warpgroup as the GEMM (slices in turn), or with two (_ahead:
//                     both slices' MMAs issued, the first promoted while the second's run): does
//                     a second accumulator, which fits the registers only at bn <= 112, hide the
//                     chain's latency? (time them at an N both tiles divide, e.g. 6144)
//   mma_fill_mc_promote_bn112, _bn112_ahead  the same at bn112 (N = 7168 = 64 x 112: the peak
//                     row's waves as bn128's), the registers split 24 / 240 for the two
//                     accumulators' 224 floats
//   mma_fill_mc_promote_hbm  mma_fill_mc_promote fed from the GEMM's own footprint: A and B of
//                     M x N x K as m-block and n-block chunks (181 MB at the peak row, more than
//                     the L2), units walked along N, so the ring pays what the memory system costs
//                     the GEMM (L2 misses, HBM) and nothing of its epilogue or scale loads
//   mma_fill_mc_promote_hbm_rn8  the same with the units in the GEMM's order for its peak-row
//                     pick (raster along N in bands of 8 m-blocks: rN8)
//   mma_fill_mc_promote_rs  the promoted ring on bm128 x bn256 tiles with A from registers
//                     (wgmma RS): each warpgroup loads its 64 x 128 A once a K block (ldmatrix)
//                     and runs two 128-column halves on it, each promoted as mma_fill_mc_promote
//                     promotes a slice. The same chains, MMAs and fill bytes as
//                     mma_fill_mc_promote, with A read from shared memory once instead of twice
//                     (128 KB a K block instead of 144): the shared-memory model's test
#pragma once

#include "mma_roof_probe_common.cuh"

namespace mma_roof_probe {

/// What a probe kernel does per K block (the variants of the file comment).
enum class Variant : int {
  kMma = 0,          // both slices' MMAs in flight, one wait per K block
  kMmaPromote,       // per slice: MMAs, wait, 64 FFMAs (the gemm kernel's bm256 K loop)
  kMmaWaitSlice,     // per slice: MMAs, wait; no FFMAs (the drain's share of kMmaPromote)
  kMmaPromoteSkew,   // kMmaPromote with warpgroup 1 one slice behind warpgroup 0 in every tile
  kMmaPromote3wg,    // three math warpgroups of one 64-row slice each (bm192 tiles)
  kMmaPromoteBm128,  // two math warpgroups of one 64-row slice each (bm128 tiles)
  kMmaAheadBm128,    // the same, two K blocks in flight (two accumulators, as mma_ahead on bm64)
  kMmaN256,          // kMma's MMAs as m64n256k32 (bm128 x bn256 tiles: one 64-row slice a
                     // warpgroup), the same work: how the rate depends on the wgmma's N
  kMmaN64,           // the same as m64n64k32 (bm256 x bn64 tiles, two slices a warpgroup)
  kMmaFill,          // kMma's MMAs fed through the ring: a producer warpgroup's thread copies
                     // each K block's 48 KB from an L2-resident buffer (cp.async.bulk) into a
                     // stage, the math warpgroups wait for it and hand it back, as the GEMM does
  kMmaFillMc,        // kMmaFill in clusters of two CTAs whose tiles share A: rank 0 copies A
                     // into both (multicast), each CTA its own B, as the GEMM's mcA members
  kMmaFillMcPromote, // kMmaFillMc with the GEMM's bm256 K loop: per slice 4 wgmma, wait, 64 FFMAs
                     // into the slice's sum by the row's scale (copied with the stage)
  kMmaFillMcPromoteSplitN,  // kMmaFillMcPromote with each slice in two 64-column halves: one
                            // half promoted while the next half's MMAs run
  kMmaFillMcPromote3wgS4,  // the same K loop on bm192 tiles: three math warpgroups of one slice
  kMmaFillMcPromote3wgS5,  // (40 KB stages), a ring of 4 or of 5 stages
  kMmaRingMcPromote3wgS4,  // _3wg_s4's ring with no copies: the producer hands each stage over
                           // (plain arrive) as soon as both CTAs have released it
  kMmaFillMcPromoteRs,     // bm128 x bn256, A in registers, two promoted 128-column halves
  kMmaFfmaOverlap,         // per slice: MMAs, 64 FFMAs on other registers, wait
  kMmaWaitFfma,            // per slice: MMAs, wait, 64 FFMAs on other registers
  kMmaFfma32Overlap,       // kMmaFfmaOverlap with 32 FFMAs a slice
  kMmaFfma128Overlap,      // ... with 128
  kMmaFmulOverlap,         // ... with 64 FMULs by an immediate (one register read each)
  kMmaFillMcPromoteTurns,      // kMmaFillMcPromote, the warpgroups' slices issued in turn
  kMmaFillMcPromoteTurnsDone,  // ... each turn handed over when the slice's MMAs complete
  kMmaFillMcPromoteBn96,       // kMmaFillMcPromote on bm256 x bn96 tiles
  kMmaFillMcPromoteBn96Ahead,  // ... with both slices in flight (two accumulators)
  kMmaFillMcPromoteBn112,      // the same two at bm256 x bn112
  kMmaFillMcPromoteBn112Ahead,
  kMmaFillMcPromoteHbm,        // kMmaFillMcPromote fed from the problem's A and B footprint
  kMmaFillMcPromoteHbmRn8,     // ... its units in the GEMM's rN8 order
  kCount
};
constexpr const char* kVariantNames[] = {"mma", "mma_promote", "mma_wait_slice", "mma_promote_skew",
                                         "mma_promote_3wg", "mma_promote_bm128", "mma_ahead_bm128",
                                         "mma_n256", "mma_n64", "mma_fill", "mma_fill_mc",
                                         "mma_fill_mc_promote", "mma_fill_mc_promote_split_n",
                                         "mma_fill_mc_promote_3wg_s4",
                                         "mma_fill_mc_promote_3wg_s5", "mma_ring_mc_promote_3wg_s4",
                                         "mma_fill_mc_promote_rs", "mma_ffma_overlap", "mma_wait_ffma",
                                         "mma_ffma32_overlap", "mma_ffma128_overlap", "mma_fmul_overlap",
                                         "mma_fill_mc_promote_turns", "mma_fill_mc_promote_turns_done",
                                         "mma_fill_mc_promote_bn96", "mma_fill_mc_promote_bn96_ahead",
                                         "mma_fill_mc_promote_bn112", "mma_fill_mc_promote_bn112_ahead",
                                         "mma_fill_mc_promote_hbm", "mma_fill_mc_promote_hbm_rn8"};

/// The bm256 rings of another block_n than 128 (0: none), and whether they keep two accumulators.
__host__ __device__ constexpr int narrow_bn_of(Variant v) {
  return v == Variant::kMmaFillMcPromoteBn96 || v == Variant::kMmaFillMcPromoteBn96Ahead ? 96
         : v == Variant::kMmaFillMcPromoteBn112 || v == Variant::kMmaFillMcPromoteBn112Ahead ? 112
                                                                                            : 0;
}
__host__ __device__ constexpr bool narrow_ahead(Variant v) {
  return v == Variant::kMmaFillMcPromoteBn96Ahead || v == Variant::kMmaFillMcPromoteBn112Ahead;
}

/// The overlap variants: math instructions a slice issued between its MMAs' commit and their wait.
__host__ __device__ constexpr int overlap_count(Variant v) {
  return v == Variant::kMmaFfmaOverlap || v == Variant::kMmaFmulOverlap ? 64
         : v == Variant::kMmaFfma32Overlap                              ? 32
         : v == Variant::kMmaFfma128Overlap                             ? 128
                                                                        : 0;
}
__host__ __device__ constexpr int threads_of(Variant v) {
  return v == Variant::kMmaFillMcPromote3wgS4 || v == Variant::kMmaFillMcPromote3wgS5 ||
                 v == Variant::kMmaRingMcPromote3wgS4
             ? 512
         : v == Variant::kMmaPromote3wg || v == Variant::kMmaFill || v == Variant::kMmaFillMc ||
                 v == Variant::kMmaFillMcPromote || v == Variant::kMmaFillMcPromoteSplitN ||
                 v == Variant::kMmaFillMcPromoteRs || v == Variant::kMmaFillMcPromoteTurns ||
                 v == Variant::kMmaFillMcPromoteTurnsDone || narrow_bn_of(v) != 0 ||
                 v == Variant::kMmaFillMcPromoteHbm || v == Variant::kMmaFillMcPromoteHbmRn8
             ? 384
             : 256;
}
__host__ __device__ constexpr int block_m_of(Variant v) {
  return v == Variant::kMmaPromote3wg || v == Variant::kMmaFillMcPromote3wgS4 ||
                 v == Variant::kMmaFillMcPromote3wgS5 || v == Variant::kMmaRingMcPromote3wgS4
             ? 192
         : v == Variant::kMmaPromoteBm128 || v == Variant::kMmaAheadBm128 || v == Variant::kMmaN256 ||
                   v == Variant::kMmaFillMcPromoteRs
             ? 128
             : kBlockM;
}
__host__ __device__ constexpr int block_n_of(Variant v) {
  return v == Variant::kMmaN256 || v == Variant::kMmaFillMcPromoteRs ? 256
         : narrow_bn_of(v) != 0    ? narrow_bn_of(v)
         : v == Variant::kMmaN64   ? 64
                                   : kBlockN;
}

}  // namespace mma_roof_probe
