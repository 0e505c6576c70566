// Legality model: both sides of every limit, with the numbers worked out by hand in comments.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/legality.hpp"

namespace gemmtune {
namespace {

// A DeepSeek-V3 o_proj-like problem that every rule below leaves legal unless a test changes it.
constexpr Problem kProblem{.label = "", .m = 4096, .n = 7168, .k = 7168};

KernelConfig config(int block_m, int block_n, int stages = 4,
                    Multicast multicast = Multicast::kNone) {
  return {.block_m = block_m, .block_n = block_n, .stages = stages, .multicast = multicast,
          .num_sms = 132, .raster = Raster::kN, .group = 8, .split_k = 1};
}

KernelConfig with_split_k(KernelConfig c, int split_k) {
  c.split_k = split_k;
  return c;
}

void expect_legal(const KernelConfig& c, const Problem& p = kProblem,
                  const DeviceLimits& limits = {}) {
  const Legality verdict = check_legality(p, c, limits);
  EXPECT_TRUE(verdict.legal) << to_string(c) << ": " << verdict.rule_id << ": " << verdict.reason;
  EXPECT_TRUE(verdict.rule_id.empty());
  EXPECT_TRUE(verdict.reason.empty());
}

void expect_illegal(const KernelConfig& c, std::string_view rule_id,
                    std::initializer_list<std::string_view> parts, const Problem& p = kProblem,
                    const DeviceLimits& limits = {}) {
  const Legality verdict = check_legality(p, c, limits);
  EXPECT_FALSE(verdict.legal) << to_string(c);
  EXPECT_EQ(verdict.rule_id, rule_id) << to_string(c) << ": " << verdict.reason;
  EXPECT_EQ(verdict.reason.find('\n'), std::string::npos);
  for (const std::string_view part : parts) {
    EXPECT_NE(verdict.reason.find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << verdict.reason;
  }
  const bool known = std::any_of(kLegalityRules.begin(), kLegalityRules.end(),
                                 [&](const LegalityRule& rule) { return rule.id == rule_id; });
  EXPECT_TRUE(known) << rule_id;
}

TEST(Legality, BlockM) {
  expect_legal(config(64, 128));
  expect_legal(config(128, 128));
  expect_legal(config(256, 64));
  expect_illegal(config(96, 128), "block_m", {"block_m 96 is not 64, 128, 192 or 256"});
  expect_illegal(config(512, 64), "block_m", {"block_m 512"});
}

TEST(Legality, BlockM192IsDenseWithoutSplitK) {
  expect_legal(config(192, 128));
  expect_legal(config(192, 128, 4, Multicast::kA));
  EXPECT_EQ(config(192, 128).math_warpgroups(), 3);
  expect_illegal(with_split_k(config(192, 128), 2), "block_m_192",
                 {"block_m 192", "dense", "split_k 2"});
  KernelConfig grouped = config(192, 128);
  grouped.layout = GroupLayout::kContiguous;
  expect_illegal(grouped, "block_m_192", {"a grouped layout", "split_k 1"});
  // (1 + 1 slice) x block_n / 2 floats within 128: block_n 128 fits, 136 does not.
  expect_illegal(config(192, 136), "registers", {"136 floats", "> 128", "3 math warpgroup"});
}

// Raster G (groups of m-blocks inside MoE groups) needs the contiguous layout's group table and no
// multicast B pair across two groups.
TEST(Legality, RasterGIsContiguousWithoutMulticastB) {
  Problem contiguous = kProblem;
  contiguous.layout = GroupLayout::kContiguous;
  contiguous.group_m = {2048, 2048};
  KernelConfig c = config(128, 192);
  c.raster = Raster::kNGroups;
  c.layout = GroupLayout::kContiguous;
  expect_legal(c, contiguous);
  c.multicast = Multicast::kA;
  expect_legal(c, contiguous);
  c.multicast = Multicast::kB;
  expect_illegal(c, "raster_group_bands", {"raster G", "grouped_contiguous with multicast B"},
                 contiguous);
  KernelConfig dense = config(128, 192);
  dense.raster = Raster::kNGroups;
  expect_illegal(dense, "raster_group_bands", {"raster G", "is dense"});
}

TEST(Legality, BlockNRange) {
  expect_legal(config(128, 16));
  expect_illegal(config(128, 8), "block_n_range", {"block_n 8 is not in [16, 256]"});
  expect_legal(config(128, 104));
  expect_illegal(config(128, 100), "block_n_range", {"block_n 100 is not a multiple of 8"});
  // 256 passes the range (and the scale rule) but no block_m fits its accumulators.
  EXPECT_EQ(check_legality(kProblem, config(64, 256), {}).rule_id, "registers");
  expect_illegal(config(64, 264), "block_n_range", {"block_n 264 is not in [16, 256]"});
}

TEST(Legality, BlockNScaleBlocks) {
  // block_n <= 128 + gcd(block_n, 128): 136 (gcd 8), 144 (16), 160 (32), 192 (64) fit.
  for (const int block_n : {136, 144, 160, 192}) expect_legal(config(64, block_n));
  for (const int block_n : {152, 168, 176, 184, 200, 208, 224, 240, 248}) {
    expect_illegal(config(64, block_n), "block_n_scale_blocks",
                   {"three 128-wide scale blocks", "allowed above 128: 136, 144, 160, 192, 256"});
  }
}

TEST(Legality, Stages) {
  expect_legal(config(128, 128, 2));
  expect_illegal(config(128, 128, 1), "stages", {"stages 1 < 2"});
}

TEST(Legality, SharedMemory) {
  // bm128 bn128: A 16384 + B 16384 + sA 512 per stage (two math warpgroups read sB from global
  // memory: no sB stage), D tile 32768, 16 B of barriers per stage, an 8 B split-K flag, 1024 B
  // slack. 5 stages: 5*33280 + 32768 + 80 + 8 + 1024 = 200280 B. 6 stages: 6*33280 + 32768 + 96
  // + 8 + 1024 = 233576 B > 232448 B.
  EXPECT_EQ(smem_layout(config(128, 128, 5)).total_bytes, 200280);
  expect_legal(config(128, 128, 5));
  expect_illegal(config(128, 128, 6), "smem",
                 {"shared memory 233576 B > 232448 B limit",
                  "6 stages x (A 16384 + B 16384 + sA 512 + sB 0) + D tile 32768 + barriers 96 + "
                  "flag 8 + padding 0 + alignment slack 1024"});
  // Exactly at the limit is legal, one byte less is not.
  expect_legal(config(128, 128, 5), kProblem, {.smem_per_block_bytes = 200280});
  expect_illegal(config(128, 128, 5), "smem", {"200280 B > 200279 B limit"}, kProblem,
                 {.smem_per_block_bytes = 200279});
  // bm64 (one math warpgroup) carries sB in every stage: a 128 B TMA box slot. 8 stages:
  // 8*(8192 + 16384 + 256 + 128) + 16384 + 128 + 8 + 1024 = 217224 B.
  EXPECT_EQ(smem_layout(config(64, 128, 8)).sb_stage_bytes, 128);
  EXPECT_EQ(smem_layout(config(64, 128, 8)).total_bytes, 217224);
  EXPECT_EQ(smem_layout(config(256, 128, 3)).sb_stage_bytes, 0);
  // Two-warpgroup members compiled for K whose tiles straddle two scale blocks keep their tiles'
  // weight scales in shared memory: two buffers of a split's K blocks per scale row.
  // bm128_bn192 at K 7168 (56 K blocks, two rows): 2 * 2 * 56 * 4 = 896 B after the flag,
  // 16-byte aligned; split 2 halves it; bm256_bn128 (one scale block) keeps the global loads.
  KernelConfig k7168 = config(128, 192, 4);
  k7168.fixed_k = 7168;
  const SmemLayout with_tiles = smem_layout(k7168);
  EXPECT_EQ(with_tiles.sb_tile_floats, 112);
  EXPECT_EQ(with_tiles.sb_tile_bytes, 896);
  EXPECT_EQ(with_tiles.sb_tile_offset % 16, 0);
  EXPECT_GE(with_tiles.sb_tile_offset, with_tiles.flag_offset + with_tiles.flag_bytes);
  EXPECT_EQ(with_tiles.total_bytes,
            with_tiles.sb_tile_offset + 896 + kSmemAlignSlackBytes);
  k7168.split_k = 2;
  EXPECT_EQ(smem_layout(k7168).sb_tile_bytes, 448);
  KernelConfig one_row = config(256, 128, 3);
  one_row.fixed_k = 2048;
  EXPECT_EQ(smem_layout(one_row).sb_tile_bytes, 0);
  EXPECT_EQ(smem_layout(config(128, 192, 4)).sb_tile_bytes, 0);  // K at run time
  KernelConfig one_warpgroup = config(64, 128, 8);
  one_warpgroup.fixed_k = 7168;
  EXPECT_EQ(smem_layout(one_warpgroup).sb_tile_bytes, 0);  // sB travels in the stages
}

TEST(Legality, Registers) {
  // Accumulator floats per math thread = (accumulators + 64-row slices per warpgroup) *
  // block_n / 2, with two accumulators where two K blocks are in flight (bm64, block_n 32 or
  // 64-128: KernelConfig::mma_ahead).
  expect_legal(config(64, 192));   // 1 warpgroup, 1 slice: 192 <= 200
  expect_legal(config(64, 128));   // two accumulators: 3 * 128 / 2 = 192 <= 200
  expect_illegal(config(64, 256, 3), "registers", {"256 floats per math thread", "> 200 budget"});
  expect_legal(config(128, 192, 4));   // 2 warpgroups, 1 slice each: 192 <= 204
  expect_illegal(config(128, 256, 3), "registers", {"256 floats", "> 204 budget"});
  expect_legal(config(256, 136, 3));   // 2 slices per warpgroup: 3 * 136 / 2 = 204, exactly
  expect_illegal(config(256, 144, 3), "registers",
                 {"216 floats per math thread ((1 + 2 slices of 64 rows) x block_n 144 / 2)"});
  // split-K keeps more registers live in its epilogue: the budget drops to 192.
  KernelConfig split = config(256, 136, 3);
  split.split_k = 2;
  expect_illegal(split, "registers", {"204 floats", "> 192 budget"});
  split.block_n = 128;
  expect_legal(split);
}

TEST(Legality, NumSms) {
  KernelConfig c = config(128, 128);
  c.num_sms = 1;
  expect_legal(c);
  c.num_sms = 0;
  expect_illegal(c, "num_sms", {"num_sms 0 is not in [1, 132]"});
  c.num_sms = 133;
  expect_illegal(c, "num_sms", {"num_sms 133 is not in [1, 132]"});
  c.num_sms = 114;
  expect_legal(c, kProblem, {.sm_count = 114});
  c.num_sms = 115;
  expect_illegal(c, "num_sms", {"[1, 114]"}, kProblem, {.sm_count = 114});
}

TEST(Legality, MulticastNeedsEvenNumSms) {
  KernelConfig c = config(128, 128, 4, Multicast::kA);
  c.num_sms = 130;
  expect_legal(c);
  c.num_sms = 131;
  expect_illegal(c, "multicast_num_sms", {"num_sms 131 is odd"});
  c.multicast = Multicast::kNone;
  expect_legal(c);
}

TEST(Legality, MulticastANeedsTwoNBlocks) {
  const Problem one_block{.label = "", .m = 4096, .n = 128, .k = 7168};
  const Problem two_blocks{.label = "", .m = 4096, .n = 136, .k = 7168};  // odd tile count: legal
  expect_illegal(config(128, 128, 4, Multicast::kA), "multicast_a_n_blocks",
                 {"N 128 / block_n 128 gives 1 n-block(s), needs >= 2"}, one_block);
  expect_legal(config(128, 128, 4, Multicast::kA), two_blocks);
  expect_legal(config(128, 128, 4, Multicast::kNone), one_block);
}

TEST(Legality, MulticastBNeedsTwoMBlocks) {
  const Problem one_block{.label = "", .m = 128, .n = 7168, .k = 7168};
  const Problem two_blocks{.label = "", .m = 129, .n = 7168, .k = 7168};
  expect_illegal(config(128, 128, 4, Multicast::kB), "multicast_b_m_blocks",
                 {"M 128 / block_m 128 gives 1 m-block(s), needs >= 2"}, one_block);
  expect_legal(config(128, 128, 4, Multicast::kB), two_blocks);
}

TEST(Legality, MulticastBNeedsBlockNMultipleOf16) {
  expect_legal(config(128, 144, 4, Multicast::kB));
  expect_illegal(config(128, 136, 4, Multicast::kB), "multicast_b_block_n",
                 {"half of block_n 136 rows of B: 68 rows is not a multiple of 8"});
  expect_legal(config(128, 136, 4, Multicast::kA));
}

TEST(Legality, SplitKRange) {
  const Problem k2048{.label = "", .m = 4096, .n = 7168, .k = 2048};  // 16 k-blocks
  expect_legal(with_split_k(config(128, 128), 16), k2048);
  expect_illegal(with_split_k(config(128, 128), 17), "split_k_range",
                 {"split_k 17 is not in [1, min(16, 16 k-blocks of K 2048)]"}, k2048);
  expect_illegal(with_split_k(config(128, 128), 0), "split_k_range", {"split_k 0"});
  const Problem k512{.label = "", .m = 4096, .n = 7168, .k = 512};  // 4 k-blocks
  expect_legal(with_split_k(config(128, 128), 4), k512);
  expect_illegal(with_split_k(config(128, 128), 5), "split_k_range", {"4 k-blocks of K 512"},
                 k512);
}

TEST(Legality, SplitKLeavesNoEmptySplit) {
  // 4 k-blocks: split 3 -> ceil(4/3) = 2 per split, splits get 2, 2, 0.
  const Problem k512{.label = "", .m = 4096, .n = 7168, .k = 512};
  expect_legal(with_split_k(config(128, 128), 2), k512);
  expect_illegal(with_split_k(config(128, 128), 3), "split_k_empty_split",
                 {"split_k 3 over 4 k-blocks gives 2 k-blocks per split", "(2 x 2 >= 4)"}, k512);
  // 56 k-blocks: split 14 -> 4 per split, 13*4 = 52 < 56; split 15 -> 4 per split, 14*4 = 56.
  expect_legal(with_split_k(config(128, 128), 14));
  expect_illegal(with_split_k(config(128, 128), 15), "split_k_empty_split", {"(14 x 4 >= 56)"});
  expect_illegal(with_split_k(config(128, 128), 16), "split_k_empty_split", {"(15 x 4 >= 56)"});
}

TEST(Legality, SplitKWorkspaceMustFit) {
  // Operands 140390656 B (see ProblemBytesByHand) + workspace 2 * 4096 * 7168 * 4 = 234881024 B.
  const KernelConfig c = with_split_k(config(128, 128), 2);
  expect_legal(c, kProblem, {.device_memory_bytes = 375271680});
  expect_illegal(c, "split_k_workspace",
                 {"operands 140390656 B + split-K workspace of 2 x M 4096 x N 7168 x 4 B",
                  "> 375271679 B device memory"},
                 kProblem, {.device_memory_bytes = 375271679});
  expect_legal(with_split_k(config(128, 128), 1), kProblem, {.device_memory_bytes = 140390656});
}

TEST(Legality, FixedKRunsItsKOnlyAndSplitsItEvenly) {
  KernelConfig c = config(256, 128, 3);
  c.fixed_k = 7168;
  expect_legal(c);
  expect_legal(with_split_k(c, 2));  // 56 K blocks: 28 per split
  expect_legal(with_split_k(c, 4));
  const Problem k2048{.label = "", .m = 4096, .n = 7168, .k = 2048};
  expect_illegal(c, "fixed_k", {"is compiled for K 7168, the problem has K 2048"}, k2048);
  expect_illegal(with_split_k(c, 3), "fixed_k_split_k",
                 {"split_k 3 does not divide the 56 K blocks of K 7168"});
  EXPECT_EQ(check_config_alone(with_split_k(c, 3), {}).rule_id, "fixed_k_split_k");
}

TEST(Legality, RasterGroup) {
  KernelConfig c = config(128, 128);
  for (const int group : {1, 64}) {
    c.group = group;
    expect_legal(c);
  }
  for (const int group : {0, 65}) {
    c.group = group;
    expect_illegal(c, "raster_group", {"is not in [1, 64]"});
  }
}

TEST(Legality, ProblemBytesByHand) {
  const ProblemBytes bytes = *problem_bytes(kProblem);
  EXPECT_EQ(bytes.a_bytes, 4096 * 7168);
  EXPECT_EQ(bytes.b_bytes, 7168 * 7168);
  EXPECT_EQ(bytes.sa_bytes, 56 * 4096 * 4);
  EXPECT_EQ(bytes.sb_bytes, 56 * 56 * 4);
  EXPECT_EQ(bytes.d_bytes, 4096 * 7168 * 2);
  EXPECT_EQ(bytes.total_bytes, 140390656);
  // M 5 pads to 8 scale rows; N 2112 has 17 scale rows; K 7168 has 56 k-blocks (already a
  // multiple of 4).
  const ProblemBytes small = *problem_bytes({.label = "", .m = 5, .n = 2112, .k = 7168});
  EXPECT_EQ(small.sa_bytes, 56 * 8 * 4);
  EXPECT_EQ(small.sb_bytes, 17 * 56 * 4);
  EXPECT_FALSE(problem_bytes({.label = "", .m = 1LL << 62, .n = 8, .k = 16}).has_value());
}

TEST(Legality, ProblemSizes) {
  const KernelConfig c = config(128, 128);
  expect_illegal(c, "m_range", {"M 0 must be >= 1"}, {.label = "", .m = 0, .n = 7168, .k = 7168});
  expect_illegal(c, "n_range", {"N -8 must be >= 1"}, {.label = "", .m = 1, .n = -8, .k = 7168});
  expect_illegal(c, "k_range", {"K 0 must be >= 1"}, {.label = "", .m = 1, .n = 8, .k = 0});
  // M 2^31-1 with N 8, K 16: 34 GB of A, 8.6 GB of sA, 34 GB of D: fits 141 GB.
  EXPECT_TRUE(check_problem({.label = "", .m = 2147483647, .n = 8, .k = 16}, {}).legal);
  expect_illegal(c, "m_range", {"M 2147483648 > 2147483647"},
                 {.label = "", .m = 2147483648, .n = 8, .k = 16});
}

TEST(Legality, ProblemOverflow) {
  const KernelConfig c = config(128, 128);
  expect_illegal(c, "size_overflow", {"M*K overflows int64"},
                 {.label = "", .m = 1LL << 40, .n = 8, .k = 1LL << 30});
  expect_illegal(c, "size_overflow", {"N*K overflows int64"},
                 {.label = "", .m = 1, .n = 1LL << 40, .k = 1LL << 30});
  expect_illegal(c, "size_overflow", {"M*N overflows int64"},
                 {.label = "", .m = 1LL << 40, .n = 1LL << 30, .k = 16});
  // 2^21 cubed is 2^63: M*N*K overflows, every pairwise product (2^42) does not.
  expect_illegal(c, "size_overflow", {"2*M*N*K overflows int64"},
                 {.label = "", .m = 1 << 21, .n = 1 << 21, .k = 1 << 21});
  // 2^20 cubed times 2 is 2^61: no overflow, but far beyond device memory.
  expect_illegal(c, "device_memory", {"> 141000000000 B device memory"},
                 {.label = "", .m = 1 << 20, .n = 1 << 20, .k = 1 << 20});
}

TEST(Legality, TmaAlignment) {
  const KernelConfig c = config(64, 64);
  expect_legal(c, {.label = "", .m = 4096, .n = 8, .k = 16});
  expect_illegal(c, "n_alignment", {"N 2116 is not a multiple of 8", "16-byte"},
                 {.label = "", .m = 4096, .n = 2116, .k = 7168});
  expect_illegal(c, "k_alignment", {"K 7176 is not a multiple of 16", "16-byte"},
                 {.label = "", .m = 4096, .n = 7168, .k = 7176});
}

TEST(Legality, DeviceMemory) {
  const KernelConfig c = config(128, 128);
  expect_legal(c, kProblem, {.device_memory_bytes = 140390656});
  expect_illegal(c, "device_memory",
                 {"operands need 140390656 B (A 29360128 + B 51380224 + sA 917504 + sB 12544 + "
                  "D 58720256) > 140390655 B device memory"},
                 kProblem, {.device_memory_bytes = 140390655});
}

TEST(Legality, RuleIdsAreUniqueAndDimensionRulesArePrefixed) {
  for (size_t i = 0; i < kLegalityRules.size(); ++i) {
    for (size_t j = i + 1; j < kLegalityRules.size(); ++j) {
      EXPECT_NE(kLegalityRules[i].id, kLegalityRules[j].id);
    }
  }
  EXPECT_EQ(kLegalityRules[1].id, "n_range");
  EXPECT_EQ(kLegalityRules[2].id, "k_range");
}

}  // namespace
}  // namespace gemmtune
