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
// Protocol: 512 MiB memset before every sample (the L2 flush of TimingOptions), CUDA events
// around the kernel only, 3 warm-ups, SAMPLES samples, median.
//   usage: bash scripts/build_mma_roof_probe.sh /tmp/mma_roof_probe &&
//          /tmp/mma_roof_probe [M N K [SAMPLES [VARIANT]]]
//   VARIANT: mma, mma_promote or both (default; interleaved). scripts/device_power_probe.sh runs
//   each alone as a phase (GEMMTUNE_MMA_ROOF=1), beside gemmtune and DeepGEMM.
//   Prints one JSON line per variant: median/p10/p90 µs and TFLOPS.
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
constexpr int kAccum = kBlockN / 2;                 // floats per thread of an m64n128 product

// NOTE: written out here, not taken from the kernel family: its wgmma wrapper is generated per
// config by src/jit/codegen_sm90_fp8_gemm_1d2d.cpp into each NVRTC translation unit, and this
// probe is built by nvcc alone, for one fixed N.
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

/// What a probe kernel does per K block (the variants of the file comment).
enum class Variant : int {
  kMma = 0,          // both slices' MMAs in flight, one wait per K block
  kMmaPromote,       // per slice: MMAs, wait, 64 FFMAs (the gemm kernel's bm256 K loop)
  kMmaWaitSlice,     // per slice: MMAs, wait; no FFMAs (the drain's share of kMmaPromote)
  kMmaPromoteSkew,   // kMmaPromote with warpgroup 1 one slice behind warpgroup 0 in every tile
  kMmaPromote3wg,    // three math warpgroups of one 64-row slice each (bm192 tiles)
  kMmaPromoteBm128,  // two math warpgroups of one 64-row slice each (bm128 tiles)
  kMmaAheadBm128,    // the same, two K blocks in flight (two accumulators, as mma_ahead on bm64)
  kCount
};
constexpr const char* kVariantNames[] = {"mma", "mma_promote", "mma_wait_slice", "mma_promote_skew",
                                         "mma_promote_3wg", "mma_promote_bm128", "mma_ahead_bm128"};
__host__ __device__ constexpr int threads_of(Variant v) { return v == Variant::kMmaPromote3wg ? 384 : 256; }
__host__ __device__ constexpr int block_m_of(Variant v) {
  return v == Variant::kMmaPromote3wg ? 192
         : v == Variant::kMmaPromoteBm128 || v == Variant::kMmaAheadBm128 ? 128
                                                                           : kBlockM;
}

/// Fills the stages with `src` (random e4m3 bytes and scales), then walks the tiles of an
/// M x N x K GEMM as the persistent kernel does, each warpgroup's 64-row slices per K block.
template <Variant kV>
__global__ void __launch_bounds__(threads_of(kV), 1)
    mma_roof(const uint4* src, int tiles, int k_blocks, float* out) {
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
      const u64 da = desc_a0 + ((stage * kStageBytes + s * 64 * 128) >> 4);
      const u64 db = desc_b0 + ((stage * kStageBytes) >> 4);
      gemmtune_ptx::wgmma_fence();
#pragma unroll
      for (int ks = 0; ks < 4; ++ks)
        wgmma_m64n128k32(da + ((ks * 32) >> 4), db + ((ks * 32) >> 4), d, accumulate || ks > 0 ? 1u : 0u);
      gemmtune_ptx::wgmma_commit();
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
          issue(stage, s, acc[0], kV == Variant::kMmaWaitSlice);
          const float* sa = scales + stage * kBlockM + (wg * kSlices + s) * 64 + thread_row;
          const float scale_lo = sa[0], scale_hi = sa[8];
          gemmtune_ptx::wgmma_wait<0>();
          if constexpr (kV != Variant::kMmaWaitSlice) {
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
void launch(int v, int sms, const uint4* src, const int (&tiles)[5], int k_blocks, float* out) {
  if constexpr (V < static_cast<int>(Variant::kCount)) {
    constexpr Variant kV = static_cast<Variant>(V);
    if (v != V) return launch<V + 1>(v, sms, src, tiles, k_blocks, out);
    mma_roof<kV><<<sms, threads_of(kV), kSmemBytes>>>(src, tiles[block_m_of(kV) / 64], k_blocks, out);
  }
}

template <int V = 0>
void allow_smem() {
  if constexpr (V < static_cast<int>(Variant::kCount)) {
    CHECK(cudaFuncSetAttribute(mma_roof<static_cast<Variant>(V)>,
                               cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemBytes));
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
                 "mma_promote_3wg, mma_promote_bm128, mma_ahead_bm128\n");
    return 2;
  }
  const int tiles_n = static_cast<int>((n + kBlockN - 1) / kBlockN);
  int tiles[5] = {};  // by block_m / 64
  for (int bm = 128; bm <= 256; bm += 64) tiles[bm / 64] = static_cast<int>((m + bm - 1) / bm) * tiles_n;
  const int k_blocks = static_cast<int>(k / kBlockK);
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
  CHECK(cudaMalloc(&out, sms * 384 * sizeof(float)));
  CHECK(cudaMalloc(&flush, flush_bytes));
  allow_smem();
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  std::vector<float> times[kVariants];
  for (int i = 0; i < 3 + samples; ++i) {
    for (int v = 0; v < kVariants; ++v) {
      if (!run[v]) continue;
      CHECK(cudaMemsetAsync(flush, i & 0xFF, flush_bytes));
      CHECK(cudaEventRecord(start));
      launch(v, sms, src, tiles, k_blocks, out);
      CHECK(cudaGetLastError());
      CHECK(cudaEventRecord(stop));
      CHECK(cudaEventSynchronize(stop));
      float ms = 0.0f;
      CHECK(cudaEventElapsedTime(&ms, start, stop));
      if (i >= 3) times[v].push_back(ms * 1000.0f);
    }
  }
  const double flops = 2.0 * m * n * k;
  for (int v = 0; v < kVariants; ++v) {
    if (!run[v]) continue;
    const Stats s = stats_of(times[v]);
    std::printf("{\"variant\": \"%s\", \"m\": %ld, \"n\": %ld, \"k\": %ld, \"tiles\": %d, \"ctas\": %d, "
                "\"samples\": %d, \"median_us\": %.2f, \"p10_us\": %.2f, \"p90_us\": %.2f, \"tflops\": %.1f}\n",
                kVariantNames[v], m, n, k, tiles[block_m_of(static_cast<Variant>(v)) / 64], sms, samples, s.median_us, s.p10_us, s.p90_us,
                flops / (s.median_us * 1e-6) / 1e12);
  }
  return 0;
}
