// The tensor cores' roof under the call protocol: how fast can an H100/H200 do the MMAs of a
// GEMM of M x N x K, with nothing else in the kernel? Issue 10's peak goal (4096 x 7168 x 16384
// at >= 1550 TFLOPS) and its cuBLASLt bound (goal_bounds.py, at the card's measured roof) ask
// whether the 700 W cap leaves that much room. This kernel does exactly the GEMM's wgmma work
// (bm256 x bn128 tiles, two math warpgroups of two 64-row slices, K blocks of 128, 132
// persistent CTAs walking the same 896 tiles), on random e4m3 operands held in shared memory, so
// it reads no HBM, waits for no TMA and no barrier. Anything a real block-scaled GEMM adds (loads,
// scales, promotion, epilogue) can only cost time and energy on top of it.
//
// The variants and what each does: scripts/lab/mma_roof_probe_variants.cuh; the ring kernels:
// scripts/lab/mma_roof_probe_rings.cuh; what they share: scripts/mma_roof_probe_common.cuh.
//
// Protocol: 512 MiB memset before every sample (the L2 flush of TimingOptions), CUDA events
// around the kernel only, 3 warm-ups, SAMPLES samples, median.
//   usage: bash scripts/lab/build_mma_roof_probe.sh /tmp/mma_roof_probe &&
//          /tmp/mma_roof_probe [M N K [SAMPLES [VARIANT [DATA]]]]
//   VARIANT: mma, mma_promote or both (default; interleaved). scripts/lab/device_power_probe.sh runs
//   each alone as a phase (GEMMTUNE_MMA_ROOF=1), beside gemmtune and DeepGEMM.
//   DATA: the operands' e4m3 codes, uniform (default) or normal (see OperandData).
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

#include "mma_roof_probe_common.cuh"
#include "mma_roof_probe_rings.cuh"
#include "mma_roof_probe_variants.cuh"

namespace mma_roof_probe {

/// The operands' e4m3 codes. Why a choice: the tensor cores' toggling bits move the clock, and
/// the GEMM's benchmark draws normal inputs (src/core/input_distribution.hpp) while this probe
/// drew uniform ones until 2026-11-28. Measured then (PERF_LOG session 52): normal codes raise
/// the probe's clock by only 20-45 MHz; the ~300 MHz between its ~1650 MHz and the GEMM's ~1950
/// was the GEMM's clock read after its kernel instead of inside it.
///   uniform: 448 * U(-1, 1), every code of the range alike;
///   normal:  N(0, 1) quantized as the GEMM's activations are (support_inputs.cuh): each run of
///            128 bytes (one row's K block in a 128B-swizzled stage) scaled by 448 / its amax.
enum class OperandData { kUniform, kNormal };

/// `count` e4m3 codes of `data`'s distribution (count a multiple of 128).
inline void fill_operand_codes(OperandData data, std::mt19937& rng, unsigned char* codes, long count) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::normal_distribution<float> z(0.0f, 1.0f);
  float group[128];
  for (long at = 0; at < count; at += 128) {
    float amax = 1e-4f;
    for (float& x : group) {
      x = data == OperandData::kNormal ? z(rng) : 448.0f * u(rng);
      amax = std::max(amax, std::fabs(x));
    }
    const float scale = data == OperandData::kNormal ? 448.0f / amax : 1.0f;
    for (int i = 0; i < 128; ++i) codes[at + i] = __nv_fp8_e4m3(group[i] * scale).__x;
  }
}

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

}  // namespace mma_roof_probe

using namespace mma_roof_probe;

int main(int argc, char** argv) {
  const long m = argc > 3 ? std::atol(argv[1]) : 4096, n = argc > 3 ? std::atol(argv[2]) : 7168,
             k = argc > 3 ? std::atol(argv[3]) : 16384;
  const int samples = argc > 4 ? std::atoi(argv[4]) : 30;
  constexpr int kVariants = static_cast<int>(Variant::kCount);
  // VARIANT: one name, a comma-separated list, or "both" (mma and mma_promote), "all".
  const std::string variant = argc > 5 ? argv[5] : "both";
  const std::string data_name = argc > 6 ? argv[6] : "uniform";
  if (data_name != "uniform" && data_name != "normal") {
    std::fprintf(stderr, "mma_roof_probe: DATA must be uniform or normal, not '%s'\n", data_name.c_str());
    return 2;
  }
  const OperandData data = data_name == "normal" ? OperandData::kNormal : OperandData::kUniform;
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
  // Operands: e4m3 codes of `data` (OperandData); scales: exp(U(-4, 4)). The bits matter at the
  // 700 W cap (PERF_LOG session 9).
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<unsigned char> host(kSmemBytes);
  fill_operand_codes(data, rng, host.data(), kScaleOffset);
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
  fill_operand_codes(data, rng, stream_host.data(), kStreamBytes);
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
                "\"sm_mhz\": %.0f, \"data\": \"%s\"}\n",
                kVariantNames[v], m, n, k, tiles[v], sms, samples, s.median_us, s.p10_us, s.p90_us,
                flops / (s.median_us * 1e-6) / 1e12, stats_of(mhz[v]).median_us, data_name.c_str());
  }
  return 0;
}
