// How fast can a grouped GEMM's weight loads alone read HBM? The loads of gemmtune's contiguous
// grouped kernel with nothing else: each CTA walks tiles (group, n-block, m-block) of a grouped
// problem in the kernel's order (the m-blocks of one n-block next to each other, so both readers
// of a weight slice run at once) and TMA-loads per 128-wide K block the tile's B box (block_n
// rows x 128 bytes) and, optionally, its A box (128 rows x 128 bytes) into a ring of S stages,
// waiting only for the stage's previous load to land: no MMAs, no scales, no epilogue. Its time
// is the floor of that access pattern at that ring depth, beside the stream floor (sequential
// 16 KB reads) and the GEMM's time. MULTICAST_B 1: clusters of two CTAs on the two m-blocks of an
// n-block, rank 0 loading B for both (multicast), each its own A, a stage reissued once both
// CTAs' loads into it landed (an empty barrier on rank 0, as the GEMM releases stages).
//
// Protocol: 512 MiB memset before every sample (the GEMM's L2 flush), CUDA events around the
// kernel only, 2 warm-ups, 10 samples, median.
//   usage: nvcc -std=c++17 -O3 -gencode arch=compute_90a,code=sm_90a -I kernels \
//            -o /tmp/weight_read_probe scripts/lab/weight_read_probe.cu -lcuda
//          /tmp/weight_read_probe G N K ROWS_A_GROUP BLOCK_N CTAS STAGES WITH_A EVICT_FIRST PROMO \
//            [MULTICAST_B [SPREAD]]
//   PROMO: the tensor maps' L2 promotion, 0 (none), 64, 128 or 256 bytes (the GEMM's: 256).
//   Prints one JSON line: µs (median, p10, p90), the bytes a single read of B (and A) takes, and
//   the rate that makes.
#include <cuda.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sm90_ptx.cuh"

using namespace gemmtune_ptx;

struct ProbeParams {
  int groups, n, k_blocks, m_blocks_per_group, block_n, stages, with_a, evict_first, rows_a_group;
  int multicast_b;
  int spread;  // 1: the two units of a pair (2j, 2j + 1) go to CTAs j and ctas / 2 + j
};

/// Unit `unit`'s first B row (its group's weights, its n-block) and first A row (its m-block).
struct UnitRows {
  int b_row0, a_row0;
};
__device__ UnitRows unit_rows(const ProbeParams& p, int n_blocks, int unit) {
  const int mb = unit % p.m_blocks_per_group;
  const int nb = (unit / p.m_blocks_per_group) % n_blocks;
  const int g = unit / (p.m_blocks_per_group * n_blocks);
  return {g * p.n + nb * p.block_n, g * p.rows_a_group + mb * 128};
}

/// The CTA's A box of K block `kb` into the stage at `dst` (after its B box), where loaded.
__device__ void load_a(const ProbeParams& p, const CUtensorMap& map_a, unsigned char* dst,
                       u64* full, int kb, int a_row0) {
  if (p.with_a) {
    tma_load_2d(dst + p.block_n * 128, reinterpret_cast<const TmaDescriptor*>(&map_a), full,
                kb * 128, a_row0);
  }
}

/// Waits until the last `stages` of `it` uses of the ring landed, then adds `bytes` to `landed`.
__device__ void drain(const ProbeParams& p, u64* full, int it, unsigned long long bytes,
                      unsigned long long* landed) {
  for (int use = it > p.stages ? it - p.stages : 0; use < it; ++use) {
    mbarrier_wait(&full[use % p.stages], (use / p.stages) & 1);
  }
  atomicAdd(landed, bytes);
}

/// MULTICAST_B: the CTA of rank r of cluster c takes unit 2 * pair + r of each pair c, c +
/// clusters, ... (m_blocks_per_group even, so both units of a pair share the group and n-block).
/// full[s]: this CTA's loads into stage s landed; empty[s] (rank 0's): both CTAs saw theirs land.
__device__ void multicast_reads(const CUtensorMap& map_b, const CUtensorMap& map_a,
                                const ProbeParams& p, unsigned long long* landed,
                                unsigned char* ring, int stage_bytes, u64* full) {
  u64* empty = full + p.stages;
  const u32 rank = cluster_cta_rank();
  const u64 policy = l2_evict_first_policy();
  const int n_blocks = (p.n + p.block_n - 1) / p.block_n;
  const int pairs = p.groups * n_blocks * p.m_blocks_per_group / 2;
  const int clusters = gridDim.x / 2;
  unsigned long long bytes = 0;
  int it = 0;
  for (int pair = blockIdx.x / 2; pair < pairs; pair += clusters) {
    const UnitRows rows = unit_rows(p, n_blocks, 2 * pair + static_cast<int>(rank));
    for (int kb = 0; kb < p.k_blocks; ++kb, ++it) {
      const int stage = it % p.stages;
      if (it >= p.stages) {
        mbarrier_wait(&full[stage], ((it / p.stages) - 1) & 1);
        mbarrier_arrive_cluster(&empty[stage], 0);
        if (rank == 0) mbarrier_wait(&empty[stage], ((it / p.stages) - 1) & 1);
      }
      unsigned char* dst = ring + stage * stage_bytes;
      mbarrier_arrive_expect_tx(&full[stage], stage_bytes);
      if (rank == 0) {
        if (p.evict_first) {
          tma_load_2d_multicast_hint(dst, reinterpret_cast<const TmaDescriptor*>(&map_b),
                                     &full[stage], kb * 128, rows.b_row0, 0x3, policy);
        } else {
          tma_load_2d_multicast(dst, reinterpret_cast<const TmaDescriptor*>(&map_b), &full[stage],
                                kb * 128, rows.b_row0, 0x3);
        }
      }
      load_a(p, map_a, dst, &full[stage], kb, rows.a_row0);
      bytes += stage_bytes;
    }
  }
  drain(p, full, it, bytes, landed);
}

/// One warp a CTA; lane 0 issues every load. Units: ((g * n_blocks + nb) * m_blocks_per_group +
/// mb), dealt round-robin to the CTAs as the GEMM's schedule deals its units.
__global__ void __launch_bounds__(32) weight_reads(const __grid_constant__ CUtensorMap map_b,
                                                   const __grid_constant__ CUtensorMap map_a,
                                                   ProbeParams p, unsigned long long* landed) {
  extern __shared__ __align__(1024) unsigned char ring[];
  const int stage_bytes = (p.block_n + (p.with_a ? 128 : 0)) * 128;
  u64* full = reinterpret_cast<u64*>(ring + p.stages * stage_bytes);
  if (p.multicast_b) {  // every thread reaches the cluster barriers; lane 0 loads
    if (threadIdx.x == 0) {
      for (int s = 0; s < p.stages; ++s) {
        mbarrier_init(&full[s], 1);
        mbarrier_init(&full[p.stages + s], 2);  // empty[s]
      }
      fence_barrier_init();
    }
    cluster_sync();
    if (threadIdx.x == 0) multicast_reads(map_b, map_a, p, landed, ring, stage_bytes, full);
    __syncwarp();
    cluster_sync();  // the peer may still multicast into this CTA's ring
    return;
  }
  if (threadIdx.x != 0) return;
  for (int s = 0; s < p.stages; ++s) mbarrier_init(&full[s], 1);
  fence_barrier_init();
  const u64 policy = l2_evict_first_policy();
  const int n_blocks = (p.n + p.block_n - 1) / p.block_n;
  const int units = p.groups * n_blocks * p.m_blocks_per_group;
  unsigned long long bytes = 0;
  int it = 0;
  // SPREAD: CTA c takes position q = 2c (c < ctas / 2) or 2(c - ctas / 2) + 1 of each wave, so
  // the two readers of a weight slice run on CTAs ctas / 2 apart, not on neighbouring CTAs.
  const int half = gridDim.x / 2;
  const int q = !p.spread ? static_cast<int>(blockIdx.x)
                          : (static_cast<int>(blockIdx.x) < half ? 2 * blockIdx.x
                                                                 : 2 * (blockIdx.x - half) + 1);
  for (int unit = q; unit < units; unit += gridDim.x) {
    const UnitRows rows = unit_rows(p, n_blocks, unit);
    for (int kb = 0; kb < p.k_blocks; ++kb, ++it) {
      const int stage = it % p.stages;
      if (it >= p.stages) mbarrier_wait(&full[stage], ((it / p.stages) - 1) & 1);
      unsigned char* dst = ring + stage * stage_bytes;
      const u32 tx = stage_bytes;
      mbarrier_arrive_expect_tx(&full[stage], tx);
      if (p.evict_first) {
        tma_load_2d_hint(dst, reinterpret_cast<const TmaDescriptor*>(&map_b), &full[stage],
                         kb * 128, rows.b_row0, policy);
      } else {
        tma_load_2d(dst, reinterpret_cast<const TmaDescriptor*>(&map_b), &full[stage], kb * 128,
                    rows.b_row0);
      }
      load_a(p, map_a, dst, &full[stage], kb, rows.a_row0);
      bytes += tx;
    }
  }
  drain(p, full, it, bytes, landed);
}

#define CHECK(x)                                                                    \
  do {                                                                              \
    cudaError_t e_ = (x);                                                           \
    if (e_ != cudaSuccess) {                                                        \
      std::fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e_));                 \
      std::exit(1);                                                                 \
    }                                                                               \
  } while (0)

static CUtensorMap encode(void* base, unsigned long long rows, unsigned long long k, unsigned box_rows,
                          CUtensorMapL2promotion promo) {
  CUtensorMap map;
  const cuuint64_t dims[2] = {k, rows};
  const cuuint64_t strides[1] = {k};
  const cuuint32_t box[2] = {128, box_rows};
  const cuuint32_t elem[2] = {1, 1};
  const CUresult r = cuTensorMapEncodeTiled(&map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, base, dims, strides,
                                            box, elem, CU_TENSOR_MAP_INTERLEAVE_NONE,
                                            CU_TENSOR_MAP_SWIZZLE_128B, promo,
                                            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) {
    std::fprintf(stderr, "cuTensorMapEncodeTiled failed: %d\n", static_cast<int>(r));
    std::exit(1);
  }
  return map;
}

int main(int argc, char** argv) {
  if (argc < 11 || argc > 13) {
    std::fprintf(stderr, "usage: %s G N K ROWS_A_GROUP BLOCK_N CTAS STAGES WITH_A EVICT_FIRST PROMO "
                 "[MULTICAST_B [SPREAD]]\n", argv[0]);
    return 2;
  }
  ProbeParams p{};
  p.groups = std::atoi(argv[1]);
  p.n = std::atoi(argv[2]);
  const int k = std::atoi(argv[3]);
  p.rows_a_group = std::atoi(argv[4]);
  p.block_n = std::atoi(argv[5]);
  const int ctas = std::atoi(argv[6]);
  p.stages = std::atoi(argv[7]);
  p.with_a = std::atoi(argv[8]);
  p.evict_first = std::atoi(argv[9]);
  const int promo_bytes = std::atoi(argv[10]);
  p.multicast_b = argc >= 12 ? std::atoi(argv[11]) : 0;
  p.spread = argc >= 13 ? std::atoi(argv[12]) : 0;
  p.k_blocks = k / 128;
  p.m_blocks_per_group = (p.rows_a_group + 127) / 128;
  const CUtensorMapL2promotion promo = promo_bytes == 256 ? CU_TENSOR_MAP_L2_PROMOTION_L2_256B
                                       : promo_bytes == 128 ? CU_TENSOR_MAP_L2_PROMOTION_L2_128B
                                       : promo_bytes == 64  ? CU_TENSOR_MAP_L2_PROMOTION_L2_64B
                                                            : CU_TENSOR_MAP_L2_PROMOTION_NONE;
  const size_t b_bytes = static_cast<size_t>(p.groups) * p.n * k;
  const size_t a_rows = static_cast<size_t>(p.groups) * p.rows_a_group + 128;
  const size_t a_bytes = a_rows * k;
  unsigned char *b = nullptr, *a = nullptr, *flush = nullptr;
  unsigned long long* landed = nullptr;
  const size_t flush_bytes = 512ull << 20;
  CHECK(cudaMalloc(&b, b_bytes));
  CHECK(cudaMalloc(&a, a_bytes));
  CHECK(cudaMalloc(&flush, flush_bytes));
  CHECK(cudaMalloc(&landed, sizeof(unsigned long long)));
  CHECK(cudaMemset(b, 1, b_bytes));
  CHECK(cudaMemset(a, 1, a_bytes));
  const CUtensorMap map_b = encode(b, static_cast<unsigned long long>(p.groups) * p.n, k, p.block_n, promo);
  const CUtensorMap map_a = encode(a, a_rows, k, 128, promo);
  const int smem = p.stages * (p.block_n + (p.with_a ? 128 : 0)) * 128 + 16 * p.stages;
  CHECK(cudaFuncSetAttribute(weight_reads, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  cudaEvent_t e0, e1;
  CHECK(cudaEventCreate(&e0));
  CHECK(cudaEventCreate(&e1));
  std::vector<float> us;
  for (int i = 0; i < 12; ++i) {
    CHECK(cudaMemset(flush, i, flush_bytes));
    CHECK(cudaMemset(landed, 0, sizeof(unsigned long long)));
    CHECK(cudaEventRecord(e0));
    cudaLaunchConfig_t config{};
    config.gridDim = dim3(ctas);
    config.blockDim = dim3(32);
    config.dynamicSmemBytes = smem;
    cudaLaunchAttribute cluster{};
    cluster.id = cudaLaunchAttributeClusterDimension;
    cluster.val.clusterDim.x = p.multicast_b ? 2 : 1;
    cluster.val.clusterDim.y = 1;
    cluster.val.clusterDim.z = 1;
    config.attrs = &cluster;
    config.numAttrs = 1;
    CHECK(cudaLaunchKernelEx(&config, weight_reads, map_b, map_a, p, landed));
    CHECK(cudaEventRecord(e1));
    CHECK(cudaEventSynchronize(e1));
    CHECK(cudaGetLastError());
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, e0, e1));
    if (i >= 2) us.push_back(ms * 1000.0f);
  }
  unsigned long long got = 0;
  CHECK(cudaMemcpy(&got, landed, sizeof(got), cudaMemcpyDeviceToHost));
  std::sort(us.begin(), us.end());
  const double median = us[us.size() / 2];
  const double one_read = static_cast<double>(b_bytes) +
                          (p.with_a ? static_cast<double>(p.groups) * p.rows_a_group * k : 0.0);
  std::printf("{\"groups\": %d, \"n\": %d, \"k\": %d, \"rows_a_group\": %d, \"block_n\": %d, "
              "\"ctas\": %d, \"stages\": %d, \"with_a\": %d, \"evict_first\": %d, \"promo\": %d, "
              "\"multicast_b\": %d, \"spread\": %d, "
              "\"median_us\": %.2f, \"p10_us\": %.2f, \"p90_us\": %.2f, \"landed_bytes\": %llu, "
              "\"one_read_bytes\": %.0f, \"tbps\": %.3f}\n",
              p.groups, p.n, k, p.rows_a_group, p.block_n, ctas, p.stages, p.with_a, p.evict_first,
              promo_bytes, p.multicast_b, p.spread, median, us[1], us[us.size() - 2], got, one_read, one_read / median / 1e6);
  return 0;
}
