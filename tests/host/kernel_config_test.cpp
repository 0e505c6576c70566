// Canonical text form of KernelConfig: round trips and one-line parse errors.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "core/config_space.hpp"
#include "core/json_input.hpp"
#include "core/kernel_config.hpp"
#include "core/smem_layout.hpp"

namespace gemmtune {
namespace {

TEST(KernelConfigText, FormatsTheDocumentedExample) {
  const KernelConfig config{.block_m = 128, .block_n = 160, .stages = 5,
                            .multicast = Multicast::kA, .num_sms = 132, .raster = Raster::kN,
                            .group = 8, .split_k = 1};
  EXPECT_EQ(to_string(config), "bm128_bn160_s5_mcA_sm132_rN8_sk1");
}

TEST(KernelConfigText, ParsesEveryField) {
  std::string error;
  const auto config = parse_kernel_config("bm64_bn136_s7_mcB_sm114_rM16_sk4", &error);
  ASSERT_TRUE(config.has_value()) << error;
  EXPECT_EQ(config->block_m, 64);
  EXPECT_EQ(config->block_n, 136);
  EXPECT_EQ(config->stages, 7);
  EXPECT_EQ(config->multicast, Multicast::kB);
  EXPECT_EQ(config->num_sms, 114);
  EXPECT_EQ(config->raster, Raster::kM);
  EXPECT_EQ(config->group, 16);
  EXPECT_EQ(config->split_k, 4);
  EXPECT_TRUE(parse_kernel_config("bm128_bn128_s4_mc0_sm132_rN8_sk1", &error)->multicast ==
              Multicast::kNone);
}

// Raster G: raster N whose groups of m-blocks stop at the MoE groups' boundaries.
TEST(KernelConfigText, RasterGRoundTrips) {
  std::string error;
  const auto config = parse_kernel_config("bm128_bn192_s4_mc0_sm132_rG8_sk1_k2048_gC", &error);
  ASSERT_TRUE(config.has_value()) << error;
  EXPECT_EQ(config->raster, Raster::kNGroups);
  EXPECT_EQ(config->group, 8);
  EXPECT_EQ(to_string(*config), "bm128_bn192_s4_mc0_sm132_rG8_sk1_k2048_gC");
  EXPECT_FALSE(parse_kernel_config("bm128_bn192_s4_mc0_sm132_rX8_sk1", &error).has_value());
  EXPECT_NE(error.find("raster must start with M, N or G"), std::string::npos) << error;
}

TEST(KernelConfigText, EveryConfigOfTheDefaultSpaceRoundTrips) {
  const ConfigSpace space = load_config_space(resolve_input_path("configs/spaces/default.json"));
  for (const KernelConfig& config : enumerate_configs(space)) {
    const std::string text = to_string(config);
    std::string error;
    const auto parsed = parse_kernel_config(text, &error);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << error;
    EXPECT_EQ(*parsed, config) << text;
    EXPECT_EQ(to_string(*parsed), text);
  }
}

TEST(KernelConfigText, FixedKSuffixComesBeforeTheLayout) {
  KernelConfig c{.block_m = 256, .block_n = 128, .stages = 3, .fixed_k = 16384};
  EXPECT_EQ(to_string(c), "bm256_bn128_s3_mc0_sm132_rN8_sk1_k16384");
  c.layout = GroupLayout::kContiguous;
  EXPECT_EQ(to_string(c), "bm256_bn128_s3_mc0_sm132_rN8_sk1_k16384_gC");
  for (const char* text : {"bm256_bn128_s3_mc0_sm132_rN8_sk1_k16384_gC",
                           "bm64_bn64_s8_mcA_sm132_rM4_sk1_k512_gM",
                           "bm64_bn64_s8_mcA_sm132_rM4_sk1_k512"}) {
    std::string error;
    const auto parsed = parse_kernel_config(text, &error);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << error;
    EXPECT_EQ(to_string(*parsed), text);
  }
  EXPECT_EQ(parse_kernel_config("bm64_bn64_s8_mcA_sm132_rM4_sk1_k512", nullptr)->fixed_k, 512);
}

/// Each of `texts` parses, has the suffix's member `flag` set, and prints as itself.
void expect_round_trip_with(std::initializer_list<const char*> texts, bool KernelConfig::*flag) {
  for (const char* text : texts) {
    std::string error;
    const auto parsed = parse_kernel_config(text, &error);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << error;
    EXPECT_TRUE((*parsed).*flag) << text;
    EXPECT_EQ(to_string(*parsed), text);
  }
}

// B always evict-normal (`_l2n`): after the fields, before a fixed K and the layout.
TEST(KernelConfigText, L2NormalSuffixComesBeforeAFixedK) {
  KernelConfig c{.block_m = 128, .block_n = 160, .layout = GroupLayout::kContiguous};
  c.b_l2_normal = true;
  EXPECT_EQ(to_string(c), "bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_gC");
  c.fixed_k = 7168;
  EXPECT_EQ(to_string(c), "bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_k7168_gC");
  expect_round_trip_with({"bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_k7168_gC",
                          "bm128_bn192_s4_mcA_sm130_rG8_sk1_l2n_gC"},
                         &KernelConfig::b_l2_normal);
  EXPECT_FALSE(
      parse_kernel_config("bm128_bn160_s4_mc0_sm132_rN8_sk1_k7168_gC", nullptr)->b_l2_normal);
  EXPECT_FALSE(parse_kernel_config("bm128_bn160_s4_mc0_sm132_rN8_sk1_k7168_l2n_gC", nullptr));
}

// No balanced order (`_nbo`): after the fields, before `_l2n`, a fixed K and the layout.
TEST(KernelConfigText, NoBalancedOrderSuffixComesBeforeL2Normal) {
  KernelConfig c{.block_m = 128, .block_n = 160, .layout = GroupLayout::kContiguous};
  EXPECT_TRUE(c.balances_cheap_units());
  c.no_balanced_order = true;
  EXPECT_FALSE(c.balances_cheap_units());
  EXPECT_TRUE(c.orders_cheap_units());
  EXPECT_EQ(to_string(c), "bm128_bn160_s4_mc0_sm132_rN8_sk1_nbo_gC");
  c.b_l2_normal = true;
  c.fixed_k = 7168;
  EXPECT_EQ(to_string(c), "bm128_bn160_s4_mc0_sm132_rN8_sk1_nbo_l2n_k7168_gC");
  expect_round_trip_with({"bm128_bn160_s4_mc0_sm132_rN8_sk1_nbo_l2n_k7168_gC",
                          "bm128_bn160_s4_mcA_sm124_rG8_sk1_nbo_k7168_gC"},
                         &KernelConfig::no_balanced_order);
  EXPECT_FALSE(parse_kernel_config("bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_nbo_k7168_gC", nullptr));
}

// Which members balance cheap units: contiguous block_m 128 without a K split, K at run time or
// compiled for at least 32 K blocks (4096; 4080 is 31 whole ones).
TEST(KernelConfigRules, BalancedOrderOnlyWhereItWasMeasuredToPay) {
  const auto balances = [](const char* text) {
    return parse_kernel_config(text, nullptr)->balances_cheap_units();
  };
  EXPECT_TRUE(balances("bm128_bn192_s4_mc0_sm132_rN8_sk1_gC"));
  EXPECT_TRUE(balances("bm128_bn192_s4_mc0_sm132_rN8_sk1_k4096_gC"));
  EXPECT_FALSE(balances("bm128_bn192_s4_mc0_sm132_rN8_sk1_k4080_gC"));
  EXPECT_FALSE(balances("bm128_bn192_s4_mc0_sm132_rN8_sk1_gM"));
  EXPECT_FALSE(balances("bm128_bn192_s4_mc0_sm132_rN8_sk1"));
  EXPECT_FALSE(balances("bm256_bn128_s3_mcA_sm132_rN8_sk1_gC"));
  EXPECT_FALSE(balances("bm64_bn128_s8_mc0_sm132_rN8_sk1_gC"));
}

// The unroll policy of KernelConfig::mainloop_unroll, case by case against its measurements.
TEST(KernelConfigUnroll, OnlyFixedKTilesInOneScaleBlockUnrollUpToEightPerSplit) {
  const auto unroll = [](int block_m, int block_n, int fixed_k, int split_k = 1) {
    return KernelConfig{.block_m = block_m, .block_n = block_n, .split_k = split_k,
                        .fixed_k = fixed_k}.mainloop_unroll();
  };
  EXPECT_EQ(unroll(256, 128, 0), 1);       // run-time K: the remainder loop cost 1-2%
  EXPECT_EQ(unroll(256, 128, 16384), 8);   // 128 K blocks
  EXPECT_EQ(unroll(256, 128, 512), 4);     // the whole loop
  EXPECT_EQ(unroll(64, 32, 1536), 8);      // 12 K blocks: one pass of 8, the rest straight
  EXPECT_EQ(unroll(64, 16, 100), 1);       // one K block
  EXPECT_EQ(unroll(256, 136, 16384), 1);   // 16 promotion copies: code size lost 8-18%
  EXPECT_EQ(unroll(128, 192, 7168), 4);    // two copies, weight scales from shared memory
  EXPECT_EQ(unroll(128, 160, 7168), 1);    // four copies
  EXPECT_EQ(unroll(128, 192, 7168, 2), 4); // 28 K blocks per split
  EXPECT_EQ(unroll(128, 192, 384), 3);     // the whole loop
  EXPECT_EQ(unroll(64, 128, 7168, 2), 8);  // 28 K blocks per split
  EXPECT_EQ(unroll(64, 128, 1024, 4), 2);  // a split's whole loop
  EXPECT_EQ(unroll(64, 128, 512, 4), 1);   // one K block per split
  EXPECT_EQ(unroll(192, 128, 16384), 4);   // three math warpgroups: 8 spills at 160 registers
  EXPECT_EQ(unroll(192, 128, 384), 3);     // the whole loop
  // Two warpgroups across two scale blocks compiled for K read their tiles' weight scales from
  // shared memory (sb_per_tile): a twin even where it stays rolled (bn136: 16 copies); one
  // warpgroup that is not unrolled has none.
  const std::optional<KernelConfig> straddling = k_specialised({.block_m = 128, .block_n = 192}, 7168);
  ASSERT_TRUE(straddling.has_value());
  EXPECT_TRUE(straddling->sb_per_tile());
  EXPECT_EQ(straddling->mainloop_unroll(), 4);
  // 5 stages of bm128_bn160, masked: 231644 B; its region at K 7168 (896 B) goes past 232448 B,
  // at K 640 (80 B) it fits.
  const KernelConfig full_smem = *parse_kernel_config("bm128_bn160_s5_mcA_sm132_rN8_sk1_gM", nullptr);
  EXPECT_FALSE(k_specialised(full_smem, 7168).has_value());
  EXPECT_TRUE(k_specialised(full_smem, 640).has_value());
  const std::optional<KernelConfig> rolled =
      k_specialised({.block_m = 256, .block_n = 136, .stages = 3}, 7168);
  ASSERT_TRUE(rolled.has_value());
  EXPECT_EQ(rolled->mainloop_unroll(), 1);
  EXPECT_FALSE(k_specialised({.block_m = 64, .block_n = 80}, 7168).has_value());
  // Tiles in one scale block keep the global loads (their unrolled loop hoists them).
  EXPECT_FALSE(k_specialised({.block_m = 256, .block_n = 128}, 7168)->sb_per_tile());
}

// Split-K 2 without multicast on an even grid sums in a cluster of the two splits when rank 0's
// block_m x block_n FP32 receive buffer fits beside the stages (smem_layout holds it and the two
// mbarriers); everything else keeps the workspace, and its layout is unchanged.
TEST(KernelConfig, SplitKSumsInAClusterWhereTheReceiveBufferFits) {
  const auto config = [](const char* text) { return *parse_kernel_config(text, nullptr); };
  const KernelConfig small = config("bm64_bn32_s12_mc0_sm132_rN8_sk2");
  EXPECT_TRUE(small.split_k_in_cluster());
  EXPECT_EQ(small.cluster_size(), 2);
  const SmemLayout with = smem_layout(small);
  EXPECT_EQ(with.split_k_recv_bytes, 64 * 32 * 4);
  EXPECT_EQ(with.split_k_recv_offset % 16, 0);
  EXPECT_EQ(with.flag_bytes, 16);
  // The buffer, the second mbarrier and at most 15 bytes to align the buffer to 16.
  const int64_t added = with.total_bytes - smem_layout_for(small, false).total_bytes;
  EXPECT_GE(added, 64 * 32 * 4 + 8);
  EXPECT_LE(added, 64 * 32 * 4 + 8 + 15);
  // Too deep a ring for the buffer: the workspace path, its layout as before.
  const KernelConfig deep = config("bm128_bn64_s8_mc0_sm132_rN8_sk2");
  EXPECT_FALSE(deep.split_k_in_cluster());
  EXPECT_EQ(deep.cluster_size(), 1);
  EXPECT_EQ(smem_layout(deep).split_k_recv_bytes, 0);
  EXPECT_LE(smem_layout(deep).total_bytes, kHopperSmemPerBlockBytes);
  EXPECT_TRUE(config("bm128_bn64_s7_mc0_sm132_rN8_sk2").split_k_in_cluster());
  for (const char* other : {"bm64_bn32_s12_mc0_sm132_rN8_sk1", "bm64_bn32_s12_mc0_sm132_rN8_sk4",
                            "bm64_bn32_s12_mc0_sm131_rN8_sk2", "bm64_bn32_s12_mcA_sm132_rN8_sk2"}) {
    const KernelConfig c = config(other);
    EXPECT_FALSE(c.split_k_in_cluster()) << other;
    EXPECT_EQ(smem_layout(c).total_bytes, smem_layout_for(c, false).total_bytes) << other;
  }
  EXPECT_EQ(config("bm64_bn32_s12_mcA_sm132_rN8_sk2").cluster_size(), 2);
}

// Two K blocks in flight (the kernel's mma_ahead) only in the one-warpgroup loop and only where
// it was measured to pay and the second accumulator fits: block_n 32 and 64-128 (7f3a7dd:results/
// 2026-11-26-grouped-resweep-tail-exit/0528-mma-ahead-ab/, 7f3a7dd:results/2026-11-26-mma-pass-length/).
TEST(KernelConfig, TwoKBlocksInFlightOnlyForOneWarpgroupTilesOfBlockN32Or64To128) {
  const auto config = [](const char* text) { return *parse_kernel_config(text, nullptr); };
  for (const char* on : {"bm64_bn64_s7_mc0_sm132_rN8_sk1_k2048", "bm64_bn128_s8_mcA_sm132_rN8_sk1_gM",
                         "bm64_bn96_s6_mc0_sm132_rN8_sk1", "bm64_bn64_s8_mc0_sm132_rN8_sk2",
                         "bm64_bn32_s12_mc0_sm132_rN8_sk2"}) {
    EXPECT_TRUE(config(on).mma_ahead()) << on;
  }
  for (const char* off : {"bm64_bn40_s12_mc0_sm132_rN8_sk2", "bm64_bn56_s8_mc0_sm132_rN8_sk1",
                          "bm64_bn136_s6_mc0_sm132_rN8_sk1", "bm64_bn192_s6_mcB_sm132_rN8_sk1_gM",
                          "bm128_bn128_s4_mc0_sm132_rN8_sk1", "bm256_bn128_s3_mcA_sm132_rN8_sk1"}) {
    EXPECT_FALSE(config(off).mma_ahead()) << off;
  }
}

// Passes of 4 K blocks only where they won (block_n 32); 2 elsewhere, where 4 lost.
TEST(KernelConfig, MmaPassesOfFourOnlyForBlockN32) {
  const auto config = [](const char* text) { return *parse_kernel_config(text, nullptr); };
  EXPECT_EQ(config("bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168").mma_pass_blocks(), 4);
  EXPECT_EQ(config("bm64_bn32_s16_mc0_sm132_rN8_sk1").mma_pass_blocks(), 4);
  EXPECT_EQ(config("bm64_bn64_s7_mc0_sm132_rN8_sk1_k2048").mma_pass_blocks(), 2);
  EXPECT_EQ(config("bm64_bn112_s8_mc0_sm132_rN8_sk1").mma_pass_blocks(), 2);
}

TEST(KernelConfig, MainloopCopiesMatchTheKernelsScaleBlockSplits) {
  // The kernel's LoFragments: one K loop per count of n8 fragments before the tile's scale-block
  // boundary, plus one for tiles wholly in one block.
  const auto copies = [](int block_n) {
    return KernelConfig{.block_m = 128, .block_n = block_n}.mainloop_copies();
  };
  EXPECT_EQ(copies(128), 1);
  EXPECT_EQ(copies(64), 1);
  EXPECT_EQ(copies(192), 2);   // tiles start at column 0 or 64 of a block
  EXPECT_EQ(copies(160), 4);   // 16, 12, 8, 4 fragments
  EXPECT_EQ(copies(96), 3);    // 8 or 4 fragments, or the whole tile
  EXPECT_EQ(copies(136), 16);
  const std::optional<KernelConfig> split =
      k_specialised({.block_m = 64, .block_n = 32, .split_k = 2}, 7168);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(to_string(*split), "bm64_bn32_s4_mc0_sm132_rN8_sk2_k7168");
  EXPECT_EQ(split->k_blocks_per_split(), 28);
  EXPECT_FALSE(k_specialised({.block_m = 128, .block_n = 128, .fixed_k = 512}, 512));
  const std::optional<KernelConfig> twin = k_specialised({.block_m = 128, .block_n = 128}, 512);
  ASSERT_TRUE(twin.has_value());
  EXPECT_EQ(twin->fixed_k, 512);
  EXPECT_EQ(to_string(*twin), "bm128_bn128_s4_mc0_sm132_rN8_sk1_k512");
}

struct BadText {
  const char* text;
  const char* expected_part;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadText& bad, std::ostream* os) { *os << '"' << bad.text << '"'; }

class KernelConfigParseError : public ::testing::TestWithParam<BadText> {};

TEST_P(KernelConfigParseError, RejectsWithAOneLineReason) {
  std::string error;
  EXPECT_FALSE(parse_kernel_config(GetParam().text, &error).has_value());
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_NE(error.find(GetParam().expected_part), std::string::npos) << error;
  EXPECT_NE(error.find("bm128_bn160_s5_mcA_sm132_rN8_sk1"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KernelConfigParseError,
    ::testing::Values(BadText{"", "found 1 field(s), expected 7"},
                      BadText{"bm128_bn128_s4", "found 3 field(s), expected 7"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1_x", "more than 7 fields"},
                      BadText{"bn128_bm128_s4_mc0_sm132_rN8_sk1", "should be bm<block_m>"},
                      BadText{"bm128_bn128_st4_mc0_sm132_rN8_sk1", "'t4' is not an integer in [1, 2^31-1]"},
                      BadText{"bm0128_bn128_s4_mc0_sm132_rN8_sk1", "'0128' is not an integer in [1, 2^31-1]"},
                      BadText{"bm0_bn128_s4_mc0_sm132_rN8_sk1", "'0' is not an integer in [1, 2^31-1]"},
                      BadText{"bm-64_bn128_s4_mc0_sm132_rN8_sk1", "'-64' is not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mc0_sm99999999999_rN8_sk1", "not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mcC_sm132_rN8_sk1", "multicast must be 0, A or B"},
                      BadText{"bm128_bn128_s4_mc_sm132_rN8_sk1", "multicast must be 0, A or B"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rX8_sk1", "raster must start with M"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN_sk1", "group '' is not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk", "'' is not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1 ", "'1 ' is not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1\n", "'1\\n' is not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1_k", "fixed-K suffix '_k'"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1_k0", "'0' is not an integer in [1, 2^31-1]"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1_k512x", "'512x' is not"},
                      BadText{"bm128_bn128_s4_mc0_sm132_rN8_sk1_gC_k512", "more than 7 fields"}));

TEST(KernelConfigText, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(parse_kernel_config("nonsense", nullptr).has_value());
}

}  // namespace
}  // namespace gemmtune
