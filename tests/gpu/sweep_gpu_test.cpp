// `gemmtune sweep` and `check` on a real GPU, through the binary: the fault and hang hooks
// (GEMMTUNE_TEST_FAULT_CONFIG / GEMMTUNE_TEST_HANG_CONFIG) must not stop a sweep, and a two-problem
// sweep must produce every output file. Skipped without a GPU.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>

#include "../host/test_support.hpp"
#include "baselines_only_sweep.hpp"
#include "gpu_test_support.hpp"
#include "report/json_fields.hpp"
#include "report/run_folder.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune {
namespace {

/// The records of a run folder's runs.jsonl, by config (gemmtune) or kind (cuBLASLt).
std::map<std::string, report::RunRecord> records_by_name(const std::filesystem::path& run) {
  std::vector<std::string> warnings;
  std::map<std::string, report::RunRecord> by_name;
  for (report::RunRecord& r : report::read_runs_jsonl(run / "runs.jsonl", warnings)) {
    const std::string name = r.kind == report::RunKind::kGemmtune
                                 ? r.config
                                 : std::string(report::to_string(r.kind));
    by_name[std::to_string(r.shape.m) + " " + name] = std::move(r);
  }
  EXPECT_TRUE(warnings.empty());
  return by_name;
}

int device_sm_count() {
  int sms = 0;
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  return sms;
}

void expect_report_files(const std::filesystem::path& run) {
  for (const char* file : {"env.json", "runs.jsonl", "tuning_table.json", "summary.md",
                           "roofline.svg", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(run / file)) << file;
  }
}

TEST(SweepGpu, FaultAndHangHooksAreRecordedAndTheSweepFinishes) {
  GT_SKIP_WITHOUT_GPU();
  const test::TempDir dir;
  const std::string sms = std::to_string(device_sm_count());
  const std::string fault = "bm64_bn64_s4_mc0_sm" + sms + "_rN8_sk1";
  const std::string hang = "bm64_bn128_s4_mc0_sm" + sms + "_rN8_sk1";
  const std::string shapes = dir.write("hooks.json", R"({"name": "hooks", "problems": [
    {"label": "hooks", "n": 256, "k": 512, "m": 128}]})");
  const std::string space = dir.write("space.json", R"({"name": "hooks", "block_m": [64],
    "block_n": [64, 128], "stages": [4], "multicast": ["none"], "num_sms": ["all"],
    "raster": ["N"], "group": [8], "split_k": [1, 2]})");
  ::setenv("GEMMTUNE_TEST_FAULT_CONFIG", fault.c_str(), 1);
  ::setenv("GEMMTUNE_TEST_HANG_CONFIG", hang.c_str(), 1);
  const std::filesystem::path run = dir.path() / "run";
  const test::RunResult r = test::run_gemmtune(
      "sweep --shapes " + shapes + " --space " + space + " --out " + run.string() +
      " --budget exhaustive --iters 5 --warmup 1 --watchdog-s 5");
  ::unsetenv("GEMMTUNE_TEST_FAULT_CONFIG");
  ::unsetenv("GEMMTUNE_TEST_HANG_CONFIG");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto records = records_by_name(run);
  // Baselines, configs, the K twins of the two split-K 1 configs (exhaustive: one per pick that
  // has one; the hooks name the originals only), side by side; and the split-K twin of a split-K
  // config among the screening's leaders, where one leads (timing decides: leader_twins).
  size_t split_twins = 0;
  for (const auto& [name, record] : records) {
    if (name.find("_sk2_k512") == std::string::npos) continue;
    ++split_twins;
    EXPECT_EQ(record.disposition, report::Disposition::kPassed) << name << ": " << record.reason;
  }
  ASSERT_LE(split_twins, 2u);
  ASSERT_EQ(records.size(), 3u + 4u + 2u + 1u + split_twins) << r.err;
  for (const std::string& twin : {fault + "_k512", hang + "_k512"}) {
    EXPECT_EQ(records.at("128 " + twin).disposition, report::Disposition::kPassed)
        << records.at("128 " + twin).reason;
  }
  EXPECT_EQ(records.at("128 " + fault).disposition, report::Disposition::kFaulted);
  EXPECT_NE(records.at("128 " + fault).reason.find("test hook"), std::string::npos);
  EXPECT_EQ(records.at("128 " + hang).disposition, report::Disposition::kTimedOut);
  for (const std::string& other : {"bm64_bn64_s4_mc0_sm" + sms + "_rN8_sk2",
                                   "bm64_bn128_s4_mc0_sm" + sms + "_rN8_sk2"}) {
    EXPECT_EQ(records.at("128 " + other).disposition, report::Disposition::kPassed)
        << records.at("128 " + other).reason;
  }
  EXPECT_EQ(records.at("128 cublaslt_heuristic").disposition, report::Disposition::kPassed);
  expect_report_files(run);
}

/// A screening read the SM clock after every sample (worker_service.cpp
/// screens_per_sample_clock): a clock an H100 or H200 can run at, and median cycles near its
/// median time x that clock (the median of the products, not the product of the medians).
void expect_per_sample_clock(const report::RunRecord& rec, const std::string& name) {
  EXPECT_GT(rec.clock.sample_median_mhz, 300.0) << name;
  EXPECT_LT(rec.clock.sample_median_mhz, 2100.0) << name;
  ASSERT_TRUE(rec.timing.has_value()) << name;
  const double product = rec.timing->median_us * rec.clock.sample_median_mhz;
  EXPECT_GT(rec.clock.sample_median_cycles, 0.8 * product) << name;
  EXPECT_LT(rec.clock.sample_median_cycles, 1.25 * product) << name;
}

TEST(SweepGpu, TwoProblemSweepWritesEveryOutputAndChecksAgainstItself) {
  GT_SKIP_WITHOUT_GPU();
  const test::TempDir dir;
  const std::string shapes = dir.write("mini.json", R"({"name": "mini", "problems": [
    {"label": "mini", "n": 512, "k": 1024, "m": [64, 256]}]})");
  const std::filesystem::path run = dir.path() / "run";
  const test::RunResult r =
      test::run_gemmtune("sweep --shapes " + shapes + " --space configs/spaces/quick.json --out " +
                         run.string() +
                         " --budget quick --cublaslt-best --iters 5 --warmup 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_report_files(run);
  const report::Json table = report::Json::parse(r.out);
  EXPECT_EQ(table.at("schema"), "gemmtune.tuning_table/2");
  const auto records = records_by_name(run);
  for (const char* m : {"64", "256"}) {
    for (const char* kind : {"cublaslt_heuristic", "cublaslt_best", "cublaslt_fp8_tensor"}) {
      const auto it = records.find(std::string(m) + " " + kind);
      ASSERT_NE(it, records.end()) << m << " " << kind;
      EXPECT_EQ(it->second.disposition, report::Disposition::kPassed) << it->second.reason;
    }
  }
  // Per problem: baselines, the quick budget's 8, its one K twin, side by side, and up to two
  // twins of the screening's leaders not measured yet (budget.hpp leader_twins), all passed.
  for (const std::string m : {"64", "256"}) {
    int configs = 0, twins = 0;
    for (const auto& [name, rec] : records) {
      if (name.rfind(m + " bm", 0) != 0) continue;
      ++configs;
      twins += rec.config.find("_k1024") != std::string::npos ? 1 : 0;
      EXPECT_EQ(rec.disposition, report::Disposition::kPassed) << name << ": " << rec.reason;
      expect_per_sample_clock(rec, name);
    }
    EXPECT_GE(configs, 9) << m;
    EXPECT_LE(configs, 11) << m;
    EXPECT_EQ(configs - twins, 8) << m;
  }
  EXPECT_GE(records.size(), 2u * (3u + 8u + 1u + 1u));
  EXPECT_LE(records.size(), 2u * (3u + 8u + 3u + 1u));
  // The fastest passed config re-timed beside the three baselines, the table's speedups from it.
  for (const char* m : {"64", "256"}) {
    const report::RunRecord& side = records.at(std::string(m) + " side_by_side");
    EXPECT_EQ(side.disposition, report::Disposition::kPassed) << side.reason;
    EXPECT_EQ(side.clock.sample_median_mhz, 0.0) << "the run-off keeps the comparisons' protocol";
    EXPECT_EQ(side.side_by_side.size(), 3u) << m;
  }
  const report::TuningTable tuned = report::load_tuning_table(run / "tuning_table.json");
  for (const report::TableEntry& e : tuned.problems.at(0).entries) EXPECT_TRUE(e.side_by_side.has_value()) << e.m;
  const report::RunFolder folder = report::read_run_folder(run);
  EXPECT_FALSE(folder.env.gpu_name.empty());
  const test::RunResult check = test::run_gemmtune(
      "check --baseline " + (run / "tuning_table.json").string() + " --out " +
      (dir.path() / "check").string() + " --threshold 10 --iters 5 --warmup 1 --quiet");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  expect_report_files(dir.path() / "check");
}

// Grouped problems (issue 11) through the real worker: every record validated group by group,
// the run-off timed beside both per-group cuBLASLt baselines, and `check` re-measuring the table.
TEST(SweepGpu, GroupedSweepValidatesTimesAndChecksBothLayouts) {
  GT_SKIP_WITHOUT_GPU();
  const test::TempDir dir;
  const std::string shapes = dir.write("moe.json", R"({"name": "moe", "problems": [
    {"label": "experts", "op": "grouped_contiguous", "n": 512, "k": 1024,
     "groups": [[130, 0, 64, 257]]},
    {"label": "decode", "op": "grouped_masked", "n": 512, "k": 1024, "max_m": 96,
     "groups": [[7, 0, 96]]}]})");
  const std::filesystem::path run = dir.path() / "run";
  const test::RunResult r =
      test::run_gemmtune("sweep --shapes " + shapes + " --space configs/spaces/quick.json --out " +
                         run.string() + " --budget 4 --iters 5 --warmup 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_report_files(run);
  std::vector<std::string> warnings;
  int passed_configs = 0, sides = 0;
  for (const report::RunRecord& rec : report::read_runs_jsonl(run / "runs.jsonl", warnings)) {
    EXPECT_NE(rec.problem.layout, GroupLayout::kNone);
    if (rec.kind == report::RunKind::kGemmtune && rec.disposition == report::Disposition::kPassed) {
      ++passed_configs;
      expect_per_sample_clock(rec, rec.config);
    }
    if (rec.kind == report::RunKind::kCublasltPerGroup || rec.kind == report::RunKind::kCublasltPerGroupGraph) {
      EXPECT_EQ(rec.disposition, report::Disposition::kPassed) << rec.reason;
    }
    if (rec.kind == report::RunKind::kSideBySide) {
      ++sides;
      EXPECT_EQ(rec.disposition, report::Disposition::kPassed) << rec.reason;
      EXPECT_EQ(rec.side_by_side.size(), 2u);
      EXPECT_EQ(rec.clock.sample_median_mhz, 0.0) << "the run-off keeps the comparisons' protocol";
    }
  }
  EXPECT_GE(passed_configs, 2);
  EXPECT_EQ(sides, 2);
  const report::TuningTable tuned = report::load_tuning_table(run / "tuning_table.json");
  ASSERT_EQ(tuned.problems.size(), 2u);
  for (const report::TableProblem& p : tuned.problems) {
    ASSERT_EQ(p.entries.size(), 1u);
    EXPECT_TRUE(p.entries[0].config.has_value()) << p.entries[0].reason;
    EXPECT_TRUE(report::speedup(p.entries[0], report::RunKind::kCublasltPerGroupGraph).has_value());
  }
  const test::RunResult check = test::run_gemmtune(
      "check --baseline " + (run / "tuning_table.json").string() + " --out " +
      (dir.path() / "check").string() + " --threshold 10 --iters 5 --warmup 1 --quiet");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(SweepGpu, KernelModeCublasLtProbesNeverWaitOutTheSpinKernel) {
  GT_SKIP_WITHOUT_GPU();
  // The sweep's default timing (kernel: samples queued behind a spin kernel) in a fresh process,
  // so cuBLASLt loads each kernel's module on its first launch, which waits for the GPU. Before
  // the fix every new kernel waited out the spin's 1 s timeout in the probes: this sweep ran
  // for minutes. The probes are timed in call mode now and the screening after them in kernel
  // mode; a spin timeout in either is counted. The `timeout` makes a regression a failure, not a
  // hang. The probes are the best search's, which the default budget leaves out: --cublaslt-best.
  const test::TempDir dir;
  const std::filesystem::path run = dir.path() / "run";
  const std::string command = "timeout 300 '" + test::gemmtune_binary() + "' sweep " +
                              testing::baselines_only_sweep_args(dir) + " --out " + run.string() +
                              " --cublaslt-best --iters 5 --quiet > /dev/null 2> '" +
                              (dir.path() / "err").string() + "'";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "status " << status << ": " << test::read_text(dir.path() / "err");
  const auto records = records_by_name(run);
  const auto best = records.find("64 cublaslt_best");
  ASSERT_NE(best, records.end());
  EXPECT_NE(best->second.reason.find(" 0 spin timeouts"), std::string::npos) << best->second.reason;
}

}  // namespace
}  // namespace gemmtune
