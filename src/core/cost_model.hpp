#pragma once
/// An analytic time model of one sm90_fp8_gemm_1d2d launch, used to rank candidate configs before
/// (or instead of) timing them. It only has to order configs sensibly, not to predict to the µs.
///
/// The model, per launch (src/core/README.md "Cost model"):
///   tiles     = ceil(M/bm) * ceil(N/bn) * split_k, processed by a persistent grid of num_sms CTAs
///               in waves = ceil(tiles/num_sms); the last wave runs `tiles - (waves-1)*num_sms` CTAs.
///   per tile  = max(MMA, L2->SM load, HBM share), each at the rate one SM gets while `a` CTAs run:
///               MMA      2*bm*bn*K_split at fp8_tflops/sm_count, derated for one math warpgroup
///                        (bm = 64) and for shared-memory bandwidth when bn < 64;
///               L2->SM   (bm + bn)*K_split bytes (the multicast operand halved) at
///                        min(l2_gbps/a, in-flight bytes of the stage ring / memory latency);
///               HBM      this tile's share of the launch's HBM bytes at hbm_gbps/a.
///               plus a per-tile overhead the tensor cores cannot hide: a fixed part, the bf16
///               tile written to shared memory (bm*bn*2 bytes at the SM's store rate) and,
///               for multicast, a per-K-block cluster pacing cost.
///   total     = launch + one pipeline fill (memory latency) + sum over waves of the per-tile time
///               + a split-K fix-up.
///   HBM bytes = A + B + D + scales, where an operand larger than half of L2 is re-read once per
///               raster group of the other operand (raster N re-reads B per group of m-blocks,
///               raster M re-reads A per group of n-blocks; a wave spanning more blocks than the
///               group reuses them in the same pass), plus split-K partials 8*M*N*split_k
///               (none where the splits sum in a cluster, KernelConfig::split_k_in_cluster).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/gemm_shape.hpp"
#include "core/kernel_config.hpp"
#include "core/problem.hpp"

namespace gemmtune {

/// The device as the cost model sees it. Defaults describe an H200 SXM (report/roofs.hpp).
struct DeviceModel {
  int sm_count = 132;
  /// NOTE: 4297 GB/s is a device-to-device copy (DEVICE.md); a GEMM streaming one operand reached
  /// at most ~2.9 TB/s in ANCHORS.md, so the model uses an effective 3300 GB/s.
  double hbm_gbps = 3300.0;
  /// NOTE: DeepGEMM reached 1416-1460 TFLOPS at 4096x7168x16384 (ANCHORS.md, kernel and call).
  double fp8_tflops = 1450.0;
  /// Aggregate L2->SM bandwidth. Assumption (not measured here): ~10 TB/s on H100-class parts.
  double l2_gbps = 10000.0;
  /// L2 capacity the operands may occupy: 60 MiB reported, some of it taken by D and scales.
  int64_t l2_bytes = int64_t{50} << 20;
  /// Loaded latency of a TMA load, which bounds one SM's bandwidth to its in-flight stage bytes.
  /// Assumption: 2 µs makes ~2/3 of the SMs necessary to saturate HBM with a typical ring, which
  /// is why small-M shapes profit from split-K (cuBLASLt's best picks, ANCHORS.md).
  double mem_latency_us = 2.0;
  /// Fixed cost of one launch as the timing protocol sees it.
  double launch_us = 2.0;
  /// Extra cost of the deterministic split-K reduction (partials written and fenced, arrival
  /// counters, the last CTA's sum). NOTE: 2.5, not 1.0 (PERF_LOG history): at 512 x 576 x 7168
  /// bm128_bn48_s8 sk2 measured 16.9 us against 14.8 for bm64_bn48_s12 sk1, the same 96 CTAs,
  /// where the model put sk2 1.3 us ahead; with 1.0 the budget screened no unsplit bm64 tile
  /// there. At 2.5 every dsv3 pick of 2258/2305 is still screened (the split-K winners of
  /// M <= 256 at K 7168 included).
  double split_k_fixup_us = 2.5;
  /// The same for split-K summed in a cluster (KernelConfig::split_k_in_cluster): one partial
  /// over distributed shared memory, no L2 round trips. NOTE: predicted, not yet fitted
  /// (results/PERF_LOG.md history).
  double split_k_cluster_fixup_us = 0.5;
  /// Per-tile time the tensor cores of a CTA stand idle: the math warpgroups write the epilogue,
  /// and the next tile's first stages wait out the load latency the shallow ring of a large tile
  /// cannot hide. NOTE: fitted on the exhaustive dsv3-quick sweep (results/PERF_LOG.md): K = 512
  /// tiles took 1.7-2.1 µs longer than their MMA time for every tile shape.
  double tile_overhead_us = 1.0;
  /// Per 128-wide K block cost of a multicast cluster: a stage is refilled only when both CTAs
  /// have released it, so the slower one paces both. NOTE: fitted like tile_overhead_us (0.01
  /// changed nothing, 0.04 made the default budget's picks worse).
  double multicast_us_per_k_block = 0.02;
  /// Shared-memory write rate of one SM for the bf16 epilogue tile (128 B/clk at ~1.75 GHz).
  double epilogue_smem_gbps = 220.0;
};

/// The parts of one prediction, for ranking and for explaining a ranking.
struct CostBreakdown {
  int64_t tiles = 0;              ///< output tiles times split_k
  int64_t waves = 0;              ///< ceil(tiles / num_sms)
  double last_wave_util = 0.0;    ///< CTAs of the last wave / num_sms
  double wave_util = 0.0;         ///< tiles / (waves * num_sms)
  double mma_us_per_tile = 0.0;   ///< tensor-core time of one tile (grouped: the average tile)
  double hbm_bytes = 0.0;         ///< modelled HBM traffic of the launch
  double total_us = 0.0;          ///< the prediction
};

/// Predicts the launch of `config` on `shape`, with its parts.
[[nodiscard]] CostBreakdown predict_cost(const GemmShape& shape, const KernelConfig& config,
                                         const DeviceModel& device = {});

/// Predicts the launch of `config` on `problem`. Dense problems: predict_cost(problem.shape()).
/// Grouped problems (kernels/README.md "Grouped GEMMs"): a tile never mixes two groups' rows, so
/// the m-blocks are counted per group (each group's last one a whole tile; with multicast B the
/// total rounded up to even) and every group with rows reads its own weights: a config whose
/// block_m wastes rows of many small groups is charged for them.
[[nodiscard]] CostBreakdown predict_cost(const Problem& problem, const KernelConfig& config,
                                         const DeviceModel& device = {});

/// The m-blocks `config` computes for `problem` (per group for grouped problems, at least 1).
[[nodiscard]] int64_t computed_m_blocks(const Problem& problem, const KernelConfig& config);

/// Multicast B on a grouped problem: the fraction of CTA pairs whose two m-blocks lie in one
/// group and so share B (the others load B per CTA); 1 for dense problems and other configs.
[[nodiscard]] double multicast_b_shared_pairs(const Problem& problem, const KernelConfig& config);

/// The MMA work of those m-blocks in whole tiles. Grouped problems with two math warpgroups: a
/// group's last m-block whose rows all fit in the first warpgroup's half runs that warpgroup alone
/// (the kernel's skips_idle_warpgroup), charged 0.5 / 0.8 of a tile.
[[nodiscard]] double computed_mma_blocks(const Problem& problem, const KernelConfig& config);

/// Predicted runtime in microseconds of `config` on `shape`.
[[nodiscard]] double predict_us(const GemmShape& shape, const KernelConfig& config,
                                const DeviceModel& device = {});

/// One config's place in a ranking.
struct RankedConfig {
  std::size_t index = 0;   ///< position in the input span
  CostBreakdown cost;
};

/// Orders `configs` by predicted runtime, fastest first; ties keep their input order.
[[nodiscard]] std::vector<RankedConfig> rank_configs(const GemmShape& shape,
                                                     std::span<const KernelConfig> configs,
                                                     const DeviceModel& device = {});
/// The same for a problem (grouped problems by predict_cost(const Problem&)).
[[nodiscard]] std::vector<RankedConfig> rank_configs(const Problem& problem,
                                                     std::span<const KernelConfig> configs,
                                                     const DeviceModel& device = {});

}  // namespace gemmtune
