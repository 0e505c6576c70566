// Where a sweep's seconds go (src/sweep/README.md "Time breakdown"): env.json's time_breakdown
// from sweeps with the fake worker (tests/fake_worker), whose --delay-ms, --set-up-ms and
// --runoff-ms give every category time of its own; summary.md's table; the stderr line. No GPU.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "report/render.hpp"
#include "report/summary_model.hpp"
#include "sweep/time_breakdown.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::Json;
using report::RunKind;

// NOTE: written out here, not taken from the code: a category the code drops fails these tests.
const std::vector<std::string> kBreakdownCategories = {
    "start_up_s",           "problem_set_up_s",     "compile_wait_s",
    "screening_s",          "k_twins_s",            "leader_twins_s",
    "runoff_s",             "side_by_side_s",       "cublaslt_heuristic_s",
    "cublaslt_best_s",      "cublaslt_fp8_tensor_s", "cublaslt_per_group_s",
    "cublaslt_per_group_graph_s", "stream_floor_s", "reports_s",
    "other_s"};

/// Each fake request sleeps this long, so that the measuring categories dominate the wall time.
constexpr int kRequestDelayMs = 40;
constexpr int kSetUpMs = 80;
constexpr int kRunoffMs = 60;
/// What the fake compiler says each build took (sweep_test_support.hpp fake_compiler).
constexpr double kFakeCompileSeconds = 0.25;

/// The K twin planned among the first problem's (64 x 2112 x 7168) configs.
const std::string kPlannedTwin = kSweepConfigs[1] + "_k7168";

/// small_plan() plus a planned K twin for the first problem, one leader twin per problem and
/// the run-off.
sweep::Planner plan_with_every_stage() {
  return [](const DeviceLimits&) {
    std::vector<sweep::ProblemWork> plan = small_plan();
    plan.front().items.push_back(
        {.kind = RunKind::kGemmtune, .config = config_named(kPlannedTwin)});
    for (sweep::ProblemWork& w : plan) {
      w.items.push_back({.kind = RunKind::kSideBySide});
      w.leader_twins = 1;
    }
    return plan;
  };
}

/// The fake worker's flags: config 0 leads each problem (so its twin is the leader twin).
std::vector<std::string> timed_worker_flags() {
  std::vector<std::string> flags = {"--delay-ms",  std::to_string(kRequestDelayMs),
                                    "--set-up-ms", std::to_string(kSetUpMs),
                                    "--runoff-ms", std::to_string(kRunoffMs),
                                    "--median",    kSweepConfigs[0] + "=10",
                                    "--median",    kSweepConfigs[1] + "=20",
                                    "--median",    kSweepConfigs[2] + "=30",
                                    "--median",    kPlannedTwin + "=25"};
  return flags;
}

Json breakdown_of(const std::filesystem::path& run) {
  const Json env = report::read_json_file((run / "env.json").string());
  EXPECT_TRUE(env.contains("time_breakdown")) << env.dump(2);
  return env.value("time_breakdown", Json::object());
}

double sum_of_categories(const Json& breakdown) {
  double sum_s = 0.0;
  for (const std::string& name : kBreakdownCategories) sum_s += breakdown.value(name, 0.0);
  return sum_s;
}

TEST(SweepTimeBreakdown, EveryCategoryIsRecordedAndTheyAddUpToTheWallTime) {
  const TempDir dir;
  const sweep::SweepOutcome out = sweep::run_sweep(
      fake_sweep_options(dir.path() / "run", timed_worker_flags()), plan_with_every_stage(),
      fake_compiler());
  const Json b = breakdown_of(dir.path() / "run");
  for (const std::string& name : kBreakdownCategories) {
    ASSERT_TRUE(b.contains(name) && b.at(name).is_number()) << name << " in " << b.dump(2);
    EXPECT_GE(b.at(name).get<double>(), 0.0) << name;
  }
  EXPECT_EQ(b, out.time_breakdown);
  const double wall_s = b.at("wall_s").get<double>();
  EXPECT_EQ(b.at("gpus"), 1);
  EXPECT_NEAR(sum_of_categories(b), wall_s, 0.05 * wall_s) << b.dump(2);
  // NOTE: the named categories claim the time: what none claims (records appended, progress)
  // stays a small part even on a busy 2-core machine.
  EXPECT_LT(b.at("other_s").get<double>(), 0.25 * wall_s) << b.dump(2);

  // Per problem: 3 configs screened, a leader twin (problem a's: config 0 for K 7168), a
  // run-off, each baseline once; problem a's planned K twin; the worker's set-up and run-off
  // seconds land in their own categories.
  const std::vector<report::RunRecord> records = read_records(dir.path() / "run" / "runs.jsonl");
  std::set<std::string> configs;
  int64_t leader_twins = 0;
  for (const report::RunRecord& r : records) {
    if (r.kind != RunKind::kGemmtune) continue;
    configs.insert(r.config);
    const bool screened = std::find(kSweepConfigs.begin(), kSweepConfigs.end(), r.config) !=
                          kSweepConfigs.end();
    leader_twins += !screened && r.config != kPlannedTwin;
  }
  ASSERT_NE(find_record(records, 64, kSweepConfigs[0] + "_k7168"), nullptr);
  const Json& m = b.at("counts").at("measurements");
  EXPECT_EQ(m.value("screening", 0), 6);
  EXPECT_EQ(m.value("k_twins", 0), 1);
  EXPECT_EQ(m.value("leader_twins", 0), leader_twins);
  EXPECT_EQ(m.value("runoff", 0), 2);
  EXPECT_EQ(m.value("side_by_side", 0), 2);
  for (const char* kind : {"cublaslt_heuristic", "cublaslt_best", "cublaslt_fp8_tensor"}) {
    EXPECT_EQ(m.value(kind, 0), 2) << kind;
  }
  const double delay_s = kRequestDelayMs / 1000.0;
  EXPECT_GE(b.at("problem_set_up_s").get<double>(), 2 * kSetUpMs / 1000.0);
  EXPECT_GE(b.at("runoff_s").get<double>(), 2 * kRunoffMs / 1000.0);
  EXPECT_GE(b.at("screening_s").get<double>(), 6 * delay_s);
  EXPECT_GE(b.at("k_twins_s").get<double>(), delay_s);
  EXPECT_GE(b.at("leader_twins_s").get<double>(), leader_twins * delay_s);
  EXPECT_GE(b.at("side_by_side_s").get<double>(), 2 * delay_s);
  EXPECT_GE(b.at("cublaslt_best_s").get<double>(), 2 * delay_s);
  EXPECT_GT(b.at("reports_s").get<double>(), 0.0);
  EXPECT_GT(b.at("start_up_s").get<double>(), 0.0);
  // The set-up is the worker's, not the request's: a screening request of 40 ms does not hold
  // a set-up of 80.
  EXPECT_LT(b.at("cublaslt_heuristic_s").get<double>(), 2 * (delay_s + kSetUpMs / 1000.0));
  EXPECT_EQ(b.at("cublaslt_per_group_s"), 0.0);
  EXPECT_EQ(b.at("stream_floor_s"), 0.0);

  // Compiles: each distinct config once, none cached.
  const auto compiles = static_cast<int64_t>(configs.size());
  EXPECT_EQ(b.at("counts").at("compiles"), compiles);
  EXPECT_EQ(b.at("counts").at("cache_hits"), 0);
  EXPECT_NEAR(b.at("compile_cpu_s").get<double>(), compiles * kFakeCompileSeconds, 1e-6);
}

TEST(SweepTimeBreakdown, TheGpuWaitingForACompileIsCompileWait) {
  const TempDir dir;
  const sweep::CompileFn slow = [](const KernelConfig& c) {
    if (to_string(c) == kSweepConfigs[2]) {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
    }
    return sweep::CompileOutcome{.ok = true, .compile_seconds = 0.6, .cache_hit = false};
  };
  (void)run_small_sweep(fake_sweep_options(dir.path() / "run", {}), slow);
  const Json b = breakdown_of(dir.path() / "run");
  // NOTE: the slow build starts with the sweep, before the ~6 requests ahead of it; with fast
  // fake requests most of its 600 ms is still left when the GPU needs it.
  EXPECT_GE(b.at("compile_wait_s").get<double>(), 0.2) << b.dump(2);
  // A screened config waited: the wait is the screening's, and the parts add up to the whole.
  const Json& wait_for = b.at("compile_wait_for");
  EXPECT_GE(wait_for.at("screening_s").get<double>(), 0.2) << b.dump(2);
  EXPECT_NEAR(wait_for.at("screening_s").get<double>() + wait_for.at("k_twins_s").get<double>() +
                  wait_for.at("leader_twins_s").get<double>(),
              b.at("compile_wait_s").get<double>(), 1e-5)
      << b.dump(2);
}

TEST(SweepTimeBreakdown, WaitingForALeadersTwinIsTheLeaderTwinsCompileWait) {
  const TempDir dir;
  // Config 0 leads each problem; its twin for K 7168 (problem a's leader twin) builds slowly.
  const std::string leader_twin = kSweepConfigs[0] + "_k7168";
  const sweep::CompileFn slow_twin = [&](const KernelConfig& c) {
    if (to_string(c) == leader_twin) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return sweep::CompileOutcome{.ok = true, .compile_seconds = 0.1, .cache_hit = false};
  };
  (void)sweep::run_sweep(fake_sweep_options(dir.path() / "run", timed_worker_flags()),
                         plan_with_every_stage(), slow_twin);
  const Json b = breakdown_of(dir.path() / "run");
  const Json& wait_for = b.at("compile_wait_for");
  // NOTE: the twin is prefetched as soon as config 0 leads (its first screening answer), so the
  // two other configs' requests (~80 ms) run before the GPU needs it.
  EXPECT_GE(wait_for.at("leader_twins_s").get<double>(), 0.3) << b.dump(2);
  EXPECT_LT(wait_for.at("screening_s").get<double>(), 0.3) << b.dump(2);
  ASSERT_NE(find_record(read_records(dir.path() / "run" / "runs.jsonl"), 64, leader_twin), nullptr);
}

TEST(SweepTimeBreakdown, AnInterruptedSweepRecordsWhatItMeasured) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run", {"--hang-on", kSweepConfigs[1], "--log", log, "--set-up-ms", "50"});
  o.watchdog_base_s = 60.0;
  o.interrupt_grace_s = 0.2;
  std::thread interrupter([&] {
    for (int i = 0; i < 1000 && count_of(read_lines(log), kSweepConfigs[1]) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(::getpid(), SIGINT);
  });
  const sweep::SweepOutcome out = run_small_sweep(o);
  interrupter.join();
  ASSERT_TRUE(out.interrupted);
  const Json b = breakdown_of(dir.path() / "run");
  const double wall_s = b.at("wall_s").get<double>();
  EXPECT_NEAR(sum_of_categories(b), wall_s, 0.05 * wall_s) << b.dump(2);
  EXPECT_GE(b.at("problem_set_up_s").get<double>(), 0.05);
  EXPECT_EQ(b.at("counts").at("measurements").value("screening", 0), 2);  // the hang included
}

TEST(SweepTimeBreakdown, LargestCategoriesAreNamedLargestFirst) {
  const Json b = {{"start_up_s", 1.0}, {"screening_s", 6.0}, {"runoff_s", 2.0},
                  {"other_s", 1.0},    {"compile_cpu_s", 50.0}, {"wall_s", 10.0},
                  {"gpus", 1},         {"gpu_s", 10.0}};
  EXPECT_EQ(sweep::largest_time_categories(b),
            "screening 6.0 s (60%), runoff 2.0 s (20%), start_up 1.0 s (10%)");
  EXPECT_EQ(sweep::largest_time_categories(Json()), "");
}

TEST(SweepTimeBreakdown, ReportsAddToTheirCategoryAndTheWallTimeOnly) {
  sweep::TimeBreakdown measuring;
  measuring.add(sweep::TimeCategory::kScreening, 3.0);
  Json b = sweep::time_breakdown_json(measuring, {}, 1.0, 5.0, 2);
  EXPECT_EQ(b.at("start_up_s"), 2.0);  // once per GPU
  EXPECT_EQ(b.at("other_s"), 5.0);     // 2 GPUs x 5 s - 3 - 2
  sweep::add_reports_time(b, 0.5);
  EXPECT_EQ(b.at("reports_s"), 1.0);
  EXPECT_EQ(b.at("other_s"), 5.0);
  EXPECT_EQ(b.at("wall_s"), 5.5);
  EXPECT_EQ(b.at("gpu_s"), 11.0);
  EXPECT_DOUBLE_EQ(sum_of_categories(b), 11.0);
}

TEST(SweepTimeBreakdown, SummaryShowsTheTableOnlyWithABreakdown) {
  report::TuningTable table;
  table.env.gpu_name = "Fake GPU";
  table.env.timing_mode = "kernel";
  table.env.raw = Json::object();
  EXPECT_EQ(report::render_summary_md(table).find("Where the time went"), std::string::npos);
  table.time_breakdown = {{"start_up_s", 1.0}, {"screening_s", 3.0}, {"runoff_s", 0.0},
                          {"reports_s", 9.0},  {"other_s", 0.0},     {"wall_s", 13.0},
                          {"gpus", 1},         {"gpu_s", 13.0}};
  const std::string md = report::render_summary_md(table);
  EXPECT_NE(md.find("## Where the time went"), std::string::npos) << md;
  EXPECT_NE(md.find("| `screening` | 3.0 | 75.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `start_up` | 1.0 | 25.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| total | 4.0 | 100.0% |"), std::string::npos) << md;
  EXPECT_EQ(md.find("`runoff`"), std::string::npos) << md;   // nothing spent: no row
  EXPECT_EQ(md.find("`reports`"), std::string::npos) << md;  // written after the table
}

// Through the binary: --skip-cublaslt-best leaves its category at 0 (under --budget thorough,
// which has the search), summary.md shows the table, a rebuilt report equals the sweep's, --json
// prints the table alone and the last stderr line names the largest categories.
class SweepTimeBreakdownCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("GEMMTUNE_WORKER_CMD",
             (std::string(GEMMTUNE_FAKE_WORKER) + " --delay-ms 30 --set-up-ms 50").c_str(), 1);
  }
  void TearDown() override { ::unsetenv("GEMMTUNE_WORKER_CMD"); }
  TempDir dir_;
};

// NOTE: multicast B needs two m-blocks; M = 64 with block_m 64 has one, so nothing is legal and
// only the baselines are measured (nothing compiles).
constexpr const char* kBaselinesOnlySpace = R"({"name": "none-legal", "block_m": [64],
  "block_n": [64], "stages": [4], "multicast": ["B"], "num_sms": ["all"], "raster": ["N"],
  "group": [8], "split_k": [1]})";
constexpr const char* kOneProblemShapes = R"({"name": "one", "problems": [
  {"label": "one", "n": 256, "k": 512, "m": 64}]})";

TEST_F(SweepTimeBreakdownCli, SkippedBestSearchCostsNothingAndTheSummaryShowsWhereTimeWent) {
  const std::string shapes = dir_.write("one.json", kOneProblemShapes);
  const std::string space = dir_.write("space.json", kBaselinesOnlySpace);
  const std::filesystem::path run = dir_.path() / "run";
  const RunResult r = run_gemmtune("sweep --shapes " + shapes + " --space " + space + " --out " +
                                   run.string() + " --budget thorough --skip-cublaslt-best --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json b = breakdown_of(run);
  EXPECT_EQ(b.at("cublaslt_best_s"), 0.0) << b.dump(2);
  EXPECT_FALSE(b.at("counts").at("measurements").contains("cublaslt_best"));
  EXPECT_GT(b.at("cublaslt_heuristic_s").get<double>(), 0.0);
  EXPECT_GT(b.at("cublaslt_fp8_tensor_s").get<double>(), 0.0);
  EXPECT_GE(b.at("problem_set_up_s").get<double>(), 0.05);

  // --json: the tuning table as before, the breakdown not in it.
  const Json table = Json::parse(r.out);
  EXPECT_EQ(table.at("schema"), "gemmtune.tuning_table/2");
  EXPECT_FALSE(table.at("env").contains("time_breakdown"));
  const std::string summary = read_text(run / "summary.md");
  EXPECT_NE(summary.find("## Where the time went"), std::string::npos) << summary;
  EXPECT_NE(summary.find("| `cublaslt_heuristic` |"), std::string::npos) << summary;

  // The last stderr line names the three largest categories.
  std::string err = r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  const std::string last = err.substr(err.rfind('\n') + 1);
  EXPECT_NE(last.find("where the time went: "), std::string::npos) << r.err;
  EXPECT_EQ(std::count(last.begin(), last.end(), '%'), 3) << last;

  // `gemmtune report` rebuilds the same summary and table from the folder.
  const std::string table_json = read_text(run / "tuning_table.json");
  const RunResult rebuilt = run_gemmtune("report " + run.string());
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_EQ(read_text(run / "summary.md"), summary);
  EXPECT_EQ(read_text(run / "tuning_table.json"), table_json);
}

}  // namespace
}  // namespace gemmtune::test
