// `gemmtune export`: JSON round trip, CSV rows, the C++ header compiled and run with g++,
// cuBLASLt algorithm records.
#include <gtest/gtest.h>

#include "report/export.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

TEST(ReportExport, FormatNames) {
  EXPECT_EQ(parse_export_format("cpp"), ExportFormat::kCpp);
  EXPECT_EQ(parse_export_format("cublaslt"), ExportFormat::kCublaslt);
  EXPECT_FALSE(parse_export_format("yaml").has_value());
}

TEST(ReportExport, JsonReadsBackEqual) {
  const TuningTable t = test::run_small_table();
  EXPECT_EQ(parse_tuning_table(Json::parse(export_table(t, ExportFormat::kJson)), "x.json"), t);
}

TEST(ReportExport, CsvHasOneRowPerShape) {
  const std::string csv = export_csv(test::run_small_table());
  EXPECT_EQ(test::count_of(csv, "\n"), 1 + 5);
  EXPECT_EQ(csv.rfind("label,n,k,m,config,median_us,", 0), 0u);
  EXPECT_NE(csv.find("\nqkv_a_proj,2112,7168,64,bm64_bn64_s8_mc0_sm132_rN8_sk2,12.500,0.0200,155.0,"),
            std::string::npos) << csv;
  // The config-less row keeps its reason, quoted because it contains commas.
  EXPECT_NE(csv.find("\no_proj,7168,16384,64,,,,,,kernel,49.000,40.800,40.500,,,,\"no passing"),
            std::string::npos) << csv;
}

TEST(ReportExport, CublasltRecordsCarryVersionAndAlgo) {
  const Json j = Json::parse(export_cublaslt(test::run_small_table()));
  EXPECT_EQ(j.at("schema"), "gemmtune.cublaslt_algos/1");
  EXPECT_EQ(j.at("cublaslt_version"), "130100");
  ASSERT_EQ(j.at("entries").size(), 5u);
  EXPECT_EQ(j.at("entries")[0].at("algo").at("custom_option"), 2);
  EXPECT_DOUBLE_EQ(j.at("entries")[0].at("median_us").get<double>(), 13.0);
}

/// Writes `header`, compiles `main_body` against it with the system g++ and runs it.
test::CommandResult compile_and_run(const test::ScratchDir& dir, const std::string& header,
                                    const std::string& main_body) {
  test::write_file(dir / "tuned.h", header);
  test::write_file(dir / "main.cpp", "#include <cstdio>\n#include <cstring>\n#include \"tuned.h\"\n"
                                     "using namespace gemmtune_tuned;\nint main() {\n" +
                                         main_body + "\n  std::puts(\"OK\");\n  return 0;\n}\n");
  const test::CommandResult build = test::run_command(
      "g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -o " + (dir / "main").string() + " " +
      (dir / "main.cpp").string());
  if (build.exit_code != 0) return build;
  return test::run_command((dir / "main").string());
}

TEST(ReportExport, CppHeaderCompilesAndSelectsTheNearestTunedM) {
  const test::ScratchDir dir;
  const std::string body = R"(
  static_assert(select(64, 2112, 7168)->block_m == 64, "select is constexpr");
  struct Case { long long m, n, k; const char* name; };
  const Case cases[] = {
      {1, 2112, 7168, "bm64_bn64_s8_mc0_sm132_rN8_sk2"},        // below every tuned M: smallest
      {64, 2112, 7168, "bm64_bn64_s8_mc0_sm132_rN8_sk2"},       // exact
      {65, 2112, 7168, "bm128_bn64_s8_mc0_sm132_rN8_sk2"},      // smallest tuned M >= m
      {129, 2112, 7168, "bm128_bn160_s5_mcA_sm132_rN8_sk1"},
      {100000, 2112, 7168, "bm128_bn160_s5_mcA_sm132_rN8_sk1"}, // above every tuned M: largest
      {64, 7168, 16384, "bm128_bn192_s4_mcA_sm132_rN8_sk1"},    // M=64 had no passing config
      {8192, 7168, 16384, "bm128_bn192_s4_mcA_sm132_rN8_sk1"},
  };
  for (const Case& c : cases) {
    const Config* got = select(c.m, c.n, c.k);
    if (got == nullptr || std::strcmp(got->name, c.name) != 0) {
      std::printf("FAIL m=%lld n=%lld k=%lld got %s\n", c.m, c.n, c.k, got ? got->name : "null");
      return 1;
    }
  }
  if (select(64, 2112, 4096) != nullptr || select(64, 7168, 7168) != nullptr) return 2;
  const Config* c = select(4096, 2112, 7168);
  if (c->block_m != 128 || c->block_n != 160 || c->stages != 5 || c->multicast != 'A' ||
      c->num_sms != 132 || c->raster != 'N' || c->group != 8 || c->split_k != 1) return 3;
  if (select(64, 2112, 7168)->split_k != 2 || select(64, 2112, 7168)->multicast != '0') return 4;
  if (kNumEntries != 4) return 5;)";
  const test::CommandResult r = compile_and_run(dir, export_cpp(test::run_small_table()), body);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
}

/// test::run_small_table() plus grouped problems: contiguous G4 N=256 K=512 tuned at 264 and 2048 rows,
/// masked G8 of the same N, K at 40 rows, and a contiguous one whose config did not pass.
TuningTable grouped_fixture_table() {
  TuningTable t = test::run_small_table();
  const auto entry = [](int64_t rows, std::vector<int64_t> group_m, int64_t max_m,
                        std::optional<std::string> config, double us) {
    TableEntry e;
    e.m = rows;
    e.group_m = std::move(group_m);
    e.max_m = max_m;
    e.config = std::move(config);
    e.median_us = us;
    e.timing_mode = "call";
    if (!e.config) e.reason = "no passing config";
    return e;
  };
  t.problems.push_back({.label = "experts", .n = 256, .k = 512,
                        .layout = GroupLayout::kContiguous, .groups = 4,
                        .entries = {entry(264, {64, 0, 200, 0}, 0,
                                          "bm64_bn128_s8_mc0_sm132_rN8_sk1_gC", 9.5),
                                    entry(2048, {512, 512, 512, 512}, 0,
                                          "bm128_bn192_s4_mcB_sm132_rN8_sk1_gC", 30.25)}});
  t.problems.push_back({.label = "decode", .n = 256, .k = 512, .layout = GroupLayout::kMasked,
                        .groups = 8,
                        .entries = {entry(40, {5, 5, 5, 5, 5, 5, 5, 5}, 128,
                                          "bm64_bn96_s10_mc0_sm132_rN8_sk1_gM", 7.0)}});
  t.problems.push_back({.label = "failed", .n = 512, .k = 512,
                        .layout = GroupLayout::kContiguous, .groups = 2,
                        .entries = {entry(300, {100, 200}, 0, std::nullopt, 0.0)}});
  return t;
}

TEST(ReportExport, CppHeaderSelectsGroupedConfigsByLayoutGroupsAndRows) {
  const test::ScratchDir dir;
  const std::string body = R"(
  static_assert(select_grouped('C', 4, 256, 512, 264)->block_m == 64, "select_grouped is constexpr");
  struct Case { char layout; long long groups, n, k, rows; const char* name; };
  const Case cases[] = {
      {'C', 4, 256, 512, 1, "bm64_bn128_s8_mc0_sm132_rN8_sk1_gC"},      // below: smallest
      {'C', 4, 256, 512, 264, "bm64_bn128_s8_mc0_sm132_rN8_sk1_gC"},    // exact
      {'C', 4, 256, 512, 265, "bm128_bn192_s4_mcB_sm132_rN8_sk1_gC"},   // smallest rows >= rows
      {'C', 4, 256, 512, 99999, "bm128_bn192_s4_mcB_sm132_rN8_sk1_gC"}, // above: largest
      {'M', 8, 256, 512, 8, "bm64_bn96_s10_mc0_sm132_rN8_sk1_gM"},
  };
  for (const Case& c : cases) {
    const Config* got = select_grouped(c.layout, c.groups, c.n, c.k, c.rows);
    if (got == nullptr || std::strcmp(got->name, c.name) != 0) {
      std::printf("FAIL %c G%lld rows=%lld got %s\n", c.layout, c.groups, c.rows, got ? got->name : "null");
      return 1;
    }
  }
  // Another layout, group count or shape was not tuned; nor was the problem without a config.
  if (select_grouped('M', 4, 256, 512, 264) != nullptr || select_grouped('C', 8, 256, 512, 264) != nullptr ||
      select_grouped('C', 4, 256, 1024, 264) != nullptr || select_grouped('C', 2, 512, 512, 300) != nullptr) return 2;
  const Config* c = select_grouped('C', 4, 256, 512, 2048);
  if (c->block_m != 128 || c->block_n != 192 || c->stages != 4 || c->multicast != 'B') return 3;
  if (kNumGroupedEntries != 3 || kGroupedEntries[2].layout != 'M' || kGroupedEntries[2].max_m != 128) return 4;
  // The dense entries and select() are unchanged by the grouped ones.
  if (kNumEntries != 4 || select(64, 2112, 7168)->block_m != 64) return 5;)";
  const test::CommandResult r = compile_and_run(dir, export_cpp(grouped_fixture_table()), body);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
}

TEST(ReportExport, CppHeaderOfATableWithoutConfigsCompiles) {
  const test::ScratchDir dir;
  TuningTable t = test::run_small_table();
  for (TableProblem& p : t.problems) {
    for (TableEntry& e : p.entries) e.config.reset();
  }
  const test::CommandResult r = compile_and_run(
      dir, export_cpp(t),
      "  if (kNumEntries != 0 || select(64, 2112, 7168) != nullptr) return 1;\n"
      "  if (kNumGroupedEntries != 0 || select_grouped('C', 4, 256, 512, 1) != nullptr) return 2;");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(ReportExport, CppRefusesAConfigThatDoesNotParse) {
  TuningTable t = test::run_small_table();
  t.problems[0].entries[0].config = "bm64_fast";
  EXPECT_NE(test::error_of([&] { (void)export_cpp(t); }).find("config \"bm64_fast\""),
            std::string::npos);
}

TEST(ReportExport, CommandWritesFileOrStdout) {
  const test::ScratchDir dir;
  const std::string run = test::fixture("run_small").string();
  test::CommandResult r =
      test::run_gemmtune("export " + run + " --format csv -o " + (dir / "t.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(test::read_file(dir / "t.csv"), export_csv(test::run_small_table()));
  r = test::run_gemmtune("export " + run + " --format json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_tuning_table(Json::parse(r.output), "stdout"), test::run_small_table());
  r = test::run_gemmtune("export " + run + " --format yaml");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace gemmtune::report
