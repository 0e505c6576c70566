// Reading run folders: env.json, runs.jsonl, a truncated last line, errors naming file:line.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "report/run_folder.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

using test::error_of;
using test::ScratchDir;

TEST(ReportRunFolder, ReadsEnvAndEveryRecord) {
  const RunFolder folder = read_run_folder(test::fixture("run_small"));
  EXPECT_EQ(folder.env.gpu_name, "NVIDIA H200");
  EXPECT_EQ(folder.env.driver, "580.159.04");
  EXPECT_EQ(folder.env.cublaslt, "130100");
  EXPECT_EQ(folder.env.timing_mode, "kernel");
  EXPECT_EQ(folder.env.roofs.hbm_gbps, 4297.0);
  ASSERT_EQ(folder.runs.size(), 32u);
  EXPECT_TRUE(folder.warnings.empty());
  const RunRecord& first = folder.runs.front();
  EXPECT_EQ(first.label, "qkv_a_proj");
  EXPECT_EQ(first.shape, (GemmShape{.m = 64, .n = 2112, .k = 7168}));
  EXPECT_EQ(first.kind, RunKind::kGemmtune);
  EXPECT_EQ(first.config, "bm64_bn128_s6_mc0_sm132_rN8_sk1");
  EXPECT_EQ(first.disposition, Disposition::kPassed);
  ASSERT_TRUE(first.timing.has_value());
  EXPECT_DOUBLE_EQ(first.timing->median_us, 14.0);
  EXPECT_EQ(first.line, 1);
  // The second record has p10/p90 but no spread_rel: the spread is derived from them.
  ASSERT_TRUE(folder.runs[1].timing.has_value());
  EXPECT_NEAR(folder.runs[1].timing->spread_rel, 0.02, 1e-9);
  // A faulted record carries no timing.
  EXPECT_EQ(folder.runs[3].disposition, Disposition::kFaulted);
  EXPECT_FALSE(folder.runs[3].timing.has_value());
}

TEST(ReportRunFolder, TruncatedLastLineIsSkippedWithAWarning) {
  const ScratchDir dir;
  const auto run = test::copy_run_small(dir);
  std::ofstream(run / "runs.jsonl", std::ios::app)
      << R"({"schema": "gemmtune.run/1", "problem": {"label": "qkv_a_proj", "m": 64, "n)";
  const RunFolder folder = read_run_folder(run);
  EXPECT_EQ(folder.runs.size(), 32u);
  ASSERT_EQ(folder.warnings.size(), 1u);
  EXPECT_NE(folder.warnings[0].find("runs.jsonl:33: truncated last line skipped"), std::string::npos)
      << folder.warnings[0];
}

TEST(ReportRunFolder, MalformedLineInTheMiddleNamesFileAndLine) {
  const ScratchDir dir;
  const auto run = test::copy_run_small(dir);
  std::string text = test::read_file(run / "runs.jsonl");
  const std::size_t third_line = text.find('\n', text.find('\n') + 1) + 1;
  text.insert(third_line, "{\"schema\": \"gemmtune.run/1\", oops\n");
  test::write_file(run / "runs.jsonl", text);
  const std::string message = error_of([&] { (void)read_run_folder(run); });
  EXPECT_NE(message.find("runs.jsonl:3: malformed JSON (byte 30)"), std::string::npos) << message;
}

TEST(ReportRunFolder, UnparsableLastLineEndingInNewlineIsAnError) {
  const ScratchDir dir;
  const auto run = test::copy_run_small(dir);
  std::ofstream(run / "runs.jsonl", std::ios::app) << "{\"schema\": \n";
  const std::string message = error_of([&] { (void)read_run_folder(run); });
  EXPECT_NE(message.find("runs.jsonl:33"), std::string::npos) << message;
}

TEST(ReportRunFolder, FieldErrorsNameTheJsonPath) {
  const Json passed_without_median = Json::parse(R"({"schema": "gemmtune.run/1",
      "problem": {"label": "x", "m": 64, "n": 128, "k": 256}, "kind": "gemmtune",
      "config": "bm64_bn128_s4_mc0_sm132_rN8_sk1", "disposition": "passed",
      "timing": {"mode": "kernel", "p10_us": 1.0}})");
  std::string message =
      error_of([&] { (void)parse_run_record(passed_without_median, JsonAt{"runs.jsonl:7"}); });
  EXPECT_EQ(message, "runs.jsonl:7: $.timing.median_us: missing");

  Json bad_disposition = passed_without_median;
  bad_disposition["disposition"] = "exploded";
  message = error_of([&] { (void)parse_run_record(bad_disposition, JsonAt{"runs.jsonl:8"}); });
  EXPECT_NE(message.find("runs.jsonl:8: $.disposition: unknown value \"exploded\" (expected one "
                         "of: passed, incorrect"),
            std::string::npos)
      << message;

  Json bad_m = passed_without_median;
  bad_m["problem"]["m"] = 0;
  message = error_of([&] { (void)parse_run_record(bad_m, JsonAt{"runs.jsonl:9"}); });
  EXPECT_EQ(message, "runs.jsonl:9: $.problem.m: expected a positive integer, found 0");
}

TEST(ReportRunFolder, EnvErrorsNameTheJsonPath) {
  Json env = Json::parse(test::read_file(test::fixture("run_small/env.json")));
  env["versions"].erase("nvrtc");
  EXPECT_EQ(error_of([&] { (void)parse_env(env, JsonAt{"env.json"}); }),
            "env.json: $.versions.nvrtc: missing");
  env = Json::parse(test::read_file(test::fixture("run_small/env.json")));
  env["schema"] = "gemmtune.env/2";
  EXPECT_NE(error_of([&] { (void)parse_env(env, JsonAt{"env.json"}); }).find("unsupported schema"),
            std::string::npos);
  env = Json::parse(test::read_file(test::fixture("run_small/env.json")));
  env.erase("roofs");
  EXPECT_EQ(parse_env(env, JsonAt{"env.json"}).roofs, Roofs{});  // DEVICE.md defaults
}

TEST(ReportRunFolder, MissingFolderOrFileIsAnInputError) {
  const ScratchDir dir;
  EXPECT_NE(error_of([&] { (void)read_run_folder(dir / "nope"); }).find("not a run folder"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)read_run_folder(dir.path()); }).find("env.json: cannot open: No such file"),
            std::string::npos);
}

}  // namespace
}  // namespace gemmtune::report
