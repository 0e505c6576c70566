// summary.md (golden file), roofline.svg points and report.html, and `gemmtune report`.
#include <gtest/gtest.h>

#include "measured_roofs.hpp"
#include "report/render.hpp"
#include "report/summary_model.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

using test::count_of;

TEST(ReportOutputs, SummaryMarkdownMatchesTheGoldenFile) {
  // To refresh after an intended change: gemmtune report tests/fixtures/run_small --out /tmp/x
  // and copy /tmp/x/summary.md over tests/fixtures/run_small/expected_summary.md.
  EXPECT_EQ(render_summary_md(test::run_small_table()),
            test::read_file(test::fixture("run_small/expected_summary.md")));
}

TEST(ReportOutputs, GeometricMeansBySubset) {
  const std::vector<SpeedupGeomean> g = speedup_geomeans(test::run_small_table());
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].subset, "all");
  EXPECT_EQ(g[0].rows[1], 4);  // vs cuBLASLt best: the o_proj M=64 row has no config
  const double small = std::sqrt((13.0 / 12.5) * (13.6 / 13.2));
  EXPECT_NEAR(*g[1].by_baseline[1], small, 1e-12);
  const double large = std::sqrt((112.4 / 97.6) * (196.4 / 190.0));
  EXPECT_NEAR(*g[2].by_baseline[1], large, 1e-12);
  EXPECT_FALSE(geometric_mean({}).has_value());
}

TEST(ReportOutputs, RooflineHasOnePointPerMeasuredShapeAndKind) {
  const std::string svg = render_roofline_svg(test::run_small_table());
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(count_of(svg, "class=\"pt gemmtune\""), 4);       // o_proj M=64 has no config
  EXPECT_EQ(count_of(svg, "class=\"pt cublaslt_best\""), 5);
  EXPECT_NE(svg.find("id=\"pt-gemmtune-m64-n2112-k7168\" data-kind=\"gemmtune\" data-m=\"64\" "
                     "data-n=\"2112\" data-k=\"7168\" data-label=\"qkv_a_proj\" data-us=\"12.50\""),
            std::string::npos);
  EXPECT_EQ(svg.find("id=\"pt-gemmtune-m64-n7168-k16384\""), std::string::npos);
  EXPECT_NE(svg.find("id=\"pt-cublaslt_best-m64-n7168-k16384\""), std::string::npos);
  EXPECT_EQ(count_of(svg, "<title>"), 9);
  for (const char* id : {"roof-device", "roof-datasheet", "roof-tensor", "legend"}) {
    EXPECT_NE(svg.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(svg.find("arithmetic intensity"), std::string::npos);
}

TEST(ReportOutputs, RooflineOfAnEmptyTableStillDrawsTheRoofs) {
  TuningTable empty = test::run_small_table();
  empty.problems.clear();
  const std::string svg = render_roofline_svg(empty);
  EXPECT_EQ(count_of(svg, "class=\"pt "), 0);
  EXPECT_NE(svg.find("id=\"roof-device\""), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

/// The fixture's table with roofs measured on an H100 (figures unlike the H200 constants).
TuningTable measured_table() {
  TuningTable table = test::run_small_table();
  table.env.roofs = test::measured_roofs();
  return table;
}

TEST(ReportOutputs, RooflineOfConstantRoofsNeverCallsThemMeasured) {
  // The fixture's env.json has roofs without a source (written before roofs were measured).
  const std::string svg = render_roofline_svg(test::run_small_table());
  for (const char* label : {"HBM 4297 GB/s (constant, not measured here)",
                            "cuBLASLt FP8 per-tensor 1379 (constant)",
                            "cuBLASLt FP8 block-scaled 1093 (constant)",
                            "datasheet FP8 1979 TFLOPS (constant)", "constant roof: HBM, FP8 block",
                            "data-source=\"constant\"", "Roofs: constants, not measured on this run"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  for (const char* claim : {"measured copy", "measured roof", "(measured)"}) {
    EXPECT_EQ(svg.find(claim), std::string::npos) << claim;
  }
  const std::string html = render_report_html(test::run_small_table());
  EXPECT_NE(html.find("so they may not be this GPU's ceilings"), std::string::npos) << html;
}

TEST(ReportOutputs, RooflineOfMeasuredRoofsSaysWhereAndWhen) {
  const std::string svg = render_roofline_svg(measured_table());
  for (const char* label : {"HBM 3350 GB/s (measured copy)", "cuBLASLt FP8 per-tensor 1201 (measured)",
                            "cuBLASLt FP8 block-scaled 901 (measured)",
                            "datasheet FP8 1979 TFLOPS (constant)", "measured roof: HBM, FP8 block",
                            "data-source=\"measured\"",
                            "Roofs: measured on NVIDIA H100 80GB HBM3 at 2026-11-23T12:00:00Z (SM clock "
                            "1980 MHz)"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  EXPECT_EQ(svg.find("constant roof"), std::string::npos);
  const std::string html = render_report_html(measured_table());
  EXPECT_NE(html.find("FP8 per-tensor measured on NVIDIA H100 80GB HBM3"), std::string::npos);
  EXPECT_EQ(html.find("may not be this GPU"), std::string::npos);
  bool found = false;
  for (const auto& [key, value] : env_facts(measured_table().env)) {
    if (key != "Roofs") continue;
    found = true;
    EXPECT_EQ(value, "HBM 3350 GB/s, FP8 block-scaled 901 TFLOPS, FP8 per-tensor 1201 TFLOPS: "
                     "measured on NVIDIA H100 80GB HBM3 at 2026-11-23T12:00:00Z (SM clock 1980 "
                     "MHz); datasheet 1979 TFLOPS: constant (" + std::string(kDatasheetOrigin) + ")");
  }
  EXPECT_TRUE(found);
}

TEST(ReportOutputs, HtmlIsSelfContained) {
  const std::string html = render_report_html(test::run_small_table());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"results\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"geomeans\">"), std::string::npos);
  for (const char* forbidden : {"<script", "src=", "href=", "<link", "@import", "url("}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
  EXPECT_EQ(count_of(html, "<tr>"), 1 + 5 + 1 + 3);
}

TEST(ReportOutputs, ReportCommandRebuildsEveryFile) {
  const test::ScratchDir dir;
  const auto run = test::copy_run_small(dir);
  const test::CommandResult r = test::run_gemmtune("report " + run.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"tuning_table.json", "summary.md", "roofline.svg", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(run / name)) << name;
  }
  EXPECT_EQ(test::read_file(run / "summary.md"),
            test::read_file(test::fixture("run_small/expected_summary.md")));
  EXPECT_EQ(load_tuning_table(run / "tuning_table.json"), test::run_small_table());
}

TEST(ReportOutputs, ReportCommandToleratesATruncatedLastLine) {
  const test::ScratchDir dir;
  const auto run = test::copy_run_small(dir);
  std::ofstream(run / "runs.jsonl", std::ios::app) << R"({"schema": "gemmtune.run/1", "prob)";
  const test::CommandResult r = test::run_gemmtune("report " + run.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("truncated last line skipped"), std::string::npos) << r.output;
}

TEST(ReportOutputs, ReportCommandRejectsAMalformedFolder) {
  const test::ScratchDir dir;
  const auto run = test::copy_run_small(dir);
  test::write_file(run / "env.json", "{\"schema\": \"gemmtune.env/1\"}");
  const test::CommandResult r = test::run_gemmtune("report " + run.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("env.json: $.gpu: missing"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gemmtune::report
