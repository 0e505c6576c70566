// The twins of a problem's screening leaders (sweep/budget.hpp leader_twins): which configs lead,
// the compile queue building their twins ahead, and the sweep measuring them after the configs
// and before the run-off, once, also across a resume.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "core/cost_model.hpp"
#include "core/legality.hpp"
#include "sweep/budget.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/runs_log.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::RunKind;
using Passed = std::vector<sweep::Screened>;
constexpr sweep::GroupedTwins kAllTwins{
    .whole_waves = true, .l2_normal = true, .no_balanced_order = true};

std::vector<std::string> texts(const std::vector<KernelConfig>& configs) {
  std::vector<std::string> out;
  for (const KernelConfig& c : configs) out.push_back(to_string(c));
  return out;
}

// bm128_bn64 and bm64_bn64 have twins (tiles in one 128-wide scale block); bm64_bn136 straddles
// two scale blocks and has none (KernelConfig::mainloop_unroll).
TEST(LeaderTwins, FastestLeadersWithATwinFastestFirst) {
  const Passed passed = {{.median_us = 22.6, .config = "bm64_bn136_s8_mc0_sm132_rN8_sk1"},
                         {.median_us = 24.0, .config = "bm64_bn64_s4_mc0_sm132_rN8_sk1"},
                         {.median_us = 22.9, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk1"},
                         {.median_us = 25.0, .config = "bm128_bn128_s4_mc0_sm132_rN8_sk1"}};
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 2)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk1_k7168",
                                      "bm64_bn64_s4_mc0_sm132_rN8_sk1_k7168"}));
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 1)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk1_k7168"}));
  EXPECT_TRUE(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 0).empty());
}

// The whole-waves twin: num_sms lowered to the fewest CTAs that keep the waves, rounded up to
// whole clusters; none for one wave or waves already whole.
TEST(LeaderTwins, WholeWavesTwinKeepsTheWavesOnFewerCtas) {
  // A masked decode row of 32 experts of ~40 rows (dsv3-moe's of 1291 rows): 32 groups of one
  // 64-row m-block x 32 n-blocks = 1024 tiles, 7.76 waves of 132, 8 whole ones of 128.
  const std::vector<int64_t> rows = {44, 35, 41, 42, 38, 46, 36, 40, 39, 43, 37, 41, 40, 42, 38, 39,
                                     41, 40, 44, 36, 39, 42, 40, 38, 41, 43, 37, 40, 39, 42, 38, 40};
  const Problem masked = Problem::grouped(GroupLayout::kMasked, 4096, 7168, rows, 256);
  const KernelConfig pick = *parse_kernel_config("bm64_bn128_s8_mc0_sm132_rN8_sk1_k7168_gM", nullptr);
  ASSERT_EQ(predict_cost(masked, pick).tiles, 1024);
  EXPECT_EQ(to_string(*sweep::whole_waves_twin(masked, pick)),
            "bm64_bn128_s8_mc0_sm128_rN8_sk1_k7168_gM");
  EXPECT_TRUE(check_legality(masked, *sweep::whole_waves_twin(masked, pick), {}).legal);
  // A cluster of 2 rounds up to an even grid, still the fewest CTAs for the same waves.
  const KernelConfig multicast = *parse_kernel_config("bm64_bn144_s6_mcA_sm132_rN8_sk1_gM", nullptr);
  const int64_t tiles = predict_cost(masked, multicast).tiles;
  const std::optional<KernelConfig> even = sweep::whole_waves_twin(masked, multicast);
  ASSERT_TRUE(even);
  EXPECT_EQ(even->num_sms % 2, 0);
  EXPECT_TRUE(check_legality(masked, *even, {}).legal) << check_legality(masked, *even, {}).reason;
  EXPECT_LT(even->num_sms, 132);
  EXPECT_EQ((tiles + even->num_sms - 1) / even->num_sms, (tiles + 131) / 132);  // same waves
  EXPECT_GT((tiles + even->num_sms - 3) / (even->num_sms - 2), (tiles + 131) / 132);  // fewest
  // One wave (4 experts of one row: 4 x 32 tiles): none; whole waves already: none.
  const Problem one_wave = Problem::grouped(GroupLayout::kMasked, 4096, 7168, {1, 1, 1, 1}, 256);
  EXPECT_FALSE(sweep::whole_waves_twin(one_wave, pick));
  const Problem whole = Problem::grouped(GroupLayout::kMasked, 4096, 7168,
                                         std::vector<int64_t>(33, 40), 256);  // 33 x 32 = 8 x 132
  EXPECT_FALSE(sweep::whole_waves_twin(whole, pick));
}

// The B evict-normal twin: contiguous problems where at least half of the non-empty groups fit
// one m-block of the config's block_m; none for masked or dense problems, or of such a twin.
TEST(LeaderTwins, L2NormalTwinWhereMostGroupsFitOneMBlock) {
  const KernelConfig pick =
      *parse_kernel_config("bm128_bn160_s4_mc0_sm132_rG8_sk1_k1536_gC", nullptr);
  // GLM-4.5 down of 160 experts, ~64 rows a group: every group one m-block.
  const Problem many = Problem::grouped(GroupLayout::kContiguous, 5120, 1536,
                                        std::vector<int64_t>(160, 64));
  const std::optional<KernelConfig> twin = sweep::l2_normal_twin(many, pick);
  ASSERT_TRUE(twin);
  EXPECT_EQ(to_string(*twin), "bm128_bn160_s4_mc0_sm132_rG8_sk1_l2n_k1536_gC");
  EXPECT_TRUE(check_legality(many, *twin, {}).legal) << check_legality(many, *twin, {}).reason;
  EXPECT_FALSE(sweep::l2_normal_twin(many, *twin));
  // Half the groups in one m-block (empty groups not counted): a twin; fewer: none.
  const Problem half = Problem::grouped(GroupLayout::kContiguous, 5120, 1536,
                                        {100, 300, 0, 128, 129});
  EXPECT_TRUE(sweep::l2_normal_twin(half, pick));
  const Problem most_two = Problem::grouped(GroupLayout::kContiguous, 5120, 1536,
                                            {100, 300, 200, 129});
  EXPECT_FALSE(sweep::l2_normal_twin(most_two, pick));
  const Problem masked = Problem::grouped(GroupLayout::kMasked, 5120, 1536,
                                          std::vector<int64_t>(8, 64), 256);
  EXPECT_FALSE(sweep::l2_normal_twin(
      masked, *parse_kernel_config("bm128_bn160_s4_mc0_sm132_rN8_sk1_k1536_gM", nullptr)));
  // Illegal elsewhere: a dense or masked config with the suffix.
  const KernelConfig dense = *parse_kernel_config("bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n", nullptr);
  EXPECT_EQ(check_legality(Problem{.m = 4096, .n = 5120, .k = 1536}, dense, {}).rule_id,
            "l2_normal_layout");
}

// The twin without the balanced order: contiguous problems where at most 3 groups end in a
// cheap m-block (64 rows or fewer into its last 128-row block), of a config that balances.
TEST(LeaderTwins, NoBalancedOrderTwinWhereFewGroupsEndCheap) {
  const KernelConfig pick =
      *parse_kernel_config("bm128_bn160_s4_mcA_sm124_rG8_sk1_k7168_gC", nullptr);
  ASSERT_TRUE(pick.balances_cheap_units());
  // DeepSeek-V3 gate+up at 4 experts: 551 and 516 rows end 39 and 4 rows into an m-block.
  const Problem few = Problem::grouped(GroupLayout::kContiguous, 4096, 7168, {551, 459, 604, 516});
  const std::optional<KernelConfig> twin = sweep::no_balanced_order_twin(few, pick);
  ASSERT_TRUE(twin);
  EXPECT_EQ(to_string(*twin), "bm128_bn160_s4_mcA_sm124_rG8_sk1_nbo_k7168_gC");
  EXPECT_FALSE(twin->balances_cheap_units());
  EXPECT_TRUE(check_legality(few, *twin, {}).legal) << check_legality(few, *twin, {}).reason;
  EXPECT_FALSE(sweep::no_balanced_order_twin(few, *twin));
  // 64 rows into the last m-block is cheap, 65 is not; empty groups do not count.
  const Problem three = Problem::grouped(GroupLayout::kContiguous, 4096, 7168,
                                         {64, 192, 320, 65, 0, 200});
  EXPECT_TRUE(sweep::no_balanced_order_twin(three, pick));
  const Problem four = Problem::grouped(GroupLayout::kContiguous, 4096, 7168,
                                        {64, 192, 320, 448, 65, 0});
  EXPECT_FALSE(sweep::no_balanced_order_twin(four, pick));
  // No order to leave out: fewer than 32 K blocks compiled in, block_m 256, the masked layout.
  const Problem short_k = Problem::grouped(GroupLayout::kContiguous, 4096, 2048, {551, 459});
  EXPECT_FALSE(sweep::no_balanced_order_twin(
      short_k, *parse_kernel_config("bm128_bn160_s4_mcA_sm132_rN8_sk1_k2048_gC", nullptr)));
  EXPECT_TRUE(sweep::no_balanced_order_twin(
      short_k, *parse_kernel_config("bm128_bn160_s4_mcA_sm132_rN8_sk1_gC", nullptr)));
  EXPECT_FALSE(sweep::no_balanced_order_twin(
      few, *parse_kernel_config("bm256_bn128_s3_mcA_sm132_rN8_sk1_k7168_gC", nullptr)));
  const Problem masked = Problem::grouped(GroupLayout::kMasked, 4096, 7168,
                                          std::vector<int64_t>(4, 551), 640);
  EXPECT_FALSE(sweep::no_balanced_order_twin(
      masked, *parse_kernel_config("bm128_bn160_s4_mcA_sm132_rN8_sk1_k7168_gM", nullptr)));
  // Illegal where the member has no order to leave out.
  for (const char* text : {"bm256_bn128_s3_mcA_sm132_rN8_sk1_nbo_k7168_gC",
                           "bm128_bn160_s4_mcA_sm132_rN8_sk1_nbo_k2048_gC",
                           "bm128_bn160_s4_mcA_sm132_rN8_sk1_nbo_k7168_gM",
                           "bm128_bn160_s4_mcA_sm132_rN8_sk1_nbo"}) {
    const std::optional<KernelConfig> c = parse_kernel_config(text, nullptr);
    ASSERT_TRUE(c) << text;
    EXPECT_EQ(check_config_alone(*c, {}).rule_id, "no_balanced_order") << text;
  }
}

// problem_leader_twins with no_balanced_order: each K twin's twin without the order, and with
// whole_waves that of its whole-waves twin too, after it.
TEST(LeaderTwins, NoBalancedOrderTwinsOfTheKTwinsAndTheirWholeWavesTwins) {
  const Problem few = Problem::grouped(GroupLayout::kContiguous, 4096, 7168, {551, 459, 604, 516});
  const Passed passed = {{.median_us = 120.0, .config = "bm128_bn160_s4_mcA_sm132_rN8_sk1_gC"}};
  const std::vector<std::string> leaders = {"bm128_bn160_s4_mcA_sm132_rN8_sk1_k7168_gC",
                                            "bm128_bn160_s4_mcA_sm132_rG8_sk1_k7168_gC"};
  ASSERT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kContiguous, 2)), leaders);
  std::vector<std::string> expected = leaders;
  expected.insert(expected.end(), {"bm128_bn160_s4_mcA_sm132_rN8_sk1_nbo_k7168_gC",
                                   "bm128_bn160_s4_mcA_sm132_rG8_sk1_nbo_k7168_gC"});
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, few, 2, {.no_balanced_order = true})),
            expected);
  // 19 m-blocks x 26 n-blocks = 494 tiles: 4 waves of 132, whole on 124 CTAs.
  expected = leaders;
  expected.insert(expected.end(), {"bm128_bn160_s4_mcA_sm124_rN8_sk1_k7168_gC",
                                   "bm128_bn160_s4_mcA_sm132_rN8_sk1_nbo_k7168_gC",
                                   "bm128_bn160_s4_mcA_sm124_rN8_sk1_nbo_k7168_gC",
                                   "bm128_bn160_s4_mcA_sm124_rG8_sk1_k7168_gC",
                                   "bm128_bn160_s4_mcA_sm132_rG8_sk1_nbo_k7168_gC",
                                   "bm128_bn160_s4_mcA_sm124_rG8_sk1_nbo_k7168_gC"});
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, few, 2, kAllTwins)), expected);
}

// problem_leader_twins with l2_normal: each K twin's evict-normal twin, after its whole-waves
// twin where both knobs are on; without it, exactly what the other knobs give.
TEST(LeaderTwins, L2NormalTwinsOnlyWithTheKnob) {
  // 150 groups of one m-block x 32 n-blocks = 4800 tiles, 36.4 waves of 132, 37 whole of 130.
  const Problem many = Problem::grouped(GroupLayout::kContiguous, 5120, 1536,
                                        std::vector<int64_t>(150, 64));
  const Passed passed = {{.median_us = 350.0, .config = "bm128_bn160_s4_mc0_sm132_rN8_sk1_gC"}};
  // The leader's K twin and its raster G twin.
  const std::vector<std::string> leaders = {"bm128_bn160_s4_mc0_sm132_rN8_sk1_k1536_gC",
                                            "bm128_bn160_s4_mc0_sm132_rG8_sk1_k1536_gC"};
  ASSERT_EQ(texts(sweep::leader_twins(passed, 1536, GroupLayout::kContiguous, 2)), leaders);
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, many, 2, {})), leaders);
  std::vector<std::string> expected = leaders;
  expected.insert(expected.end(), {"bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_k1536_gC",
                                   "bm128_bn160_s4_mc0_sm132_rG8_sk1_l2n_k1536_gC"});
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, many, 2, {.l2_normal = true})), expected);
  expected = leaders;
  expected.insert(expected.end(), {"bm128_bn160_s4_mc0_sm130_rN8_sk1_k1536_gC",
                                   "bm128_bn160_s4_mc0_sm132_rN8_sk1_l2n_k1536_gC",
                                   "bm128_bn160_s4_mc0_sm130_rG8_sk1_k1536_gC",
                                   "bm128_bn160_s4_mc0_sm132_rG8_sk1_l2n_k1536_gC"});
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, many, 2, kAllTwins)), expected);
}

// problem_leader_twins: with whole_waves, grouped problems add each K twin's whole-waves twin
// after the leaders' twins; without it, and for dense problems, exactly leader_twins. Masked
// problems get no evict-normal twin, whatever their rows.
TEST(LeaderTwins, GroupedProblemsAddWholeWavesTwinsOfTheKTwins) {
  const std::vector<int64_t> rows(32, 40);
  const Problem masked = Problem::grouped(GroupLayout::kMasked, 4096, 7168, rows, 256);
  const Passed passed = {{.median_us = 220.0, .config = "bm64_bn128_s8_mc0_sm132_rN8_sk1_gM"},
                         {.median_us = 230.0, .config = "bm64_bn64_s12_mc0_sm132_rN8_sk1_gM"}};
  // bn128: 1024 tiles (7.76 waves) -> 128 CTAs; bn64: 2048 tiles (15.5 waves) -> 128 CTAs.
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, masked, 2, {})),
            texts(sweep::leader_twins(passed, 7168, GroupLayout::kMasked, 2)));
  EXPECT_EQ(texts(sweep::problem_leader_twins(passed, masked, 2, kAllTwins)),
            (std::vector<std::string>{"bm64_bn128_s8_mc0_sm132_rN8_sk1_k7168_gM",
                                      "bm64_bn64_s12_mc0_sm132_rN8_sk1_k7168_gM",
                                      "bm64_bn128_s8_mc0_sm128_rN8_sk1_k7168_gM",
                                      "bm64_bn64_s12_mc0_sm128_rN8_sk1_k7168_gM"}));
  Problem dense{.label = "", .m = 4096, .n = 7168, .k = 7168};
  const Passed dense_passed = {{.median_us = 700.0, .config = "bm128_bn192_s4_mc0_sm132_rN8_sk1"}};
  EXPECT_EQ(texts(sweep::problem_leader_twins(dense_passed, dense, 2, kAllTwins)),
            texts(sweep::leader_twins(dense_passed, 7168, GroupLayout::kNone, 2)));
}

// Contiguous problems: each raster N leader also brings its twin's raster G version (multicast B
// made none); a raster G config measured already never leads; masked problems get none.
TEST(LeaderTwins, ContiguousLeadersBringTheirRasterGTwin) {
  const Passed passed = {{.median_us = 700.0, .config = "bm128_bn192_s4_mcB_sm132_rN8_sk1_gC"},
                         {.median_us = 690.0, .config = "bm128_bn192_s4_mc0_sm132_rG8_sk1_gC"},
                         {.median_us = 705.0, .config = "bm128_bn192_s4_mc0_sm132_rM8_sk1_gC"}};
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kContiguous, 2)),
            (std::vector<std::string>{"bm128_bn192_s4_mcB_sm132_rN8_sk1_k7168_gC",
                                      "bm128_bn192_s4_mc0_sm132_rG8_sk1_k7168_gC",
                                      "bm128_bn192_s4_mc0_sm132_rM8_sk1_k7168_gC"}));
  const Passed masked = {{.median_us = 700.0, .config = "bm128_bn192_s4_mcB_sm132_rN8_sk1_gM"}};
  EXPECT_EQ(texts(sweep::leader_twins(masked, 7168, GroupLayout::kMasked, 2)),
            (std::vector<std::string>{"bm128_bn192_s4_mcB_sm132_rN8_sk1_k7168_gM"}));
  EXPECT_FALSE(sweep::group_bands_twin(*parse_kernel_config("bm128_bn192_s4_mc0_sm132_rN8_sk1",
                                                            nullptr),
                                       GroupLayout::kNone));
}

TEST(LeaderTwins, OnlyWithinTheMarginOfTheFastest) {
  const Passed passed = {{.median_us = 10.0, .config = "bm64_bn136_s8_mc0_sm132_rN8_sk1"},
                         {.median_us = 12.6, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk1"}};
  EXPECT_TRUE(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 2).empty());  // 26% slower
  EXPECT_EQ(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 2, 0.3).size(), 1u);
}

// A twin measured already (from the budget, or by an earlier leader) is not a leader; a config
// measured twice counts at its fastest; a split-K leader keeps its split (56 K blocks in 2), and
// one whose split does not divide the K blocks (3) stands for its whole-K twin, which the whole-K
// version then shares (one twin for both).
TEST(LeaderTwins, TwinsNeverLeadAndASplitKLeaderKeepsAnEvenSplit) {
  const Passed passed = {{.median_us = 9.0, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk1_k7168"},
                         {.median_us = 14.0, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk2"},
                         {.median_us = 10.0, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk2"},
                         {.median_us = 10.2, .config = "bm64_bn64_s4_mc0_sm132_rN8_sk3"},
                         {.median_us = 10.5, .config = "bm64_bn64_s4_mc0_sm132_rN8_sk1"},
                         {.median_us = 11.0, .config = "bm64_bn32_s4_mc0_sm132_rN8_sk1"}};
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 3)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk2_k7168",
                                      "bm64_bn64_s4_mc0_sm132_rN8_sk1_k7168"}));
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 4)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk2_k7168",
                                      "bm64_bn64_s4_mc0_sm132_rN8_sk1_k7168",
                                      "bm64_bn32_s4_mc0_sm132_rN8_sk1_k7168"}));
}

// A leader the card's heat hid (the masked 32 x ~192 rows at 6144 x 7168, 7f3a7dd:results/2026-11-24-
// l2-evict-first/0444-…): screened throttled, 4th by time, 2nd by cycles (median x clock). After
// the `count` fastest by time come up to `count` more by cycles among the throttled ones.
TEST(LeaderTwins, ThrottledLeadersByCyclesJoinAfterTheFastest) {
  const Passed passed = {
      // cycles (median x clock): 1.116 M, 1.067 M, 1.161 M, 1.085 M
      {.median_us = 586.0, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk1", .sm_mhz = 1905},
      {.median_us = 593.0, .config = "bm64_bn64_s4_mc0_sm132_rN8_sk1", .sm_mhz = 1800},
      {.median_us = 600.0, .config = "bm64_bn32_s4_mc0_sm132_rN8_sk1", .sm_mhz = 1935},
      {.median_us = 640.0, .config = "bm128_bn128_s4_mc0_sm132_rN8_sk1", .sm_mhz = 1695}};
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 2)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk1_k7168",
                                      "bm64_bn64_s4_mc0_sm132_rN8_sk1_k7168",
                                      "bm128_bn128_s4_mc0_sm132_rN8_sk1_k7168"}));
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 1)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk1_k7168",
                                      "bm64_bn64_s4_mc0_sm132_rN8_sk1_k7168"}));
  // Not beyond `within_rel` of the fewest cycles: 1.085 M is 1.7% over 1.067 M.
  EXPECT_EQ(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 2, 0.015).size(), 2u);
}

// Where the clock held (within kRunoffThrottledRel of the highest), leaders are by time alone.
TEST(LeaderTwins, ByTimeAloneWhereTheClockHeld) {
  const Passed passed = {
      {.median_us = 586.0, .config = "bm128_bn64_s8_mc0_sm132_rN8_sk1", .sm_mhz = 1905},
      {.median_us = 593.0, .config = "bm64_bn64_s4_mc0_sm132_rN8_sk1", .sm_mhz = 1935},
      {.median_us = 640.0, .config = "bm128_bn128_s4_mc0_sm132_rN8_sk1", .sm_mhz = 1860}};
  EXPECT_EQ(texts(sweep::leader_twins(passed, 7168, GroupLayout::kNone, 1)),
            (std::vector<std::string>{"bm128_bn64_s8_mc0_sm132_rN8_sk1_k7168"}));
}

/// A compiler that counts its calls per config.
struct CountingCompiler {
  std::mutex mutex;
  std::map<std::string, int> calls;
  sweep::CompileFn fn() {
    return [this](const KernelConfig& c) {
      const std::lock_guard<std::mutex> lock(mutex);
      ++calls[to_string(c)];
      return sweep::CompileOutcome{.ok = true};
    };
  }
};

TEST(CompileQueuePrefetch, APrefetchedConfigIsBuiltOnceAndWaitFindsIt) {
  CountingCompiler counting;
  const KernelConfig queued = config_named(kSweepConfigs[0]);
  const KernelConfig late = config_named(kSweepConfigs[1]);
  {
    sweep::CompileQueue queue({queued}, counting.fn(), 1);
    queue.prefetch(late);
    queue.prefetch(late);
    queue.prefetch(queued);  // queued: built once, by whichever thread claims it first
    ASSERT_TRUE(queue.wait(late, nullptr).value().ok);
    ASSERT_TRUE(queue.wait(queued, nullptr).value().ok);
    ASSERT_TRUE(queue.wait(late, nullptr).value().ok);
  }
  EXPECT_EQ(counting.calls.at(kSweepConfigs[0]), 1);
  EXPECT_EQ(counting.calls.at(kSweepConfigs[1]), 1);
}

// A leader's twin may be planned for a problem far ahead in the queue: prefetched, it is built
// out of turn while the queue's one thread is still busy, and the queue skips it later.
TEST(CompileQueuePrefetch, AQueuedConfigFarAheadIsBuiltOutOfTurn) {
  std::mutex gate;
  std::unique_lock<std::mutex> hold(gate);  // the queue's thread blocks on its first config
  std::mutex mutex;
  std::map<std::string, int> calls;
  const KernelConfig first = config_named(kSweepConfigs[0]);
  const KernelConfig far = config_named(kSweepConfigs[2]);
  {
    sweep::CompileQueue queue(
        {first, config_named(kSweepConfigs[1]), far},
        [&](const KernelConfig& c) {
          if (c == first) {
            const std::lock_guard<std::mutex> wait_for_gate(gate);  // until the test opens it
          }
          const std::lock_guard<std::mutex> lock(mutex);
          ++calls[to_string(c)];
          return sweep::CompileOutcome{.ok = true};
        },
        1);
    queue.prefetch(far);
    // While the queue is stuck on `first`; a queue that left `far` to its turn would time out.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const std::optional<sweep::CompileOutcome> built =
        queue.wait(far, [&] { return std::chrono::steady_clock::now() > deadline; });
    hold.unlock();
    ASSERT_TRUE(built.has_value()) << "not built out of turn";
    EXPECT_TRUE(built->ok);
    ASSERT_TRUE(queue.wait(config_named(kSweepConfigs[1]), nullptr).value().ok);
  }
  EXPECT_EQ(calls.at(kSweepConfigs[0]), 1);
  EXPECT_EQ(calls.at(kSweepConfigs[1]), 1);
  EXPECT_EQ(calls.at(kSweepConfigs[2]), 1);  // the queue skipped it when its turn came
}

// A sweep on several GPUs prefetches the twins of each GPU's leaders at about the same time: with
// a prefetch thread a GPU they build side by side. Each compile here waits until both have
// started, so one prefetch thread (building them in turn) would never finish the first.
TEST(CompileQueuePrefetch, PrefetchThreadsBuildSideBySide) {
  std::mutex mutex;
  std::condition_variable both_started;
  int started = 0;
  const auto compile = [&](const KernelConfig&) {
    std::unique_lock<std::mutex> lock(mutex);
    ++started;
    both_started.notify_all();
    const bool together =
        both_started.wait_for(lock, std::chrono::seconds(10), [&] { return started >= 2; });
    return sweep::CompileOutcome{.ok = together, .log = together ? "" : "built alone"};
  };
  sweep::CompileQueue queue({}, compile, 1, 2);
  const KernelConfig a = config_named(kSweepConfigs[1]);
  const KernelConfig b = config_named(kSweepConfigs[2]);
  queue.prefetch(a);
  queue.prefetch(b);
  EXPECT_TRUE(queue.wait(a, nullptr).value().ok);
  EXPECT_TRUE(queue.wait(b, nullptr).value().ok);
}

// Once the queue is built, the pool's threads serve prefetches too: with one prefetch thread and
// a pool of 3, three prefetched configs build side by side (each compile here waits until all
// three have started, so a prefetch thread alone would never finish the first).
TEST(CompileQueuePrefetch, ThePoolServesPrefetchesOnceTheQueueIsBuilt) {
  std::mutex mutex;
  std::condition_variable started_more;
  int late_started = 0;
  std::vector<KernelConfig> queued, late;
  for (const std::string& text : kSweepConfigs) queued.push_back(config_named(text));
  for (const char* text : {"bm64_bn128_s8_mc0_sm132_rN8_sk1", "bm64_bn96_s8_mc0_sm132_rN8_sk1",
                           "bm64_bn32_s8_mc0_sm132_rN8_sk1"}) {
    late.push_back(config_named(text));
  }
  const auto compile = [&](const KernelConfig& config) {
    if (std::find(late.begin(), late.end(), config) == late.end()) {
      return sweep::CompileOutcome{.ok = true};
    }
    std::unique_lock<std::mutex> lock(mutex);
    ++late_started;
    started_more.notify_all();
    const bool together =
        started_more.wait_for(lock, std::chrono::seconds(10), [&] { return late_started >= 3; });
    return sweep::CompileOutcome{.ok = together, .log = together ? "" : "built alone"};
  };
  sweep::CompileQueue queue(queued, compile, 3, 1);
  for (const KernelConfig& config : queued) ASSERT_TRUE(queue.wait(config, nullptr).value().ok);
  for (const KernelConfig& config : late) queue.prefetch(config);
  for (const KernelConfig& config : late) EXPECT_TRUE(queue.wait(config, nullptr).value().ok);
}

TEST(CompileQueuePrefetch, AnExceptionIsThatConfigsFailure) {
  sweep::CompileQueue queue({}, [](const KernelConfig&) -> sweep::CompileOutcome {
    throw std::runtime_error("boom");
  }, 1);
  const KernelConfig late = config_named(kSweepConfigs[2]);
  queue.prefetch(late);
  const std::optional<sweep::CompileOutcome> out = queue.wait(late, nullptr);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->ok);
  EXPECT_EQ(out->log, "boom");
}

/// small_plan() with a run-off per problem and `leader_twins` leaders' twins.
sweep::Planner plan_with_leader_twins(int64_t leader_twins) {
  return [leader_twins](const DeviceLimits&) {
    std::vector<sweep::ProblemWork> plan = small_plan();
    for (sweep::ProblemWork& w : plan) {
      w.items.push_back({.kind = RunKind::kSideBySide});
      w.leader_twins = leader_twins;
    }
    return plan;
  };
}

// Problem a (64 x 2112 x 7168): configs 0 and 1 lead (10 and 11 us, config 2 at 30 us is past
// the margin); their twins are measured after the three configs, before the run-off, which the
// faster twin wins. A resumed run measures nothing more.
TEST(SweepLeaderTwins, TheLeadersTwinsRunBeforeTheRunoffAndMayWinIt) {
  const TempDir dir;
  const std::string twin0 = kSweepConfigs[0] + "_k7168";
  const std::string twin1 = kSweepConfigs[1] + "_k7168";
  sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run",
      {"--median", kSweepConfigs[0] + "=10", "--median", kSweepConfigs[1] + "=11", "--median",
       kSweepConfigs[2] + "=30", "--median", twin0 + "=12", "--median", twin1 + "=7"});
  const sweep::SweepOutcome out = sweep::run_sweep(o, plan_with_leader_twins(2), fake_compiler());
  const std::vector<report::RunRecord> records = read_records(dir.path() / "run" / "runs.jsonl");
  // Per problem: 3 baselines, 3 configs, 2 twins, the run-off.
  ASSERT_EQ(records.size(), 18u);
  const std::vector<report::RunRecord> a = records_of(records, 64);
  ASSERT_EQ(a.size(), 9u);
  EXPECT_EQ(a[6].config, twin0);
  EXPECT_EQ(a[7].config, twin1);
  EXPECT_EQ(a[8].kind, RunKind::kSideBySide);
  EXPECT_EQ(a[8].config, twin1);
  EXPECT_EQ(out.table.problems.at(0).entries.at(0).config, twin1);

  // NOTE: the twins are not planned items: with the run-off recorded they are not looked at.
  o.resume = true;
  const sweep::SweepOutcome again = sweep::run_sweep(o, plan_with_leader_twins(2), fake_compiler());
  EXPECT_EQ(again.recorded, 0);
  EXPECT_EQ(again.already_recorded, 14);
}

// Interrupted after the twins, before the run-off (here: a folder without its run-off records):
// the resumed run finds the same leaders, so the same twins, recorded, and measures only the
// run-off.
TEST(SweepLeaderTwins, AResumeBeforeTheRunoffMeasuresNoTwinAgain) {
  const TempDir dir;
  const std::string twin1 = kSweepConfigs[1] + "_k7168";
  sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run", {"--median", kSweepConfigs[0] + "=10", "--median",
                           kSweepConfigs[1] + "=11", "--median", twin1 + "=7"});
  static_cast<void>(sweep::run_sweep(o, plan_with_leader_twins(2), fake_compiler()));
  const std::filesystem::path runs = dir.path() / "run" / "runs.jsonl";
  std::vector<std::string> kept;
  for (const std::string& line : read_lines(runs)) {
    if (line.find("\"side_by_side\"") == std::string::npos) kept.push_back(line);
  }
  ASSERT_EQ(kept.size(), 16u);
  std::ofstream(runs, std::ios::trunc) << fmt::format("{}\n", fmt::join(kept, "\n"));
  o.resume = true;
  const sweep::SweepOutcome again = sweep::run_sweep(o, plan_with_leader_twins(2), fake_compiler());
  EXPECT_EQ(again.recorded, 2);  // the two run-offs
  EXPECT_EQ(again.already_recorded, 12);  // the planned items; recorded twins are not offered
  EXPECT_EQ(again.table.problems.at(0).entries.at(0).config, twin1);
}

TEST(SweepLeaderTwins, NoneWhenTurnedOff) {
  const TempDir dir;
  const sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run", {"--median", kSweepConfigs[0] + "=10"});
  static_cast<void>(sweep::run_sweep(o, plan_with_leader_twins(0), fake_compiler()));
  EXPECT_EQ(read_records(dir.path() / "run" / "runs.jsonl").size(), 14u);
}

// Problems overlap by one (gpu_pool.cpp drive_worker): problem b's configs are measured after a's
// and before a's leader twin and run-off, so that the twin compiles meanwhile; b's own tail
// comes last. Each problem's records keep their order, and the picks are as without overlap.
TEST(SweepLeaderTwins, TheNextProblemsHeadRunsBeforeAProblemsTwinsAndRunoff) {
  const TempDir dir;
  const std::string twin0 = kSweepConfigs[0] + "_k7168";
  const sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run", {"--median", kSweepConfigs[0] + "=10", "--median",
                           kSweepConfigs[1] + "=20", "--median", kSweepConfigs[2] + "=30"});
  const sweep::SweepOutcome out = sweep::run_sweep(o, plan_with_leader_twins(1), fake_compiler());
  const std::vector<report::RunRecord> records = read_records(dir.path() / "run" / "runs.jsonl");
  const auto position = [&](int64_t m, RunKind kind, const std::string& config) {
    for (size_t i = 0; i < records.size(); ++i) {
      if (records[i].shape.m == m && records[i].kind == kind &&
          (config.empty() || records[i].config == config)) {
        return static_cast<int64_t>(i);
      }
    }
    return int64_t{-1};
  };
  const int64_t b_last_config = position(128, RunKind::kGemmtune, kSweepConfigs[2]);
  const int64_t a_twin = position(64, RunKind::kGemmtune, twin0);
  const int64_t a_runoff = position(64, RunKind::kSideBySide, "");
  const int64_t b_runoff = position(128, RunKind::kSideBySide, "");
  ASSERT_GE(b_last_config, 0);
  ASSERT_GE(a_twin, 0);
  EXPECT_LT(b_last_config, a_twin);
  EXPECT_LT(a_twin, a_runoff);
  EXPECT_LT(a_runoff, b_runoff);
  EXPECT_EQ(b_runoff, static_cast<int64_t>(records.size()) - 1);
  EXPECT_EQ(out.table.problems.at(0).entries.at(0).config, kSweepConfigs[0]);
  EXPECT_EQ(out.table.problems.at(1).entries.at(0).config, kSweepConfigs[0]);
}

// A twin that fails to compile is recorded as such, never selected, and the run-off goes on.
TEST(SweepLeaderTwins, ATwinThatFailsToCompileIsRecordedAndNotSelected) {
  const TempDir dir;
  const std::string twin0 = kSweepConfigs[0] + "_k7168";
  const sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run", {"--median", kSweepConfigs[0] + "=10", "--median",
                           kSweepConfigs[1] + "=20"});
  const sweep::SweepOutcome out =
      sweep::run_sweep(o, plan_with_leader_twins(1), fake_compiler(twin0));
  const std::vector<report::RunRecord> records = read_records(dir.path() / "run" / "runs.jsonl");
  ASSERT_EQ(records.size(), 16u);
  const std::vector<report::RunRecord> a = records_of(records, 64);
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a[6].config, twin0);
  EXPECT_EQ(a[6].disposition, report::Disposition::kCompileFailed);
  EXPECT_EQ(out.table.problems.at(0).entries.at(0).config, kSweepConfigs[0]);
}

}  // namespace
}  // namespace gemmtune::test
