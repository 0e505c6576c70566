// The analytic cost model of cost_model.hpp: waves of a persistent grid, each tile bounded by its
// tensor-core time, its L2->SM loads and its share of HBM traffic.
#include "core/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace gemmtune {
namespace {

[[nodiscard]] int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Fraction of the per-SM FP8 tensor rate a tile shape can reach.
[[nodiscard]] double mma_efficiency(const KernelConfig& c) {
  // Assumption: with one math warpgroup (block_m 64) the FP32 promotion of each 128-wide K block
  // cannot hide behind the other warpgroup's WGMMA, as it can with two.
  // NOTE: three (block_m 192) reach the rate of two: on dsv3-quick's five M = 4096 rows bm192
  // and bm256 of the same block_n took the times their wave counts predict, within 2.5%
  // (results/PERF_LOG.md history), so bm192 wins only where its tiles fill waves better.
  const double warpgroup_eff = c.math_warpgroups() == 1 ? 0.8 : 1.0;
  // NOTE: a shared-memory-sourced m64nNk32 e4m3 WGMMA does 4096*N FLOPs and reads 2048 + 32*N
  // bytes; at 8192 dense FP8 FLOP/clk/SM (1979 TFLOPS / 132 SMs / 1.83 GHz) and 128 B/clk of
  // shared memory it is bandwidth-bound below N = 64, reaching 2N/(N+64) of peak.
  const double smem_eff = std::min(1.0, 2.0 * c.block_n / (c.block_n + 64.0));
  // NOTE: an unrolled K loop (a member compiled for its K) measured 1.4-2.7% faster at
  // bm256_bn128 and 2-2.4% with K = 512 (results/PERF_LOG.md history).
  const double unroll_eff = c.mainloop_unroll() > 1 ? 1.02 : 1.0;
  return warpgroup_eff * smem_eff * unroll_eff;
}

/// How many times an operand of `bytes` is read from HBM when it is swept once per group of
/// `group_blocks` of the other operand's `other_blocks` blocks.
[[nodiscard]] int64_t operand_reads(double bytes, int64_t other_blocks, int64_t group_blocks,
                                    const DeviceModel& d) {
  if (bytes <= 0.5 * static_cast<double>(d.l2_bytes)) return 1;  // stays in L2 across sweeps
  return ceil_div(other_blocks, std::max<int64_t>(1, group_blocks));
}

/// `m_blocks`: the m-blocks the launch computes (grouped: counted per group). Grouped launches
/// read `s.weights` weight matrices, each swept by its own group's m-blocks only.
[[nodiscard]] double launch_hbm_bytes(const GemmShape& s, const KernelConfig& c, int64_t m_blocks,
                                      int64_t ctas_per_wave, const DeviceModel& d) {
  const int64_t n_blocks = ceil_div(s.n, c.block_n);
  const int64_t k_blocks = ceil_div(s.k, KernelConfig::kBlockK);
  const int64_t weights = std::max<int64_t>(1, s.weights);
  const double a_bytes = static_cast<double>(s.m * s.k + 4 * k_blocks * s.m);
  const double b_bytes = static_cast<double>(s.n * s.k + 4 * ceil_div(s.n, 128) * k_blocks);
  const int64_t m_blocks_per_weight = ceil_div(m_blocks, weights);
  // Output tiles in flight at once: split-K siblings of one tile are scheduled together.
  const int64_t tiles_in_flight = ceil_div(ctas_per_wave, c.split_k);
  double a_reads = 1.0;
  double b_reads = 1.0;
  if (c.raster == Raster::kN) {
    // Walks N inside a group of `group` m-blocks: A stays in L2, B is swept once per group.
    const int64_t live_m_blocks = std::min(
        m_blocks_per_weight, std::max<int64_t>(c.group, ceil_div(tiles_in_flight, n_blocks)));
    b_reads = static_cast<double>(operand_reads(b_bytes, m_blocks_per_weight, live_m_blocks, d));
  } else {
    const int64_t live_n_blocks =
        std::min(n_blocks, std::max<int64_t>(c.group, ceil_div(tiles_in_flight, m_blocks)));
    a_reads = static_cast<double>(operand_reads(a_bytes, n_blocks, live_n_blocks, d));
  }
  const double d_bytes = 2.0 * static_cast<double>(s.m * s.n);
  // Split-K partials through the workspace (written, then read back); none in a cluster.
  const double partial_bytes = c.split_k > 1 && !c.split_k_in_cluster()
                                   ? 8.0 * static_cast<double>(s.m * s.n) * c.split_k
                                   : 0.0;
  return a_reads * a_bytes + static_cast<double>(weights) * b_reads * b_bytes + d_bytes +
         partial_bytes;
}

/// The fixed cost of summing a tile's K splits: through the workspace or inside a cluster.
[[nodiscard]] double split_k_fixed_us(const KernelConfig& c, const DeviceModel& d) {
  if (c.split_k <= 1) return 0.0;
  return c.split_k_in_cluster() ? d.split_k_cluster_fixup_us : d.split_k_fixup_us;
}

/// predict_cost of `s` when the launch computes `m_blocks` m-blocks, whose MMAs cost
/// `mma_blocks` whole tiles' (computed_mma_blocks), and with multicast B a fraction
/// `b_shared_pairs` of the CTA pairs shares B (multicast_b_shared_pairs).
[[nodiscard]] CostBreakdown predict(const GemmShape& s, const KernelConfig& c, const DeviceModel& d,
                                    int64_t m_blocks, double mma_blocks,
                                    double b_shared_pairs = 1.0) {
  GT_CHECK(s.m > 0 && s.n > 0 && s.k > 0, kExitUsage, "GEMM dimensions must be positive");
  GT_CHECK(c.block_m > 0 && c.block_n > 0 && c.stages > 0 && c.num_sms > 0 && c.split_k > 0 &&
               c.group > 0,
           kExitUsage, "config fields must be positive");
  CostBreakdown out;
  const int64_t k_blocks = ceil_div(s.k, KernelConfig::kBlockK);
  const int64_t k_blocks_per_split = ceil_div(k_blocks, c.split_k);
  const double k_split = static_cast<double>(std::min(s.k, k_blocks_per_split * 128));
  out.tiles = m_blocks * ceil_div(s.n, c.block_n) * c.split_k;
  out.waves = ceil_div(out.tiles, c.num_sms);
  const int64_t full_wave_ctas = std::min<int64_t>(c.num_sms, out.tiles);
  const int64_t last_wave_ctas = out.tiles - (out.waves - 1) * c.num_sms;
  out.last_wave_util = static_cast<double>(last_wave_ctas) / c.num_sms;
  out.wave_util = static_cast<double>(out.tiles) / static_cast<double>(out.waves * c.num_sms);

  const double sm_flops_per_s = d.fp8_tflops * 1e12 / d.sm_count * mma_efficiency(c);
  out.mma_us_per_tile = 2.0 * c.block_m * c.block_n * k_split / sm_flops_per_s * 1e6 *
                        (mma_blocks / static_cast<double>(m_blocks));

  const double a_rows = c.multicast == Multicast::kA ? 0.5 * c.block_m : c.block_m;
  const double b_rows =
      c.multicast == Multicast::kB ? (1.0 - 0.5 * b_shared_pairs) * c.block_n : c.block_n;
  const double tile_load_bytes =
      (a_rows + b_rows) * k_split + 4.0 * (c.block_m + 2) * static_cast<double>(k_blocks_per_split);
  const double ring_bytes = static_cast<double>(c.stages) * (c.block_m + c.block_n) * 128.0;
  const double ring_gbps = ring_bytes / (d.mem_latency_us * 1e-6) / 1e9;

  out.hbm_bytes = launch_hbm_bytes(s, c, m_blocks, full_wave_ctas, d);
  const double tile_hbm_bytes = out.hbm_bytes / static_cast<double>(out.tiles);

  const double epilogue_bytes = 2.0 * c.block_m * c.block_n;
  const double overhead_us =
      d.tile_overhead_us + epilogue_bytes / d.epilogue_smem_gbps * 1e-3 +
      (c.multicast != Multicast::kNone ? d.multicast_us_per_k_block * static_cast<double>(k_blocks_per_split) : 0.0);
  // Bytes / (GB/s) = ns; * 1e-3 = µs.
  const auto tile_us = [&](int64_t active_ctas) {
    const double a = static_cast<double>(active_ctas);
    const double load_gbps = std::min(d.l2_gbps / a, ring_gbps);
    const double load_us = tile_load_bytes / load_gbps * 1e-3;
    const double hbm_us = tile_hbm_bytes * a / d.hbm_gbps * 1e-3;
    return std::max({out.mma_us_per_tile, load_us, hbm_us}) + overhead_us;
  };
  out.total_us = d.launch_us + d.mem_latency_us +
                 static_cast<double>(out.waves - 1) * tile_us(full_wave_ctas) +
                 tile_us(last_wave_ctas) + split_k_fixed_us(c, d);
  return out;
}

/// One group's m-blocks: its rows in whole tiles (a tile never mixes groups).
int64_t group_blocks(int64_t rows, int block_m) {
  return ceil_div(std::max<int64_t>(0, rows), block_m);
}

/// A grouped problem's m-blocks, every group's in turn.
int64_t group_m_blocks(const Problem& p, int block_m) {
  int64_t blocks = 0;
  for (const int64_t rows : p.group_m) blocks += group_blocks(rows, block_m);
  return blocks;
}

}  // namespace

CostBreakdown predict_cost(const GemmShape& s, const KernelConfig& c, const DeviceModel& d) {
  GT_CHECK(c.block_m > 0, kExitUsage, "config fields must be positive");
  const int64_t m_blocks = ceil_div(s.m, c.block_m);
  return predict(s, c, d, m_blocks, static_cast<double>(m_blocks));
}

int64_t computed_m_blocks(const Problem& p, const KernelConfig& c) {
  GT_CHECK(c.block_m > 0, kExitUsage, "config fields must be positive");
  if (p.layout == GroupLayout::kNone) return std::max<int64_t>(1, ceil_div(p.m, c.block_m));
  const int64_t blocks = group_m_blocks(p, c.block_m);
  // NOTE: multicast B pairs the m-blocks of all groups in turn; an odd count's last one runs
  // beside a mirror CTA (kernels/sm90_fp8_gemm_1d2d_schedule.cuh), which costs a tile.
  return std::max<int64_t>(1, c.multicast == Multicast::kB ? blocks + blocks % 2 : blocks);
}

double multicast_b_shared_pairs(const Problem& p, const KernelConfig& c) {
  if (p.layout == GroupLayout::kNone || c.multicast != Multicast::kB) return 1.0;
  // The kernel pairs m-blocks (2i, 2i + 1) of all groups in turn; a pair lies in two groups
  // exactly where a group with rows starts at an odd m-block (TileTask::b_shared).
  int64_t first_block = 0, split_pairs = 0;
  for (const int64_t rows : p.group_m) {
    const int64_t blocks = group_blocks(rows, c.block_m);
    if (blocks > 0 && first_block % 2 == 1) ++split_pairs;
    first_block += blocks;
  }
  const int64_t pairs = ceil_div(first_block, 2);
  return pairs == 0 ? 1.0 : 1.0 - static_cast<double>(split_pairs) / static_cast<double>(pairs);
}

double computed_mma_blocks(const Problem& p, const KernelConfig& c) {
  const int64_t m_blocks = computed_m_blocks(p, c);
  if (p.layout == GroupLayout::kNone || c.math_warpgroups() == 1) {
    return static_cast<double>(m_blocks);
  }
  // Assumption: the first warpgroup alone runs half a tile's MMAs at one warpgroup's efficiency
  // (its promotion no longer hides behind the other's MMAs, as for block_m 64: mma_efficiency).
  constexpr double kAloneTile = 0.5 / 0.8;
  double blocks = static_cast<double>(m_blocks);
  // The mirror of an odd count (computed_m_blocks) computes the last group's last m-block again.
  const bool mirrored = c.multicast == Multicast::kB && group_m_blocks(p, c.block_m) % 2 == 1;
  bool last_alone = false;
  for (const int64_t rows : p.group_m) {
    if (rows <= 0) continue;
    const int64_t last_rows = rows % c.block_m;
    last_alone = last_rows != 0 && last_rows <= c.block_m / 2;
    if (last_alone) blocks -= 1.0 - kAloneTile;
  }
  if (mirrored && last_alone) blocks -= 1.0 - kAloneTile;
  return blocks;
}

CostBreakdown predict_cost(const Problem& p, const KernelConfig& c, const DeviceModel& d) {
  GemmShape shape = p.shape();
  shape.m = std::max<int64_t>(1, shape.m);  // NOTE: all groups empty still costs a launch
  return predict(shape, c, d, computed_m_blocks(p, c), computed_mma_blocks(p, c),
                 multicast_b_shared_pairs(p, c));
}

double predict_us(const GemmShape& shape, const KernelConfig& config, const DeviceModel& device) {
  return predict_cost(shape, config, device).total_us;
}

std::vector<RankedConfig> rank_configs(const GemmShape& shape,
                                       std::span<const KernelConfig> configs,
                                       const DeviceModel& device) {
  return rank_configs(Problem{.m = shape.m, .n = shape.n, .k = shape.k}, configs, device);
}

std::vector<RankedConfig> rank_configs(const Problem& problem,
                                       std::span<const KernelConfig> configs,
                                       const DeviceModel& device) {
  std::vector<RankedConfig> ranked;
  ranked.reserve(configs.size());
  for (std::size_t i = 0; i < configs.size(); ++i) {
    ranked.push_back({.index = i, .cost = predict_cost(problem, configs[i], device)});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const RankedConfig& a, const RankedConfig& b) {
    return a.cost.total_us < b.cost.total_us;
  });
  return ranked;
}

}  // namespace gemmtune
