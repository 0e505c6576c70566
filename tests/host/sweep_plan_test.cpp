// The sweep's plan without a worker: budget parsing and selection counts, the plan's order, the
// watchdog formula, the worker protocol's lines and the progress line.
#include <gtest/gtest.h>

#include <map>

#include <cstdio>
#include <set>
#include <tuple>

#include "core/config_space.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "sweep/budget.hpp"
#include "sweep/progress.hpp"
#include "sweep/runs_log.hpp"
#include "sweep/work_plan.hpp"
#include "sweep/worker_protocol.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using sweep::Budget;

std::vector<KernelConfig> legal_for(const Problem& p, const std::vector<KernelConfig>& all) {
  std::vector<KernelConfig> legal;
  for (const KernelConfig& c : all) {
    if (check_legality(p, c, DeviceLimits{}).legal) legal.push_back(c);
  }
  return legal;
}

/// The picks without their K-specialised twins (budget.hpp).
std::vector<sweep::Candidate> originals(const std::vector<sweep::Candidate>& picks) {
  std::vector<sweep::Candidate> out;
  for (const sweep::Candidate& c : picks) {
    if (c.config.fixed_k == 0) out.push_back(c);
  }
  return out;
}

class SweepBudget : public ::testing::Test {
 protected:
  void SetUp() override {
    all_ = enumerate_configs(load_config_space(resolve_input_path("configs/spaces/default.json")));
    legal_ = legal_for(problem_, all_);
    ASSERT_GT(legal_.size(), 100u);
  }
  /// The budget's picks without their K-specialised twins.
  std::vector<sweep::Candidate> select(const std::string& budget) const {
    return originals(select_with_twins(budget));
  }
  std::vector<sweep::Candidate> select_with_twins(const std::string& budget) const {
    return sweep::select_candidates(GemmShape{.m = problem_.m, .n = problem_.n, .k = problem_.k}, legal_,
                                    sweep::parse_budget(budget));
  }
  Problem problem_{.label = "o_proj", .m = 64, .n = 7168, .k = 16384};
  std::vector<KernelConfig> all_, legal_;
};

TEST_F(SweepBudget, CountsPerBudget) {
  EXPECT_EQ(select("quick").size(), 8u);
  EXPECT_EQ(select("default").size(), 16u);
  EXPECT_EQ(select("thorough").size(), 24u);
  EXPECT_EQ(select("exhaustive").size(), legal_.size());
  EXPECT_EQ(select("5").size(), 5u);
  EXPECT_EQ(select(std::to_string(legal_.size() + 10)).size(), legal_.size());
}

/// The twin a pick stands for (budget.hpp): its whole-K version compiled for `k`.
std::optional<KernelConfig> twin_of(KernelConfig pick, int64_t k) {
  pick.split_k = 1;
  return k_specialised(pick, k);
}

// Each twin is its pick (split-K 1) compiled for the problem's K, measured right after it; a
// limited budget adds max(1, N / 8) distinct twins for its first picks that have one, exhaustive
// one per pick.
TEST_F(SweepBudget, KSpecialisedTwinsFollowTheirPicks) {
  for (const char* budget : {"quick", "default", "thorough", "exhaustive", "1"}) {
    const std::vector<sweep::Candidate> picks = select_with_twins(budget);
    std::set<std::string> twins;
    for (size_t i = 0; i < picks.size(); ++i) {
      const KernelConfig& c = picks[i].config;
      if (c.fixed_k == 0) continue;
      EXPECT_TRUE(twins.insert(to_string(c)).second) << "twice: " << to_string(c);
      ASSERT_GT(i, 0u) << budget;
      const std::optional<KernelConfig> expected = twin_of(picks[i - 1].config, problem_.k);
      ASSERT_TRUE(expected.has_value()) << to_string(picks[i - 1].config);
      EXPECT_EQ(to_string(c), to_string(*expected)) << budget;
      EXPECT_EQ(c.fixed_k, problem_.k) << budget;
      // A twin changes its K loop: unrolled, or the weight scales per tile (sb_per_tile).
      EXPECT_TRUE(c.mainloop_unroll() > 1 || c.sb_per_tile()) << to_string(c);
      EXPECT_TRUE(check_legality(problem_, c, DeviceLimits{}).legal) << to_string(c);
      if (picks[i - 1].config.split_k == 1) {  // = when HBM-bound
        EXPECT_LE(picks[i].predicted_us, picks[i - 1].predicted_us) << to_string(c);
      }
    }
    std::set<std::string> eligible;
    for (const sweep::Candidate& c : originals(picks)) {
      if (const auto twin = twin_of(c.config, problem_.k)) eligible.insert(to_string(*twin));
    }
    const int64_t allowance = sweep::parse_budget(budget).k_twins;
    EXPECT_EQ(twins.size(), allowance < 0 ? eligible.size()
                                          : std::min<size_t>(allowance, eligible.size()))
        << budget;
    if (std::string(budget) != "1") EXPECT_GE(twins.size(), 1u) << budget;  // bn64 tiles rank high
  }
  EXPECT_EQ(sweep::parse_budget("default").k_twins, 2);
  EXPECT_EQ(sweep::parse_budget("thorough").k_twins, 3);
  EXPECT_EQ(sweep::parse_budget("quick").k_twins, 1);
  EXPECT_EQ(sweep::parse_budget("exhaustive").k_twins, -1);
  EXPECT_EQ(sweep::parse_budget("40").k_twins, 5);
  Budget none = sweep::parse_budget("default");
  none.k_twins = 0;  // sweep --k-twins 0
  for (const sweep::Candidate& c : sweep::select_candidates(
           GemmShape{.m = problem_.m, .n = problem_.n, .k = problem_.k}, legal_, none)) {
    EXPECT_EQ(c.config.fixed_k, 0) << to_string(c.config);
  }
}

// A split-K pick stands for its whole-K twin: at 12288 x 7168 x 16384 the default budget picks
// bm256_bn128 with split-K 2 only, and the twin of the tile that wins there must still run.
// kDepthWholeKMulticastWaves: where a tile's whole-K tiles fill the SMs, the depth pass tries a new
// multicast with one split. At 12288 x 7168 x 16384 the model ranks bm256_bn128's split-K 2
// variants first, and before the rule the whole-K mcA (level with DeepGEMM there, PERF_LOG history)
// was never screened; where whole-K tiles leave SMs idle (128 x 4096 x 7168: 62 bm64_bn136
// tiles) the split-K multicast turn stays. The first holds at the default's 16 configs and the
// thorough 24; the second is checked at 24 configs (at 16 that split-K multicast is not among the
// picks).
TEST(SweepBudgetTwins, DepthTriesANewMulticastWholeKWhereTilesFillTheSms) {
  const std::vector<KernelConfig> all =
      enumerate_configs(load_config_space(resolve_input_path("configs/spaces/default.json")));
  const auto picks_of = [&](int64_t m, int64_t n, int64_t k, const char* budget) {
    const Problem p{.label = "", .m = m, .n = n, .k = k};
    std::set<std::string> texts;
    for (const sweep::Candidate& c :
         sweep::select_candidates(p, legal_for(p, all), sweep::parse_budget(budget))) {
      texts.insert(to_string(c.config));
    }
    return texts;
  };
  for (const char* budget : {"default", "thorough"}) {
    const std::set<std::string> large = picks_of(12288, 7168, 16384, budget);
    EXPECT_EQ(large.count("bm256_bn128_s3_mcA_sm132_rN8_sk1"), 1u) << budget;
    EXPECT_EQ(large.count("bm256_bn128_s3_mcB_sm132_rN8_sk1"), 1u) << budget;
    EXPECT_EQ(large.count("bm256_bn128_s3_mcA_sm132_rN8_sk2"), 0u) << budget;
  }
  EXPECT_EQ(picks_of(128, 4096, 7168, "thorough").count("bm64_bn136_s8_mcA_sm132_rN8_sk2"), 1u);
}

TEST(SweepBudgetTwins, SplitKPickGetsItsWholeKTwin) {
  const std::vector<KernelConfig> all =
      enumerate_configs(load_config_space(resolve_input_path("configs/spaces/default.json")));
  const Problem p{.label = "", .m = 12288, .n = 7168, .k = 16384};
  const std::vector<sweep::Candidate> picks =
      sweep::select_candidates(p, legal_for(p, all), sweep::parse_budget("default"));
  std::set<std::string> texts;
  for (const sweep::Candidate& c : picks) texts.insert(to_string(c.config));
  EXPECT_EQ(texts.count("bm256_bn128_s3_mc0_sm132_rN8_sk1_k16384"), 1u);
}

// Split-K's fixed cost (DeviceModel::split_k_fixup_us): at 512 x 576 x 7168 an unsplit bm64_bn48
// (14.8 us) beat every split-K config the budget chose (16.9 us and up), and with the cost at
// 1.0 us the budget screened no unsplit bm64 tile; the split-K winners of small M must stay.
TEST(SweepBudgetTwins, SplitKFixedCostLeavesRoomForUnsplitSmallTiles) {
  const std::vector<KernelConfig> all =
      enumerate_configs(load_config_space(resolve_input_path("configs/spaces/default.json")));
  const auto picks_of = [&](int64_t m, int64_t n) {
    const Problem p{.label = "", .m = m, .n = n, .k = 7168};
    std::set<std::string> texts;
    for (const sweep::Candidate& c :
         sweep::select_candidates(p, legal_for(p, all), sweep::parse_budget("default"))) {
      texts.insert(to_string(c.config));
    }
    return texts;
  };
  EXPECT_EQ(picks_of(512, 576).count("bm64_bn48_s12_mc0_sm132_rN8_sk1"), 1u);
  EXPECT_EQ(picks_of(1, 576).count("bm64_bn32_s12_mc0_sm132_rN8_sk4"), 1u);
  EXPECT_EQ(picks_of(64, 2112).count("bm64_bn32_s10_mc0_sm132_rN8_sk2"), 1u);
}

// kCheapMainloopCopies: a limited budget screens at most Budget::heavy_tiles compile-heavy tiles
// per problem, one variant each (twins aside), where dsv3-quick's default plan had up to 15 heavy
// configs of 18; the heavy tile that won 4096 x 2112 x 7168 (bm192_bn120, 3 waves of 396 tiles)
// stays; thorough has no limit and screens more of them.
TEST(SweepBudgetHeavyTiles, LimitedBudgetsScreenTwoHeavyTilesOneVariantEach) {
  const std::vector<KernelConfig> all =
      enumerate_configs(load_config_space(resolve_input_path("configs/spaces/default.json")));
  const auto heavy_originals = [&](const Problem& p, const Budget& budget) {
    std::map<std::pair<int, int>, int> variants;
    for (const sweep::Candidate& c : sweep::select_candidates(p, legal_for(p, all), budget)) {
      if (c.config.fixed_k == 0 && c.config.mainloop_copies() > sweep::kCheapMainloopCopies) {
        ++variants[{c.config.block_m, c.config.block_n}];
      }
    }
    return variants;
  };
  const ShapeSet shapes = load_shape_set(resolve_input_path("configs/dsv3-quick.json"));
  for (const Problem& p : shapes.problems) {
    for (const char* level : {"default", "fast", "quick"}) {
      const std::map<std::pair<int, int>, int> heavy = heavy_originals(p, sweep::parse_budget(level));
      EXPECT_LE(heavy.size(), 2u) << level << " " << p.m << "x" << p.n << "x" << p.k;
      for (const auto& [tile, n] : heavy) EXPECT_EQ(n, 1) << level << " bn" << tile.second;
    }
    Budget none = sweep::parse_budget("default");
    none.heavy_tiles = 0;  // sweep --heavy-tiles 0
    EXPECT_TRUE(heavy_originals(p, none).empty());
  }
  const Problem wide{.label = "", .m = 4096, .n = 2112, .k = 7168};
  EXPECT_EQ(heavy_originals(wide, sweep::parse_budget("default")).count({192, 120}), 1u);
  size_t thorough_variants = 0;
  for (const auto& [tile, n] : heavy_originals(wide, sweep::parse_budget("thorough"))) {
    thorough_variants += n;
  }
  EXPECT_GT(thorough_variants, 2u);
  EXPECT_EQ(sweep::parse_budget("thorough").heavy_tiles, -1);
  EXPECT_EQ(sweep::parse_budget("default").heavy_tiles, 2);
}

// Breadth spans ceil(N / 2) tiles: twelve at the thorough 24 configs, eight at the default's 16.
TEST_F(SweepBudget, PicksAreDistinctRankedAndSpanTwelveTiles) {
  const std::vector<sweep::Candidate> all = select("exhaustive");
  for (const auto& [budget, min_tiles] : {std::pair<const char*, size_t>{"thorough", 12},
                                          std::pair<const char*, size_t>{"default", 8}}) {
    const std::vector<sweep::Candidate> picks = select(budget);
    std::set<std::string> texts;
    std::set<std::pair<int, int>> tiles;
    for (size_t i = 0; i < picks.size(); ++i) {
      texts.insert(to_string(picks[i].config));
      tiles.insert({picks[i].config.block_m, picks[i].config.block_n});
      if (i > 0) {
        EXPECT_LE(picks[i - 1].predicted_us,
                  picks[i].predicted_us * (1 + 2 * sweep::kTieTolerance)) << budget;
      }
    }
    EXPECT_EQ(texts.size(), picks.size()) << budget;
    EXPECT_GE(tiles.size(), min_tiles) << budget;
    EXPECT_DOUBLE_EQ(picks.front().predicted_us, all.front().predicted_us) << budget;
  }
}

// Exhaustive dsv3-quick on the H200: at 128x4096x7168 the model ranked multicast variants first
// (predicted 15.7 µs, measured 22.5) and the plain bm64_bn64 that won (20.9) was never measured.
// The breadth pass therefore takes each tile's best variant without multicast: twelve tiles at
// the thorough 24 configs, eight at the default's 16.
TEST_F(SweepBudget, BreadthTakesEachTilesBestPlainVariant) {
  const Problem p{.label = "gate_up", .m = 128, .n = 4096, .k = 7168};
  const std::vector<KernelConfig> legal = legal_for(p, all_);
  const GemmShape shape{.m = p.m, .n = p.n, .k = p.k};
  const std::vector<sweep::Candidate> ranked = originals(sweep::select_candidates(shape, legal, sweep::parse_budget("exhaustive")));
  std::map<std::pair<int, int>, std::string> best_plain;  // in ranking order: the first one seen
  for (const sweep::Candidate& c : ranked) {
    if (c.config.multicast == Multicast::kNone) best_plain.try_emplace({c.config.block_m, c.config.block_n}, to_string(c.config));
  }
  for (const auto& [budget, min_checked] : {std::pair<const char*, int>{"thorough", 12},
                                            std::pair<const char*, int>{"default", 8}}) {
    const std::vector<sweep::Candidate> picks =
        originals(sweep::select_candidates(shape, legal, sweep::parse_budget(budget)));
    std::set<std::string> picked;
    std::set<std::pair<int, int>> tiles;
    for (const sweep::Candidate& c : picks) {
      picked.insert(to_string(c.config));
      tiles.insert({c.config.block_m, c.config.block_n});
    }
    int checked = 0;
    for (const auto& tile : tiles) {
      const auto it = best_plain.find(tile);
      if (it == best_plain.end()) continue;
      EXPECT_EQ(picked.count(it->second), 1u) << budget << ": " << it->second;
      ++checked;
    }
    EXPECT_GE(checked, min_checked) << budget;
    // The tile that won this shape in the sweeps, at its deepest ring (ties prefer more stages).
    EXPECT_EQ(picked.count("bm64_bn64_s12_mc0_sm132_rN8_sk1"), 1u) << budget;
  }
}

TEST_F(SweepBudget, TiesPreferMoreStages) {
  const std::vector<sweep::Candidate> all = select("exhaustive");
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i].predicted_us == all[i - 1].predicted_us) {
      EXPECT_GE(all[i - 1].config.stages, all[i].config.stages) << i;
    }
  }
}

TEST(SweepBudgetParse, NamesAndNumbers) {
  EXPECT_EQ(sweep::parse_budget("quick").max_configs, sweep::kQuickBudgetConfigs);
  EXPECT_EQ(sweep::parse_budget("default").max_configs, sweep::kDefaultBudgetConfigs);
  EXPECT_EQ(sweep::parse_budget("thorough").max_configs, sweep::kThoroughBudgetConfigs);
  EXPECT_EQ(sweep::parse_budget("exhaustive").max_configs, -1);
  EXPECT_EQ(sweep::parse_budget("40").max_configs, 40);
  for (const char* bad : {"", "0", "-3", "faster", "12x"}) {
    const CaughtError e = catch_error([&] { (void)sweep::parse_budget(bad); });
    EXPECT_EQ(e.code, kExitUsage) << bad;
  }
}

// `sweep --stream-floor` (cmd_sweep.cpp): the floor after the baselines, before the first config,
// on the baselines' time scale; a problem with no legal config gets it after its baselines.
TEST(SweepPlan, StreamFloorItemStandsAfterTheBaselinesBeforeTheConfigs) {
  const ShapeSet shapes = load_shape_set(resolve_input_path("configs/dsv3-quick.json"));
  const ConfigSpace space = load_config_space(resolve_input_path("configs/spaces/quick.json"));
  auto plan = sweep::plan_sweep(shapes, enumerate_configs(space), DeviceLimits{},
                                sweep::parse_budget("quick"));
  sweep::ProblemWork& w = plan.at(0);
  const size_t before = w.items.size();
  sweep::add_stream_floor_item(w);
  ASSERT_EQ(w.items.size(), before + 1);
  EXPECT_EQ(w.items[3].kind, report::RunKind::kStreamFloor);
  EXPECT_FALSE(w.items[3].config.has_value());
  EXPECT_DOUBLE_EQ(w.items[3].predicted_us, w.items[0].predicted_us);
  EXPECT_EQ(w.items[2].kind, report::RunKind::kCublasltFp8Tensor);
  EXPECT_EQ(w.items[4].kind, report::RunKind::kGemmtune);
  sweep::ProblemWork baselines_only{.problem = w.problem,
                                    .items = sweep::baseline_items(GroupLayout::kNone, 5.0)};
  sweep::add_stream_floor_item(baselines_only);
  ASSERT_EQ(baselines_only.items.size(), 4u);
  EXPECT_EQ(baselines_only.items.back().kind, report::RunKind::kStreamFloor);
}

TEST(SweepPlan, BaselinesFirstThenLegalConfigsOfTheBudgetThenSideBySide) {
  const ShapeSet shapes = load_shape_set(resolve_input_path("configs/dsv3-quick.json"));
  const ConfigSpace space = load_config_space(resolve_input_path("configs/spaces/quick.json"));
  const auto plan = sweep::plan_sweep(shapes, enumerate_configs(space), DeviceLimits{},
                                      sweep::parse_budget("quick"));
  ASSERT_EQ(plan.size(), shapes.problems.size());
  for (const sweep::ProblemWork& w : plan) {
    size_t twins = 0;
    for (const sweep::WorkItem& item : w.items) twins += item.config && item.config->fixed_k != 0;
    EXPECT_LE(twins, 1u);  // quick: max(1, 8 / 8)
    ASSERT_EQ(w.items.size(), 3u + 8u + twins + 1u) << w.problem.m;
    EXPECT_EQ(w.items[0].kind, report::RunKind::kCublasltHeuristic);
    EXPECT_EQ(w.items[1].kind, report::RunKind::kCublasltBest);
    EXPECT_EQ(w.items[2].kind, report::RunKind::kCublasltFp8Tensor);
    EXPECT_EQ(w.items.back().kind, report::RunKind::kSideBySide);
    EXPECT_FALSE(w.items.back().config.has_value());  // the fastest passed config, chosen at run time
    for (size_t i = 3; i + 1 < w.items.size(); ++i) {
      ASSERT_TRUE(w.items[i].config.has_value());
      EXPECT_TRUE(check_legality(w.problem, *w.items[i].config, DeviceLimits{}).legal);
    }
    EXPECT_DOUBLE_EQ(w.items[0].predicted_us, w.items[3].predicted_us);
  }
}

TEST(SweepWatchdog, FixedAllowancePlusFiftyTimesEveryLaunch) {
  const sweep::TimingRequest timing{.mode = "kernel", .warmup = 3, .iters = 30};
  const sweep::WorkItem config{.kind = report::RunKind::kGemmtune, .config = std::nullopt,
                               .predicted_us = 100.0};
  EXPECT_EQ(sweep::request_launches(config, timing), 34);
  EXPECT_NEAR(sweep::watchdog_seconds(config, timing, 20.0, 0.0), 20.0 + 50 * 1100e-6 * 34, 1e-9);
  EXPECT_NEAR(sweep::watchdog_seconds(config, timing, 20.0, 7.0), 27.0 + 50 * 1100e-6 * 34, 1e-9);
  // Both references of 16384x36864x7168 (8.7 TFLOP each) at 0.25 TFLOPS.
  EXPECT_NEAR(sweep::problem_setup_seconds({.label = "", .m = 16384, .n = 36864, .k = 7168}),
              2 * 2.0 * 16384 * 36864 * 7168 / 0.25e12, 1e-6);
  const sweep::WorkItem best{.kind = report::RunKind::kCublasltBest, .config = std::nullopt,
                             .predicted_us = 100.0};
  // 2048 algorithms x (a probe sample, twice at most, then 0 warm-ups + 2 samples if the probe
  // cut keeps every one), 4 re-timed with the full protocol.
  EXPECT_EQ(sweep::request_launches(best, timing), 2048 * (2 + 2) + 4 * 34);
  const sweep::WorkItem side{.kind = report::RunKind::kSideBySide, .config = std::nullopt,
                             .predicted_us = 100.0};
  // Side by side: up to 8 run-off configs with >= 100 samples each in up to 2 passes (a close
  // contest's confirmation), then the winner and 3 baselines with the request's 30, every one
  // counted twice.
  EXPECT_EQ(sweep::request_launches(side, timing), 2 * 2 * 8 * (1 + 3 + 100) + 6 * 34);
}

TEST(WorkerProtocol, MeasureRequestRoundTrips) {
  const sweep::MeasureRequest r{.id = 7, .kind = report::RunKind::kGemmtune,
                                .problem = {.label = "o proj", .m = 64, .n = 7168, .k = 16384},
                                .config = kSweepConfigs[0],
                                .timing = {.mode = "call", .warmup = 2, .iters = 9}, .seed = 5};
  const sweep::WorkerRequest back = sweep::decode_request(sweep::encode_measure(r));
  ASSERT_TRUE(back.measure.has_value());
  EXPECT_FALSE(back.hello);
  EXPECT_EQ(back.measure->id, 7);
  EXPECT_EQ(back.measure->problem, r.problem);
  EXPECT_EQ(back.measure->config, r.config);
  EXPECT_EQ(back.measure->timing, r.timing);
  EXPECT_EQ(back.measure->seed, 5u);
  EXPECT_TRUE(sweep::decode_request(sweep::encode_hello(0)).hello);
  for (const char* bad :
       {"nope", "{}", R"({"schema":"gemmtune.worker_request/1","id":1,"op":"x"})"}) {
    EXPECT_EQ(catch_error([&] { (void)sweep::decode_request(bad); }).code, kExitUsage) << bad;
  }
}

TEST(WorkerProtocol, ResponsesAreCheckedAgainstTheirRequest) {
  const sweep::MeasureRequest r{.id = 3, .kind = report::RunKind::kGemmtune,
                                .problem = {.label = "", .m = 64, .n = 2112, .k = 7168},
                                .config = kSweepConfigs[1]};
  const report::Json record = sweep::make_parent_record(r.problem, r.kind, r.config,
                                                        report::Disposition::kFaulted, "x");
  const sweep::WorkerResponse ok =
      sweep::decode_response(sweep::encode_record_response(3, record, true), 3);
  EXPECT_TRUE(ok.malformed.empty());
  EXPECT_TRUE(ok.restart);
  EXPECT_EQ(sweep::record_mismatch(ok.record, r), "");
  sweep::MeasureRequest other = r;
  other.config = kSweepConfigs[0];
  EXPECT_NE(sweep::record_mismatch(ok.record, other).find("config"), std::string::npos);
  EXPECT_FALSE(sweep::decode_response(sweep::encode_record_response(2, record, false), 3)
                   .malformed.empty());
  EXPECT_FALSE(sweep::decode_response("garbage", 3).malformed.empty());
  EXPECT_FALSE(sweep::decode_response(R"({"schema":"gemmtune.worker_response/1","id":3})", 3)
                   .malformed.empty());
  const sweep::WorkerResponse error =
      sweep::decode_response(sweep::encode_error_response(3, "no GPU\nat all", 3), 3);
  ASSERT_TRUE(error.error.has_value());
  EXPECT_EQ(*error.error, "no GPU\\nat all");
  EXPECT_EQ(error.exit_code, 3);
}

TEST(SweepProgress, LineDurationAndEta) {
  sweep::ProgressState s{.problem_index = 3, .problem_count = 18,
                         .problem = {.label = "o_proj", .m = 64, .n = 7168, .k = 16384},
                         .configs_done = 12, .configs_total = 24};
  EXPECT_EQ(sweep::format_progress(s),
            "[problem 3/18] 64x7168x16384 o_proj: configs 12/24, best so far -, ETA ?");
  s.best_us = 44.2;
  s.best_config = kSweepConfigs[0];
  s.eta_s = 185;
  EXPECT_EQ(sweep::format_progress(s), "[problem 3/18] 64x7168x16384 o_proj: configs 12/24, best "
                                       "so far 44.20 us (" + kSweepConfigs[0] + "), ETA 3m05s");
  EXPECT_EQ(sweep::format_duration(45.4), "45s");
  EXPECT_EQ(sweep::format_duration(3720), "1h02m");
  EXPECT_EQ(sweep::format_duration(-1), "?");
  EXPECT_FALSE(sweep::estimate_eta_s(10, 0, 5).has_value());
  EXPECT_DOUBLE_EQ(*sweep::estimate_eta_s(10, 4, 6), 15.0);
}

TEST(SweepProgress, InPlaceRewritesQuietPrintsNothing) {
  const sweep::ProgressState s{.problem_index = 1, .problem_count = 1,
                               .problem = {.label = "", .m = 1, .n = 8, .k = 16},
                               .configs_done = 0, .configs_total = 2};
  std::FILE* f = std::tmpfile();
  sweep::ProgressPrinter tty(f, true, false);
  tty.update(s);
  tty.finish(s);
  sweep::ProgressPrinter quiet(f, false, true);
  quiet.update(s);
  quiet.finish(s);
  std::rewind(f);
  char buffer[512] = {};
  const std::string text(buffer, std::fread(buffer, 1, sizeof buffer - 1, f));
  std::fclose(f);
  const std::string line = sweep::format_progress(s);
  EXPECT_EQ(text, "\r" + line + "\x1b[K\r" + line + "\x1b[K\n");
}

TEST(SweepProgress, PoolLineShowsTheSweepsAndEachGpusEta) {
  const sweep::ProgressState busy{.problem_index = 2, .problem_count = 18,
                                  .problem = {.label = "o_proj", .m = 64, .n = 7168, .k = 16384},
                                  .configs_done = 12, .configs_total = 24, .items_left = 15};
  const std::vector<sweep::LaneProgress> lanes = {
      {.ordinal = 0, .state = busy, .eta_s = 41.0},
      {.ordinal = 2, .state = busy, .eta_s = std::nullopt},
      {.ordinal = 3, .state = std::nullopt, .eta_s = std::nullopt}};
  EXPECT_EQ(sweep::format_pool_progress(5, 18, 185.0, lanes),
            "[3 GPUs] problems 5/18, ETA 3m05s | gpu0 64x7168x16384 12/24 ETA 41s | "
            "gpu2 64x7168x16384 12/24 ETA ? | gpu3 idle");
}

/// What a SweepProgress of `ordinals` writes to a terminal for one update and finish of `s`.
std::string terminal_output(const std::vector<int>& ordinals, const sweep::ProgressState& s) {
  std::FILE* f = std::tmpfile();
  {
    sweep::SweepProgress progress(sweep::ProgressPrinter(f, true, false), ordinals, 18, 30);
    progress.update(0, s);
    (void)progress.item_done(0);
    progress.finish(0, s);
  }
  std::rewind(f);
  char buffer[1024] = {};
  const std::string text(buffer, std::fread(buffer, 1, sizeof buffer - 1, f));
  std::fclose(f);
  return text;
}

TEST(SweepProgress, OneGpuWritesExactlyTheSingleWorkerLines) {
  sweep::ProgressState s{.problem_index = 3, .problem_count = 18,
                         .problem = {.label = "o_proj", .m = 64, .n = 7168, .k = 16384},
                         .configs_done = 12, .configs_total = 24, .items_left = 4};
  s.eta_s = 185;
  const std::string line = sweep::format_progress(s);
  EXPECT_EQ(terminal_output({0}, s), "\r" + line + "\x1b[K\r" + line + "\x1b[K\n");
  // Several GPUs: the pool line carries each busy GPU's ETA (known after its first measurement).
  const std::string pool = terminal_output({0, 1}, s);
  EXPECT_NE(pool.find("[2 GPUs] problems 0/18, ETA ? | gpu0 64x7168x16384 12/24 ETA ? | gpu1 idle"),
            std::string::npos) << pool;
  EXPECT_NE(pool.find("[gpu 0] " + line), std::string::npos) << pool;
}

}  // namespace
}  // namespace gemmtune::test
