// --resume and the protection of an existing run folder: recorded work is skipped, a truncated
// last line is dropped, a folder with records is refused without --resume, and a folder from
// another GPU is refused without --force.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sweep/runs_log.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

/// Keeps the first `keep` lines of `file` plus half of the next one, without its newline.
void cut_after_line(const std::filesystem::path& file, size_t keep) {
  const std::vector<std::string> lines = read_lines(file);
  std::ofstream out(file, std::ios::trunc | std::ios::binary);
  for (size_t i = 0; i < keep; ++i) out << lines[i] << "\n";
  out << lines[keep].substr(0, lines[keep].size() / 2);
}

TEST(SweepResume, SkipsRecordedWorkAndDropsATruncatedLastLine) {
  const TempDir dir;
  const std::filesystem::path run = dir.path() / "run";
  (void)run_small_sweep(fake_sweep_options(run, {}));
  cut_after_line(run / "runs.jsonl", 7);
  const std::string log = (dir.path() / "worker.log").string();
  sweep::SweepOptions o = fake_sweep_options(run, {"--log", log});
  o.resume = true;
  const sweep::SweepOutcome out = run_small_sweep(o);
  EXPECT_EQ(out.already_recorded, 7);
  EXPECT_EQ(out.recorded, 5);
  // Problem 2 after its first baseline: the rest of its baselines and its three configs.
  const std::vector<std::string> requested = read_lines(log);
  EXPECT_EQ(requested, (std::vector<std::string>{"start", "cublaslt_best", "cublaslt_fp8_tensor",
                                                 kSweepConfigs[0], kSweepConfigs[1],
                                                 kSweepConfigs[2]}));
  EXPECT_EQ(read_records(run / "runs.jsonl").size(), 12u);
  const report::RunFolder folder = report::read_run_folder(run);
  ASSERT_TRUE(folder.env.raw.contains("resumes"));
  EXPECT_EQ(folder.env.raw.at("resumes").size(), 1u);
}

TEST(SweepResume, ResumingACompleteFolderMeasuresNothing) {
  const TempDir dir;
  (void)run_small_sweep(fake_sweep_options(dir.path(), {}));
  sweep::SweepOptions o = fake_sweep_options(dir.path(), {});
  o.resume = true;
  const sweep::SweepOutcome out = run_small_sweep(o);
  EXPECT_EQ(out.recorded, 0);
  EXPECT_EQ(out.already_recorded, 12);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "report.html"));
}

TEST(SweepResume, ExistingRecordsWithoutResumeAreRefused) {
  const TempDir dir;
  (void)run_small_sweep(fake_sweep_options(dir.path(), {}));
  const auto before = std::filesystem::file_size(dir.path() / "runs.jsonl");
  const CaughtError e =
      catch_error([&] { (void)run_small_sweep(fake_sweep_options(dir.path(), {})); });
  EXPECT_EQ(e.code, kExitUsage);
  EXPECT_NE(e.message.find("--resume"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("--out"), std::string::npos) << e.message;
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "runs.jsonl"), before);
}

TEST(SweepResume, AnotherGpuIsRefusedUnlessForced) {
  const TempDir dir;
  (void)run_small_sweep(fake_sweep_options(dir.path(), {"--gpu-name", "GPU A"}));
  cut_after_line(dir.path() / "runs.jsonl", 3);
  sweep::SweepOptions o = fake_sweep_options(dir.path(), {"--gpu-name", "GPU B"});
  o.resume = true;
  const CaughtError e = catch_error([&] { (void)run_small_sweep(o); });
  EXPECT_EQ(e.code, kExitUsage);
  EXPECT_NE(e.message.find("gpu: \"GPU A\" -> \"GPU B\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("--force"), std::string::npos) << e.message;
  o.force = true;
  EXPECT_EQ(run_small_sweep(o).recorded, 9);
}

TEST(SweepResume, RecordedWorkKnowsKeysAndTheBestPassedConfig) {
  const TempDir dir;
  (void)run_small_sweep(fake_sweep_options(dir.path(), {"--median", kSweepConfigs[2] + "=3"}));
  const sweep::RecordedWork work = sweep::read_recorded_work(dir.path() / "runs.jsonl");
  EXPECT_EQ(work.records, 12);
  EXPECT_EQ(work.keys.count("64x2112x7168 cublaslt_best"), 1u);
  EXPECT_EQ(work.keys.count("128x4096x512 gemmtune " + kSweepConfigs[0]), 1u);
  EXPECT_EQ(work.best_passed.at("64x2112x7168").second, kSweepConfigs[2]);
  EXPECT_DOUBLE_EQ(work.best_passed.at("64x2112x7168").first, 3.0);
}

TEST(SweepResume, ParentRecordsParseAndComeInSchemaOrder) {
  const report::Json r = sweep::make_parent_record(
      Problem{.label = "x", .m = 1, .n = 8, .k = 16}, report::RunKind::kGemmtune,
      kSweepConfigs[0], report::Disposition::kTimedOut, "hung\nfor long");
  const report::RunRecord parsed = report::parse_run_record(r, report::JsonAt{"r"});
  EXPECT_EQ(parsed.disposition, report::Disposition::kTimedOut);
  EXPECT_EQ(parsed.reason, "hung\\nfor long");
  report::Json shuffled = report::Json::object();
  shuffled["timestamp"] = "t";
  shuffled["kind"] = "gemmtune";
  shuffled["extra"] = 1;
  shuffled["schema"] = "gemmtune.run/1";
  const report::Json ordered = sweep::in_schema_order(shuffled);
  EXPECT_EQ(ordered.dump(),
            R"({"schema":"gemmtune.run/1","kind":"gemmtune","timestamp":"t","extra":1})");
}

TEST(SweepReplay, ASmallerPlanReplaysTheRecordsOfAFinishedRun) {
  const TempDir dir;
  const std::filesystem::path full = dir.path() / "full";
  (void)run_small_sweep(fake_sweep_options(full, {"--median", kSweepConfigs[1] + "=5"}));
  sweep::SweepOptions o = fake_sweep_options(dir.path() / "replayed", {});
  o.worker_argv = {GEMMTUNE_BINARY, "__replay", full.string()};
  const sweep::SweepOutcome out = sweep::run_sweep(
      o,
      [](const DeviceLimits&) {
        std::vector<sweep::ProblemWork> plan = small_plan();
        for (sweep::ProblemWork& w : plan) w.items.pop_back();  // a budget of two configs
        plan[1].items.push_back({.kind = report::RunKind::kGemmtune,
                                 .config = config_named("bm256_bn64_s4_mc0_sm132_rN8_sk1")});
        return plan;
      },
      fake_compiler());
  EXPECT_EQ(out.recorded, 11);
  const auto original = read_records(full / "runs.jsonl");
  const auto replayed = read_records(dir.path() / "replayed" / "runs.jsonl");
  EXPECT_DOUBLE_EQ(find_record(replayed, 64, kSweepConfigs[1])->timing->median_us, 5.0);
  EXPECT_DOUBLE_EQ(find_record(replayed, 128, kSweepConfigs[0])->timing->median_us,
                   find_record(original, 128, kSweepConfigs[0])->timing->median_us);
  EXPECT_EQ(find_record(replayed, 128, "bm256_bn64_s4_mc0_sm132_rN8_sk1")->disposition,
            report::Disposition::kSkipped);
  EXPECT_EQ(out.table.env.gpu_name, "Fake GPU");
  EXPECT_EQ(out.table.problems[0].entries[0].config, kSweepConfigs[1]);
}

}  // namespace
}  // namespace gemmtune::test
