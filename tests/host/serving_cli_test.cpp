// `--sms N` and `--batch-invariant` through the binary (src/sweep/README.md "Serving"), with the
// fake worker and a space with no legal config, so that nothing compiles: the flags' errors, the
// fields a sweep records, and the refusals of --resume, compare, merge and export to mix tables
// of other constraints. No GPU needed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "report/json_fields.hpp"
#include "report/tuning_table.hpp"
#include "report_test_util.hpp"

namespace gemmtune {
namespace {

// NOTE: multicast B needs two m-blocks; M <= 64 with block_m 64 has one, so nothing is legal.
constexpr const char* kServingCliSpace = R"({"name": "none-legal", "block_m": [64],
  "block_n": [64], "stages": [4], "multicast": ["B"], "num_sms": ["all"], "raster": ["N"],
  "group": [8], "split_k": [1]})";
constexpr const char* kServingCliShapes = R"({"name": "pair", "problems": [
  {"label": "x", "n": 256, "k": 512, "m": 64}, {"label": "y", "n": 512, "k": 256, "m": 32}]})";

class ServingCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(dir_ / "shapes.json", kServingCliShapes);
    test::write_file(dir_ / "space.json", kServingCliSpace);
    ::setenv("GEMMTUNE_WORKER_CMD", GEMMTUNE_FAKE_WORKER, 1);
  }
  void TearDown() override { ::unsetenv("GEMMTUNE_WORKER_CMD"); }

  /// `gemmtune ARGS`, stderr with stdout unless `stdout_only`.
  [[nodiscard]] static test::CommandResult gemmtune(const std::string& args,
                                                    bool stdout_only = false) {
    return test::run_command(std::string(GEMMTUNE_BINARY) + " " + args, stdout_only);
  }
  /// A sweep of the pair into folder `name` with `flags`.
  [[nodiscard]] test::CommandResult sweep(const std::string& name, const std::string& flags) const {
    return gemmtune("sweep --quiet --shapes " + (dir_ / "shapes.json").string() + " --space " +
                    (dir_ / "space.json").string() + " --out " + folder(name) + " " + flags);
  }
  [[nodiscard]] std::string folder(const std::string& name) const { return (dir_ / name).string(); }
  [[nodiscard]] report::Json json_of(const std::string& file) const {
    return report::read_json_file((dir_ / file).string());
  }

  test::ScratchDir dir_;
};

/// The last line of `text` (the error line after any log lines), without its newline.
std::string serving_last_line(const std::string& text) {
  const std::string trimmed = text.substr(0, text.find_last_not_of('\n') + 1);
  return trimmed.substr(trimmed.find_last_of('\n') + 1);
}

TEST_F(ServingCli, AnSmBudgetOutsideTheGpuIsOneLineAndExitTwo) {
  const test::CommandResult zero = sweep("zero", "--sms 0");
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_EQ(zero.output, "gemmtune: error: --sms 0: expected 1 <= N <= the GPU's SMs\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "zero"));
  // The fake worker stands for an H200 of 132 SMs.
  const test::CommandResult over = sweep("over", "--sms 133");
  EXPECT_EQ(over.exit_code, 2) << over.output;
  EXPECT_EQ(serving_last_line(over.output),
            "gemmtune: error: --sms 133: expected 1 <= N <= 132 (the GPU's SMs)");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "over" / "env.json"));
  const test::CommandResult check = gemmtune(
      "check --quiet --sms 0 --baseline " + test::fixture("run_small").string());
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_EQ(serving_last_line(check.output),
            "gemmtune: error: --sms 0: expected 1 <= N <= the GPU's SMs");
}

TEST_F(ServingCli, ASweepRecordsItsConstraintsInEnvTableAndSummary) {
  const test::CommandResult r = sweep("run", "--sms 100 --batch-invariant");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(budget default, space none-legal, 100 SMs)"), std::string::npos)
      << r.output;
  const report::Json env = json_of("run/env.json");
  EXPECT_EQ(env.at("sweep").at("sms"), 100);
  EXPECT_EQ(env.at("sweep").at("batch_invariant"), true);
  const report::Json table = json_of("run/tuning_table.json");
  EXPECT_EQ(table.at("sms"), 100);
  EXPECT_EQ(table.at("batch_invariant"), true);
  const std::string summary = test::read_file(dir_ / "run" / "summary.md");
  EXPECT_NE(summary.find("- **SM budget**: every config runs on at most 100 SMs"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("- **Batch invariance**: "), std::string::npos);
  // A sweep without the flags records neither.
  ASSERT_EQ(sweep("plain", "").exit_code, 0);
  EXPECT_FALSE(json_of("plain/tuning_table.json").contains("sms"));
  EXPECT_FALSE(json_of("plain/env.json").at("sweep").contains("batch_invariant"));
}

TEST_F(ServingCli, ResumeRefusesAnotherBudgetOrInvarianceUnlessForced) {
  ASSERT_EQ(sweep("run", "--sms 100").exit_code, 0);
  const test::CommandResult other = sweep("run", "--resume --sms 90");
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_NE(other.output.find("SM budget: 100 -> 90 SMs"), std::string::npos) << other.output;
  const test::CommandResult invariant = sweep("run", "--resume --sms 100 --batch-invariant");
  EXPECT_EQ(invariant.exit_code, 2) << invariant.output;
  EXPECT_NE(invariant.output.find("batch invariance: not batch-invariant -> batch-invariant"),
            std::string::npos)
      << invariant.output;
  EXPECT_EQ(sweep("run", "--resume --sms 100").exit_code, 0);
  EXPECT_EQ(sweep("run", "--resume --sms 90 --force").exit_code, 0);
}

TEST_F(ServingCli, CompareAndMergeRefuseTablesOfAnotherBudget) {
  ASSERT_EQ(sweep("budget", "--sms 100").exit_code, 0);
  ASSERT_EQ(sweep("whole", "").exit_code, 0);
  ASSERT_EQ(sweep("whole132", "--sms 132").exit_code, 0);
  const test::CommandResult mixed = gemmtune("compare " + folder("whole") + " " + folder("budget"));
  EXPECT_EQ(mixed.exit_code, 2) << mixed.output;
  EXPECT_NE(mixed.output.find("SM budget: 132 -> 100 SMs"), std::string::npos) << mixed.output;
  EXPECT_EQ(gemmtune("compare --allow-env-mismatch " + folder("whole") + " " + folder("budget"))
                .exit_code,
            0);
  EXPECT_EQ(gemmtune("compare " + folder("whole") + " " + folder("whole132")).exit_code, 0)
      << "--sms 132 on a GPU of 132 SMs is the whole GPU";

  ASSERT_EQ(sweep("s1", "--shard 1/2 --sms 100").exit_code, 0);
  ASSERT_EQ(sweep("s2", "--shard 2/2").exit_code, 0);
  const test::CommandResult merge =
      gemmtune("merge " + folder("s1") + " " + folder("s2") + " --out " + folder("merged"));
  EXPECT_EQ(merge.exit_code, 2) << merge.output;
  EXPECT_NE(merge.output.find(folder("s1") + " -> " + folder("s2") + ": SM budget: 100 -> 132 SMs"),
            std::string::npos)
      << merge.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "merged"));
}

TEST_F(ServingCli, ExportRefusesATableMixingInvariantAndSplitEntries) {
  report::Json table = report::to_json(test::run_small_table());
  table["batch_invariant"] = true;
  table["env"]["sweep"] = {{"batch_invariant", true}};
  test::write_file(dir_ / "mixed.json", table.dump());
  for (const char* format : {"json", "cpp", "csv"}) {
    const test::CommandResult r =
        gemmtune("export " + (dir_ / "mixed.json").string() + " --format " + format);
    EXPECT_EQ(r.exit_code, 2) << format << ": " << r.output;
    EXPECT_EQ(test::count_of(r.output, "\n"), 1) << r.output;
    EXPECT_NE(r.output.find("is not allowed in this table (batch-invariant): split_k"),
              std::string::npos)
        << r.output;
  }
  const test::CommandResult bundle = gemmtune("export " + (dir_ / "mixed.json").string() +
                                              " --format bundle --out " + folder("bundle"));
  EXPECT_EQ(bundle.exit_code, 2) << bundle.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bundle"));
}

TEST_F(ServingCli, PlanTakesTheSameFlags) {
  test::write_file(dir_ / "splits.json", R"({"name": "splits", "block_m": [64, 128],
    "block_n": [128], "stages": [4], "multicast": ["none"], "num_sms": ["all"], "raster": ["N"],
    "group": [8], "split_k": [1, 2, 4]})");
  const std::string args = "plan --json --shapes " + (dir_ / "shapes.json").string() +
                           " --space " + (dir_ / "splits.json").string();
  const test::CommandResult all = gemmtune(args, true);
  const test::CommandResult invariant = gemmtune(args + " --batch-invariant --sms 100", true);
  ASSERT_EQ(all.exit_code, 0) << all.output;
  ASSERT_EQ(invariant.exit_code, 0) << invariant.output;
  EXPECT_EQ(report::Json::parse(all.output).at("problems").at(0).at("configs_total"), 6);
  const report::Json plan = report::Json::parse(invariant.output);
  const report::Json& problem = plan.at("problems").at(0);
  EXPECT_EQ(problem.at("configs_total"), 2);
  for (const report::Json& verdict : problem.at("configs")) {
    EXPECT_NE(verdict.at("config").get<std::string>().find("_sm100_rN8_sk1"), std::string::npos)
        << verdict.dump();
  }
  EXPECT_NE(plan.at("command").get<std::string>().find("--batch-invariant"), std::string::npos);
}

TEST_F(ServingCli, CompileBatchInvariantBuildsNoSplitOfK) {
  test::write_file(dir_ / "split2.json", R"({"name": "split2", "block_m": [64, 128],
    "block_n": [128], "stages": [4], "multicast": ["none"], "num_sms": ["all"], "raster": ["N"],
    "group": [8], "split_k": [2]})");
  // NOTE: without the flag the two split-K kernels would be built (NVRTC, seconds each); with it
  // the space has nothing left to build.
  const test::CommandResult r = gemmtune("compile --json --batch-invariant --shapes " +
                                             (dir_ / "shapes.json").string() + " --space " +
                                             (dir_ / "split2.json").string(),
                                         true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(report::Json::parse(r.output).at("kernels"), report::Json::array());
}

}  // namespace
}  // namespace gemmtune
