// Tuning-table selection (never a failed record), baselines, speedups and the JSON round trip.
#include <gtest/gtest.h>

#include "report/summary_model.hpp"
#include "report/tuning_table.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

using test::error_of;

const TableEntry& entry(const TuningTable& t, int64_t n, int64_t k, int64_t m) {
  for (const TableProblem& p : t.problems) {
    for (const TableEntry& e : p.entries) {
      if (p.n == n && p.k == k && e.m == m) return e;
    }
  }
  throw std::runtime_error("no entry");
}

TEST(ReportTuningTable, ProblemsInFirstSeenOrderEntriesByM) {
  const TuningTable t = test::run_small_table();
  ASSERT_EQ(t.problems.size(), 2u);
  EXPECT_EQ(t.problems[0].label, "qkv_a_proj");
  EXPECT_EQ(t.problems[1].label, "o_proj");
  std::vector<int64_t> ms;
  for (const TableEntry& e : t.problems[0].entries) ms.push_back(e.m);
  EXPECT_EQ(ms, (std::vector<int64_t>{64, 128, 4096}));
  EXPECT_EQ(t.problems[1].entries.front().m, 64);
}

TEST(ReportTuningTable, SelectsFastestPassedNeverAFasterFailedOne) {
  const TuningTable t = test::run_small_table();
  // M=64: an incorrect record at 10.0 µs is faster than both passed ones (14.0, 12.5).
  const TableEntry& m64 = entry(t, 2112, 7168, 64);
  EXPECT_EQ(m64.config, "bm64_bn64_s8_mc0_sm132_rN8_sk2");
  EXPECT_DOUBLE_EQ(m64.median_us, 12.5);
  EXPECT_EQ(m64.dispositions.at("passed"), 2);
  EXPECT_EQ(m64.dispositions.at("incorrect"), 1);
  EXPECT_EQ(m64.dispositions.at("faulted"), 1);
  EXPECT_EQ(m64.dispositions.at("compile_failed"), 1);
  // M=128: incorrect at 11.0 µs, passed at 13.2 µs.
  EXPECT_EQ(entry(t, 2112, 7168, 128).config, "bm128_bn64_s8_mc0_sm132_rN8_sk2");
  EXPECT_EQ(entry(t, 2112, 7168, 4096).config, "bm128_bn160_s5_mcA_sm132_rN8_sk1");
}

TEST(ReportTuningTable, NoPassingConfigGivesNullConfigAndAReason) {
  const TuningTable t = test::run_small_table();
  const TableEntry& e = entry(t, 7168, 16384, 64);
  EXPECT_FALSE(e.config.has_value());
  EXPECT_EQ(e.reason,
            "no passing config among 2 measured (1 incorrect, 1 faulted); first failure: incorrect "
            "bm64_bn128_s6_mc0_sm132_rN8_sk2: max_rel_err 0.4 > 0.01");
  EXPECT_FALSE(speedup(e, RunKind::kCublasltBest).has_value());
  EXPECT_EQ(e.baselines.size(), 3u);  // the baselines are still reported
}

TEST(ReportTuningTable, BaselinesAreTheFastestPassedOfEachKind) {
  const TuningTable t = test::run_small_table();
  const TableEntry& m64 = entry(t, 2112, 7168, 64);
  const BaselineResult& best = m64.baselines.at(RunKind::kCublasltBest);
  EXPECT_DOUBLE_EQ(best.median_us, 13.0);  // of 14.1 and 13.0
  EXPECT_EQ(best.algo.at("custom_option"), 2);
  EXPECT_EQ(best.algo.at("split_k"), 2);
  EXPECT_DOUBLE_EQ(m64.baselines.at(RunKind::kCublasltHeuristic).median_us, 18.3);
  EXPECT_DOUBLE_EQ(m64.baselines.at(RunKind::kCublasltFp8Tensor).median_us, 13.1);
  EXPECT_TRUE(m64.baselines.at(RunKind::kCublasltFp8Tensor).algo.is_null());
  // M=4096: a faulted cuBLASLt-best record is never a baseline.
  EXPECT_DOUBLE_EQ(entry(t, 2112, 7168, 4096).baselines.at(RunKind::kCublasltBest).median_us, 112.4);
}

TEST(ReportTuningTable, SpeedupsAndReproduceLine) {
  const TuningTable t = test::run_small_table();
  const TableEntry& m64 = entry(t, 2112, 7168, 64);
  EXPECT_DOUBLE_EQ(*speedup(m64, RunKind::kCublasltHeuristic), 18.3 / 12.5);
  EXPECT_DOUBLE_EQ(*speedup(m64, RunKind::kCublasltBest), 13.0 / 12.5);
  EXPECT_EQ(reproduce_command(t.problems[0], m64),
            "gemmtune run --m 64 --n 2112 --k 7168 --config bm64_bn64_s8_mc0_sm132_rN8_sk2 "
            "--timing kernel");
}

TEST(ReportTuningTable, JsonHasSchemaDerivedFieldsAndRoundTrips) {
  const TuningTable t = test::run_small_table();
  const Json j = to_json(t);
  EXPECT_EQ(j.at("schema"), "gemmtune.tuning_table/2");
  EXPECT_EQ(j.at("env").at("gpu").at("name"), "NVIDIA H200");
  const Json& e = j.at("problems")[0].at("entries")[0];
  EXPECT_EQ(e.at("config"), "bm64_bn64_s8_mc0_sm132_rN8_sk2");
  EXPECT_NEAR(e.at("tflops").get<double>(), 2.0 * 64 * 2112 * 7168 / 12.5e-6 / 1e12, 1e-9);
  EXPECT_NEAR(e.at("speedup").at("vs_cublaslt_best").get<double>(), 13.0 / 12.5, 1e-12);
  EXPECT_EQ(e.at("baselines").at("cublaslt_best").at("algo").at("tile_id"), 18);
  const Json& none = j.at("problems")[1].at("entries")[0];
  EXPECT_TRUE(none.at("config").is_null());
  EXPECT_TRUE(none.at("reproduce").is_null());
  EXPECT_FALSE(none.at("reason").get<std::string>().empty());
  EXPECT_EQ(parse_tuning_table(Json::parse(j.dump()), "t.json"), t);
}

TEST(ReportTuningTable, ReaderErrorsNameFilePathAndProblem) {
  Json j = to_json(test::run_small_table());
  j["problems"][0]["entries"][1]["m"] = 64;
  EXPECT_EQ(error_of([&] { (void)parse_tuning_table(j, "t.json"); }),
            "t.json: $.problems[0].entries[1]: duplicate entry M 64 N 2112 K 7168");
  j = to_json(test::run_small_table());
  j["problems"][1]["entries"][1].erase("median_us");
  EXPECT_EQ(error_of([&] { (void)parse_tuning_table(j, "t.json"); }),
            "t.json: $.problems[1].entries[1].median_us: missing");
  j = to_json(test::run_small_table());
  j["schema"] = "gemmtune.tuning_table/9";
  EXPECT_NE(error_of([&] { (void)parse_tuning_table(j, "t.json"); }).find("unsupported schema"),
            std::string::npos);
  j = to_json(test::run_small_table());
  j["problems"][0]["entries"][0]["spread_rel"] = -100.0;
  EXPECT_EQ(error_of([&] { (void)parse_tuning_table(j, "t.json"); }),
            "t.json: $.problems[0].entries[0].spread_rel: must not be negative");
  j = to_json(test::run_small_table());
  j["problems"][0]["entries"][0]["timing_mode"] = "bogus";
  EXPECT_EQ(error_of([&] { (void)parse_tuning_table(j, "t.json"); })
                .rfind("t.json: $.problems[0].entries[0].timing_mode: \"bogus\" is not a timing mode (", 0),
            0u)
      << error_of([&] { (void)parse_tuning_table(j, "t.json"); });
}

TEST(ReportTuningTable, LoadsATableFileOrARunFolder) {
  const test::ScratchDir dir;
  const TuningTable from_folder = load_tuning_table(test::fixture("run_small"));
  test::write_file(dir / "t.json", to_json(from_folder).dump());
  EXPECT_EQ(load_tuning_table(dir / "t.json"), from_folder);
}

// `sweep --stream-floor`: a stream_floor record is the entry's floor, written as a field of its own
// (not among the cuBLASLt "baselines"), read back, and shown as "vs stream floor" (floor µs over
// the config's) in the summary; a table without one shows no such column.
TEST(ReportTuningTable, StreamFloorRoundTripsAsItsOwnFieldAndColumn) {
  TuningTable t = test::run_small_table();
  EXPECT_FALSE(has_stream_floor(t));
  for (const SummaryColumn& c : results_table(t).columns) EXPECT_NE(c.title, "vs stream floor");
  TableEntry& m64 = t.problems.at(0).entries.at(0);
  ASSERT_TRUE(m64.config.has_value());
  m64.baselines[RunKind::kStreamFloor] = {.median_us = 10.0, .spread_rel = 0.01};
  EXPECT_DOUBLE_EQ(*speedup(m64, RunKind::kStreamFloor), 10.0 / m64.median_us);
  const Json j = to_json(t);
  const Json& e = j.at("problems").at(0).at("entries").at(0);
  EXPECT_DOUBLE_EQ(e.at("stream_floor").at("median_us").get<double>(), 10.0);
  EXPECT_FALSE(e.at("baselines").contains("stream_floor"));
  EXPECT_DOUBLE_EQ(e.at("speedup").at("vs_stream_floor").get<double>(), 10.0 / m64.median_us);
  EXPECT_FALSE(j.at("problems").at(0).at("entries").at(1).contains("stream_floor"));
  const TuningTable back = parse_tuning_table(j, "table.json");
  EXPECT_EQ(back.problems.at(0).entries.at(0).baselines, m64.baselines);
  EXPECT_TRUE(has_stream_floor(back));
  bool shown = false;
  for (const SummaryColumn& c : results_table(back).columns) shown |= c.title == "vs stream floor";
  EXPECT_TRUE(shown);
  const std::vector<RunKind> kinds = table_baseline_kinds(back);
  EXPECT_EQ(kinds.back(), RunKind::kStreamFloor);
  Json bad = j;
  bad["problems"][0]["entries"][0]["stream_floor"]["median_us"] = -1.0;
  EXPECT_NE(error_of([&] { (void)parse_tuning_table(bad, "table.json"); })
                .find("table.json: $.problems[0].entries[0].stream_floor.median_us: must be positive"),
            std::string::npos)
      << error_of([&] { (void)parse_tuning_table(bad, "table.json"); });
}

}  // namespace
}  // namespace gemmtune::report

namespace gemmtune::report {
namespace {

RunRecord passed_record(RunKind kind, const std::string& config, double median_us) {
  RunRecord r;
  r.problem = {.m = 64, .n = 2112, .k = 7168};
  r.shape = r.problem.shape();
  r.kind = kind;
  r.config = config;
  r.disposition = Disposition::kPassed;
  r.timing = Timing{.mode = "kernel", .median_us = median_us, .spread_rel = 0.01, .samples = 30};
  return r;
}

// The card is power-capped and heats up over a problem's measurements, so the speedups come from
// the side_by_side record (one interleaved Timer call), not from baselines measured minutes apart.
// Two legal configs for 64 x 2112 x 7168 (table readers accept legal configs only).
constexpr const char* kFast = "bm64_bn128_s6_mc0_sm132_rN8_sk1";
constexpr const char* kSlow = "bm64_bn64_s8_mc0_sm132_rN8_sk2";

TEST(ReportTuningTable, SpeedupsComeFromTheSideBySideRecordOfTheChosenConfig) {
  RunFolder folder;
  folder.env.timing_mode = "kernel";
  folder.runs.push_back(passed_record(RunKind::kCublasltHeuristic, "", 50.0));
  folder.runs.push_back(passed_record(RunKind::kCublasltBest, "", 40.0));
  folder.runs.push_back(passed_record(RunKind::kGemmtune, kFast, 60.0));
  folder.runs.push_back(passed_record(RunKind::kGemmtune, kSlow, 70.0));
  RunRecord other = passed_record(RunKind::kSideBySide, kSlow, 30.0);  // not the chosen config
  other.side_by_side[RunKind::kCublasltHeuristic] = Timing{.median_us = 300.0};
  folder.runs.push_back(other);
  TuningTable table = build_tuning_table(folder);
  const TableEntry& before = table.problems.at(0).entries.at(0);
  EXPECT_FALSE(before.side_by_side.has_value());
  EXPECT_DOUBLE_EQ(*speedup(before, RunKind::kCublasltHeuristic), 50.0 / 60.0);

  RunRecord side = passed_record(RunKind::kSideBySide, kFast, 55.0);
  side.side_by_side[RunKind::kCublasltHeuristic] = Timing{.median_us = 66.0};
  folder.runs.push_back(side);
  table = build_tuning_table(folder);
  const TableEntry& e = table.problems.at(0).entries.at(0);
  ASSERT_TRUE(e.side_by_side.has_value());
  EXPECT_EQ(e.config, kFast);
  EXPECT_DOUBLE_EQ(e.median_us, 60.0);  // the sweep's measurement stays the entry's time
  EXPECT_DOUBLE_EQ(*speedup(e, RunKind::kCublasltHeuristic), 66.0 / 55.0);
  // No best baseline timed beside it: that speedup falls back to the separate measurements.
  EXPECT_DOUBLE_EQ(*speedup(e, RunKind::kCublasltBest), 40.0 / 60.0);
  const TuningTable round_trip = parse_tuning_table(to_json(table), "table.json");
  EXPECT_EQ(round_trip.problems.at(0).entries.at(0).side_by_side, e.side_by_side);
}

}  // namespace
}  // namespace gemmtune::report
