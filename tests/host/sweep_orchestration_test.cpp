// The sweep's orchestration against the fake worker (tests/fake_worker): normal runs, a worker
// that crashes, hangs, answers garbage or reports a fault, compile failures, Ctrl-C, and a
// worker that cannot start or has no GPU. No GPU needed.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::Disposition;
using report::RunKind;

const std::string& kB = kSweepConfigs[1];

TEST(SweepOrchestration, MeasuresEveryItemAndWritesTheRunFolder) {
  const TempDir dir;
  sweep::SweepOptions o = fake_sweep_options(dir.path(), {"--median", kB + "=5"});
  std::FILE* progress = std::tmpfile();
  o.quiet = false;
  o.progress_stream = progress;
  const sweep::SweepOutcome out = run_small_sweep(o);
  EXPECT_FALSE(out.interrupted);
  EXPECT_EQ(out.recorded, 12);
  EXPECT_EQ(out.worker_starts, 1);
  const std::vector<report::RunRecord> records = read_records(dir.path() / "runs.jsonl");
  ASSERT_EQ(records.size(), 12u);
  EXPECT_EQ(records[0].kind, RunKind::kCublasltHeuristic);
  EXPECT_EQ(records[1].kind, RunKind::kCublasltBest);
  EXPECT_EQ(records[2].kind, RunKind::kCublasltFp8Tensor);
  for (const report::RunRecord& r : records) EXPECT_EQ(r.disposition, Disposition::kPassed);
  for (const char* file : {"env.json", "tuning_table.json", "summary.md", "roofline.svg",
                           "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / file)) << file;
  }
  ASSERT_EQ(out.table.problems.size(), 2u);
  EXPECT_EQ(out.table.problems[0].entries.at(0).config, kB);
  EXPECT_EQ(out.table.problems[0].entries.at(0).baselines.size(), 3u);
  const report::RunFolder folder = report::read_run_folder(dir.path());
  EXPECT_EQ(folder.env.gpu_name, "Fake GPU");
  EXPECT_EQ(folder.env.raw.at("command"), "gemmtune sweep --test");
  // The parent's compile time replaces the worker's cache hit.
  const report::Json first_config = report::Json::parse(read_lines(dir.path() / "runs.jsonl")[3]);
  EXPECT_EQ(first_config.at("compile_seconds"), 0.25);
  EXPECT_EQ(first_config.begin().key(), "schema");
  std::rewind(progress);
  char buffer[4096] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, progress);
  std::fclose(progress);
  const std::string text(buffer, n);
  EXPECT_NE(text.find("[problem 1/2] 64x2112x7168 a: configs 3/3, best so far 5.00 us (" + kB +
                      "), ETA"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[problem 2/2] 128x4096x512 b: configs 3/3"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << "one line per problem off a TTY";
}

TEST(SweepOrchestration, CrashIsRecordedAsFaultedAndTheWorkerRestarts) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  const sweep::SweepOutcome out =
      run_small_sweep(fake_sweep_options(dir.path() / "run", {"--crash-on", kB, "--log", log}));
  EXPECT_EQ(out.faulted, 2);  // kB in both problems
  EXPECT_EQ(out.worker_starts, 3);
  EXPECT_EQ(count_of(read_lines(log), "start"), 3);
  const auto records = read_records(dir.path() / "run" / "runs.jsonl");
  EXPECT_EQ(records.size(), 12u);
  const report::RunRecord* crashed = find_record(records, 64, kB);
  ASSERT_NE(crashed, nullptr);
  EXPECT_EQ(crashed->disposition, Disposition::kFaulted);
  EXPECT_NE(crashed->reason.find("signal 6"), std::string::npos) << crashed->reason;
  EXPECT_EQ(find_record(records, 64, kSweepConfigs[2])->disposition, Disposition::kPassed);
  ASSERT_TRUE(out.table.problems[0].entries[0].config.has_value());
  EXPECT_NE(*out.table.problems[0].entries[0].config, kB);
}

TEST(SweepOrchestration, HangIsKilledByTheWatchdogAndRecordedAsTimedOut) {
  const TempDir dir;
  sweep::SweepOptions o = fake_sweep_options(dir.path(), {"--hang-on", kB});
  o.watchdog_base_s = 0.3;
  const auto start = std::chrono::steady_clock::now();
  const sweep::SweepOutcome out = run_small_sweep(o);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(out.timed_out, 2);
  EXPECT_EQ(out.worker_starts, 3);
  const auto records = read_records(dir.path() / "runs.jsonl");
  const report::RunRecord* hung = find_record(records, 128, kB);
  ASSERT_NE(hung, nullptr);
  EXPECT_EQ(hung->disposition, Disposition::kTimedOut);
  EXPECT_NE(hung->reason.find("watchdog"), std::string::npos) << hung->reason;
  EXPECT_EQ(find_record(records, 128, kSweepConfigs[2])->disposition, Disposition::kPassed);
}

TEST(SweepOrchestration, MalformedResponseIsRecordedAndTheWorkerReplaced) {
  const TempDir dir;
  const sweep::SweepOutcome out =
      run_small_sweep(fake_sweep_options(dir.path(), {"--garbage-on", kB}));
  EXPECT_EQ(out.faulted, 2);
  EXPECT_EQ(out.worker_starts, 3);
  const auto records = read_records(dir.path() / "runs.jsonl");
  const report::RunRecord* bad = find_record(records, 64, kB);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->disposition, Disposition::kFaulted);
  EXPECT_NE(bad->reason.find("malformed worker response"), std::string::npos) << bad->reason;
  EXPECT_NE(bad->reason.find("this is not a JSON line"), std::string::npos) << bad->reason;
  EXPECT_EQ(records.size(), 12u);
}

TEST(SweepOrchestration, FaultReportedByTheWorkerRestartsIt) {
  const TempDir dir;
  const sweep::SweepOutcome out =
      run_small_sweep(fake_sweep_options(dir.path(), {"--fault-on", kB}));
  EXPECT_EQ(out.faulted, 2);
  EXPECT_EQ(out.worker_starts, 3);
  const auto records = read_records(dir.path() / "runs.jsonl");
  EXPECT_EQ(find_record(records, 64, kB)->reason, "fake fault");
  EXPECT_EQ(find_record(records, 64, kSweepConfigs[2])->disposition, Disposition::kPassed);
}

TEST(SweepOrchestration, CompileFailureIsRecordedWithoutAskingTheWorker) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  const sweep::SweepOutcome out = run_small_sweep(
      fake_sweep_options(dir.path() / "run", {"--log", log}), fake_compiler(kB));
  EXPECT_EQ(out.compile_failed, 2);
  EXPECT_EQ(count_of(read_lines(log), kB), 0);
  const auto records = read_records(dir.path() / "run" / "runs.jsonl");
  const report::RunRecord* failed = find_record(records, 64, kB);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->disposition, Disposition::kCompileFailed);
  EXPECT_EQ(failed->reason, "error: fake compile failure");
}

TEST(SweepOrchestration, InterruptKillsTheInFlightRequestAndWritesReports) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  sweep::SweepOptions o = fake_sweep_options(dir.path() / "run", {"--hang-on", kB, "--log", log});
  o.watchdog_base_s = 60.0;
  o.interrupt_grace_s = 0.2;
  std::thread interrupter([&] {
    // NOTE: SIGINT only once the hanging request is in flight, so the guard is installed.
    for (int i = 0; i < 1000 && count_of(read_lines(log), kB) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(::getpid(), SIGINT);
  });
  const sweep::SweepOutcome out = run_small_sweep(o);
  interrupter.join();
  EXPECT_TRUE(out.interrupted);
  EXPECT_EQ(out.recorded, 4);  // three baselines and the first config of problem 1
  EXPECT_EQ(read_records(dir.path() / "run" / "runs.jsonl").size(), 4u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "run" / "summary.md"));
}

TEST(SweepOrchestration, WorkerWithoutGpuStopsTheSweepWithExitCode3) {
  const TempDir dir;
  const CaughtError e =
      catch_error([&] { (void)run_small_sweep(fake_sweep_options(dir.path(), {"--no-gpu"})); });
  EXPECT_EQ(e.code, kExitNoGpu);
  EXPECT_NE(e.message.find("no CUDA GPU"), std::string::npos) << e.message;
}

TEST(SweepOrchestration, WorkerThatCannotStartIsAnError) {
  const TempDir dir;
  sweep::SweepOptions o = fake_sweep_options(dir.path(), {});
  o.worker_argv = {(dir.path() / "no-such-worker").string()};
  const CaughtError e = catch_error([&] { (void)run_small_sweep(o); });
  EXPECT_EQ(e.code, kExitCudaError);
  EXPECT_NE(e.message.find("did not start"), std::string::npos) << e.message;
}

TEST(SweepOrchestration, FullDiskIsAnIoErrorThatKeepsEarlierResults) {
  const TempDir dir;
  sweep::SweepOptions o = fake_sweep_options(dir.path(), {});
  o.runs_path = "/dev/full";
  const CaughtError e = catch_error([&] { (void)run_small_sweep(o); });
  EXPECT_EQ(e.code, kExitIoError);
  EXPECT_NE(e.message.find("/dev/full"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("No space left"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "env.json"));
}

}  // namespace
}  // namespace gemmtune::test

namespace gemmtune::test {
namespace {

using report::RunKind;
const std::string& kFastConfig = kSweepConfigs[1];

// After a problem's configs the sweep re-times its fastest passed config beside the baselines,
// passing the cuBLASLt best search's winner, and the table's speedups come from that record; a
// resumed run does not repeat it.
TEST(SweepOrchestration, SideBySideRetimesTheFastestConfigWithTheBestAlgorithm) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  sweep::SweepOptions o = fake_sweep_options(dir.path() / "run", {"--median", kFastConfig + "=5", "--log", log});
  const auto plan_with_side_by_side = [](const DeviceLimits&) {
    std::vector<sweep::ProblemWork> plan = small_plan();
    for (sweep::ProblemWork& w : plan) w.items.push_back({.kind = RunKind::kSideBySide});
    return plan;
  };
  const sweep::SweepOutcome out = sweep::run_sweep(o, plan_with_side_by_side, fake_compiler());
  EXPECT_EQ(out.recorded, 14);
  const std::vector<report::RunRecord> records = read_records(dir.path() / "run" / "runs.jsonl");
  ASSERT_EQ(records.size(), 14u);
  const report::RunRecord side = records_of(records, 64).at(6);
  EXPECT_EQ(side.kind, RunKind::kSideBySide);
  EXPECT_EQ(side.config, kFastConfig);
  EXPECT_EQ(side.algo, (report::Json{{"algo_id", 66}, {"tile_id", 20}}));  // from cublaslt_best
  EXPECT_DOUBLE_EQ(side.side_by_side.at(RunKind::kCublasltHeuristic).median_us, 45.0);
  const report::TableEntry& e = out.table.problems.at(0).entries.at(0);
  ASSERT_TRUE(e.side_by_side.has_value());
  EXPECT_DOUBLE_EQ(*report::speedup(e, RunKind::kCublasltHeuristic), 45.0 / 5.0);

  o.resume = true;
  const sweep::SweepOutcome again = sweep::run_sweep(o, plan_with_side_by_side, fake_compiler());
  EXPECT_EQ(again.recorded, 0);
  EXPECT_EQ(again.already_recorded, 14);
}

}  // namespace
}  // namespace gemmtune::test
