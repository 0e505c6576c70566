// The sweep's run-off: which screened configs are re-timed together, and how its winner becomes
// the table's choice.
#include <gtest/gtest.h>

#include "report/tuning_table.hpp"
#include "sweep/runoff.hpp"
#include "sweep/runs_log.hpp"
#include "sweep/worker_protocol.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

using report::RunKind;
using Passed = std::vector<std::pair<double, std::string>>;

TEST(SweepRunoff, FastestFirstThenTheNextWithinTheMarginUpToTheLimit) {
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
  const report::RunRecord& side = records.at(6);
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

TEST(SweepRunoff, ARunoffRecordMustContainItsOwnConfig) {
  report::Json j = report::Json::parse(R"({"schema":"gemmtune.run/1",
    "problem":{"m":64,"n":2112,"k":7168},"kind":"side_by_side","config":"a",
    "disposition":"passed","reason":"","timing":{"median_us":5.0,"spread_rel":0.01},
    "runoff":[{"config":"b","median_us":6.0}]})");
  EXPECT_NE(catch_error([&] { (void)report::parse_run_record(j, report::JsonAt{"runs.jsonl:3"}); })
                .message.find("runs.jsonl:3: $.runoff: does not contain"),
            std::string::npos);
}

}  // namespace
}  // namespace gemmtune::test
