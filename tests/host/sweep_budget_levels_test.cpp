// Budget levels (src/sweep/README.md "Budgets"): each level's knobs, `--budget fast`'s in
// particular, and that the sweep honours them: run-off candidates and rounds in the side-by-side
// request, no cuBLASLt best search, the knobs in env.json. No GPU (tests/fake_worker).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "sweep/budget.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::Json;
using report::RunKind;

TEST(SweepBudgetLevels, FastGivesUpWhatItSays) {
  const sweep::Budget fast = sweep::parse_budget("fast");
  EXPECT_EQ(fast.name, "fast");
  EXPECT_EQ(fast.max_configs, 12);
  EXPECT_EQ(fast.k_twins, 1);
  EXPECT_EQ(fast.leader_twins, 1);
  EXPECT_EQ(fast.runoff.burst_rounds, 2);
  EXPECT_EQ(fast.runoff.max_candidates, 4);
  EXPECT_FALSE(fast.runoff.confirm_close_contests);
  EXPECT_FALSE(fast.cublaslt_best);
}

TEST(SweepBudgetLevels, DefaultLevelsTimeTwoRoundsWithoutTheBestSearch) {
  const sweep::RunoffKnobs two_rounds{.burst_rounds = 2, .max_candidates = 8,
                                      .confirm_close_contests = true};
  for (const char* name : {"quick", "default", "40"}) {
    const sweep::Budget b = sweep::parse_budget(name);
    EXPECT_EQ(b.runoff, two_rounds) << name;
    EXPECT_FALSE(b.cublaslt_best) << name;
    EXPECT_EQ(b.leader_twins, 2) << name;
    EXPECT_EQ(b.whole_waves_twins, std::string(name) != "quick") << name;
    EXPECT_EQ(b.l2_normal_twins, std::string(name) != "quick") << name;
    EXPECT_EQ(b.no_balanced_order_twins, std::string(name) != "quick") << name;
  }
  EXPECT_EQ(sweep::parse_budget("default").max_configs, 16);
  EXPECT_EQ(sweep::parse_budget("default").k_twins, 2);
  // A default-constructed Budget is the default level.
  EXPECT_EQ(sweep::budget_json(sweep::Budget{}), sweep::budget_json(sweep::parse_budget("default")));
}

TEST(SweepBudgetLevels, ThoroughAndExhaustiveKeepTheFullRunoffAndTheBestSearch) {
  const sweep::RunoffKnobs full{.burst_rounds = 4, .max_candidates = 8,
                                .confirm_close_contests = true};
  for (const char* name : {"thorough", "exhaustive"}) {
    const sweep::Budget b = sweep::parse_budget(name);
    EXPECT_EQ(b.runoff, full) << name;
    EXPECT_TRUE(b.cublaslt_best) << name;
    EXPECT_EQ(b.leader_twins, 2) << name;
    EXPECT_TRUE(b.whole_waves_twins) << name;
    EXPECT_TRUE(b.l2_normal_twins) << name;
    EXPECT_TRUE(b.no_balanced_order_twins) << name;
  }
  EXPECT_FALSE(sweep::parse_budget("fast").whole_waves_twins);
  EXPECT_FALSE(sweep::parse_budget("fast").l2_normal_twins);
  EXPECT_FALSE(sweep::parse_budget("fast").no_balanced_order_twins);
  EXPECT_EQ(sweep::parse_budget("thorough").max_configs, 24);
  EXPECT_EQ(sweep::parse_budget("thorough").k_twins, 3);
  EXPECT_EQ(sweep::parse_budget("exhaustive").max_configs, -1);
}

TEST(SweepBudgetLevels, EnvJsonRecordsEveryKnob) {
  const Json j = sweep::budget_json(sweep::parse_budget("fast"));
  EXPECT_EQ(j, (Json{{"name", "fast"},
                     {"max_configs", 12},
                     {"k_twins", 1},
                     {"leader_twins", 1},
                     {"whole_waves_twins", false},
                     {"l2_normal_twins", false},
                     {"no_balanced_order_twins", false},
                     {"heavy_tiles", 2},
                     {"runoff_burst_rounds", 2},
                     {"runoff_max_candidates", 4},
                     {"runoff_close_contest_pass", false},
                     {"cublaslt_best", false}}));
}

TEST(SweepBudgetLevels, RunoffRoundsAndItsSecondPassTravelInTheRequest) {
  sweep::MeasureRequest r{.id = 3, .kind = RunKind::kSideBySide,
                          .problem = {.label = "p", .m = 64, .n = 256, .k = 512},
                          .config = kSweepConfigs[0]};
  r.timing.runoff_regime = "burst";
  r.timing.runoff_rounds = 2;
  r.timing.runoff_confirm = false;
  const sweep::WorkerRequest back = sweep::decode_request(sweep::encode_measure(r));
  ASSERT_TRUE(back.measure.has_value());
  EXPECT_EQ(back.measure->timing, r.timing);
  // A request line without them (an older parent) keeps the full run-off.
  Json line = Json::parse(sweep::encode_measure(r));
  line["timing"].erase("runoff_rounds");
  line["timing"].erase("runoff_confirm");
  const sweep::WorkerRequest old = sweep::decode_request(line.dump());
  EXPECT_EQ(old.measure->timing.runoff_rounds, sweep::kRunoffBurstRounds);
  EXPECT_TRUE(old.measure->timing.runoff_confirm);
  for (const Json& bad : {Json(0), Json(65), Json("2")}) {
    line["timing"]["runoff_rounds"] = bad;
    EXPECT_EQ(catch_error([&] { (void)sweep::decode_request(line.dump()); }).code, kExitUsage)
        << bad.dump();
  }
}

/// Six configs of one problem, all within the run-off's 15% (10.0-10.5 us), so the run-off
/// would take six of them by time.
const std::vector<std::string> kCloseConfigs = {
    "bm64_bn64_s4_mc0_sm132_rN8_sk1",  "bm128_bn128_s4_mc0_sm132_rN8_sk1",
    "bm64_bn128_s4_mc0_sm132_rN8_sk1", "bm128_bn64_s4_mc0_sm132_rN8_sk1",
    "bm64_bn64_s6_mc0_sm132_rN8_sk1",  "bm64_bn64_s8_mc0_sm132_rN8_sk1"};

sweep::Planner six_close_configs() {
  return [](const DeviceLimits&) {
    const Problem p{.label = "a", .m = 64, .n = 2112, .k = 7168};
    sweep::ProblemWork w{.problem = p, .items = sweep::baseline_items(p.layout, 0.0)};
    for (const std::string& c : kCloseConfigs) {
      w.items.push_back({.kind = RunKind::kGemmtune, .config = config_named(c)});
    }
    w.items.push_back({.kind = RunKind::kSideBySide});
    return std::vector<sweep::ProblemWork>{w};
  };
}

/// The side_by_side record of a sweep of six_close_configs() under `options`.
Json side_by_side_record(sweep::SweepOptions options) {
  options.timing.runoff_regime = "burst";
  (void)sweep::run_sweep(options, six_close_configs(), fake_compiler());
  std::string records;
  for (const Json& record : raw_records(options.out_dir / "runs.jsonl")) {
    if (record.at("kind") == "side_by_side") return record;
    records += record.dump() + "\n";
  }
  ADD_FAILURE() << "no side_by_side record among\n" << records;
  return Json::object();
}

std::vector<std::string> close_config_medians() {
  std::vector<std::string> flags;
  for (size_t i = 0; i < kCloseConfigs.size(); ++i) {
    flags.insert(flags.end(), {"--median", kCloseConfigs[i] + "=10." + std::to_string(i)});
  }
  return flags;
}

TEST(SweepBudgetLevels, FastRunoffTimesAtMostFourCandidatesInTwoRounds) {
  const TempDir dir;
  const sweep::Budget fast = sweep::parse_budget("fast");
  sweep::SweepOptions o = fake_sweep_options(dir.path() / "fast", close_config_medians());
  o.timing.runoff_rounds = fast.runoff.burst_rounds;
  o.timing.runoff_confirm = fast.runoff.confirm_close_contests;
  o.runoff_max_candidates = fast.runoff.max_candidates;
  const Json fast_side = side_by_side_record(o);
  ASSERT_EQ(fast_side.at("runoff").size(), 4u) << fast_side.dump();
  for (const Json& c : fast_side.at("runoff")) EXPECT_EQ(c.at("burst_rounds"), 2);

  // The default level: six by time, four rounds each.
  const Json full_side =
      side_by_side_record(fake_sweep_options(dir.path() / "default", close_config_medians()));
  ASSERT_EQ(full_side.at("runoff").size(), 6u)
      << full_side.dump() << "\n"
      << read_text(dir.path() / "default" / "runs.jsonl");
  for (const Json& c : full_side.at("runoff")) EXPECT_EQ(c.at("burst_rounds"), 4);
}

// Through the binary: --budget fast asks for no cuBLASLt best search and records its knobs.
TEST(SweepBudgetLevelsCli, FastSkipsTheBestSearchAndRecordsItsKnobs) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  ::setenv("GEMMTUNE_WORKER_CMD", (std::string(GEMMTUNE_FAKE_WORKER) + " --log " + log).c_str(),
           1);
  // NOTE: multicast B needs two m-blocks; M = 64 with block_m 64 has one, so nothing is legal:
  // only the baselines are measured and nothing compiles.
  const std::string space = dir.write("space.json", R"({"name": "none-legal", "block_m": [64],
    "block_n": [64], "stages": [4], "multicast": ["B"], "num_sms": ["all"], "raster": ["N"],
    "group": [8], "split_k": [1]})");
  const std::string shapes = dir.write("one.json", R"({"name": "one", "problems": [
    {"label": "one", "n": 256, "k": 512, "m": 64}]})");
  const std::filesystem::path run = dir.path() / "run";
  const RunResult r = run_gemmtune("sweep --shapes " + shapes + " --space " + space + " --out " +
                                   run.string() + " --budget fast --quiet");
  ::unsetenv("GEMMTUNE_WORKER_CMD");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> requests = read_lines(log);
  EXPECT_EQ(count_of(requests, "cublaslt_best"), 0);
  EXPECT_EQ(count_of(requests, "cublaslt_heuristic"), 1);
  EXPECT_EQ(count_of(requests, "cublaslt_fp8_tensor"), 1);
  const Json sweep = report::read_json_file((run / "env.json").string()).at("sweep");
  EXPECT_EQ(sweep.at("budget"), "fast");
  EXPECT_EQ(sweep.at("cublaslt_best"), false);
  EXPECT_EQ(sweep.at("budget_knobs"), sweep::budget_json(sweep::parse_budget("fast")));
  EXPECT_EQ(sweep.at("leader_twins_per_problem"), 1);
  EXPECT_EQ(sweep.at("whole_waves_twins"), false);
  EXPECT_EQ(sweep.at("l2_normal_twins"), false);
  EXPECT_EQ(sweep.at("no_balanced_order_twins"), false);
}

}  // namespace
}  // namespace gemmtune::test
