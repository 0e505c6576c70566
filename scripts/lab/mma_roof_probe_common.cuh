// mma_roof_probe_common.cuh: what scripts/lab/mma_roof_probe.cu's kernels share: the stage layout of
// the bm256 x bn128 rings, the wgmma and ldmatrix wrappers, one slice's MMAs, and the multicast
// rings' barriers, producer, promotion helpers and finish. Built by nvcc alone (no NVRTC), with
// the family's PTX helpers (kernels/sm90_ptx.cuh).
#pragma once

#include <cuda_runtime.h>

#include "sm90_ptx.cuh"

namespace mma_roof_probe {

using gemmtune_ptx::u32;
using gemmtune_ptx::u64;

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

}  // namespace mma_roof_probe
