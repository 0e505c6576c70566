// Grouped GEMMs in the host layers: the config suffix, the problem's rows, and the legality rules
// `groups`, `group_multicast_b`, `group_split_k` and `group_layout` on both sides of each limit.
#include <gtest/gtest.h>

#include "core/legality.hpp"

namespace gemmtune {
namespace {

KernelConfig parse(const char* text) {
  std::string error;
  const std::optional<KernelConfig> c = parse_kernel_config(text, &error);
  EXPECT_TRUE(c.has_value()) << error;
  return c.value_or(KernelConfig{});
}

Problem contiguous(std::vector<int64_t> group_m, int64_t n = 4096, int64_t k = 7168) {
  return Problem::grouped(GroupLayout::kContiguous, n, k, std::move(group_m));
}

Problem masked(std::vector<int64_t> group_m, int64_t max_m, int64_t n = 4096, int64_t k = 7168) {
  return Problem::grouped(GroupLayout::kMasked, n, k, std::move(group_m), max_m);
}

std::string rule(const Problem& p, const KernelConfig& c) {
  return check_legality(p, c, DeviceLimits{}).rule_id;
}

TEST(GroupedConfigText, SuffixRoundTripsAndDenseHasNone) {
  const KernelConfig c = parse("bm128_bn160_s4_mcA_sm132_rN8_sk1_gC");
  EXPECT_EQ(c.layout, GroupLayout::kContiguous);
  EXPECT_EQ(to_string(c), "bm128_bn160_s4_mcA_sm132_rN8_sk1_gC");
  EXPECT_EQ(parse("bm64_bn128_s8_mc0_sm132_rN8_sk1_gM").layout, GroupLayout::kMasked);
  const KernelConfig dense = parse("bm64_bn128_s8_mc0_sm132_rN8_sk1");
  EXPECT_EQ(dense.layout, GroupLayout::kNone);
  EXPECT_EQ(to_string(dense), "bm64_bn128_s8_mc0_sm132_rN8_sk1");
  std::string error;
  EXPECT_FALSE(parse_kernel_config("bm64_bn128_s8_mc0_sm132_rN8_sk1_gX", &error));
  EXPECT_FALSE(parse_kernel_config("bm64_bn128_s8_mc0_sm132_rN8_sk1_gC_gM", &error));
  EXPECT_FALSE(parse_kernel_config("bm64_bn128_s8_mc0_sm132_rN8_gC", &error));
}

TEST(GroupedConfigText, LayoutNamesRoundTrip) {
  for (const GroupLayout l : {GroupLayout::kNone, GroupLayout::kContiguous, GroupLayout::kMasked}) {
    EXPECT_EQ(parse_group_layout(to_string(l)), l);
  }
  EXPECT_FALSE(parse_group_layout("grouped"));
}

TEST(GroupedLegality, RaggedAndEmptyGroupsAreLegal) {
  const KernelConfig c = parse("bm128_bn128_s5_mcA_sm132_rN8_sk1_gC");
  EXPECT_EQ(rule(contiguous({0, 1, 8191, 0, 130}), c), "");
  EXPECT_EQ(rule(masked({0, 20, 4096}, 4096), parse("bm64_bn128_s8_mc0_sm132_rN8_sk1_gM")), "");
}

TEST(GroupedLegality, GroupsRuleBothSides) {
  const KernelConfig c = parse("bm128_bn128_s5_mc0_sm132_rN8_sk1_gC");
  EXPECT_EQ(rule(contiguous(std::vector<int64_t>(512, 64)), c), "");
  EXPECT_EQ(rule(contiguous(std::vector<int64_t>(513, 64)), c), "groups");
  Problem bad_sum = contiguous({100, 200});
  bad_sum.m = 301;
  EXPECT_EQ(rule(bad_sum, c), "groups");
  EXPECT_EQ(rule(contiguous({100, -1, 200}), c), "groups");
  const KernelConfig cm = parse("bm64_bn128_s8_mc0_sm132_rN8_sk1_gM");
  EXPECT_EQ(rule(masked({4096, 1}, 4096), cm), "");
  EXPECT_EQ(rule(masked({4097, 1}, 4096), cm), "groups");
  Problem wrong_m = masked({1, 1}, 4096);
  wrong_m.m = 4096;
  EXPECT_EQ(rule(wrong_m, cm), "groups");
  // G x N rows of B must fit the kernel's 32-bit coordinates: 256 x 8388608 = 2^31.
  EXPECT_EQ(rule(contiguous(std::vector<int64_t>(256, 1), 8388608, 128), c), "groups");
  Problem dense_with_groups{.label = "", .m = 64, .n = 4096, .k = 7168, .group_m = {64}};
  EXPECT_EQ(rule(dense_with_groups, parse("bm64_bn128_s8_mc0_sm132_rN8_sk1")), "groups");
}

TEST(GroupedLegality, LayoutMustMatchTheOp) {
  EXPECT_EQ(rule(contiguous({128, 256}), parse("bm128_bn128_s5_mc0_sm132_rN8_sk1")),
            "group_layout");
  EXPECT_EQ(rule(contiguous({128, 256}), parse("bm128_bn128_s5_mc0_sm132_rN8_sk1_gM")),
            "group_layout");
  const Problem dense{.label = "", .m = 256, .n = 4096, .k = 7168};
  const Legality verdict = check_legality(dense, parse("bm128_bn128_s5_mc0_sm132_rN8_sk1_gC"), {});
  EXPECT_EQ(verdict.rule_id, "group_layout");
  EXPECT_NE(verdict.reason.find("grouped_contiguous"), std::string::npos) << verdict.reason;
  EXPECT_NE(verdict.reason.find("dense"), std::string::npos) << verdict.reason;
}

TEST(GroupedLegality, MulticastBYesSplitKNo) {
  // Multicast B pairs m-blocks across groups (an odd total mirrors), so any group sizes run.
  EXPECT_EQ(rule(contiguous({129, 0, 1, 512}), parse("bm128_bn128_s5_mcB_sm132_rN8_sk1_gC")), "");
  EXPECT_EQ(rule(contiguous({512, 512}), parse("bm128_bn128_s5_mc0_sm132_rN8_sk2_gC")),
            "group_split_k");
  EXPECT_EQ(check_config_alone(parse("bm128_bn128_s5_mc0_sm132_rN8_sk3_gM"), {}).rule_id,
            "group_split_k");
}

TEST(GroupedLegality, BytesCountEveryGroupsWeights) {
  // 8 groups of N 4096 x K 7168: B 8 x 29.4 MB, sB 8 x 32 x 56 x 4 B.
  const std::optional<ProblemBytes> bytes = problem_bytes(contiguous(std::vector<int64_t>(8, 100)));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->b_bytes, 8LL * 4096 * 7168);
  EXPECT_EQ(bytes->sb_bytes, 8LL * 32 * 56 * 4);
  EXPECT_EQ(bytes->a_bytes, 800LL * 7168);
}

TEST(GroupedLegality, GroupTableCostsSharedMemoryOnlyForGroupedConfigs) {
  const KernelConfig dense = parse("bm128_bn128_s5_mc0_sm132_rN8_sk1");
  const KernelConfig grouped = parse("bm128_bn128_s5_mc0_sm132_rN8_sk1_gC");
  // The group table, and 128 B more sA per stage (5 stages) for the 4-aligned sA box.
  EXPECT_EQ(smem_layout(grouped).total_bytes - smem_layout(dense).total_bytes,
            (kMaxGroups + 2) * 4 + 5 * 128);
  EXPECT_EQ(smem_layout(dense).group_table_bytes, 0);
}

}  // namespace
}  // namespace gemmtune
