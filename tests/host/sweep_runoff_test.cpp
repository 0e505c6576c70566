// The sweep's run-off: which screened configs are re-timed together, in which regime (the
// request, the watchdog's estimate, resuming), and how its winner becomes the table's choice.
#include <gtest/gtest.h>

#include "core/timing_mode.hpp"
#include "report/tuning_table.hpp"
#include "sweep/run_env.hpp"
#include "sweep/runoff.hpp"
#include "sweep/runs_log.hpp"
#include "sweep/work_plan.hpp"
#include "sweep/worker_protocol.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::RunKind;
using Passed = std::vector<sweep::Screened>;

TEST(SweepRunoff, FastestFirstThenTheNextWithinTheMarginUpToTheLimit) {
  // No clock recorded: the order by time alone.
  const Passed passed = {{120.0, "c"}, {100.0, "a"}, {114.0, "b"}, {114.5, "d"}, {130.0, "e"}};
  EXPECT_EQ(sweep::runoff_candidates(passed, 4, 0.15), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(sweep::runoff_candidates(passed, 2, 0.15), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sweep::runoff_candidates(passed, 4, 0.30),
            (std::vector<std::string>{"a", "b", "d", "c"}));
  EXPECT_EQ(sweep::runoff_candidates(passed, 4, 0.0), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(sweep::runoff_candidates({}).empty());
}

TEST(SweepRunoff, AConfigMeasuredTwiceIsOneCandidate) {
  const Passed passed = {{100.0, "a"}, {101.0, "a"}, {102.0, "b"}};
  EXPECT_EQ(sweep::runoff_candidates(passed, 4, 0.15), (std::vector<std::string>{"a", "b"}));
}

// The screening of 4096 x 7168 x 16384 on the second GPU of the 2-GPU dsv3 sweep (2026-11-22):
// the config that re-timed fastest (mc0, 668 us) was screened at 1395 MHz, 8th by time.
TEST(SweepRunoff, AConfigScreenedWhileTheClockWasLowJoinsByCycles) {
  const Passed passed = {{715.9, "bn112", 1395}, {728.2, "bn136", 1935}, {774.2, "bm128_bn136", 1935},
                         {780.0, "mcA", 1515},   {789.5, "bn88", 1725},   {791.0, "mcB", 1515},
                         {807.7, "bm128_bn128", 1605}, {813.2, "mc0", 1395},
                         {827.7, "bm128_bn160", 1590}};
  // By time alone mc0 is out; by cycles it is second (bn112 first, then mc0, mcA, mcB).
  EXPECT_EQ(sweep::runoff_candidates(passed, 6, 0.15, 6),
            (std::vector<std::string>{"bn112", "bn136", "bm128_bn136", "mcA", "bn88", "mcB"}));
  EXPECT_EQ(sweep::runoff_candidates(passed),
            (std::vector<std::string>{"bn112", "bn136", "bm128_bn136", "mcA", "bn88", "mcB",
                                      "mc0"}));
  // Only within the margin of the fewest cycles: b (throttled, fewest cycles) joins, c (as
  // throttled, but 3x the cycles) stays out.
  const Passed slow = {{100.0, "a", 1980}, {101.0, "b", 1700}, {300.0, "c", 1700}};
  EXPECT_EQ(sweep::runoff_candidates(slow, 1, 0.15, 8), (std::vector<std::string>{"a", "b"}));
  // Where the clock held (within 5% of the top), cycles add nothing: b and c are 1-2% apart in
  // clock, so the run-off stays at the time order's size.
  const Passed steady = {{10.0, "a", 1980}, {10.5, "b", 1950}, {11.0, "c", 1890}};
  EXPECT_EQ(sweep::runoff_candidates(steady, 2, 0.15, 8), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sweep::runoff_candidates(steady, 3, 0.15, 2), (std::vector<std::string>{"a", "b"}));
}

TEST(SweepRunoff, ALongProblemIsTimedInShortBurstsOfHalfTheSamples) {
  // Within the cap: as planned.
  EXPECT_EQ(burst_shape(4, 30, 40, 700.0), (BurstShape{.rounds = 4, .samples = 30}));
  EXPECT_EQ(burst_shape(4, 30, 0, 9000.0), (BurstShape{.rounds = 4, .samples = 30}));
  // 2.4 ms: 16 samples fit in 40 ms; 60 samples in 4 rounds.
  EXPECT_EQ(burst_shape(4, 30, 40, 2400.0), (BurstShape{.rounds = 4, .samples = 16}));
  // 7.1 ms: 5 per burst, 12 rounds; longer than the cap: one sample per burst.
  EXPECT_EQ(burst_shape(4, 30, 40, 7100.0), (BurstShape{.rounds = 12, .samples = 5}));
  EXPECT_EQ(burst_shape(4, 30, 40, 50000.0), (BurstShape{.rounds = 60, .samples = 1}));
}

TEST(SweepRunoff, ACloseContestIsEveryCandidateWithinTheMarginOfTheFastest) {
  // 18.56 us fastest: 18.62 and 18.74 are within 1%, 18.75 (1.02%) is not.
  EXPECT_EQ(close_contest({18.62, 18.56, 19.46, 18.74, 18.75}, 0.01),
            (std::vector<size_t>{0, 1, 3}));
  // Alone within the margin, or alone at all: no contest.
  EXPECT_TRUE(close_contest({18.0, 18.9, 20.3}, 0.01).empty());
  EXPECT_TRUE(close_contest({18.0}, 0.01).empty());
  EXPECT_TRUE(close_contest({}, 0.01).empty());
  // Ties are all in.
  EXPECT_EQ(close_contest({5.0, 5.0}, 0.0), (std::vector<size_t>{0, 1}));
}

TEST(SweepRunoff, TheRequestCarriesTheOtherCandidatesAndTheRecordMayNameAnyOfThem) {
  sweep::MeasureRequest r{.id = 9, .kind = RunKind::kSideBySide,
                          .problem = {.label = "", .m = 64, .n = 2112, .k = 7168},
                          .config = kSweepConfigs[0], .runoff = {kSweepConfigs[1]}};
  const sweep::WorkerRequest back = sweep::decode_request(sweep::encode_measure(r));
  ASSERT_TRUE(back.measure.has_value());
  EXPECT_EQ(back.measure->runoff, r.runoff);
  report::Json record = sweep::make_parent_record(r.problem, r.kind, kSweepConfigs[1],
                                                  report::Disposition::kFaulted, "x");
  EXPECT_EQ(sweep::record_mismatch(record, r), "");  // the run-off's winner
  record = sweep::make_parent_record(r.problem, r.kind, kSweepConfigs[2],
                                     report::Disposition::kFaulted, "x");
  EXPECT_NE(sweep::record_mismatch(record, r).find("config"), std::string::npos);
  for (const report::Json& bad : {report::Json("x"), report::Json::array({1})}) {
    report::Json line = report::Json::parse(sweep::encode_measure(r));
    line["runoff"] = bad;
    EXPECT_EQ(catch_error([&] { (void)sweep::decode_request(line.dump()); }).code, kExitUsage)
        << line.dump();
  }
}

TEST(SweepRunoff, TheRegimeTravelsInTheRequestAndAnOldLineMeansSustained) {
  sweep::MeasureRequest r{.id = 9, .kind = RunKind::kSideBySide,
                          .problem = {.label = "", .m = 64, .n = 2112, .k = 7168},
                          .config = kSweepConfigs[0], .runoff = {kSweepConfigs[1]}};
  for (const char* regime : {"burst", "sustained"}) {
    r.timing = {.mode = "call", .warmup = 2, .iters = 9, .runoff_regime = regime};
    const std::string line = sweep::encode_measure(r);
    EXPECT_EQ(report::Json::parse(line).at("timing").at("runoff_regime"), regime);
    const sweep::WorkerRequest back = sweep::decode_request(line);
    ASSERT_TRUE(back.measure.has_value());
    EXPECT_EQ(back.measure->timing, r.timing) << regime;
  }
  // A line from before --runoff: the sustained run-off it always meant.
  r.timing.runoff_regime = "burst";
  report::Json old_line = report::Json::parse(sweep::encode_measure(r));
  old_line["timing"].erase("runoff_regime");
  const sweep::WorkerRequest old = sweep::decode_request(old_line.dump());
  ASSERT_TRUE(old.measure.has_value());
  EXPECT_EQ(old.measure->timing.runoff_regime, "sustained");
  for (const report::Json& bad : {report::Json("bursty"), report::Json(1), report::Json()}) {
    report::Json line = report::Json::parse(sweep::encode_measure(r));
    line["timing"]["runoff_regime"] = bad;
    EXPECT_EQ(catch_error([&] { (void)sweep::decode_request(line.dump()); }).code, kExitUsage)
        << line.dump();
  }
}

TEST(SweepRunoff, TheWatchdogCountsTheBurstsSamplesAndIdleGaps) {
  const sweep::WorkItem side{.kind = RunKind::kSideBySide, .config = std::nullopt,
                             .predicted_us = 100.0};
  const sweep::TimingRequest sustained{.mode = "kernel", .warmup = 3, .iters = 30,
                                       .runoff_regime = "sustained"};
  sweep::TimingRequest burst = sustained;
  burst.runoff_regime = "burst";
  // Per candidate: validation + a probe + 4 rounds of (3 warm-ups + 30 samples), against
  // validation + 3 warm-ups + 100 samples, in up to two passes (the confirmation of a close
  // contest); then the winner and the baselines alike in both.
  EXPECT_EQ(sweep::request_launches(side, burst), 2 * 2 * 8 * (2 + 4 * (3 + 30)) + 6 * 34);
  EXPECT_EQ(sweep::request_launches(side, sustained), 2 * 2 * 8 * (1 + 3 + 100) + 6 * 34);
  // Up to 2 passes x 8 candidates x 4 rounds x 50 ms idle.
  EXPECT_DOUBLE_EQ(sweep::request_idle_seconds(side, burst), 2 * 8 * 4 * 0.050);
  EXPECT_DOUBLE_EQ(sweep::request_idle_seconds(side, sustained), 0.0);
  const double per_launch_s = 50 * 1100e-6;
  EXPECT_NEAR(sweep::watchdog_seconds(side, burst, 20.0, 0.0) -
                  sweep::watchdog_seconds(side, sustained, 20.0, 0.0),
              3.2 + per_launch_s * 2 * 2 * 8 * (2 + 4 * 33 - 104), 1e-9);
  // A 7.1 ms problem: 12 short bursts of 3 warm-ups + 5 samples, 12 gaps.
  const sweep::WorkItem long_side{.kind = RunKind::kSideBySide, .config = std::nullopt,
                                  .predicted_us = 7100.0};
  EXPECT_EQ(sweep::request_launches(long_side, burst), 2 * 2 * 8 * (2 + 12 * (3 + 5)) + 6 * 34);
  EXPECT_DOUBLE_EQ(sweep::request_idle_seconds(long_side, burst), 2 * 8 * 12 * 0.050);
  // Only the run-off has a regime.
  const sweep::WorkItem config{.kind = RunKind::kGemmtune, .config = std::nullopt,
                               .predicted_us = 100.0};
  EXPECT_EQ(sweep::request_launches(config, burst), sweep::request_launches(config, sustained));
  EXPECT_DOUBLE_EQ(sweep::request_idle_seconds(config, burst), 0.0);
}

TEST(SweepRunoff, ResumingWithAnotherRegimeConflicts) {
  const report::Json burst = {{"timing_mode", "kernel"},
                              {"timing", {{"warmup", 3}, {"iters", 30}, {"runoff_regime", "burst"}}}};
  report::Json sustained = burst;
  sustained["timing"]["runoff_regime"] = "sustained";
  EXPECT_TRUE(sweep::resume_conflicts(burst, burst).empty());
  EXPECT_EQ(sweep::resume_conflicts(sustained, burst),
            (std::vector<std::string>{R"(run-off regime: "sustained" -> "burst")"}));
  // A folder from before --runoff ran the sustained run-off.
  report::Json old = sustained;
  old["timing"].erase("runoff_regime");
  EXPECT_TRUE(sweep::resume_conflicts(old, sustained).empty());
  EXPECT_EQ(sweep::resume_conflicts(old, burst).size(), 1u);
}

// Screening says config 0 (10 µs) beats config 1 (11 µs) and config 2 (30 µs, outside the
// margin); timed together in the run-off config 1 is faster (8 µs), and the table takes it.
TEST(SweepRunoff, TheTableTakesTheRunoffWinnerOverTheScreeningFastest) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  const sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run", {"--median", kSweepConfigs[0] + "=10", "--median",
                           kSweepConfigs[1] + "=11", "--median", kSweepConfigs[2] + "=30",
                           "--runoff-median", kSweepConfigs[1] + "=8", "--log", log});
  const auto plan = [](const DeviceLimits&) {
    std::vector<sweep::ProblemWork> p = small_plan();
    for (sweep::ProblemWork& w : p) w.items.push_back({.kind = RunKind::kSideBySide});
    return p;
  };
  const sweep::SweepOutcome out = sweep::run_sweep(o, plan, fake_compiler());
  const std::vector<report::RunRecord> records = read_records(dir.path() / "run" / "runs.jsonl");
  const report::RunRecord side = records_of(records, 64).at(6);
  ASSERT_EQ(side.kind, RunKind::kSideBySide);
  EXPECT_EQ(side.config, kSweepConfigs[1]);
  ASSERT_EQ(side.runoff.size(), 2u);
  EXPECT_EQ(side.runoff[0].first, kSweepConfigs[0]);
  EXPECT_DOUBLE_EQ(side.runoff[1].second.median_us, 8.0);
  const report::TableEntry& e = out.table.problems.at(0).entries.at(0);
  EXPECT_EQ(e.config, kSweepConfigs[1]);
  EXPECT_EQ(e.selected_by, "runoff");
  EXPECT_DOUBLE_EQ(e.median_us, 8.0);
  ASSERT_TRUE(e.side_by_side.has_value());
  EXPECT_EQ(e.side_by_side->runoff_us.size(), 2u);
  EXPECT_DOUBLE_EQ(*report::speedup(e, RunKind::kCublasltHeuristic), 45.0 / 8.0);
  const report::TuningTable round_trip = report::parse_tuning_table(report::to_json(out.table), "t");
  EXPECT_EQ(round_trip.problems.at(0).entries.at(0), e);
}

// As above, but config 2 (30 us) was screened at a third of the others' clock: fewest cycles,
// so it joins the run-off (the ledger reads clock.sm_mhz), wins it, and a resumed folder still
// knows its clock.
TEST(SweepRunoff, AConfigScreenedAtALowClockJoinsTheRunoffAndMayWinIt) {
  const TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  const sweep::SweepOptions o = fake_sweep_options(
      dir.path() / "run",
      {"--median", kSweepConfigs[0] + "=10", "--median", kSweepConfigs[1] + "=11", "--median",
       kSweepConfigs[2] + "=30", "--clock", kSweepConfigs[0] + "=1980", "--clock",
       kSweepConfigs[1] + "=1980", "--clock", kSweepConfigs[2] + "=600", "--runoff-median",
       kSweepConfigs[2] + "=8", "--log", log});
  const auto plan = [](const DeviceLimits&) {
    std::vector<sweep::ProblemWork> p = small_plan();
    for (sweep::ProblemWork& w : p) w.items.push_back({.kind = RunKind::kSideBySide});
    return p;
  };
  const sweep::SweepOutcome out = sweep::run_sweep(o, plan, fake_compiler());
  const report::TableEntry& e = out.table.problems.at(0).entries.at(0);
  EXPECT_EQ(e.config, kSweepConfigs[2]);
  EXPECT_DOUBLE_EQ(e.median_us, 8.0);
  const sweep::RecordedWork work = sweep::read_recorded_work(dir.path() / "run" / "runs.jsonl");
  const std::vector<sweep::Screened>& passed = work.passed.begin()->second;
  ASSERT_EQ(passed.size(), 3u);
  EXPECT_DOUBLE_EQ(passed.at(2).sm_mhz, 600.0);
  EXPECT_EQ(sweep::runoff_candidates(passed).size(), 3u);
}

// A screening whose samples ran at 600 MHz while NVML read 1980 after its burst (the clock
// recovers within the gap): by the clock read once, config 2 (30 us) was not throttled and had
// the most cycles; by its samples' clock it has the fewest, joins the run-off and wins it, and
// a resumed folder still knows its per-sample clock.
TEST(SweepRunoff, APerSampleClockRanksTheScreeningByItsOwnCycles) {
  const TempDir dir;
  const auto run = [&](const std::string& folder, bool sample_clock) {
    std::vector<std::string> flags = {
        "--median", kSweepConfigs[0] + "=10", "--median", kSweepConfigs[1] + "=11",
        "--median", kSweepConfigs[2] + "=30", "--clock", kSweepConfigs[0] + "=1980",
        "--clock", kSweepConfigs[1] + "=1980", "--clock", kSweepConfigs[2] + "=1980",
        "--runoff-median", kSweepConfigs[2] + "=8"};
    if (sample_clock) {
      flags.insert(flags.end(), {"--sample-clock", kSweepConfigs[0] + "=1980", "--sample-clock",
                                 kSweepConfigs[1] + "=1980", "--sample-clock",
                                 kSweepConfigs[2] + "=600"});
    }
    const auto plan = [](const DeviceLimits&) {
      std::vector<sweep::ProblemWork> p = small_plan();
      for (sweep::ProblemWork& w : p) w.items.push_back({.kind = RunKind::kSideBySide});
      return p;
    };
    return sweep::run_sweep(fake_sweep_options(dir.path() / folder, flags), plan,
                            fake_compiler());
  };
  // Without the samples' clock: the run-off is the two fast configs, and the 30 us one is out.
  EXPECT_EQ(run("once", false).table.problems.at(0).entries.at(0).config, kSweepConfigs[0]);
  const sweep::SweepOutcome out = run("per_sample", true);
  EXPECT_EQ(out.table.problems.at(0).entries.at(0).config, kSweepConfigs[2]);
  const sweep::RecordedWork work =
      sweep::read_recorded_work(dir.path() / "per_sample" / "runs.jsonl");
  const std::vector<sweep::Screened>& passed = work.passed.begin()->second;
  ASSERT_EQ(passed.size(), 3u);
  EXPECT_DOUBLE_EQ(passed.at(2).sm_mhz, 600.0);
  EXPECT_DOUBLE_EQ(passed.at(2).cycles, 30.0 * 600.0);
  EXPECT_DOUBLE_EQ(passed.at(0).cycles_or_estimate(), 10.0 * 1980.0);
}

// A long problem's screenings idle first, a short one's and a problem's first do not.
TEST(SweepRunoff, OnlyScreeningsAfterALongScreeningSettle) {
  EXPECT_EQ(sweep::screening_settle_ms(0.0), 0);
  EXPECT_EQ(sweep::screening_settle_ms(12.0), 0);
  EXPECT_EQ(sweep::screening_settle_ms(sweep::kScreenSettleAboveUs - 1.0), 0);
  EXPECT_EQ(sweep::screening_settle_ms(sweep::kScreenSettleAboveUs), sweep::kScreenSettleMs);
  EXPECT_EQ(sweep::screening_settle_ms(2100.0), sweep::kScreenSettleMs);
  EXPECT_GT(sweep::kScreenSettleMs, 0);
}

TEST(SweepRunoff, ScreenedFromTakesTheSamplesClockWhereTheRecordHasIt) {
  const sweep::Screened once = sweep::screened_from(100.0, "a", {.sm_mhz = 1500.0});
  EXPECT_DOUBLE_EQ(once.sm_mhz, 1500.0);
  EXPECT_DOUBLE_EQ(once.cycles, 0.0);
  EXPECT_DOUBLE_EQ(once.cycles_or_estimate(), 150000.0);
  const sweep::Screened sampled = sweep::screened_from(
      100.0, "a",
      {.sm_mhz = 1980.0, .sample_median_mhz = 1450.0, .sample_median_cycles = 146000.0});
  EXPECT_DOUBLE_EQ(sampled.sm_mhz, 1450.0);
  EXPECT_DOUBLE_EQ(sampled.cycles_or_estimate(), 146000.0);
  EXPECT_DOUBLE_EQ(sweep::screened_from(100.0, "a", {}).cycles_or_estimate(), 0.0);
}

TEST(SweepRunoff, ARecordsClockOfTheWrongTypeNamesItsField) {
  const report::Json j =
      report::Json::parse(R"({"clock":{"sm_mhz":1980,"sample_median_mhz":"x"}})");
  EXPECT_NE(catch_error([&] { (void)report::parse_run_clock(j, report::JsonAt{"runs.jsonl:4"}); })
                .message.find("runs.jsonl:4: $.clock.sample_median_mhz"),
            std::string::npos);
  const report::RunClock c = report::parse_run_clock(
      report::Json::parse(R"({"clock":{"sm_mhz":1980,"sample_median_mhz":1500,
                              "sample_median_cycles":3.0e5}})"),
      report::JsonAt{"runs.jsonl:5"});
  EXPECT_DOUBLE_EQ(c.sample_median_mhz, 1500.0);
  EXPECT_DOUBLE_EQ(c.sample_median_cycles, 3.0e5);
}

TEST(SweepRunoff, ARunoffRecordMustContainItsOwnConfig) {
  report::Json j = report::Json::parse(R"({"schema":"gemmtune.run/1",
    "problem":{"m":64,"n":2112,"k":7168},"kind":"side_by_side",
    "config":"bm64_bn128_s6_mc0_sm132_rN8_sk1",
    "disposition":"passed","reason":"","timing":{"median_us":5.0,"spread_rel":0.01},
    "runoff":[{"config":"bm64_bn64_s8_mc0_sm132_rN8_sk2","median_us":6.0}]})");
  EXPECT_NE(catch_error([&] { (void)report::parse_run_record(j, report::JsonAt{"runs.jsonl:3"}); })
                .message.find("runs.jsonl:3: $.runoff: does not contain"),
            std::string::npos);
}

}  // namespace
}  // namespace gemmtune::test
