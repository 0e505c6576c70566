// `gemmtune compare`: every status, the noise rule, environment checks and exit codes.
#include <gtest/gtest.h>

#include "report/compare.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

using test::error_of;

TuningTable fixture_table() { return build_tuning_table(read_run_folder(test::fixture("run_small"))); }

TableEntry& entry(TuningTable& t, int64_t n, int64_t m) {
  for (TableProblem& p : t.problems) {
    for (TableEntry& e : p.entries) {
      if (p.n == n && e.m == m) return e;
    }
  }
  throw std::runtime_error("no entry");
}

const CompareRow& row(const CompareResult& r, int64_t n, int64_t m) {
  for (const CompareRow& x : r.rows) {
    if (x.shape.n == n && x.shape.m == m) return x;
  }
  throw std::runtime_error("no row");
}

/// NEW = BASE with: M=64 12% slower (SLOWER), M=128 6% slower inside 8.75% noise (NOISY),
/// M=4096 8% faster (FASTER), o_proj M=1024 0.5% slower (SAME).
TuningTable mixed_new() {
  TuningTable t = fixture_table();
  entry(t, 2112, 64).median_us = 14.0;
  entry(t, 2112, 128).median_us = 14.0;
  entry(t, 2112, 128).spread_rel = 0.15;
  entry(t, 2112, 4096).median_us = 90.0;
  entry(t, 7168, 1024).median_us = 191.0;
  return t;
}

TEST(ReportCompare, ClassifiesSlowerNoisyFasterSame) {
  const CompareResult r = compare_tables(fixture_table(), mixed_new(), {.threshold = 0.05});
  EXPECT_EQ(row(r, 2112, 64).status, CompareStatus::kSlower);
  EXPECT_NEAR(*row(r, 2112, 64).ratio, 14.0 / 12.5, 1e-12);
  EXPECT_EQ(row(r, 2112, 128).status, CompareStatus::kNoisy);
  EXPECT_NEAR(row(r, 2112, 128).noise_rel, (0.025 + 0.15) / 2, 1e-12);
  EXPECT_EQ(row(r, 2112, 4096).status, CompareStatus::kFaster);
  EXPECT_EQ(row(r, 7168, 1024).status, CompareStatus::kSame);
  EXPECT_EQ(row(r, 7168, 64).status, CompareStatus::kUntimed);
  EXPECT_TRUE(r.regression());
  EXPECT_EQ(r.timed_pairs, 4);
}

// No recorded spread makes a slowdown beyond kMaxNoiseRel noise: three times slower with every
// spread at 5.0 is a regression.
TEST(ReportCompare, NoiseIsCappedSoAWildSpreadHidesNoRegression) {
  TuningTable slow = fixture_table();
  for (TableProblem& p : slow.problems) {
    for (TableEntry& e : p.entries) {
      e.median_us *= 3.0;
      e.spread_rel = 5.0;
    }
  }
  const CompareResult r = compare_tables(fixture_table(), slow, {.threshold = 0.05});
  EXPECT_EQ(row(r, 2112, 64).status, CompareStatus::kSlower);
  EXPECT_DOUBLE_EQ(row(r, 2112, 64).noise_rel, kMaxNoiseRel);
  EXPECT_TRUE(r.regression());
  // Within the cap the spreads still decide: 40% slower with spreads of 1.0 is noise.
  TuningTable noisy = fixture_table();
  entry(noisy, 2112, 64).median_us *= 1.4;
  entry(noisy, 2112, 64).spread_rel = 1.0;
  TuningTable base = fixture_table();
  entry(base, 2112, 64).spread_rel = 1.0;
  EXPECT_EQ(row(compare_tables(base, noisy, {.threshold = 0.05}), 2112, 64).status,
            CompareStatus::kNoisy);
}

TEST(ReportCompare, IdenticalRunsAreSameAndNoRegression) {
  const CompareResult r = compare_tables(fixture_table(), fixture_table(), {});
  EXPECT_EQ(r.count(CompareStatus::kSame), 4);
  EXPECT_FALSE(r.regression());
  EXPECT_DOUBLE_EQ(*r.geomean_ratio, 1.0);
}

TEST(ReportCompare, SpeedupsNeverFail) {
  TuningTable faster = fixture_table();
  for (TableProblem& p : faster.problems) {
    for (TableEntry& e : p.entries) e.median_us *= 0.5;
  }
  const CompareResult r = compare_tables(fixture_table(), faster, {});
  EXPECT_EQ(r.count(CompareStatus::kFaster), 4);
  EXPECT_FALSE(r.regression());
}

TEST(ReportCompare, MissingFailedAndNewOnlyShapes) {
  TuningTable next = fixture_table();
  std::vector<TableEntry>& qkv = next.problems[0].entries;
  qkv.erase(qkv.begin() + 1);                               // M=128 not measured
  entry(next, 2112, 4096).config.reset();                   // M=4096 measured, nothing passed
  entry(next, 2112, 4096).reason = "no passing config among 2 measured (2 faulted)";
  entry(next, 7168, 64).config = "bm64_bn128_s6_mc0_sm132_rN8_sk2";  // newly passing
  entry(next, 7168, 64).median_us = 39.0;
  next.problems.push_back({.label = "new_shape", .n = 4096, .k = 7168,
                           .entries = {{.m = 64, .config = "bm64_bn64_s8_mc0_sm132_rN8_sk1",
                                        .median_us = 15.0, .timing_mode = "kernel"}}});
  const CompareResult r = compare_tables(fixture_table(), next, {});
  EXPECT_EQ(row(r, 2112, 128).status, CompareStatus::kMissingInNew);
  EXPECT_EQ(row(r, 2112, 4096).status, CompareStatus::kFailedInNew);
  EXPECT_EQ(row(r, 2112, 4096).note, "no passing config among 2 measured (2 faulted)");
  EXPECT_EQ(row(r, 7168, 64).status, CompareStatus::kNewOnly);
  EXPECT_EQ(row(r, 4096, 64).status, CompareStatus::kNewOnly);
  EXPECT_EQ(r.rows.back().shape.n, 4096);  // NEW-only rows come last
  EXPECT_TRUE(r.regression());             // because of FAILED_IN_NEW only
  EXPECT_EQ(r.count(CompareStatus::kSlower), 0);

  entry(next, 2112, 4096).config = "bm128_bn160_s5_mcA_sm132_rN8_sk1";
  EXPECT_FALSE(compare_tables(fixture_table(), next, {}).regression());  // MISSING only warns
}

TEST(ReportCompare, EnvironmentMismatchIsRefusedUnlessAllowed) {
  TuningTable next = fixture_table();
  next.env.driver = "575.51.03";
  next.env.gpu_name = "NVIDIA H100 80GB HBM3";
  const std::string message = error_of([&] { (void)compare_tables(fixture_table(), next, {}); });
  EXPECT_NE(message.find("GPU: NVIDIA H200 -> NVIDIA H100 80GB HBM3"), std::string::npos);
  EXPECT_NE(message.find("driver: 580.159.04 -> 575.51.03"), std::string::npos);
  const CompareResult r = compare_tables(fixture_table(), next, {.allow_env_mismatch = true});
  EXPECT_EQ(r.env_differences.size(), 2u);
  EXPECT_NE(render_compare_md(r).find("Environment differs"), std::string::npos);
}

TEST(ReportCompare, OutputsCarryRowsAndVerdict) {
  CompareResult r = compare_tables(fixture_table(), mixed_new(), {});
  r.base_source = "base.json";
  r.new_source = "new.json";
  const std::string md = render_compare_md(r);
  EXPECT_NE(md.find("| SLOWER | 64 | 2112 | 7168 | qkv_a_proj | 12.50 | 14.00 | 1.120 | 2.0% |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("**REGRESSION: 1 slower, 0 failed in NEW**"), std::string::npos) << md;
  const Json j = compare_json(r);
  EXPECT_EQ(j.at("schema"), "gemmtune.compare/1");
  EXPECT_EQ(j.at("regression"), true);
  EXPECT_EQ(j.at("counts").at("NOISY"), 1);
  EXPECT_EQ(j.at("rows").size(), 5u);
  const Json gab = compare_gab(r);
  ASSERT_TRUE(gab.is_array());
  EXPECT_EQ(gab.size(), 4u);  // shapes NEW timed
  EXPECT_EQ(gab[0].at("name"), "gemmtune M=64 N=2112 K=7168");
  EXPECT_EQ(gab[0].at("unit"), "us");
  EXPECT_DOUBLE_EQ(gab[0].at("value").get<double>(), 14.0);
  EXPECT_TRUE(gab[0].at("range").is_string());
  EXPECT_TRUE(gab[0].at("extra").is_string());
}

class ReportCompareCli : public ::testing::Test {
 protected:
  void write(const std::string& name, const TuningTable& t) {
    test::write_file(dir_ / name, to_json(t).dump(2));
  }
  test::CommandResult compare(const std::string& args, bool stdout_only = false) {
    return test::run_gemmtune("compare " + args, stdout_only);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  test::ScratchDir dir_;
};

TEST_F(ReportCompareCli, ExitCodes) {
  write("base.json", fixture_table());
  write("mixed.json", mixed_new());
  TuningTable noisy_or_faster = mixed_new();
  entry(noisy_or_faster, 2112, 64).median_us = 12.5;
  write("ok.json", noisy_or_faster);
  TuningTable other_env = fixture_table();
  other_env.env.cublaslt = "130000";
  write("other_env.json", other_env);

  test::CommandResult r = compare(path("base.json") + " " + path("mixed.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("REGRESSION"), std::string::npos);
  r = compare(path("base.json") + " " + path("ok.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("NOISY"), std::string::npos);
  r = compare(path("base.json") + " " + path("mixed.json") + " --threshold 0.2");
  EXPECT_EQ(r.exit_code, 0) << r.output;  // 12% is within a 20% threshold
  r = compare(path("base.json") + " " + path("other_env.json"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cuBLASLt: 130100 -> 130000"), std::string::npos) << r.output;
  r = compare(path("base.json") + " " + path("other_env.json") + " --allow-env-mismatch");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("different environments"), std::string::npos) << r.output;
  r = compare(path("base.json") + " " + path("nope.json"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(ReportCompareCli, RunFolderInputAndMachineFormats) {
  write("mixed.json", mixed_new());
  const std::string run = test::fixture("run_small").string();
  test::CommandResult r = compare(run + " " + run + " --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Json::parse(r.output).at("counts").at("SAME"), 4);
  r = compare(run + " " + path("mixed.json") + " --format gab -o " + path("gab.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const Json gab = Json::parse(test::read_file(dir_ / "gab.json"));
  EXPECT_EQ(gab.size(), 4u);
  r = compare(run + " " + run + " --format xml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace gemmtune::report
