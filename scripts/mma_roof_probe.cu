// The tensor cores' roof under the call protocol: how fast can an H100/H200 do the MMAs of a
// GEMM of M x N x K, with nothing else in the kernel? Issue 10's peak goal (4096 x 7168 x 16384
// at >= 1550 TFLOPS) and its cuBLASLt bound (goal_bounds.py, at the card's measured roof) ask
// whether the 700 W cap leaves that much room. This kernel does exactly the GEMM's wgmma work
// (bm256 x bn128 tiles, two math warpgroups of two 64-row slices, K blocks of 128, 132
// persistent CTAs walking the same 896 tiles), on random e4m3 operands held in shared memory, so
// it reads no HBM, waits for no TMA and no barrier. Anything a real block-scaled GEMM adds (loads,
// scales, promotion, epilogue) can only cost time and energy on top of it.
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
// Protocol: 512 MiB memset before every sample (the L2 flush of TimingOptions), CUDA events
// around the kernel only, 3 warm-ups, SAMPLES samples, median.
//   usage: bash scripts/build_mma_roof_probe.sh /tmp/mma_roof_probe &&
//          /tmp/mma_roof_probe [M N K [SAMPLES [VARIANT]]]
//   VARIANT: mma, mma_promote or both (default; interleaved). scripts/device_power_probe.sh runs
//   each alone as a phase (GEMMTUNE_MMA_ROOF=1), beside gemmtune and DeepGEMM.
//   Prints one JSON line per variant: median/p10/p90 µs, TFLOPS and CTA 0's SM clock (median over
//   the samples of its cycles over its nanoseconds).
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "sm90_ptx.cuh"

using gemmtune_ptx::u32;
using gemmtune_ptx::u64;

namespace {

constexpr int kBlockM = 256, kBlockN = 128, kBlockK = 128;
constexpr int kStages = 4;                          // the operands cycle through 4 stages
constexpr int kStageA = kBlockM * kBlockK;          // bytes of e4m3
constexpr int kStageB = kBlockN * kBlockK;
constexpr int kStageBytes = kStageA + kStageB;      // 48 KB, 1024-aligned
constexpr int kScaleOffset = kStages * kStageBytes; // floats of the promotion's scales
constexpr int kSmemBytes = kScaleOffset + kStages * kBlockM * 4;
constexpr int kSmemAlloc = kSmemBytes + 2 * kStages * 8;  // + mma_fill's full and empty barriers
constexpr long kStreamBytes = 16l << 20;  // mma_fill's source: 16 MiB, resident in the L2
constexpr int kAccum = kBlockN / 2;                 // floats per thread of an m64n128 product

// NOTE: written out here, not taken from the kernel family: its wgmma wrapper is generated per
// config by src/jit/codegen_sm90_fp8_gemm_1d2d.cpp into each NVRTC translation unit, and this
// probe is built by nvcc alone, for a few fixed Ns.
__device__ __forceinline__ void wgmma_m64n128k32(u64 da, u64 db, float (&d)[kAccum], u32 scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
      "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
      "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
      "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
      "}, %64, %65, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
        "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]),
        "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]),
        "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]),
        "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]),
        "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]),
        "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]),
        "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]),
        "+f"(d[62]), "+f"(d[63])
      : "l"(da), "l"(db), "r"(scale_d));
}

/// The same for N = 256, 112, 96 and 64 (the variants that ask how the tensor cores' rate depends
/// on N, and the bn96 / bn112 rings),
/// written out by the same rule as the NOTE above says (one "+f" operand per accumulator float).
__device__ __forceinline__ void wgmma_m64n256k32(u64 da, u64 db, float (&d)[128], u32 scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k32.f32.e4m3.e4m3 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
      "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
      "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
      "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
      "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
      "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
      "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
      "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
      "}, %128, %129, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
        "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]),
        "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]),
        "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]),
        "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]),
        "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]),
        "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
        "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]),
        "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]),
        "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]),
        "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]),
        "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]),
        "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]),
        "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]),
        "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),
        "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]),
        "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]),
        "+f"(d[126]), "+f"(d[127])
      : "l"(da), "l"(db), "r"(scale_d));
}

__device__ __forceinline__ void wgmma_m64n64k32(u64 da, u64 db, float (&d)[32], u32 scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k32.f32.e4m3.e4m3 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
      "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
      "}, %32, %33, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
        "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]),
        "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]),
        "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]),
        "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "l"(da), "l"(db), "r"(scale_d));
}

__device__ __forceinline__ void wgmma_m64n96k32(u64 da, u64 db, float (&d)[48], u32 scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %50, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n96k32.f32.e4m3.e4m3 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47"
      "}, %48, %49, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47])
      : "l"(da), "l"(db), "r"(scale_d));
}

__device__ __forceinline__ void wgmma_m64n112k32(u64 da, u64 db, float (&d)[56], u32 scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %58, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n112k32.f32.e4m3.e4m3 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55"
      "}, %56, %57, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55])
      : "l"(da), "l"(db), "r"(scale_d));
}

/// m64n128k32 with A from registers (wgmma RS): `a` holds this thread's four 32-bit pieces of
/// the warpgroup's 64 x 32 A fragment (PTX ISA "wgmma register fragment A", 8-bit types: rows
/// lane / 4 and + 8, K bytes 4 * (lane % 4) and + 16), B from shared memory as before.
__device__ __forceinline__ void wgmma_m64n128k32_rs(const u32 (&a)[4], u64 db, float (&d)[kAccum],
                                                    u32 scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
      "}, {%64, %65, %66, %67}, %68, p, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(scale_d));
}

/// ldmatrix .x4 of 8 x 8 b16 matrices: lane l gives the address of row l % 8 of matrix l / 8 and
/// receives 32 bits of each matrix (row lane / 4, bytes 4 * (lane % 4)).
__device__ __forceinline__ void ldmatrix_x4(u32 (&r)[4], u32 addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

/// The GPU's nanosecond timer: with clock64, CTA 0's SM clock over a launch.
__device__ __forceinline__ long long globaltimer() {
  long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

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

/// One 64-row slice's MMAs (m64n128k32, the 4 k-steps of K block `stage`; bm256 x bn128 stages
/// at a0 / b0, slice s) into d, as one commit group; `accumulate`: the first k-step adds to d.
__device__ __forceinline__ void issue_slice(u64 a0, u64 b0, int stage, int s, float (&d)[kAccum],
                                            bool accumulate) {
  const u64 da = a0 + ((stage * kStageBytes + s * 64 * 128) >> 4);
  const u64 db = b0 + ((stage * kStageBytes) >> 4);
  gemmtune_ptx::wgmma_fence();
#pragma unroll
  for (int ks = 0; ks < 4; ++ks) {
    wgmma_m64n128k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), d, accumulate || ks > 0 ? 1u : 0u);
  }
  gemmtune_ptx::wgmma_commit();
}

/// The MMA-only math warpgroups of the ring variants (two, of two 64-row slices each): for each
/// of `count` tiles and each K block, wait for the stage, issue both slices' MMAs, wait for them
/// and hand the stage back with `release(stage)`. Returns the products' sum (keeps them live).
template <class Release>
__device__ float ring_mma_only(unsigned char* smem, u64* full, int count, int k_blocks,
                               Release&& release) {
  const int mwg = threadIdx.x / 128 - 1;
  const u64 a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem) + mwg * 2 * 64 * 128);
  const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem + kStageA));
  float total = 0.0f;
  int it = 0;
  for (int tile = 0; tile < count; ++tile) {
    float d[2][kAccum];
#pragma unroll
    for (int s = 0; s < 2; ++s)
#pragma unroll
      for (int i = 0; i < kAccum; ++i) d[s][i] = 0.0f;
    for (int kb = 0; kb < k_blocks; ++kb, ++it) {
      const int stage = it % kStages;
      gemmtune_ptx::mbarrier_wait(&full[stage], (it / kStages) & 1);
      issue_slice(a0, b0, stage, 0, d[0], true);
      issue_slice(a0, b0, stage, 1, d[1], true);
      gemmtune_ptx::wgmma_wait<0>();
      if (threadIdx.x % 32 == 0) release(stage);
    }
#pragma unroll
    for (int s = 0; s < 2; ++s)
#pragma unroll
      for (int i = 0; i < kAccum; ++i) total += d[s][i];
  }
  return total;
}

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

/// cp.async.bulk of `bytes` into the same shared-memory offset of every CTA in `cta_mask`, each
/// destination's barrier at `bar`'s offset counting them (PTX ISA "cp.async.bulk", multicast).
__device__ __forceinline__ void bulk_load_multicast(void* dst, const void* src, u32 bytes, u64* bar,
                                                    unsigned short cta_mask) {
  asm volatile(
      "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster"
      " [%0], [%1], %2, [%3], %4;" ::"r"(gemmtune_ptx::smem_addr(dst)),
      "l"(reinterpret_cast<u64>(src)), "r"(bytes), "r"(gemmtune_ptx::smem_addr(bar)), "h"(cta_mask)
      : "memory");
}

/// Hands stage `stage` back to both CTAs' producers (one lane a math warp): either may load into it.
__device__ __forceinline__ void release_to_pair(u64* empty, int stage) {
  if (threadIdx.x % 32 == 0) {
    gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 0);
    gemmtune_ptx::mbarrier_arrive_cluster(&empty[stage], 1);
  }
}

/// The promotion of one 64-row slice's product d into its FP32 sum: rows r (fragments 0, 1 of
/// every 4) by `lo`, rows r + 8 by `hi`. kPin: an empty asm keeps each FFMA's read of d below
/// the preceding wait (needed where another group is still in flight).
template <bool kPin = false, int kN>
__device__ __forceinline__ void promote_slice(float (&sum)[kN], float (&d)[kN], float lo, float hi) {
#pragma unroll
  for (int i = 0; i < kN; ++i) {
    if constexpr (kPin) asm volatile("" : "+f"(d[i])::"memory");
    sum[i] = fmaf(d[i], (i % 4) < 2 ? lo : hi, sum[i]);
  }
}

/// The sum of every float of a warpgroup's slice sums (keeps the work live).
template <int kS, int kN>
__device__ __forceinline__ float total_of(const float (&sum)[kS][kN]) {
  float total = 0.0f;
#pragma unroll
  for (int s = 0; s < kS; ++s)
#pragma unroll
    for (int i = 0; i < kN; ++i) total += sum[s][i];
  return total;
}

/// The multicast rings' barriers: `ring` full barriers (one producer arrival each) and empty ones
/// counting `releases` math-warp arrivals from both CTAs; both CTAs' barriers exist before any
/// multicast or remote arrive.
__device__ __forceinline__ void ring_init(u64* full, u64* empty, int ring, u32 releases) {
  if (threadIdx.x == 0) {
    for (int s = 0; s < ring; ++s) {
      gemmtune_ptx::mbarrier_init(&full[s], 1);
      gemmtune_ptx::mbarrier_init(&empty[s], releases);
    }
    gemmtune_ptx::fence_barrier_init();
  }
  gemmtune_ptx::cluster_sync();
}

/// kMmaFillMcPromoteHbm's source: A as [m-block][K block] chunks of kStageA bytes, then B as
/// [n-block][K block] chunks of kStageB (set by the host before its launches).
struct Footprint {
  const unsigned char* base;
  int m_blocks, n_blocks;
};
__device__ Footprint g_footprint;

/// The producer thread of the kStages-deep multicast rings (stages of kStageBytes): per K block
/// of each of its units, once the stage is free in both CTAs, its kScaleBytes of activation
/// scales (any bytes: only their cost matters), rank 0's multicast of the kShared bytes both CTAs'
/// tiles share (at the stage's start) and each CTA's own kOwn bytes (at kShared), read from
/// source chunks kOwnStride apart.
/// kFootprint: A and B from g_footprint instead, the scales still from `stream`; unit u is
/// m-block gm and n-blocks 2 gn + rank of a grid of n-blocks / 2 pairs, with (1) gm = u / pairs,
/// gn = u % pairs, or (2, the GEMM's rN8) bands of 8 m-blocks walked down the band, then along N.
template <u32 kShared, u32 kOwn, u32 kScaleBytes, u32 kOwnStride = kOwn, int kFootprint = 0>
__device__ __forceinline__ void ring_producer(unsigned char* smem, u64* full, u64* empty,
                                              const unsigned char* stream, u32 rank, int pair,
                                              int pairs, int units, int k_blocks) {
  static_assert(!kFootprint || (kShared == kStageA && kOwn == kStageB), "the bm256 x bn128 ring");
  Footprint fp{};
  if constexpr (kFootprint) fp = g_footprint;
  const int n_pairs = kFootprint ? fp.n_blocks / 2 : 1;
  static_assert(kShared % 16384 == 0 && kShared + kOwn <= kStageBytes, "a stage's layout");
  constexpr long kChunksShared = kStreamBytes / kShared, kChunksOwn = kStreamBytes / kOwnStride;
  int it = 0;
  for (int unit = pair; unit < units; unit += pairs) {
    for (int kb = 0; kb < k_blocks; ++kb, ++it) {
      const int stage = it % kStages;
      gemmtune_ptx::mbarrier_wait(&empty[stage], ((it / kStages) & 1) ^ 1);
      gemmtune_ptx::mbarrier_arrive_expect_tx(&full[stage], kShared + kOwn + kScaleBytes);
      if (kScaleBytes > 0) {
        gemmtune_ptx::bulk_load(smem + kScaleOffset + stage * kBlockM * 4,
                                stream + ((static_cast<long>(it) * kScaleBytes) % kStreamBytes),
                                kScaleBytes, &full[stage]);
      }
      int gm = unit / n_pairs, gn = unit % n_pairs;
      if (kFootprint == 2) {
        const int first = unit / (8 * n_pairs) * 8, rows = min(8, fp.m_blocks - first);
        const int within = unit % (8 * n_pairs);
        gm = first + within % rows;
        gn = within / rows;
      }
      if (rank == 0) {
        const unsigned char* shared =
            kFootprint
                ? fp.base + (static_cast<long>(gm) * k_blocks + kb) * kShared
                : stream + ((static_cast<long>(unit) * k_blocks + kb) % kChunksShared) * kShared;
        for (u32 part = 0; part < kShared / 16384; ++part) {
          bulk_load_multicast(smem + stage * kStageBytes + part * 16384, shared + part * 16384,
                              16384, &full[stage], 0x3);
        }
      }
      const unsigned char* own =
          kFootprint
              ? fp.base + static_cast<long>(fp.m_blocks) * k_blocks * kStageA +
                    (static_cast<long>(2 * gn + rank) * k_blocks + kb) * kOwn
              : stream + ((static_cast<long>(2 * unit + rank) * k_blocks + kb) % kChunksOwn) * kOwnStride;
      gemmtune_ptx::bulk_load(smem + stage * kStageBytes + kShared, own, kOwn, &full[stage]);
    }
  }
}

/// The ring kernels' end: each thread's `total` keeps its work live, CTA 0's span gives the SM
/// clock, and no CTA leaves while its peer may still write into it.
__device__ __forceinline__ void ring_finish(float* out, float total, int threads, long long* clocks,
                                            long long clock0, long long ns0) {
  out[blockIdx.x * threads + threadIdx.x] = total;
  if (blockIdx.x == 0 && threadIdx.x == 128) {
    clocks[0] = clock64() - clock0;
    clocks[1] = globaltimer() - ns0;
  }
  __syncwarp();                  // the producer's lane rejoins its warp (the barrier is .aligned)
  gemmtune_ptx::cluster_sync();
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

/// Fills the stages with `src` (random e4m3 bytes and scales), then walks the tiles of an
/// M x N x K GEMM as the persistent kernel does, each warpgroup's 64-row slices per K block.
template <Variant kV>
__global__ void __launch_bounds__(threads_of(kV), 1)
    mma_roof(const uint4* src, int tiles, int k_blocks, float* out, long long* clocks) {
  constexpr int kSlices = block_m_of(kV) / 64 / (threads_of(kV) / 128);
  extern __shared__ __align__(1024) unsigned char smem[];
  for (int i = threadIdx.x; i < kSmemBytes / 16; i += threads_of(kV)) reinterpret_cast<uint4*>(smem)[i] = src[i];
  gemmtune_ptx::fence_proxy_async_smem();  // generic-proxy writes before wgmma's reads
  __syncthreads();
  const int wg = threadIdx.x / 128;
  const int thread_row = (threadIdx.x % 128) / 32 * 16 + (threadIdx.x % 32) / 4;
  const u64 desc_a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem) + wg * kSlices * 64 * 128);
  const u64 desc_b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(gemmtune_ptx::smem_addr(smem + kStageA));
  const float* scales = reinterpret_cast<const float*>(smem + kScaleOffset);
  float total = 0.0f;
  const long long clock0 = clock64(), ns0 = globaltimer();
  if constexpr (kV == Variant::kMmaN256 || kV == Variant::kMmaN64) {
    // One accumulator per slice, all of a K block's MMAs in flight, one wait (as kMma). n256:
    // B (256 rows) is the stage's first 32 KB, A (128 rows) the next 16 KB; n64: as kMma.
    constexpr int kN = block_n_of(kV), kAcc = kN / 2, kSl = kV == Variant::kMmaN256 ? 1 : 2;
    const u64 a0 = gemmtune_ptx::wgmma_desc_k_major_sw128(
        gemmtune_ptx::smem_addr(smem) + (kV == Variant::kMmaN256 ? 32768 : 0) + wg * kSl * 64 * 128);
    const u64 b0 = gemmtune_ptx::wgmma_desc_k_major_sw128(
        gemmtune_ptx::smem_addr(smem) + (kV == Variant::kMmaN256 ? 0 : kStageA));
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
      float d[kSl][kAcc];
#pragma unroll
      for (int s = 0; s < kSl; ++s)
#pragma unroll
        for (int i = 0; i < kAcc; ++i) d[s][i] = 0.0f;
      int stage = 0;
      for (int kb = 0; kb < k_blocks; ++kb) {
#pragma unroll
        for (int s = 0; s < kSl; ++s) {
          const u64 da = a0 + ((stage * kStageBytes + s * 64 * 128) >> 4);
          const u64 db = b0 + ((stage * kStageBytes) >> 4);
          gemmtune_ptx::wgmma_fence();
#pragma unroll
          for (int ks = 0; ks < 4; ++ks) {
            if constexpr (kV == Variant::kMmaN256) {
              wgmma_m64n256k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), d[s], 1u);
            } else {
              wgmma_m64n64k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), d[s], 1u);
            }
          }
          gemmtune_ptx::wgmma_commit();
        }
        gemmtune_ptx::wgmma_wait<0>();  // nothing in flight across the back edge (C7514)
        stage = stage + 1 == kStages ? 0 : stage + 1;
      }
#pragma unroll
      for (int s = 0; s < kSl; ++s)
#pragma unroll
        for (int i = 0; i < kAcc; ++i) total += d[s][i];
    }
  } else
  for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    float acc[2][kAccum];
    float sum[kSlices][kAccum];
#pragma unroll
    for (int i = 0; i < kAccum; ++i) {
      acc[0][i] = acc[1][i] = 0.0f;
#pragma unroll
      for (int s = 0; s < kSlices; ++s) sum[s][i] = 0.0f;
    }
    // Slice s of K block `stage`'s MMAs into d, committed as one group.
    auto issue = [&](int stage, int s, float (&d)[kAccum], bool accumulate) {
      issue_slice(desc_a0, desc_b0, stage, s, d, accumulate);
    };
    if (kV == Variant::kMmaPromoteSkew && wg == 1) {  // one slice's MMAs and wait: the skew
      issue(0, 0, acc[0], false);
      gemmtune_ptx::wgmma_wait<0>();
    }
    int stage = 0;
    for (int kb = 0; kb < k_blocks; ++kb) {
      if constexpr (kV == Variant::kMma) {
        issue(stage, 0, acc[0], true);
        issue(stage, 1, acc[1], true);
        gemmtune_ptx::wgmma_wait<0>();  // nothing in flight across the back edge (C7514)
      } else if constexpr (kV == Variant::kMmaAheadBm128) {
        // K blocks kb and kb + 1 (k_blocks is even: K % 256 == 0 asked on the host): block
        // kb + 1's MMAs run while block kb is promoted; the pass drains (C7514).
        const int next = stage + 1 == kStages ? 0 : stage + 1;
        issue(stage, 0, acc[0], false);
        issue(next, 0, acc[1], false);
        const float* sa = scales + stage * kBlockM + wg * 64 + thread_row;
        const float* sa_next = scales + next * kBlockM + wg * 64 + thread_row;
        gemmtune_ptx::wgmma_wait<1>();
#pragma unroll
        for (int i = 0; i < kAccum; ++i) {
          asm volatile("" : "+f"(acc[0][i])::"memory");
          sum[0][i] = fmaf(acc[0][i], (i % 4) < 2 ? sa[0] : sa[8], sum[0][i]);
        }
        gemmtune_ptx::wgmma_wait<0>();
#pragma unroll
        for (int i = 0; i < kAccum; ++i) {
          asm volatile("" : "+f"(acc[1][i])::"memory");
          sum[0][i] = fmaf(acc[1][i], (i % 4) < 2 ? sa_next[0] : sa_next[8], sum[0][i]);
        }
        stage = next;
        ++kb;
      } else {
#pragma unroll
        for (int s = 0; s < kSlices; ++s) {
          // NOTE: every variant whose loop reads no accumulator accumulates into it, or ptxas
          // drops the MMAs whose product the next slice overwrites unread (call B, 2026-11-26).
          issue(stage, s, acc[0], kV == Variant::kMmaWaitSlice || kV == Variant::kMmaWaitFfma ||
                                      overlap_count(kV) > 0);
          const float* sa = scales + stage * kBlockM + (wg * kSlices + s) * 64 + thread_row;
          const float scale_lo = sa[0], scale_hi = sa[8];
          if constexpr (overlap_count(kV) > 0) {
            // NOTE: the empty asm after each instruction pins it before the wait (asm volatile
            // keeps its order), so they run while this warpgroup's own MMAs do.
#pragma unroll
            for (int j = 0; j < overlap_count(kV); ++j) {
              float& x = sum[s][j % kAccum];
              x = kV == Variant::kMmaFmulOverlap ? x * 1.0001f : fmaf(x, scale_lo, scale_hi);
              asm volatile("" : "+f"(x)::"memory");
            }
          }
          gemmtune_ptx::wgmma_wait<0>();
          if constexpr (kV == Variant::kMmaWaitFfma) {
            // NOTE: the empty asm pins each FFMA after the wait; the FFMAs read three registers,
            // as the promotion's do, none of them an accumulator.
#pragma unroll
            for (int i = 0; i < kAccum; ++i) {
              asm volatile("" : "+f"(sum[s][i])::"memory");
              sum[s][i] = fmaf(sum[s][i], scale_lo, scale_hi);
            }
          } else if constexpr (kV != Variant::kMmaWaitSlice && overlap_count(kV) == 0) {
#pragma unroll
            for (int i = 0; i < kAccum; ++i) {
              asm volatile("" : "+f"(acc[0][i])::"memory");
              sum[s][i] = fmaf(acc[0][i], (i % 4) < 2 ? scale_lo : scale_hi, sum[s][i]);
            }
          }
        }
      }
      stage = stage + 1 == kStages ? 0 : stage + 1;
    }
#pragma unroll
    for (int i = 0; i < kAccum; ++i) {
      total += acc[0][i] + acc[1][i];
#pragma unroll
      for (int s = 0; s < kSlices; ++s) total += sum[s][i];
    }
  }
  out[blockIdx.x * threads_of(kV) + threadIdx.x] = total;  // keeps the work live
  if (blockIdx.x == 0 && threadIdx.x == 0) {  // CTA 0's span: the launch's SM clock
    clocks[0] = clock64() - clock0;
    clocks[1] = static_cast<long long>(globaltimer() - ns0);
  }
}

struct Stats { double median_us, p10_us, p90_us; };

Stats stats_of(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return static_cast<double>(v[static_cast<size_t>(q * (v.size() - 1) + 0.5)]); };
  return {at(0.5), at(0.1), at(0.9)};
}

#define CHECK(x)                                                                          \
  do {                                                                                    \
    cudaError_t e = (x);                                                                  \
    if (e != cudaSuccess) {                                                               \
      std::fprintf(stderr, "mma_roof_probe: %s: %s\n", #x, cudaGetErrorString(e));       \
      std::exit(1);                                                                       \
    }                                                                                     \
  } while (0)

/// One launch of variant v (a switch over the template's instances).
template <int V = 0>
void launch(int v, int sms, const uint4* src, const unsigned char* stream, int tiles, int k_blocks,
            float* out, long long* clocks) {
  if constexpr (V < static_cast<int>(Variant::kCount)) {
    constexpr Variant kV = static_cast<Variant>(V);
    if (v != V) return launch<V + 1>(v, sms, src, stream, tiles, k_blocks, out, clocks);
    if constexpr (kV == Variant::kMmaFill) {
      mma_fill_roof<<<sms, threads_of(kV), kSmemAlloc>>>(stream, tiles, k_blocks, out, clocks);
    } else if constexpr (kV == Variant::kMmaFillMcPromote3wgS4 ||
                         kV == Variant::kMmaFillMcPromote3wgS5 ||
                         kV == Variant::kMmaRingMcPromote3wgS4) {
      constexpr int kRing = kV == Variant::kMmaFillMcPromote3wgS5 ? 5 : 4;
      mma_fill_mc_3wg_roof<kRing, kV != Variant::kMmaRingMcPromote3wgS4>
          <<<sms / 2 * 2, 512, smem_3wg(kRing)>>>(stream, tiles, k_blocks, out, clocks);
    } else if constexpr (kV == Variant::kMmaFillMcPromoteRs) {
      mma_fill_mc_rs_roof<<<sms / 2 * 2, threads_of(kV), kSmemAlloc>>>(stream, tiles, k_blocks, out,
                                                                      clocks);
    } else if constexpr (kV == Variant::kMmaFillMcPromoteHbm || kV == Variant::kMmaFillMcPromoteHbmRn8) {
      mma_fill_mc_roof<true, false, 0, kBlockN, false, kV == Variant::kMmaFillMcPromoteHbm ? 1 : 2>
          <<<sms / 2 * 2, threads_of(kV), kSmemAlloc>>>(stream, tiles, k_blocks, out, clocks);
    } else if constexpr (narrow_bn_of(kV) != 0) {
      mma_fill_mc_roof<true, false, 0, narrow_bn_of(kV), narrow_ahead(kV)>
          <<<sms / 2 * 2, threads_of(kV), kSmemAlloc>>>(stream, tiles, k_blocks, out, clocks);
    } else if constexpr (kV == Variant::kMmaFillMcPromoteTurns ||
                         kV == Variant::kMmaFillMcPromoteTurnsDone) {
      mma_fill_mc_roof<true, false, kV == Variant::kMmaFillMcPromoteTurns ? 1 : 2>
          <<<sms / 2 * 2, threads_of(kV), kSmemAlloc>>>(stream, tiles, k_blocks, out, clocks);
    } else if constexpr (kV == Variant::kMmaFillMc || kV == Variant::kMmaFillMcPromote ||
                         kV == Variant::kMmaFillMcPromoteSplitN) {
      mma_fill_mc_roof<kV != Variant::kMmaFillMc, kV == Variant::kMmaFillMcPromoteSplitN>
          <<<sms / 2 * 2, threads_of(kV), kSmemAlloc>>>(stream, tiles, k_blocks, out, clocks);
    } else {
      mma_roof<kV><<<sms, threads_of(kV), kSmemAlloc>>>(src, tiles, k_blocks, out, clocks);
    }
  }
}

template <int V = 0>
void allow_smem() {
  if constexpr (V < static_cast<int>(Variant::kCount)) {
    if constexpr (static_cast<Variant>(V) == Variant::kMmaFill) {
      CHECK(cudaFuncSetAttribute(mma_fill_roof, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 kSmemAlloc));
    } else if constexpr (static_cast<Variant>(V) == Variant::kMmaFillMcPromote3wgS4 ||
                         static_cast<Variant>(V) == Variant::kMmaFillMcPromote3wgS5 ||
                         static_cast<Variant>(V) == Variant::kMmaRingMcPromote3wgS4) {
      constexpr Variant kV = static_cast<Variant>(V);
      constexpr int kRing = kV == Variant::kMmaFillMcPromote3wgS5 ? 5 : 4;
      CHECK(cudaFuncSetAttribute(mma_fill_mc_3wg_roof<kRing, kV != Variant::kMmaRingMcPromote3wgS4>,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize, smem_3wg(kRing)));
    } else if constexpr (static_cast<Variant>(V) == Variant::kMmaFillMcPromoteHbm ||
                         static_cast<Variant>(V) == Variant::kMmaFillMcPromoteHbmRn8) {
      CHECK(cudaFuncSetAttribute(
          mma_fill_mc_roof<true, false, 0, kBlockN, false,
                           static_cast<Variant>(V) == Variant::kMmaFillMcPromoteHbm ? 1 : 2>,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemAlloc));
    } else if constexpr (narrow_bn_of(static_cast<Variant>(V)) != 0) {
      CHECK(cudaFuncSetAttribute(
          mma_fill_mc_roof<true, false, 0, narrow_bn_of(static_cast<Variant>(V)),
                           narrow_ahead(static_cast<Variant>(V))>,
          cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemAlloc));
    } else if constexpr (static_cast<Variant>(V) == Variant::kMmaFillMcPromoteTurns ||
                         static_cast<Variant>(V) == Variant::kMmaFillMcPromoteTurnsDone) {
      CHECK(cudaFuncSetAttribute(
          mma_fill_mc_roof<true, false, static_cast<Variant>(V) == Variant::kMmaFillMcPromoteTurns ? 1 : 2>,
          cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemAlloc));
    } else if constexpr (static_cast<Variant>(V) == Variant::kMmaFillMcPromoteRs) {
      CHECK(cudaFuncSetAttribute(mma_fill_mc_rs_roof, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 kSmemAlloc));
    } else if constexpr (static_cast<Variant>(V) == Variant::kMmaFillMc ||
                         static_cast<Variant>(V) == Variant::kMmaFillMcPromote ||
                         static_cast<Variant>(V) == Variant::kMmaFillMcPromoteSplitN) {
      CHECK(cudaFuncSetAttribute(
          mma_fill_mc_roof<static_cast<Variant>(V) != Variant::kMmaFillMc,
                           static_cast<Variant>(V) == Variant::kMmaFillMcPromoteSplitN>,
          cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemAlloc));
    } else {
      CHECK(cudaFuncSetAttribute(mma_roof<static_cast<Variant>(V)>,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemAlloc));
    }
    allow_smem<V + 1>();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long m = argc > 3 ? std::atol(argv[1]) : 4096, n = argc > 3 ? std::atol(argv[2]) : 7168,
             k = argc > 3 ? std::atol(argv[3]) : 16384;
  const int samples = argc > 4 ? std::atoi(argv[4]) : 30;
  constexpr int kVariants = static_cast<int>(Variant::kCount);
  // VARIANT: one name, a comma-separated list, or "both" (mma and mma_promote), "all".
  const std::string variant = argc > 5 ? argv[5] : "both";
  bool run[kVariants] = {};
  int chosen = 0;
  for (int v = 0; v < kVariants; ++v) {
    const std::string name = kVariantNames[v];
    const std::string list = "," + variant + ",";
    run[v] = variant == "all" || (variant == "both" && v < 2) || list.find("," + name + ",") != std::string::npos;
    chosen += run[v];
  }
  if (m <= 0 || n <= 0 || k <= 0 || k % (2 * kBlockK) != 0 || samples < 1 || chosen == 0) {
    std::fprintf(stderr, "mma_roof_probe: want M N K > 0, K a multiple of 256, SAMPLES >= 1, and VARIANT "
                 "all, both or names of mma, mma_promote, mma_wait_slice, mma_promote_skew, "
                 "mma_promote_3wg, mma_promote_bm128, mma_ahead_bm128, mma_n256, mma_n64, mma_fill, "
                 "mma_fill_mc, mma_fill_mc_promote, mma_fill_mc_promote_split_n, mma_fill_mc_promote_3wg_s4, "
                 "mma_fill_mc_promote_3wg_s5, mma_ring_mc_promote_3wg_s4, mma_fill_mc_promote_rs, mma_ffma_overlap, "
                 "mma_wait_ffma, mma_ffma32_overlap, mma_ffma128_overlap, mma_fmul_overlap, "
                 "mma_fill_mc_promote_turns, mma_fill_mc_promote_turns_done, mma_fill_mc_promote_bn96, "
                 "mma_fill_mc_promote_bn96_ahead, mma_fill_mc_promote_bn112, mma_fill_mc_promote_bn112_ahead, "
                 "mma_fill_mc_promote_hbm, mma_fill_mc_promote_hbm_rn8\n");
    return 2;
  }
  int tiles[kVariants] = {};
  for (int v = 0; v < kVariants; ++v) {
    const int bm = block_m_of(static_cast<Variant>(v)), bn = block_n_of(static_cast<Variant>(v));
    tiles[v] = static_cast<int>((m + bm - 1) / bm) * static_cast<int>((n + bn - 1) / bn);
  }
  const int k_blocks = static_cast<int>(k / kBlockK);
  for (const Variant paired : {Variant::kMmaFillMcPromote3wgS4, Variant::kMmaFillMcPromote3wgS5,
                               Variant::kMmaRingMcPromote3wgS4, Variant::kMmaFillMcPromoteRs,
                               Variant::kMmaFillMcPromoteBn96, Variant::kMmaFillMcPromoteBn96Ahead,
                               Variant::kMmaFillMcPromoteBn112, Variant::kMmaFillMcPromoteBn112Ahead,
                               Variant::kMmaFillMcPromoteHbm, Variant::kMmaFillMcPromoteHbmRn8}) {
    if (run[static_cast<int>(paired)] && tiles[static_cast<int>(paired)] % 2 != 0) {
      std::fprintf(stderr, "mma_roof_probe: %s takes tiles in pairs: %d tiles is odd\n",
                   kVariantNames[static_cast<int>(paired)], tiles[static_cast<int>(paired)]);
      return 2;
    }
  }
  if ((run[static_cast<int>(Variant::kMmaFillMc)] || run[static_cast<int>(Variant::kMmaFillMcPromote)] ||
       run[static_cast<int>(Variant::kMmaFillMcPromoteSplitN)] ||
       run[static_cast<int>(Variant::kMmaFillMcPromoteTurns)] ||
       run[static_cast<int>(Variant::kMmaFillMcPromoteTurnsDone)]) &&
      tiles[static_cast<int>(Variant::kMmaFillMc)] % 2 != 0) {
    std::fprintf(stderr, "mma_roof_probe: mma_fill_mc* take tiles in pairs: %d tiles is odd\n",
                 tiles[static_cast<int>(Variant::kMmaFillMc)]);
    return 2;
  }
  int sms = 0;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  // Operands: e4m3 of uniform [-448, 448), as the GEMM's quantized inputs span (support_inputs.cuh);
  // scales: exp(U(-4, 4)). The bits matter at the 700 W cap (PERF_LOG session 9).
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<unsigned char> host(kSmemBytes);
  for (int i = 0; i < kScaleOffset; ++i) host[i] = __nv_fp8_e4m3(448.0f * u(rng)).__x;
  for (int i = kScaleOffset; i < kSmemBytes; i += 4) {
    const float s = std::exp(4.0f * u(rng));
    std::memcpy(&host[i], &s, 4);
  }
  uint4* src = nullptr;
  float* out = nullptr;
  void* flush = nullptr;
  const size_t flush_bytes = 512ull << 20;
  CHECK(cudaMalloc(&src, kSmemBytes));
  CHECK(cudaMemcpy(src, host.data(), kSmemBytes, cudaMemcpyHostToDevice));
  CHECK(cudaMalloc(&out, sms * 512 * sizeof(float)));
  CHECK(cudaMalloc(&flush, flush_bytes));
  long long* clocks = nullptr;
  CHECK(cudaMalloc(&clocks, 2 * sizeof(long long)));
  // mma_fill's source: e4m3 of the same distribution as the stages', 16 MiB (L2-resident).
  std::vector<unsigned char> stream_host(kStreamBytes);
  for (auto& b : stream_host) b = __nv_fp8_e4m3(448.0f * u(rng)).__x;
  unsigned char* stream = nullptr;
  CHECK(cudaMalloc(&stream, kStreamBytes));
  CHECK(cudaMemcpy(stream, stream_host.data(), kStreamBytes, cudaMemcpyHostToDevice));
  // mma_fill_mc_promote_hbm's operands: the problem's A and B in chunks, the stream's bytes
  // repeated (only their cost matters).
  unsigned char* footprint = nullptr;
  if (run[static_cast<int>(Variant::kMmaFillMcPromoteHbm)] ||
      run[static_cast<int>(Variant::kMmaFillMcPromoteHbmRn8)]) {
    const int m_blocks = static_cast<int>((m + kBlockM - 1) / kBlockM);
    const int n_blocks = static_cast<int>((n + kBlockN - 1) / kBlockN);
    if (n_blocks % 2 != 0) {
      std::fprintf(stderr, "mma_roof_probe: mma_fill_mc_promote_hbm* pair n-blocks: %d is odd\n", n_blocks);
      return 2;
    }
    const long bytes = (static_cast<long>(m_blocks) * kStageA + static_cast<long>(n_blocks) * kStageB) * k_blocks;
    CHECK(cudaMalloc(&footprint, bytes));
    for (long at = 0; at < bytes; at += kStreamBytes) {
      CHECK(cudaMemcpy(footprint + at, stream, std::min<long>(kStreamBytes, bytes - at), cudaMemcpyDeviceToDevice));
    }
    const Footprint fp{footprint, m_blocks, n_blocks};
    CHECK(cudaMemcpyToSymbol(g_footprint, &fp, sizeof(fp)));
  }
  allow_smem();
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  std::vector<float> times[kVariants], mhz[kVariants];
  for (int i = 0; i < 3 + samples; ++i) {
    for (int v = 0; v < kVariants; ++v) {
      if (!run[v]) continue;
      CHECK(cudaMemsetAsync(flush, i & 0xFF, flush_bytes));
      CHECK(cudaEventRecord(start));
      launch(v, sms, src, stream, tiles[v], k_blocks, out, clocks);
      CHECK(cudaGetLastError());
      CHECK(cudaEventRecord(stop));
      CHECK(cudaEventSynchronize(stop));
      float ms = 0.0f;
      CHECK(cudaEventElapsedTime(&ms, start, stop));
      long long span[2] = {};
      CHECK(cudaMemcpy(span, clocks, sizeof(span), cudaMemcpyDeviceToHost));
      if (i >= 3) {
        times[v].push_back(ms * 1000.0f);
        mhz[v].push_back(span[1] > 0 ? 1e3f * static_cast<float>(span[0]) / static_cast<float>(span[1]) : 0.0f);
      }
    }
  }
  const double flops = 2.0 * m * n * k;
  for (int v = 0; v < kVariants; ++v) {
    if (!run[v]) continue;
    const Stats s = stats_of(times[v]);
    std::printf("{\"variant\": \"%s\", \"m\": %ld, \"n\": %ld, \"k\": %ld, \"tiles\": %d, \"ctas\": %d, "
                "\"samples\": %d, \"median_us\": %.2f, \"p10_us\": %.2f, \"p90_us\": %.2f, \"tflops\": %.1f, "
                "\"sm_mhz\": %.0f}\n",
                kVariantNames[v], m, n, k, tiles[v], sms, samples, s.median_us, s.p10_us, s.p90_us,
                flops / (s.median_us * 1e-6) / 1e12, stats_of(mhz[v]).median_us);
  }
  return 0;
}
