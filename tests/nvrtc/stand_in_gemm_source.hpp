#pragma once
// A stand-in for the sm90_fp8_gemm_1d2d kernel family with its real compile-time cost: a
// warp-specialized persistent FP8 GEMM mainloop (TMA producer warpgroup, mbarrier ring, two wgmma
// math warpgroups with setmaxnreg, per-128-K promotion by 1x128 / 128x128 scales, bf16 epilogue).
// Used by the nvrtc tests to measure compile time and check register reports; never launched.
#include <string>

namespace gemmtune::test {

/// The `wgmma.mma_async` m64n{block_n}k32 e4m3 x e4m3 -> f32 call as a device function.
inline std::string stand_in_wgmma_function(int block_n) {
  const int regs = block_n / 2;
  std::string asm_text = "wgmma.mma_async.sync.aligned.m64n" + std::to_string(block_n) +
                         "k32.f32.e4m3.e4m3 {";
  std::string operands;
  for (int i = 0; i < regs; ++i) {
    asm_text += "%" + std::to_string(i) + (i + 1 < regs ? ", " : "");
    operands += std::string(i ? ", " : "") + "\"+f\"(d[" + std::to_string(i) + "])";
  }
  asm_text += "}, %" + std::to_string(regs) + ", %" + std::to_string(regs + 1) + ", p, 1, 1;";
  return "__forceinline__ void wgmma_m64k32(float* d, unsigned long long desc_a,\n"
         "                                  unsigned long long desc_b, bool accumulate) {\n"
         "  asm volatile(\"{\\n.reg .pred p;\\nsetp.ne.b32 p, %" + std::to_string(regs + 2) +
         ", 0;\\n" + asm_text + "\\n}\\n\"\n"
         "               : " + operands + "\n"
         "               : \"l\"(desc_a), \"l\"(desc_b), \"r\"(int(accumulate)));\n}\n";
}

/// Full generated translation unit for one (block_n, stages) member; kernel `kernel_name`.
inline std::string stand_in_gemm_source(const std::string& kernel_name, int block_n, int stages) {
  std::string src = "// stand-in generated source: block_n=" + std::to_string(block_n) +
                    " stages=" + std::to_string(stages) + "\n#include \"gemmtune_params.h\"\n";
  src += R"(
struct alignas(64) TensorMap { unsigned long long opaque[16]; };

__forceinline__ unsigned smem_u32(const void* p) { return unsigned(__cvta_generic_to_shared(p)); }
__forceinline__ void mbar_init(unsigned long long* bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(smem_u32(bar)), "r"(count));
}
__forceinline__ void mbar_expect_tx(unsigned long long* bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;"
               :: "r"(smem_u32(bar)), "r"(bytes) : "memory");
}
__forceinline__ void mbar_arrive(unsigned long long* bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" :: "r"(smem_u32(bar)) : "memory");
}
__forceinline__ void mbar_wait(unsigned long long* bar, unsigned phase) {
  asm volatile("{\n.reg .pred P1;\nLAB_WAIT:\n"
               "mbarrier.try_wait.parity.shared::cta.b64 P1, [%0], %1;\n"
               "@P1 bra DONE;\nbra LAB_WAIT;\nDONE:\n}\n" :: "r"(smem_u32(bar)), "r"(phase) : "memory");
}
__forceinline__ void tma_load_2d(void* dst, const TensorMap* map, unsigned long long* bar, int x, int y) {
  asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
               " [%0], [%1, {%3, %4}], [%2];"
               :: "r"(smem_u32(dst)), "l"(map), "r"(smem_u32(bar)), "r"(x), "r"(y) : "memory");
}
__forceinline__ unsigned long long smem_desc(const void* p) {
  // 128B swizzle, K-major: LBO unused, SBO = 1024 bytes (8 rows x 128 B).
  const unsigned long long addr = smem_u32(p);
  return ((addr & 0x3FFFF) >> 4) | (1ull << 16) | ((1024ull >> 4) << 32) | (1ull << 62);
}
__forceinline__ unsigned short to_bf16_bits(float x) {
  const unsigned u = __float_as_uint(x);
  return (unsigned short)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
)";
  src += stand_in_wgmma_function(block_n);
  src += R"(
template <int kBlockN, int kStages>
__device__ void gemm_body(const GemmtuneGemmParams& p, const TensorMap* map_a,
                          const TensorMap* map_b, const TensorMap* map_sa) {
  constexpr int kBlockM = 128, kBlockK = 128;
  extern __shared__ __align__(1024) unsigned char smem[];
  unsigned char* a_stages = smem;
  unsigned char* b_stages = a_stages + kStages * kBlockM * kBlockK;
  float* sa_stages = reinterpret_cast<float*>(b_stages + kStages * kBlockN * kBlockK);
  unsigned long long* full = reinterpret_cast<unsigned long long*>(sa_stages + kStages * kBlockM);
  unsigned long long* empty = full + kStages;
  const int warpgroup = threadIdx.x / 128;
  const int k_blocks = (p.k + kBlockK - 1) / kBlockK;
  const int n_blocks = (p.n + kBlockN - 1) / kBlockN;
  const int tiles = (p.m + kBlockM - 1) / kBlockM * n_blocks;
  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s) { mbar_init(&full[s], 1); mbar_init(&empty[s], 2); }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();
  if (warpgroup == 0) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
    if (threadIdx.x != 0) return;
    int iter = 0;
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
      const int m0 = tile / n_blocks * kBlockM, n0 = tile % n_blocks * kBlockN;
      for (int kb = 0; kb < k_blocks; ++kb, ++iter) {
        const int s = iter % kStages;
        mbar_wait(&empty[s], ((iter / kStages) & 1) ^ 1);
        mbar_expect_tx(&full[s], kBlockM * kBlockK + kBlockN * kBlockK + kBlockM * 4);
        tma_load_2d(a_stages + s * kBlockM * kBlockK, map_a, &full[s], kb * kBlockK, m0);
        tma_load_2d(b_stages + s * kBlockN * kBlockK, map_b, &full[s], kb * kBlockK, n0);
        tma_load_2d(sa_stages + s * kBlockM, map_sa, &full[s], m0, kb);
      }
    }
    return;
  }
  asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
  const int math_wg = warpgroup - 1, lane = threadIdx.x % 32, warp = (threadIdx.x % 128) / 32;
  const int row_in_tile = math_wg * 64 + warp * 16 + lane / 4;
  float accum[kBlockN / 2], result[kBlockN / 2];
  int iter = 0;
  for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int m0 = tile / n_blocks * kBlockM, n0 = tile % n_blocks * kBlockN;
    #pragma unroll
    for (int i = 0; i < kBlockN / 2; ++i) result[i] = 0.0f;
    for (int kb = 0; kb < k_blocks; ++kb, ++iter) {
      const int s = iter % kStages;
      const float scale_b = p.sb[(n0 / 128) * p.sb_ld + kb];
      mbar_wait(&full[s], (iter / kStages) & 1);
      const unsigned char* a = a_stages + s * kBlockM * kBlockK + math_wg * 64 * kBlockK;
      const unsigned char* b = b_stages + s * kBlockN * kBlockK;
      asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
      #pragma unroll
      for (int k = 0; k < kBlockK / 32; ++k) {
        wgmma_m64k32(accum, smem_desc(a + k * 32), smem_desc(b + k * 32), k > 0);
      }
      asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
      asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
      const float scale_lo = sa_stages[s * kBlockM + row_in_tile] * scale_b;
      const float scale_hi = sa_stages[s * kBlockM + row_in_tile + 8] * scale_b;
      if (lane == 0) mbar_arrive(&empty[s]);
      #pragma unroll
      for (int i = 0; i < kBlockN / 2; ++i) result[i] += accum[i] * ((i & 2) ? scale_hi : scale_lo);
    }
    #pragma unroll
    for (int i = 0; i < kBlockN / 2; ++i) {
      const int row = m0 + row_in_tile + ((i & 2) ? 8 : 0);
      const int col = n0 + (i / 4) * 8 + (lane % 4) * 2 + (i & 1);
      if (row < p.m && col < p.n) p.d[(long long)row * p.n + col] = to_bf16_bits(result[i]);
    }
  }
}
)";
  src += "\nextern \"C\" __global__ void __launch_bounds__(384, 1) " + kernel_name +
         "(const __grid_constant__ GemmtuneGemmParams p,\n"
         "    const __grid_constant__ TensorMap map_a, const __grid_constant__ TensorMap map_b,\n"
         "    const __grid_constant__ TensorMap map_sa) {\n"
         "  gemm_body<\n      " + std::to_string(block_n) + ",\n      " + std::to_string(stages) +
         ">(p, &map_a, &map_b, &map_sa);\n}\n";
  return src;
}

}  // namespace gemmtune::test
