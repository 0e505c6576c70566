// `sweep --shard I/N` and `gemmtune merge` (src/sweep/README.md "Slurm"): the split is
// balanced, deterministic and a partition; shards swept with the fake worker merge into the table
// of one sweep; merge refuses missing, duplicated and mismatched shards. No GPU needed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>

#include "core/config_space.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "report/roofs.hpp"
#include "report/tuning_table.hpp"
#include "sweep/shard.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using sweep::ProblemWork;
using sweep::ShardSplit;

/// `count` dense problems with one gemmtune item each, predicted times spread over 3 decades.
std::vector<ProblemWork> random_plan(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> log_us(0.0, 3.0);
  std::vector<ProblemWork> plan;
  for (size_t i = 0; i < count; ++i) {
    ProblemWork work{.problem = {.label = "p", .m = static_cast<int64_t>(64 * (i + 1)), .n = 4096,
                                 .k = 7168}};
    work.items.push_back({.kind = report::RunKind::kGemmtune,
                          .config = config_named(kSweepConfigs[0]),
                          .predicted_us = std::pow(10.0, log_us(rng))});
    plan.push_back(std::move(work));
  }
  return plan;
}

/// The problem keys of each shard.
std::vector<std::set<std::string>> shard_keys(const std::vector<ProblemWork>& plan,
                                              const ShardSplit& split) {
  std::vector<std::set<std::string>> keys;
  for (const auto& problems : split.problems) {
    keys.emplace_back();
    for (const size_t i : problems) keys.back().insert(problem_key(plan[i].problem));
  }
  return keys;
}

/// Every problem in exactly one shard; per-shard costs add up; Graham's bound holds.
void expect_balanced_partition(const std::vector<ProblemWork>& plan, const ShardSplit& split,
                               int count) {
  ASSERT_EQ(split.problems.size(), static_cast<size_t>(count));
  std::vector<int> seen(plan.size(), 0);
  int64_t total = 0, largest = 0;
  for (const ProblemWork& w : plan) {
    total += sweep::predicted_cost_ns(w);
    largest = std::max(largest, sweep::predicted_cost_ns(w));
  }
  for (size_t s = 0; s < split.problems.size(); ++s) {
    int64_t cost = 0;
    EXPECT_TRUE(std::is_sorted(split.problems[s].begin(), split.problems[s].end()));
    for (const size_t i : split.problems[s]) {
      ++seen.at(i);
      cost += sweep::predicted_cost_ns(plan[i]);
    }
    EXPECT_EQ(cost, split.cost_ns[s]);
    // NOTE: the bound shard.hpp states: each shard <= mean + the costliest problem.
    EXPECT_LE(cost, total / count + largest + 1) << "shard " << s + 1 << " of " << count;
  }
  for (size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(seen[i], 1) << "problem " << i;
}

TEST(ShardSpec, ParsesIOverNWithinLimits) {
  std::string error;
  EXPECT_EQ(sweep::parse_shard_spec("2/8", error), (sweep::ShardSpec{.index = 2, .count = 8}));
  EXPECT_EQ(sweep::parse_shard_spec("4096/4096", error),
            (sweep::ShardSpec{.index = 4096, .count = 4096}));
  for (const char* bad : {"0/4", "5/4", "1/4097", "1/0", "a/b", "3", "2/", "/2", "1/2x", "-1/2",
                          "1 /2", ""}) {
    error.clear();
    EXPECT_FALSE(sweep::parse_shard_spec(bad, error).has_value()) << bad;
    EXPECT_NE(error.find("--shard"), std::string::npos) << bad;
  }
}

TEST(ShardSplit, IsABalancedPartitionForEveryN) {
  const std::vector<ProblemWork> plan = random_plan(300, 7);
  for (const int count : {1, 2, 3, 7, 8, 64, 299, 300}) {
    SCOPED_TRACE(count);
    expect_balanced_partition(plan, sweep::split_into_shards(plan, count), count);
  }
}

TEST(ShardSplit, DependsOnTheProblemsNotOnTheirOrder) {
  std::vector<ProblemWork> plan = random_plan(120, 11);
  const ShardSplit split = sweep::split_into_shards(plan, 8);
  EXPECT_EQ(sweep::split_into_shards(plan, 8).problems, split.problems);
  const auto keys = shard_keys(plan, split);
  std::mt19937 rng(3);
  std::shuffle(plan.begin(), plan.end(), rng);
  EXPECT_EQ(shard_keys(plan, sweep::split_into_shards(plan, 8)), keys);
  // Equal costs: ties go by problem key, so the split is still one.
  for (ProblemWork& w : plan) w.items.front().predicted_us = 10.0;
  const auto tied = shard_keys(plan, sweep::split_into_shards(plan, 8));
  std::shuffle(plan.begin(), plan.end(), rng);
  EXPECT_EQ(shard_keys(plan, sweep::split_into_shards(plan, 8)), tied);
}

TEST(ShardSplit, MoreShardsThanProblemsLeavesEmptyShards) {
  const std::vector<ProblemWork> plan = random_plan(5, 1);
  const ShardSplit split = sweep::split_into_shards(plan, 9);
  expect_balanced_partition(plan, split, 9);
  EXPECT_EQ(std::count_if(split.problems.begin(), split.problems.end(),
                          [](const auto& p) { return p.size() == 1; }), 5);
  const ShardSplit none = sweep::split_into_shards({}, 4);
  for (const auto& p : none.problems) EXPECT_TRUE(p.empty());
}

// The split of the real dsv3 plan (198 problems, default space and budget, H200 limits): within
// Graham's bound, and how far from the lower bound of any split (the larger of the mean and the
// costliest problem) its largest shard is, printed for the README.
TEST(ShardSplit, Dsv3DefaultPlanIsWellBalanced) {
  const ShapeSet shapes = load_shape_set(resolve_input_path("configs/dsv3.json"));
  const ConfigSpace space = load_config_space(resolve_input_path("configs/spaces/default.json"));
  const std::vector<ProblemWork> plan = sweep::plan_sweep(
      shapes, enumerate_configs(space), DeviceLimits{}, sweep::parse_budget("default"));
  double costliest = 0.0;
  for (const ProblemWork& w : plan) {
    costliest = std::max(costliest, static_cast<double>(sweep::predicted_cost_ns(w)));
  }
  for (const int count : {2, 4, 8, 16, 32}) {
    const ShardSplit split = sweep::split_into_shards(plan, count);
    expect_balanced_partition(plan, split, count);
    const double total = std::accumulate(split.cost_ns.begin(), split.cost_ns.end(), 0.0);
    const double largest = *std::max_element(split.cost_ns.begin(), split.cost_ns.end());
    const double bound = std::max(total / count, costliest);
    std::printf("dsv3 default, N=%d: largest shard / mean %.4f, / lower bound %.4f\n", count,
                largest / (total / count), largest / bound);
    EXPECT_LT(largest / bound, 1.05) << count;
  }
  EXPECT_EQ(sweep::split_into_shards(plan, 8).problems, sweep::split_into_shards(plan, 8).problems);
}

// NOTE: tests/fixtures/shards: seven dense problems at M = 64, where nothing of the space is
// legal (multicast B needs two m-blocks), so only the cuBLASLt baselines are measured and nothing
// is compiled; N and K differ so the predicted costs do.
const std::string kFixtures = GEMMTUNE_TEST_FIXTURES "/shards/";

class ShardCli : public ::testing::Test {
 protected:
  void SetUp() override {
    shapes_ = kFixtures + "seven.json";
    space_ = kFixtures + "none_legal_space.json";
    use_worker("");
  }
  void TearDown() override { ::unsetenv("GEMMTUNE_WORKER_CMD"); }
  static void use_worker(const std::string& flags) {
    ::setenv("GEMMTUNE_WORKER_CMD", (std::string(GEMMTUNE_FAKE_WORKER) + " " + flags).c_str(), 1);
  }
  [[nodiscard]] std::string dir(const std::string& name) const {
    return (dir_.path() / name).string();
  }
  /// Sweeps shard `spec` ("" for all) into `out`; returns the exit code.
  [[nodiscard]] RunResult sweep(const std::string& spec, const std::string& out,
                                const std::string& extra = "") const {
    return run_gemmtune("sweep --shapes " + shapes_ + " --space " + space_ + " --out " + dir(out) +
                        (spec.empty() ? "" : " --shard " + spec) + " --quiet " + extra);
  }
  [[nodiscard]] RunResult merge(const std::vector<std::string>& names, const std::string& out,
                                const std::string& extra = "") const {
    std::string args = "merge";
    for (const std::string& n : names) args += " " + dir(n);
    return run_gemmtune(args + " --out " + dir(out) + " " + extra);
  }
  [[nodiscard]] report::Json table_json(const std::string& name) const {
    return report::read_json_file(dir(name) + "/tuning_table.json");
  }
  TempDir dir_;
  std::string shapes_, space_;
};

TEST_F(ShardCli, ShardsMergeIntoTheTableOfOneSweep) {
  ASSERT_EQ(sweep("", "single").exit_code, 0);
  std::set<std::string> keys;
  int64_t records = 0;
  for (const char* spec : {"1/3", "2/3", "3/3"}) {
    const std::string name = std::string("shard") + spec[0];
    const RunResult r = sweep(spec, name);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const report::Json env = report::read_json_file(dir(name) + "/env.json");
    const report::Json& shard = env.at("shard");
    EXPECT_EQ(shard.at("index"), spec[0] - '0');
    EXPECT_EQ(shard.at("count"), 3);
    EXPECT_EQ(shard.at("shape_set").at("name"), "seven");
    EXPECT_EQ(shard.at("problems_total"), 7);
    EXPECT_EQ(shard.at("problems_digest").get<std::string>().rfind("fnv1a64:", 0), 0u);
    for (const report::Json& p : shard.at("problems")) {
      EXPECT_TRUE(keys.insert(p.at("key").get<std::string>()).second) << p.dump();
    }
    records += static_cast<int64_t>(read_records(dir(name) + "/runs.jsonl").size());
  }
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(records, 14);  // 2 baselines per problem: the default budget has no best search
  // Glob order must not matter: the merged folder lists problems in shape-set order.
  const RunResult m = merge({"shard3", "shard1", "shard2"}, "merged");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(table_json("merged").at("problems"), table_json("single").at("problems"));
  const auto single = read_records(dir("single") + "/runs.jsonl");
  const auto merged = read_records(dir("merged") + "/runs.jsonl");
  ASSERT_EQ(merged.size(), single.size());
  for (size_t i = 0; i < merged.size(); ++i) {
    EXPECT_EQ(problem_key(merged[i].problem), problem_key(single[i].problem)) << i;
    EXPECT_EQ(merged[i].kind, single[i].kind) << i;
  }
  const report::Json env = report::read_json_file(dir("merged") + "/env.json");
  EXPECT_FALSE(env.contains("shard"));
  EXPECT_EQ(env.at("merged").at("shards"), 3);
  EXPECT_EQ(env.at("merged").at("sources").size(), 3u);
  EXPECT_EQ(env.at("merged").at("sources").at(0).at("shard"), "1/3");
  for (const char* file : {"summary.md", "roofline.svg", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(dir("merged") + "/" + file)) << file;
  }
  // `report` rebuilds the merged folder's table from its env.json and runs.jsonl alone.
  ASSERT_EQ(run_gemmtune("report " + dir("merged") + " --out " + dir("rebuilt")).exit_code, 0);
  EXPECT_EQ(table_json("rebuilt"), table_json("merged"));
}

TEST_F(ShardCli, EmptyShardsWriteAValidRunFolder) {
  ASSERT_EQ(sweep("", "single").exit_code, 0);
  std::vector<std::string> names;
  int empty = 0;
  for (int i = 1; i <= 9; ++i) {
    names.push_back("s" + std::to_string(i));
    const RunResult r = sweep(std::to_string(i) + "/9", names.back());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const report::Json table = table_json(names.back());
    EXPECT_EQ(table.at("schema"), "gemmtune.tuning_table/2");
    empty += table.at("problems").empty() ? 1 : 0;
    EXPECT_TRUE(std::filesystem::exists(dir(names.back()) + "/runs.jsonl"));
    EXPECT_TRUE(std::filesystem::exists(dir(names.back()) + "/report.html"));
  }
  EXPECT_EQ(empty, 2);
  ASSERT_EQ(merge(names, "merged").exit_code, 0);
  EXPECT_EQ(table_json("merged").at("problems"), table_json("single").at("problems"));
}

TEST_F(ShardCli, DefaultFolderAndResumePerShard) {
  const std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir_.path());
  const RunResult r = run_gemmtune("sweep --shapes " + shapes_ + " --space " + space_ +
                                   " --shard 2/3 --quiet");
  std::filesystem::current_path(cwd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir("runs/seven-shard-2-of-3/env.json")));
  // Resuming the same shard measures nothing new; another shard, N or timing is refused.
  ASSERT_EQ(sweep("2/3", "s2").exit_code, 0);
  const size_t before = read_records(dir("s2") + "/runs.jsonl").size();
  const RunResult again = sweep("2/3", "s2", "--resume");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_records(dir("s2") + "/runs.jsonl").size(), before);
  for (const char* other : {"3/3", "2/4"}) {
    const RunResult wrong = sweep(other, "s2", "--resume");
    EXPECT_EQ(wrong.exit_code, 2) << other;
    EXPECT_NE(wrong.err.find("shard: \"2/3"), std::string::npos) << wrong.err;
  }
  const RunResult bad = sweep("4/3", "s4");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--shard 4/3"), std::string::npos) << bad.err;
}

TEST_F(ShardCli, MergeRefusesMissingDuplicatedAndMismatchedShards) {
  for (const char* spec : {"1/3", "2/3", "3/3"}) {
    ASSERT_EQ(sweep(spec, std::string("s") + spec[0]).exit_code, 0);
  }
  const auto expect_refused = [&](const RunResult& r, const std::string& part) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("gemmtune: error: cannot merge: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  };
  expect_refused(merge({"s1", "s3"}, "m"), "missing shard(s) 2 of 3");
  EXPECT_FALSE(std::filesystem::exists(dir("m")));
  expect_refused(merge({"s1", "s2", "s2", "s3"}, "m"), "are the same folder");
  // Another GPU model, N, timing mode, run-off regime or budget (plan) than the first shard's.
  use_worker("--gpu-name OtherGPU");
  ASSERT_EQ(sweep("3/3", "gpu3").exit_code, 0);
  expect_refused(merge({"s1", "s2", "gpu3"}, "m"), "GPU \"OtherGPU\" differs from \"Fake GPU\"");
  use_worker("");
  ASSERT_EQ(sweep("2/4", "n4").exit_code, 0);
  expect_refused(merge({"s1", "n4", "s3"}, "m"), "shard count \"4\" differs from \"3\"");
  ASSERT_EQ(sweep("3/3", "call3", "--timing call").exit_code, 0);
  expect_refused(merge({"s1", "s2", "call3"}, "m"), "timing mode \"call\"");
  // The run-off regime changes no split (its plan digest is the same), but is refused too.
  ASSERT_EQ(sweep("3/3", "sustained3", "--runoff sustained").exit_code, 0);
  const RunResult sustained = merge({"s1", "s2", "sustained3"}, "m");
  expect_refused(sustained, "run-off regime \"sustained\" differs from \"burst\"");
  EXPECT_EQ(sustained.err.find("plan_digest"), std::string::npos) << sustained.err;
  // The best search changes the plan: a shard swept with it does not join shards swept without.
  ASSERT_EQ(sweep("3/3", "best3", "--cublaslt-best").exit_code, 0);
  expect_refused(merge({"s1", "s2", "best3"}, "m"), "plan_digest");
  ASSERT_EQ(sweep("", "whole").exit_code, 0);
  expect_refused(merge({"s1", "whole"}, "m"), "is a shard but");
  // --force merges anyway, with the reasons as warnings.
  const RunResult forced = merge({"s1", "s3"}, "m", "--force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.err.find("missing shard(s) 2 of 3 (--force)"), std::string::npos) << forced.err;
  // The output must not be an input, nor hold records already (without --force).
  EXPECT_EQ(merge({"s1", "s2", "s3"}, "s1").exit_code, 2);
  const RunResult again = merge({"s1", "s2", "s3"}, "m");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds measurements"), std::string::npos) << again.err;
}

TEST_F(ShardCli, MergeRefusesAMalformedShardMember) {
  ASSERT_EQ(sweep("1/2", "s1").exit_code, 0);
  ASSERT_EQ(sweep("2/2", "s2").exit_code, 0);
  for (const report::Json& bad : {report::Json("two"), report::Json(0), report::Json(1e12)}) {
    report::Json env = report::read_json_file(dir("s2") + "/env.json");
    env["shard"]["index"] = bad;
    (void)dir_.write("s2/env.json", env.dump(2));
    const RunResult r = merge({"s1", "s2"}, "m");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("s2/env.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("index"), std::string::npos) << r.err;
  }
}

TEST_F(ShardCli, MergeOfWholeSweepsRefusesAProblemRecordedTwice) {
  ASSERT_EQ(sweep("", "a").exit_code, 0);
  ASSERT_EQ(sweep("", "b").exit_code, 0);
  const RunResult r = merge({"a", "b"}, "m");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("recorded in both"), std::string::npos) << r.err;
}

// Whole sweeps of different shape sets (by name, or by problems under one name) are refused, as
// shards of different sets are.
TEST_F(ShardCli, MergeOfWholeSweepsRefusesAnotherShapeSet) {
  ASSERT_EQ(sweep("", "a").exit_code, 0);
  ASSERT_EQ(sweep("", "b").exit_code, 0);
  report::Json env = report::read_json_file(dir("b") + "/env.json");
  env["shapes"]["name"] = "other-set";
  (void)dir_.write("b/env.json", env.dump(2));
  RunResult r = merge({"a", "b"}, "m");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("shape set \"other-set\" differs from"), std::string::npos) << r.err;
  env = report::read_json_file(dir("a") + "/env.json");
  env["shapes"]["problems"].erase(0);
  (void)dir_.write("b/env.json", env.dump(2));
  r = merge({"a", "b"}, "m");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the shape set's problems differ"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir("m")));
}

// Roofs follow the GPU rule: measured on another model is refused (unless --force); measured on
// the same model but more than 10% apart is one warning line per roof, naming both folders.
TEST_F(ShardCli, MergeChecksTheShardsMeasuredRoofs) {
  ASSERT_EQ(sweep("1/2", "s1").exit_code, 0);
  ASSERT_EQ(sweep("2/2", "s2").exit_code, 0);
  const auto set_roofs = [&](const std::string& name, const std::string& device, double hbm_gbps) {
    report::Roofs roofs;
    roofs.source = report::RoofSource::kMeasured;
    roofs.origin.clear();
    roofs.device = device;
    roofs.measured_at = "2026-11-24T10:00:00Z";
    roofs.hbm_gbps = hbm_gbps;
    report::Json env = report::read_json_file(dir(name) + "/env.json");
    env["roofs"] = report::to_json(roofs);
    (void)dir_.write(name + "/env.json", env.dump(2));
  };
  const auto roof_lines = [](const std::string& err) {
    int lines = 0;
    for (size_t at = err.find("measured roof"); at != std::string::npos;
         at = err.find("measured roof", at + 1)) {
      ++lines;
    }
    return lines;
  };
  set_roofs("s1", "Fake GPU", 4000);
  set_roofs("s2", "Fake GPU", 4300);  // 7.5% apart: within the noise of a power-capped card
  const RunResult close = merge({"s1", "s2"}, "close");
  ASSERT_EQ(close.exit_code, 0) << close.err;
  EXPECT_EQ(close.err.find("measured roof"), std::string::npos) << close.err;
  set_roofs("s2", "Fake GPU", 4800);
  const RunResult apart = merge({"s2", "s1"}, "apart");
  ASSERT_EQ(apart.exit_code, 0) << apart.err;
  EXPECT_NE(apart.err.find("measured roof hbm_gbps differs by 20% between " + dir("s1") +
                           " (4000) and " + dir("s2") + " (4800); the merged folder keeps " +
                           dir("s1") + "'s"),
            std::string::npos)
      << apart.err;
  EXPECT_EQ(roof_lines(apart.err), 1) << apart.err;  // the FP8 roofs agree
  set_roofs("s2", "NVIDIA H100 80GB HBM3", 4000);
  const RunResult other = merge({"s1", "s2"}, "other");
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_NE(other.err.find("cannot merge: " + dir("s2") +
                           ": roofs' GPU \"NVIDIA H100 80GB HBM3\" differs from \"Fake GPU\""),
            std::string::npos)
      << other.err;
  EXPECT_FALSE(std::filesystem::exists(dir("other")));
  const RunResult forced = merge({"s1", "s2"}, "other", "--force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.err.find("roofs' GPU"), std::string::npos) << forced.err;
}

}  // namespace
}  // namespace gemmtune::test
