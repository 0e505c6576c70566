// The cost model ranks sensibly on hand-built cases: split-K at small M, full waves, big tiles.
#include <gtest/gtest.h>

#include <vector>

#include "core/cost_model.hpp"
#include "core/error.hpp"

namespace gemmtune {
namespace {

KernelConfig config(int block_m, int block_n, int stages, int split_k = 1, int num_sms = 132) {
  return {.block_m = block_m, .block_n = block_n, .stages = stages, .num_sms = num_sms,
          .split_k = split_k};
}

TEST(CostModel, SplitKWinsAtSmallMWithLongK) {
  const GemmShape shape{.m = 64, .n = 7168, .k = 16384};
  const std::vector<KernelConfig> configs = {config(64, 128, 5, 1), config(64, 128, 5, 2)};
  const CostBreakdown sk1 = predict_cost(shape, configs[0]);
  EXPECT_EQ(sk1.tiles, 56);
  EXPECT_EQ(sk1.waves, 1);
  EXPECT_EQ(predict_cost(shape, configs[1]).tiles, 112);
  const std::vector<RankedConfig> ranked = rank_configs(shape, configs);
  EXPECT_EQ(ranked[0].index, 1u) << "split_k=2 " << ranked[0].cost.total_us << " us vs split_k=1 "
                                 << ranked[1].cost.total_us << " us";
}

// Split-K 2 summed in a cluster costs split_k_cluster_fixup_us and no partial bytes; the same
// tiles with the workspace (here an odd grid) pay split_k_fixup_us and 8 bytes per
// output value and split.
TEST(CostModel, SplitKInAClusterSkipsTheWorkspace) {
  const GemmShape shape{.m = 64, .n = 2112, .k = 7168};
  const KernelConfig in_cluster = config(64, 32, 12, 2);
  const KernelConfig workspace = config(64, 32, 12, 2, 131);  // an odd grid
  ASSERT_TRUE(in_cluster.split_k_in_cluster());
  ASSERT_FALSE(workspace.split_k_in_cluster());
  const DeviceModel d;
  const CostBreakdown a = predict_cost(shape, in_cluster, d);
  const CostBreakdown b = predict_cost(shape, workspace, d);
  EXPECT_NEAR(b.hbm_bytes - a.hbm_bytes, 8.0 * 64 * 2112 * 2, 1.0);
  EXPECT_LT(a.total_us + (d.split_k_fixup_us - d.split_k_cluster_fixup_us) * 0.99, b.total_us);
}

TEST(CostModel, OneFullWaveBeatsTwoHalfEmptyWaves) {
  const GemmShape shape{.m = 1536, .n = 1408, .k = 7168};  // 12 x 11 = 132 tiles of 128 x 128
  const CostBreakdown full = predict_cost(shape, config(128, 128, 5));
  EXPECT_EQ(full.waves, 1);
  EXPECT_DOUBLE_EQ(full.wave_util, 1.0);
  // The same tiles on a 130-CTA grid: 2 waves at 51%.
  const CostBreakdown half = predict_cost(shape, config(128, 128, 5, 1, 130));
  EXPECT_EQ(half.waves, 2);
  EXPECT_NEAR(half.wave_util, 132.0 / 260.0, 1e-12);
  EXPECT_NEAR(half.last_wave_util, 2.0 / 130.0, 1e-12);
  EXPECT_LT(full.total_us, half.total_us);
  // Narrower tiles giving 144 tiles (2 waves at 55%) lose as well.
  EXPECT_LT(full.total_us, predict_us(shape, config(128, 120, 5)));
}

TEST(CostModel, BigTilesWinAtLargeM) {
  const GemmShape shape{.m = 4096, .n = 7168, .k = 7168};
  const std::vector<KernelConfig> configs = {config(64, 64, 8), config(128, 128, 6),
                                             config(128, 256, 4)};
  const std::vector<RankedConfig> ranked = rank_configs(shape, configs);
  EXPECT_EQ(ranked[0].index, 2u);
  EXPECT_EQ(ranked[2].index, 0u);
  // The best prediction is plausible: between the measured block-scaled roof and the datasheet.
  const double tflops = gemm_tflops(shape, ranked[0].cost.total_us);
  EXPECT_GT(tflops, 900.0);
  EXPECT_LT(tflops, 1979.0);
}

TEST(CostModel, MulticastNeverHurtsAndStagesHelpSmallTiles) {
  const GemmShape shape{.m = 4096, .n = 4096, .k = 7168};
  KernelConfig mc = config(128, 128, 4);
  mc.multicast = Multicast::kA;
  EXPECT_LE(predict_us(shape, mc), predict_us(shape, config(128, 128, 4)));
  const GemmShape small{.m = 128, .n = 4096, .k = 7168};
  EXPECT_LT(predict_us(small, config(64, 64, 8)), predict_us(small, config(64, 64, 2)));
}

TEST(CostModel, RasterGroupReducesHbmTrafficWhenBDoesNotFitInL2) {
  const GemmShape shape{.m = 8192, .n = 16384, .k = 7168};  // B: 117 MB, more than L2
  KernelConfig narrow = config(128, 128, 5);
  narrow.group = 1;
  KernelConfig wide = narrow;
  wide.group = 16;
  EXPECT_LT(predict_cost(shape, wide).hbm_bytes, predict_cost(shape, narrow).hbm_bytes);
  EXPECT_GE(predict_cost(shape, wide).hbm_bytes, gemm_min_bytes(shape));
}

// Measured on the H200 (exhaustive dsv3-quick sweep, kernel timing): at K = 512 the big tile with
// fewer, fuller-looking waves was slower (bm256_bn136: 169 µs, 29.2 waves) than bm256_bn128
// (151.8 µs, 31.03 waves), and bm128_bn96 took 239 µs. Each tile pays a fixed epilogue and refill
// cost the tensor cores cannot hide, so fewer, larger tiles win short K.
TEST(CostModel, PerTileOverheadFavoursFewerTilesAtShortK) {
  const GemmShape shape{.m = 4096, .n = 32768, .k = 512};
  const double bm256_bn128 = predict_us(shape, config(256, 128, 3));
  const double bm128_bn96 = predict_us(shape, config(128, 96, 7));
  EXPECT_LT(bm256_bn128 * 1.2, bm128_bn96);
  DeviceModel no_overhead;
  no_overhead.tile_overhead_us = 0.0;
  no_overhead.epilogue_smem_gbps = 1e12;
  const CostBreakdown with = predict_cost(shape, config(256, 128, 3));
  const CostBreakdown without = predict_cost(shape, config(256, 128, 3), no_overhead);
  EXPECT_NEAR(with.total_us - without.total_us, static_cast<double>(with.waves) * (1.0 + 65536.0 / 220.0 * 1e-3),
              0.01);
}

TEST(CostModel, RankingIsStableAndCoversEveryConfig) {
  const GemmShape shape{.m = 256, .n = 2112, .k = 7168};
  const std::vector<KernelConfig> configs(3, config(128, 128, 5));
  const std::vector<RankedConfig> ranked = rank_configs(shape, configs);
  ASSERT_EQ(ranked.size(), 3u);
  for (std::size_t i = 0; i < ranked.size(); ++i) EXPECT_EQ(ranked[i].index, i);
}

TEST(CostModel, RejectsImpossibleInputs) {
  EXPECT_THROW((void)predict_us({.m = 0, .n = 128, .k = 128}, config(128, 128, 4)), Error);
  EXPECT_THROW((void)predict_us({.m = 64, .n = 128, .k = 128}, config(128, 128, 4, 0)), Error);
}

TEST(GemmShape, FlopsBytesAndIntensity) {
  const GemmShape s{.m = 64, .n = 2112, .k = 7168};
  EXPECT_DOUBLE_EQ(gemm_flops(s), 2.0 * 64 * 2112 * 7168);
  // A + B + D + sA (4 * 56 k-blocks * 64) + sB (4 * 17 n-blocks * 56 k-blocks)
  EXPECT_DOUBLE_EQ(gemm_min_bytes(s), 64.0 * 7168 + 2112.0 * 7168 + 2.0 * 64 * 2112 +
                                          4.0 * 56 * 64 + 4.0 * 17 * 56);
  EXPECT_DOUBLE_EQ(gemm_intensity_flop_per_byte(s), gemm_flops(s) / gemm_min_bytes(s));
  EXPECT_NEAR(gemm_tflops(s, 12.5), 155.0, 0.1);
}

// Grouped problems (issue 11): a tile never mixes groups, so 32 groups of 60 rows cost block_m
// 128 a whole 128-row tile each (twice the rows block_m 64 computes), which the dense view of
// the same 1920 rows (15 m-blocks) cannot see.
Problem grouped(GroupLayout layout, std::vector<int64_t> rows, int64_t n, int64_t k, int64_t max_m = 0) {
  return Problem::grouped(layout, n, k, std::move(rows), max_m);
}

TEST(CostModel, GroupedTilesAreCountedPerGroup) {
  const Problem p = grouped(GroupLayout::kMasked, std::vector<int64_t>(32, 60), 4096, 7168, 256);
  KernelConfig bm128 = config(128, 128, 5);
  bm128.layout = GroupLayout::kMasked;
  KernelConfig bm64 = config(64, 128, 8);
  bm64.layout = GroupLayout::kMasked;
  EXPECT_EQ(computed_m_blocks(p, bm128), 32);
  EXPECT_EQ(computed_m_blocks(p, bm64), 32);
  EXPECT_EQ(predict_cost(p, bm128).tiles, 32 * 32);
  const GemmShape dense_view{.m = 1920, .n = 4096, .k = 7168};
  EXPECT_EQ(predict_cost(dense_view, bm128).tiles, 15 * 32);
  // 60 rows fit in block_m 128's first warpgroup, which computes them alone: the MMA time of
  // block_m 64 (both one warpgroup's 64 rows), more A bytes loaded, so block_m 64 still first.
  EXPECT_DOUBLE_EQ(computed_mma_blocks(p, bm128), 32 * 0.5 / 0.8);
  EXPECT_DOUBLE_EQ(predict_cost(p, bm128).mma_us_per_tile, predict_cost(p, bm64).mma_us_per_tile);
  EXPECT_LT(predict_cost(p, bm64).total_us, predict_cost(p, bm128).total_us);
  EXPECT_GT(predict_cost(p, bm128).total_us, predict_cost(dense_view, bm128).total_us);
}

TEST(CostModel, GroupedMulticastBPairsAcrossGroupsAndEmptyGroupsCostNothing) {
  const Problem p = grouped(GroupLayout::kContiguous, {300, 0, 129, 0}, 4096, 2048);
  KernelConfig mc0 = config(128, 128, 5);
  mc0.layout = GroupLayout::kContiguous;
  KernelConfig mcb = mc0;
  mcb.multicast = Multicast::kB;
  EXPECT_EQ(computed_m_blocks(p, mc0), 3 + 2);
  // Five m-blocks pair across the groups; the odd fifth runs beside a mirror CTA.
  EXPECT_EQ(computed_m_blocks(p, mcb), 3 + 2 + 1);
  // Both groups end in one row past a whole block (44 and 1 rows): the first warpgroup alone;
  // with multicast B the mirror computes the last group's last block again, also alone.
  constexpr double kSaved = 1.0 - 0.5 / 0.8;
  EXPECT_DOUBLE_EQ(computed_mma_blocks(p, mc0), 5 - 2 * kSaved);
  EXPECT_DOUBLE_EQ(computed_mma_blocks(p, mcb), 6 - 3 * kSaved);
  // Two groups of three m-blocks: an even total, no group padded, no mirror.
  const Problem odd_groups = grouped(GroupLayout::kContiguous, {300, 0, 300, 0}, 4096, 2048);
  EXPECT_EQ(computed_m_blocks(odd_groups, mcb), 6);
  EXPECT_DOUBLE_EQ(computed_mma_blocks(odd_groups, mcb), 6 - 2 * kSaved);
  // Pairs (0, 1), (2, 3), (4, 5): the second group starts at m-block 3, so (2, 3) loads B per
  // CTA; in `p` it starts at 3 too, and the mirror pair (4, mirror) shares.
  EXPECT_DOUBLE_EQ(multicast_b_shared_pairs(odd_groups, mcb), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(multicast_b_shared_pairs(p, mcb), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(multicast_b_shared_pairs(p, mc0), 1.0);
  // One m-block per group: every pair lies in two groups, so nothing is shared.
  const Problem one_block_groups = grouped(GroupLayout::kContiguous, {20, 20, 20, 20}, 4096, 2048);
  EXPECT_DOUBLE_EQ(multicast_b_shared_pairs(one_block_groups, mcb), 0.0);
  // 72 rows past a whole block need the second warpgroup; dense tiles never skip it.
  const Problem long_tail = grouped(GroupLayout::kContiguous, {200}, 4096, 2048);
  EXPECT_DOUBLE_EQ(computed_mma_blocks(long_tail, mc0), 2);
  const Problem dense{.m = 130, .n = 4096, .k = 2048};
  EXPECT_DOUBLE_EQ(computed_mma_blocks(dense, config(128, 128, 5)), 2);
  const Problem empty = grouped(GroupLayout::kContiguous, {0, 0}, 4096, 2048);
  EXPECT_EQ(computed_m_blocks(empty, mc0), 1);  // a launch still costs one tile's time
  EXPECT_GT(predict_cost(empty, mc0).total_us, 0.0);
}

TEST(CostModel, GroupedLaunchesReadEveryGroupsWeights) {
  const Problem eight = grouped(GroupLayout::kContiguous, std::vector<int64_t>(8, 256), 4096, 7168);
  const Problem one = grouped(GroupLayout::kContiguous, {2048}, 4096, 7168);
  KernelConfig c = config(128, 128, 5);
  c.layout = GroupLayout::kContiguous;
  // Same rows and tiles; eight weight matrices of 29 MB against one.
  EXPECT_EQ(predict_cost(eight, c).tiles, predict_cost(one, c).tiles);
  EXPECT_GT(predict_cost(eight, c).hbm_bytes, 7.0 * 4096 * 7168 + predict_cost(one, c).hbm_bytes - 4096.0 * 7168);
  // A dense problem through the Problem overload is the GemmShape prediction.
  const Problem dense{.m = 4096, .n = 7168, .k = 7168};
  EXPECT_DOUBLE_EQ(predict_cost(dense, c).total_us, predict_cost(dense.shape(), c).total_us);
}

}  // namespace
}  // namespace gemmtune
