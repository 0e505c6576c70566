// scripts/slurm/ against a real Slurm (src/sweep/README.md "Slurm"): local_slurm_array.sh
// installs slurm-wlm and munge when missing, starts munged, slurmctld and slurmd on localhost and
// submits the sweep's shards as a job array with the merge job after it, through submit.sh and
// sbatch; the sweeps use the fake worker (no GPU), two per task (`--gpus all`). Then the merged
// table must hold every problem once and equal a single-folder sweep's. Skipped (never passed)
// where it cannot run: not root, or Slurm missing with no apt-get.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include "../host/test_support.hpp"
#include "core/problem.hpp"
#include "report/json_fields.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::test {
namespace {

// NOTE: the host tests' fixture (tests/host/sweep_shard_test.cpp): seven problems at M = 64 where
// nothing of the space is legal, so each problem is its three cuBLASLt baselines from the fake
// worker and nothing is compiled.
const std::string kFixtures = GEMMTUNE_TEST_FIXTURES "/shards/";
constexpr int kShards = 3;
constexpr int kTimeoutS = 90;  ///< for the jobs, once the daemons are up
constexpr const char* kGpusPerTask = "0,1";  ///< each task's CUDA_VISIBLE_DEVICES

TEST(SlurmArray, ShardsRunAsAJobArrayAndMergeIntoTheTableOfOneSweep) {
  const TempDir dir;
  const std::string shapes = kFixtures + "seven.json";
  const std::string space = kFixtures + "none_legal_space.json";
  ::setenv("GEMMTUNE_WORKER_CMD", GEMMTUNE_FAKE_WORKER, 1);
  const std::string single = (dir.path() / "single").string();
  const RunResult reference = run_gemmtune("sweep --shapes " + shapes + " --space " + space +
                                           " --out " + single + " --quiet");
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  const std::filesystem::path work = dir.path() / "slurm";
  std::filesystem::create_directories(work);
  const std::string log = (dir.path() / "slurm.log").string();
  // NOTE: two fake GPUs per task: with no GRES on this node Slurm leaves the exported
  // CUDA_VISIBLE_DEVICES to the task (submit.sh: --export=ALL), as gres.conf would set it to the
  // task's GPUs, and sweep_array.sbatch's `--gpus all` starts one fake worker per entry.
  const std::string command = "env CUDA_VISIBLE_DEVICES=" + std::string(kGpusPerTask) +
                              " SHAPES='" + shapes + "' SPACE='" + space + "' SHARDS=" +
                              std::to_string(kShards) + " RUN_NAME=seven GEMMTUNE='" +
                              gemmtune_binary() + "' bash '" GEMMTUNE_SLURM_SCRIPT "' '" +
                              work.string() + "' " + std::to_string(kTimeoutS) + " >'" + log +
                              "' 2>&1";
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(command.c_str());
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::unsetenv("GEMMTUNE_WORKER_CMD");
  const std::string output = read_text(log);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 77) {
    const size_t at = output.find("SKIP: ");
    GTEST_SKIP() << (at == std::string::npos ? output : output.substr(at + 6));
  }
  ASSERT_EQ(code, 0) << output;
  std::printf("%s", output.c_str());  // the script's time-stamped steps (install, daemons, jobs)
  std::printf("Slurm array of %d shards and merge job: %.1f s (daemons, jobs, teardown)\n",
              kShards, wall_s);

  const std::filesystem::path runs = work / "runs";
  std::set<std::string> shard_keys;
  for (int i = 1; i <= kShards; ++i) {
    const std::string folder = (runs / ("seven-shard-" + std::to_string(i) + "-of-3")).string();
    const report::Json env = report::read_json_file(folder + "/env.json");
    EXPECT_EQ(env.at("shard").at("index"), i);
    EXPECT_EQ(env.at("gpus").size(), 2u) << env.at("gpus").dump();  // one worker per GPU
    for (const report::Json& p : env.at("shard").at("problems")) {
      EXPECT_TRUE(shard_keys.insert(p.at("key").get<std::string>()).second) << p.dump();
    }
  }
  EXPECT_EQ(shard_keys.size(), 7u);

  const std::filesystem::path merged = runs / "seven-merged";
  const report::TuningTable table = report::load_tuning_table(merged / "tuning_table.json");
  std::multiset<std::string> keys;
  for (const report::TableProblem& p : table.problems) {
    for (const report::TableEntry& e : p.entries) keys.insert(problem_key(report::problem_of(p, e)));
  }
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), shard_keys);
  const report::Json merged_table = report::read_json_file((merged / "tuning_table.json").string());
  const report::Json single_table = report::read_json_file(single + "/tuning_table.json");
  EXPECT_EQ(merged_table.at("problems"), single_table.at("problems"));
  const report::Json env = report::read_json_file((merged / "env.json").string());
  EXPECT_EQ(env.at("merged").at("shards"), kShards);
  EXPECT_EQ(env.at("merged").at("sources").size(), static_cast<size_t>(kShards));
}

}  // namespace
}  // namespace gemmtune::test
