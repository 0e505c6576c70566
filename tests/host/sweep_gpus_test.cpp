// `sweep --gpus` (src/sweep/README.md "Several GPUs"): one fake worker per GPU ordinal (no GPU
// needed: the fake worker reports the CUDA_VISIBLE_DEVICES it was started with), problems shared
// from one queue, a failing GPU taken out of the pool, a killed worker, resume across GPU counts,
// GPU models not mixed.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <map>
#include <set>
#include <thread>

#include "report/tuning_table.hpp"
#include "sweep/gpu_pool.hpp"
#include "sweep/measure_loop.hpp"
#include "sweep/runs_log.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::Json;

/// Six problems (small_plan()'s items each), so that three GPUs all get work.
std::vector<sweep::ProblemWork> six_problem_plan() {
  std::vector<sweep::ProblemWork> plan;
  for (int64_t i = 1; i <= 6; ++i) {
    sweep::ProblemWork work = small_plan().front();
    work.problem = {.label = "p" + std::to_string(i), .m = 64 * i, .n = 2112, .k = 7168};
    work.items = sweep::baseline_items(work.problem.layout, 1.0 * static_cast<double>(i));
    for (const std::string& c : kSweepConfigs) {
      work.items.push_back({.kind = report::RunKind::kGemmtune, .config = config_named(c),
                            .predicted_us = 1.0 * static_cast<double>(i)});
    }
    work.items.push_back({.kind = report::RunKind::kSideBySide});
    plan.push_back(std::move(work));
  }
  return plan;
}

sweep::SweepOutcome run_six(sweep::SweepOptions options, const std::vector<int>& gpus) {
  options.gpus = gpus;
  return sweep::run_sweep(options, [](const DeviceLimits&) { return six_problem_plan(); },
                          fake_compiler());
}

/// work_key() of a raw record.
std::string key_of(const Json& record) {
  std::vector<std::string> warnings;
  const Problem p{.m = record.at("problem").at("m"), .n = record.at("problem").at("n"),
                  .k = record.at("problem").at("k")};
  const auto kind = sweep::run_kind_from_name(record.at("kind"));
  const std::string config = kind == report::RunKind::kGemmtune ? record.value("config", "") : "";
  return sweep::work_key(p, *kind, config);
}

/// Every item of six_problem_plan(), by work key.
std::set<std::string> planned_keys() {
  std::set<std::string> keys;
  for (const sweep::ProblemWork& w : six_problem_plan()) {
    for (const sweep::WorkItem& item : w.items) {
      keys.insert(sweep::work_key(w.problem, item.kind, item.config ? to_string(*item.config) : ""));
    }
  }
  return keys;
}

Json problems_of(const sweep::SweepOutcome& outcome) {
  return report::to_json(outcome.table).at("problems");
}

/// The chosen config of every table entry, in table order.
std::vector<Json> chosen_configs(const sweep::SweepOutcome& outcome) {
  std::vector<Json> configs;
  for (const Json& problem : problems_of(outcome)) {
    for (const Json& entry : problem.at("entries")) configs.push_back(entry.at("config"));
  }
  return configs;
}

TEST(SweepGpus, ParsesAllAndLists) {
  std::string error;
  EXPECT_EQ(sweep::parse_gpu_list("all", 4, error), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(sweep::parse_gpu_list("2,0", 4, error), (std::vector<int>{2, 0}));
  EXPECT_EQ(sweep::parse_gpu_list("0,1,2", -1, error), (std::vector<int>{0, 1, 2}));
  for (const char* bad : {"4", "0,0", "", "0,", "x", "-1", "1,,2"}) {
    EXPECT_FALSE(sweep::parse_gpu_list(bad, 4, error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(SweepGpus, ThreeGpusMeasureEveryItemOnceAndGiveTheOneGpuTable) {
  const TempDir dir;
  const sweep::SweepOutcome one = run_six(fake_sweep_options(dir.path() / "one", {}), {0});
  const sweep::SweepOutcome three =
      run_six(fake_sweep_options(dir.path() / "three", {"--delay-ms", "5"}), {0, 1, 2});
  EXPECT_FALSE(three.interrupted);
  EXPECT_EQ(three.worker_starts, 3);
  std::map<std::string, int> seen;
  std::set<int> gpus;
  for (const Json& r : raw_records(dir.path() / "three" / "runs.jsonl")) {
    ++seen[key_of(r)];
    const int ordinal = r.at("gpu").at("ordinal");
    gpus.insert(ordinal);
    EXPECT_EQ(r.at("gpu").at("name"), "Fake GPU");
    EXPECT_EQ(r.at("gpu").at("pci_bus_id"), "fake-" + std::to_string(ordinal));
    // The worker that answered was started with CUDA_VISIBLE_DEVICES = the record's ordinal.
    if (r.contains("fake_cuda_visible_devices")) {
      EXPECT_EQ(r.at("fake_cuda_visible_devices"), std::to_string(ordinal));
    }
  }
  EXPECT_EQ(gpus, (std::set<int>{0, 1, 2}));
  ASSERT_EQ(seen.size(), planned_keys().size());
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(problems_of(three), problems_of(one));
  const Json env = report::read_json_file((dir.path() / "three" / "env.json").string());
  ASSERT_EQ(env.at("gpus").size(), 3u);
  EXPECT_EQ(env.at("gpus").at(2).at("ordinal"), 2);
  EXPECT_EQ(env.at("gpus").at(2).at("cuda_visible_devices"), "2");
  EXPECT_EQ(env.at("gpus").at(2).at("pci_bus_id"), "fake-2");
}

TEST(SweepGpus, AGpuThatKeepsFailingLeavesThePoolAndNothingIsLost) {
  const TempDir dir;
  const sweep::SweepOutcome one = run_six(fake_sweep_options(dir.path() / "one", {}), {0});
  const sweep::SweepOutcome out = run_six(
      fake_sweep_options(dir.path() / "three", {"--crash-on-gpu", "1", "--delay-ms", "5"}),
      {0, 1, 2});
  EXPECT_EQ(out.faulted, sweep::kMaxConsecutiveWorkerFailures);
  std::map<std::string, int> passed;
  int on_gpu1 = 0;
  for (const Json& r : raw_records(dir.path() / "three" / "runs.jsonl")) {
    if (r.at("gpu").at("ordinal") == 1) {
      ++on_gpu1;
      EXPECT_EQ(r.at("disposition"), "faulted");
      continue;
    }
    passed[key_of(r)] += r.at("disposition") == "passed" || r.at("disposition") == "skipped";
  }
  EXPECT_EQ(on_gpu1, sweep::kMaxConsecutiveWorkerFailures);
  // The three items that failed on GPU 1 were measured again on the others.
  ASSERT_EQ(passed.size(), planned_keys().size());
  for (const auto& [key, count] : passed) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(chosen_configs(out), chosen_configs(one));
}

// The last GPU is never taken out of the pool: with nowhere else to measure, a run of failing
// measurements is recorded and the sweep goes on (one bad config never stops a sweep).
TEST(SweepGpus, TheLastGpuKeepsMeasuringThroughFailures) {
  const TempDir dir;
  const sweep::SweepOutcome out =
      run_six(fake_sweep_options(dir.path(), {"--crash-on-gpu", "1"}), {1});
  std::set<std::string> keys;
  for (const Json& r : raw_records(dir.path() / "runs.jsonl")) {
    keys.insert(key_of(r));
    if (r.at("disposition") != "skipped") EXPECT_EQ(r.at("disposition"), "faulted") << r.dump();
  }
  for (const std::string& key : planned_keys()) EXPECT_EQ(keys.count(key), 1u) << key;
  EXPECT_GT(out.faulted, sweep::kMaxConsecutiveWorkerFailures);
}

TEST(SweepGpus, AWorkerKilledMidSweepLosesNothing) {
  const TempDir dir;
  const std::filesystem::path pids = dir.path() / "pids";
  std::filesystem::create_directories(pids);
  sweep::SweepOutcome out;
  std::thread sweeper([&] {
    out = run_six(fake_sweep_options(dir.path() / "run",
                                     {"--delay-ms", "20", "--pid-dir", pids.string()}),
                  {0, 1, 2});
  });
  const std::filesystem::path pid_file = pids / "gpu1.pid";
  for (int i = 0; i < 500 && !std::filesystem::exists(pid_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  std::ifstream in(pid_file);
  pid_t pid = 0;
  in >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  sweeper.join();
  EXPECT_FALSE(out.interrupted);
  EXPECT_GE(out.worker_starts, 3);
  std::map<std::string, int> seen;
  int faulted = 0;
  for (const Json& r : raw_records(dir.path() / "run" / "runs.jsonl")) {
    ++seen[key_of(r)];
    faulted += r.at("disposition") == "faulted";
  }
  EXPECT_LE(faulted, 1);  // the request in flight when the worker was killed, if any
  ASSERT_EQ(seen.size(), planned_keys().size());
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key;
}

TEST(SweepGpus, AThreeGpuFolderResumesOnOneAndBack) {
  const TempDir dir;
  const sweep::SweepOutcome three = run_six(fake_sweep_options(dir.path(), {}), {0, 1, 2});
  sweep::SweepOptions resume = fake_sweep_options(dir.path(), {});
  resume.resume = true;
  const sweep::SweepOutcome one = run_six(resume, {0});
  EXPECT_EQ(one.recorded, 0);
  EXPECT_EQ(one.already_recorded, static_cast<int64_t>(planned_keys().size()));
  EXPECT_EQ(problems_of(one), problems_of(three));
  // A folder cut short on one GPU is finished by two, each item once.
  const TempDir cut;
  (void)run_six(fake_sweep_options(cut.path(), {}), {0});
  std::vector<std::string> lines = read_lines(cut.path() / "runs.jsonl");
  lines.resize(lines.size() / 2);
  std::ofstream(cut.path() / "runs.jsonl", std::ios::trunc) << [&] {
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    return text;
  }();
  sweep::SweepOptions more = fake_sweep_options(cut.path(), {});
  more.resume = true;
  const sweep::SweepOutcome two = run_six(more, {0, 1});
  EXPECT_EQ(two.already_recorded, static_cast<int64_t>(lines.size()));
  EXPECT_EQ(raw_records(cut.path() / "runs.jsonl").size(), planned_keys().size());
}

TEST(SweepGpus, DifferentGpuModelsAreRefusedUnlessForced) {
  const TempDir dir;
  const std::vector<std::string> flags = {"--gpu-name-on", "1=NVIDIA H100 80GB HBM3"};
  const CaughtError e =
      catch_error([&] { (void)run_six(fake_sweep_options(dir.path() / "a", flags), {0, 1}); });
  EXPECT_EQ(e.code, kExitUsage);
  EXPECT_NE(e.message.find("different models"), std::string::npos) << e.message;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "a" / "env.json"));
  sweep::SweepOptions forced = fake_sweep_options(dir.path() / "b", flags);
  forced.force = true;
  EXPECT_EQ(run_six(forced, {0, 1}).recorded, static_cast<int64_t>(planned_keys().size()));
}

class SweepGpusCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("GEMMTUNE_WORKER_CMD", GEMMTUNE_FAKE_WORKER, 1);
  }
  void TearDown() override { ::unsetenv("GEMMTUNE_WORKER_CMD"); }
  [[nodiscard]] RunResult sweep(const std::string& name, const std::string& gpus) const {
    const std::string shards = GEMMTUNE_TEST_FIXTURES "/shards/";
    return run_gemmtune("sweep --shapes " + shards + "seven.json --space " + shards +
                        "none_legal_space.json --quiet --out " + (dir_.path() / name).string() +
                        " --gpus " + gpus);
  }
  TempDir dir_;
};

TEST_F(SweepGpusCli, GpusListGivesTheTableOfOneGpu) {
  const RunResult one = sweep("one", "all");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const RunResult three = sweep("three", "0,1,2");
  ASSERT_EQ(three.exit_code, 0) << three.err;
  const auto table = [&](const std::string& name) {
    return report::read_json_file((dir_.path() / name / "tuning_table.json").string());
  };
  EXPECT_EQ(table("three").at("problems"), table("one").at("problems"));
  const Json env = report::read_json_file((dir_.path() / "three" / "env.json").string());
  EXPECT_EQ(env.at("gpus").size(), 3u);
  const RunResult twice = sweep("twice", "0,0");
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("named twice"), std::string::npos) << twice.err;
}

// Three GPUs record problems in the order they finish (costliest handed out first); `report` and
// `merge` of that folder list them in plan order all the same, as the sweep's own reports do.
TEST_F(SweepGpusCli, ReportAndMergeOfAThreeGpuFolderListProblemsInPlanOrder) {
  ASSERT_EQ(sweep("one", "all").exit_code, 0);
  const RunResult three = sweep("three", "0,1,2");
  ASSERT_EQ(three.exit_code, 0) << three.err;
  const auto problem_order = [&](const std::string& name) {
    std::vector<std::string> keys;
    for (const Json& r : raw_records(dir_.path() / name / "runs.jsonl")) {
      const std::string key = key_of(r);
      if (keys.empty() || keys.back() != key.substr(0, key.find(' '))) {
        keys.push_back(key.substr(0, key.find(' ')));
      }
    }
    return keys;
  };
  ASSERT_NE(problem_order("three"), problem_order("one")) << "the records are in plan order";
  const auto table = [&](const std::string& name) {
    return report::read_json_file((dir_.path() / name / "tuning_table.json").string());
  };
  const std::string folder = (dir_.path() / "three").string();
  const RunResult rebuilt =
      run_gemmtune("report " + folder + " --out " + (dir_.path() / "rebuilt").string());
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_EQ(table("rebuilt").at("problems"), table("one").at("problems"));
  const RunResult merged =
      run_gemmtune("merge " + folder + " --out " + (dir_.path() / "merged").string());
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(table("merged").at("problems"), table("one").at("problems"));
  EXPECT_EQ(problem_order("merged"), problem_order("one"));
}

}  // namespace
}  // namespace gemmtune::test
