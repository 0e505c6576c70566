// The built binary: `gemmtune plan` exit codes and stderr on bad input, and its output on the
// shipped shape sets. Bad inputs are written to a scratch folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace gemmtune {
namespace {

using test::run_gemmtune;

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Exit code 2, nothing on stdout, exactly one line on stderr naming the file.
void expect_one_line_usage_error(const test::RunResult& run, const std::string& file,
                                 std::string_view part) {
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(count_lines(run.err), 1u) << run.err;
  EXPECT_EQ(run.err.rfind("gemmtune: error: " + file + ": ", 0), 0u) << run.err;
  EXPECT_NE(run.err.find(part), std::string::npos) << run.err;
}

TEST(CliPlan, MalformedShapesFile) {
  const test::TempDir dir;
  const std::string file = dir.write("bad.json", "{\"name\": \"x\", \"problems\": [");
  expect_one_line_usage_error(run_gemmtune("plan --shapes " + file), file, "malformed JSON");
}

TEST(CliPlan, InvalidShape) {
  const test::TempDir dir;
  const std::string file =
      dir.write("bad.json", R"({"name": "x", "problems": [{"n": 2112, "k": 7168, "m": [1, -3]}]})");
  expect_one_line_usage_error(run_gemmtune("plan --shapes " + file), file,
                              "/problems/0/m/1: M -3 must be >= 1");
}

TEST(CliPlan, MissingShapesFile) {
  const test::TempDir dir;
  const std::string file = (dir.path() / "absent.json").string();
  expect_one_line_usage_error(run_gemmtune("plan --shapes " + file), file, "cannot open");
}

TEST(CliPlan, DirectoryAsShapesFile) {
  const test::TempDir dir;
  expect_one_line_usage_error(run_gemmtune("plan --shapes " + dir.path().string()),
                              dir.path().string(), "is a directory");
}

TEST(CliPlan, InvalidSpaceFile) {
  const test::TempDir dir;
  const std::string file = dir.write("space.json", R"({"name": "x", "block_m": [64]})");
  expect_one_line_usage_error(
      run_gemmtune("plan --shapes configs/dsv3-quick.json --space " + file), file,
      "/: missing required key \"block_n\"");
}

TEST(CliPlan, BadFlagsExitWithUsageCode) {
  EXPECT_EQ(run_gemmtune("plan").exit_code, 2);
  EXPECT_EQ(run_gemmtune("plan --shapes configs/dsv3.json --sms 0").exit_code, 2);
  EXPECT_EQ(run_gemmtune("plan --shapes configs/dsv3.json --json --verbose").exit_code, 2);
}

TEST(CliPlan, UnknownKeyWarnsAndSucceeds) {
  const test::TempDir dir;
  const std::string file = dir.write(
      "shapes.json", R"({"name": "x", "problems": [{"n": 2112, "k": 7168, "m": 64, "x": 1}]})");
  const test::RunResult run = run_gemmtune("plan --shapes " + file);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find(file + ": /problems/0/x: unknown key ignored"), std::string::npos)
      << run.err;
}

TEST(CliPlan, Dsv3SummarySucceeds) {
  // A relative path that does not exist from the test's working folder resolves in the source
  // tree (GEMMTUNE_SOURCE_DIR).
  const test::RunResult run = run_gemmtune("plan --shapes configs/dsv3.json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  // Two header lines, the column titles, one line per problem (9 layers x 22 M), the total.
  EXPECT_EQ(count_lines(run.out), 3u + 198u + 1u);
  EXPECT_NE(run.out.find("total: 198 problems x 24480 configs"), std::string::npos) << run.out;
}

TEST(CliPlan, Dsv3JsonParses) {
  const test::RunResult run =
      run_gemmtune("plan --shapes configs/dsv3.json --space configs/spaces/quick.json --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json plan = nlohmann::json::parse(run.out);
  EXPECT_EQ(plan["schema"], "gemmtune.plan/1");
  EXPECT_EQ(plan["shapes"]["name"], "dsv3");
  ASSERT_EQ(plan["problems"].size(), 198u);
  for (const nlohmann::json& problem : plan["problems"]) {
    EXPECT_EQ(problem["configs"].size(), 96u);
    EXPECT_GT(problem["configs_legal"].get<int>(), 0) << problem["label"] << " " << problem["m"];
  }
}

TEST(CliPlan, SmsBoundsNumSms) {
  const test::RunResult run =
      run_gemmtune("plan --shapes configs/dsv3-quick.json --space configs/spaces/quick.json "
                   "--sms 114 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json plan = nlohmann::json::parse(run.out);
  EXPECT_EQ(plan["device_limits"]["sm_count"], 114);
  EXPECT_EQ(plan["problems"][0]["configs"][0]["config"], "bm64_bn32_s4_mc0_sm114_rN8_sk1");
}

}  // namespace
}  // namespace gemmtune
