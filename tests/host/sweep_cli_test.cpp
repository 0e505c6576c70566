// `gemmtune sweep` and `gemmtune check` end to end through the binary, with the fake worker
// (GEMMTUNE_WORKER_CMD) and a space whose every config is illegal for the problem, so that only
// the cuBLASLt baselines are measured and nothing is compiled. No GPU needed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "report/json_fields.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

// NOTE: multicast B needs two m-blocks; M = 64 with block_m 64 has one, so nothing is legal.
constexpr const char* kIllegalSpace = R"({"name": "none-legal", "block_m": [64],
  "block_n": [64], "stages": [4], "multicast": ["B"], "num_sms": ["all"], "raster": ["N"],
  "group": [8], "split_k": [1]})";
constexpr const char* kTinyShapes = R"({"name": "tiny", "problems": [
  {"label": "tiny", "n": 256, "k": 512, "m": 64}]})";

class SweepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    shapes_ = dir_.write("tiny.json", kTinyShapes);
    space_ = dir_.write("space.json", kIllegalSpace);
    use_worker("");
  }
  void TearDown() override { ::unsetenv("GEMMTUNE_WORKER_CMD"); }
  void use_worker(const std::string& flags) {
    ::setenv("GEMMTUNE_WORKER_CMD", (std::string(GEMMTUNE_FAKE_WORKER) + " " + flags).c_str(), 1);
  }
  [[nodiscard]] std::string sweep_args(const std::string& out) const {
    return "sweep --shapes " + shapes_ + " --space " + space_ + " --out " + out;
  }
  TempDir dir_;
  std::string shapes_, space_;
};

TEST_F(SweepCli, HelpListsSweepAndCheckButNotTheWorker) {
  const RunResult r = run_gemmtune("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("sweep"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("check"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("__worker"), std::string::npos) << r.out;
}

TEST_F(SweepCli, SweepWritesTheRunFolderAndPrintsTheTable) {
  const std::string out = (dir_.path() / "run").string();
  const RunResult r = run_gemmtune(sweep_args(out) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const report::Json table = report::Json::parse(r.out);
  EXPECT_EQ(table.at("schema"), "gemmtune.tuning_table/2");
  EXPECT_NE(r.err.find("[problem 1/1] 64x256x512 tiny: configs 0/0"), std::string::npos) << r.err;
  // The default budget's baselines: the heuristic's pick and per-tensor FP8, no best search
  // (--cublaslt-best), so the table's cuBLASLt-best column is empty.
  const std::vector<report::RunRecord> records = read_records(dir_.path() / "run" / "runs.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].kind, report::RunKind::kCublasltHeuristic);
  EXPECT_EQ(records[1].kind, report::RunKind::kCublasltFp8Tensor);
  EXPECT_TRUE(table.at("problems").at(0).at("entries").at(0).at("baselines").at("cublaslt_best")
                  .is_null());
  for (const char* file : {"env.json", "tuning_table.json", "summary.md", "roofline.svg",
                           "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "run" / file)) << file;
  }
  const report::Json env = report::read_json_file((dir_.path() / "run" / "env.json").string());
  EXPECT_EQ(env.at("command"), "gemmtune " + sweep_args(out) + " --json");
  EXPECT_EQ(env.at("timing_mode"), "kernel");
  EXPECT_EQ(env.at("timing").at("runoff_regime"), "burst");  // the default
  EXPECT_EQ(env.at("sweep").at("budget"), "default");
  EXPECT_EQ(env.at("sweep").at("cublaslt_best"), false);
  // NOTE: the fake worker measures no roofs: the H200 constants, labelled as such.
  EXPECT_EQ(env.at("roofs").at("hbm_gbps"), 4297.0);
  EXPECT_EQ(env.at("roofs").at("source"), "constant");
  const std::string svg = read_text(dir_.path() / "run" / "roofline.svg");
  EXPECT_NE(svg.find("HBM 4297 GB/s (constant, not measured here)"), std::string::npos);
}

TEST_F(SweepCli, RunoffRegimeIsRecordedAndAnUnknownOneIsOneUsageErrorLine) {
  const std::string out = (dir_.path() / "run").string();
  const RunResult sustained = run_gemmtune(sweep_args(out) + " --quiet --runoff sustained");
  ASSERT_EQ(sustained.exit_code, 0) << sustained.err;
  const report::Json env = report::read_json_file((dir_.path() / "run" / "env.json").string());
  EXPECT_EQ(env.at("timing").at("runoff_regime"), "sustained");
  // Resuming in the other regime is refused, as another timing mode is.
  const RunResult resumed = run_gemmtune(sweep_args(out) + " --quiet --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find(R"(run-off regime: "sustained" -> "burst")"), std::string::npos)
      << resumed.err;
  const RunResult bad =
      run_gemmtune(sweep_args((dir_.path() / "bad").string()) + " --runoff interleaved");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(bad.err, "gemmtune: error: --runoff \"interleaved\": expected one of burst, "
                     "sustained\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "bad"));
}

TEST_F(SweepCli, RoofsTheWorkerMeasuredReachEnvJsonAndTheRoofline) {
  use_worker("--measured-roofs --gpu-name NVIDIA_H100");
  const std::string out = (dir_.path() / "run").string();
  const RunResult r = run_gemmtune(sweep_args(out) + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const report::Json env = report::read_json_file((dir_.path() / "run" / "env.json").string());
  const report::Json& roofs = env.at("roofs");
  EXPECT_EQ(roofs.at("source"), "measured");
  EXPECT_EQ(roofs.at("device"), "NVIDIA_H100");
  EXPECT_EQ(roofs.at("hbm_gbps"), 3350.0);
  EXPECT_EQ(roofs.at("datasheet_source"), "constant");
  EXPECT_EQ(env.at("gpus").at(0).at("roofs"), roofs);
  const std::string svg = read_text(dir_.path() / "run" / "roofline.svg");
  EXPECT_NE(svg.find("HBM 3350 GB/s (measured copy)"), std::string::npos);
  EXPECT_NE(svg.find("Roofs: measured on NVIDIA_H100 at 2026-11-23T12:00:00Z"), std::string::npos);
  const std::string summary = read_text(dir_.path() / "run" / "summary.md");
  EXPECT_NE(summary.find("FP8 per-tensor 1201 TFLOPS: measured on NVIDIA_H100"), std::string::npos)
      << summary;
}

TEST_F(SweepCli, ExistingRunsNeedResume) {
  const std::string out = (dir_.path() / "run").string();
  ASSERT_EQ(run_gemmtune(sweep_args(out) + " --quiet").exit_code, 0);
  const RunResult again = run_gemmtune(sweep_args(out) + " --quiet");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
  const RunResult resumed = run_gemmtune(sweep_args(out) + " --quiet --resume");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(read_records(dir_.path() / "run" / "runs.jsonl").size(), 2u);  // the two baselines
  const RunResult other_timing = run_gemmtune(sweep_args(out) + " --quiet --resume --timing call");
  EXPECT_EQ(other_timing.exit_code, 2);
  EXPECT_NE(other_timing.err.find("timing mode"), std::string::npos) << other_timing.err;
}

TEST_F(SweepCli, WorkerWithoutGpuExits3) {
  use_worker("--no-gpu");
  const RunResult r = run_gemmtune(sweep_args((dir_.path() / "run").string()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no CUDA GPU"), std::string::npos) << r.err;
}

TEST_F(SweepCli, CheckExitsOneWhenTheChosenConfigCannotRunAnyMore) {
  // A baseline whose chosen config asks for 200 SMs: illegal on the fake 132-SM GPU, so the
  // check records it as skipped and the shape fails in NEW.
  const TempDir base;
  (void)base.write("env.json", R"({"schema": "gemmtune.env/1", "gpu": {"name": "Fake GPU"},
    "versions": {"driver": "580.0", "cuda_runtime": "13.0", "nvrtc": "13.0",
                 "cublaslt": "13.1.0"}, "timing_mode": "kernel"})");
  (void)base.write("runs.jsonl",
             R"({"schema": "gemmtune.run/1", "problem": {"label": "tiny", "m": 64, "n": 256, )"
             R"("k": 512}, "kind": "gemmtune", "config": "bm64_bn64_s4_mc0_sm200_rN8_sk1", )"
             R"("disposition": "passed", "reason": "", "timing": {"mode": "kernel", )"
             R"("median_us": 10.0, "spread_rel": 0.01, "samples": 30}})"
             "\n");
  const std::string out = (dir_.path() / "check").string();
  const RunResult r =
      run_gemmtune("check --baseline " + base.path().string() + " --out " + out + " --quiet");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("FAILED_IN_NEW"), std::string::npos) << r.out;
  const auto records = read_records(dir_.path() / "check" / "runs.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].kind, report::RunKind::kCublasltHeuristic);
  EXPECT_EQ(records[1].disposition, report::Disposition::kSkipped);
  EXPECT_NE(records[1].reason.find("num_sms"), std::string::npos) << records[1].reason;
}

// --skip-cublaslt-best leaves the best-enumerated search out of the plan even where the budget
// has it (thorough; the side-by-side runs against DeepGEMM use it): the two other baselines are
// still measured, the setting is recorded, and `call_sync` is a timing mode the run folder keeps.
TEST_F(SweepCli, SkipCublasltBestLeavesOnlyTheOtherBaselines) {
  const std::string out = (dir_.path() / "run").string();
  const RunResult r = run_gemmtune(
      sweep_args(out) + " --budget thorough --skip-cublaslt-best --timing call_sync --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<report::RunRecord> records = read_records(dir_.path() / "run" / "runs.jsonl");
  ASSERT_EQ(records.size(), 2u);
  for (const report::RunRecord& record : records) {
    EXPECT_NE(record.kind, report::RunKind::kCublasltBest);
  }
  const report::Json env = report::read_json_file((dir_.path() / "run" / "env.json").string());
  EXPECT_EQ(env.at("sweep").at("cublaslt_best"), false);
  EXPECT_EQ(env.at("timing_mode"), "call_sync");
  EXPECT_EQ(run_gemmtune("report " + out).exit_code, 0);
}

// --cublaslt-best adds the best-algorithm search to a budget without it (the default), measured
// between the other two baselines, its median in the table; with --skip-cublaslt-best it is one
// usage error line.
TEST_F(SweepCli, CublasltBestFlagAddsTheSearchToTheDefaultBudget) {
  const std::string out = (dir_.path() / "run").string();
  const RunResult r = run_gemmtune(sweep_args(out) + " --cublaslt-best --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<report::RunRecord> records = read_records(dir_.path() / "run" / "runs.jsonl");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].kind, report::RunKind::kCublasltHeuristic);
  EXPECT_EQ(records[1].kind, report::RunKind::kCublasltBest);
  EXPECT_EQ(records[2].kind, report::RunKind::kCublasltFp8Tensor);
  const report::Json env = report::read_json_file((dir_.path() / "run" / "env.json").string());
  EXPECT_EQ(env.at("sweep").at("budget"), "default");
  EXPECT_EQ(env.at("sweep").at("cublaslt_best"), true);
  const report::Json table = report::Json::parse(r.out);
  EXPECT_TRUE(table.at("problems").at(0).at("entries").at(0).at("baselines").at("cublaslt_best")
                  .at("median_us").is_number());
  const RunResult both = run_gemmtune(sweep_args((dir_.path() / "both").string()) +
                                      " --cublaslt-best --skip-cublaslt-best");
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_EQ(both.err, "gemmtune: error: --cublaslt-best and --skip-cublaslt-best contradict each "
                      "other\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "both"));
}

// --stream-floor: one stream_floor record per problem (the worker's detail kept in the record),
// the setting in env.json, the floor in the table's entry and a "vs stream floor" column.
TEST_F(SweepCli, StreamFloorFlagAddsItsRecordFieldAndColumn) {
  const std::string out = (dir_.path() / "run").string();
  const RunResult r = run_gemmtune(sweep_args(out) + " --stream-floor --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<report::RunRecord> records = read_records(dir_.path() / "run" / "runs.jsonl");
  ASSERT_EQ(records.size(), 3u);  // the default's two baselines, then the floor
  EXPECT_EQ(records[2].kind, report::RunKind::kStreamFloor);
  EXPECT_EQ(records[2].disposition, report::Disposition::kPassed);
  const std::string runs = read_text(dir_.path() / "run" / "runs.jsonl");
  EXPECT_NE(runs.find(R"("stream_floor":{"bytes":4096)"), std::string::npos) << runs;
  const report::Json env = report::read_json_file((dir_.path() / "run" / "env.json").string());
  EXPECT_EQ(env.at("sweep").at("stream_floor"), true);
  const report::Json table =
      report::read_json_file((dir_.path() / "run" / "tuning_table.json").string());
  EXPECT_DOUBLE_EQ(
      table.at("problems").at(0).at("entries").at(0).at("stream_floor").at("median_us").get<double>(),
      20.0);
  EXPECT_NE(read_text(dir_.path() / "run" / "summary.md").find("vs stream floor"), std::string::npos);
}

}  // namespace
}  // namespace gemmtune::test
