// `gemmtune accuracy` end to end through the binary: bad input gets one line and the documented
// exit code; a small run writes its three files; `gemmtune report` adds the accuracy section.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace gemmtune {
namespace {

using test::read_text;
using test::run_gemmtune;
using test::TempDir;

constexpr const char* kTinyShapes =
    R"({"name": "tiny", "problems": [{"label": "t", "n": 64, "k": 256, "m": [16]}]})";

/// Exit code `code` and exactly one line on stderr containing every part.
void expect_one_line_error(const test::RunResult& r, int code, std::initializer_list<std::string_view> parts) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const std::string_view part : parts) EXPECT_NE(r.err.find(part), std::string::npos) << part << " in " << r.err;
}

TEST(AccuracyCli, RefusesBadInputWithOneLine) {
  const TempDir dir;
  const std::string shapes = dir.write("s.json", kTinyShapes);
  const std::string out = (dir.path() / "out").string();
  const std::string base = "--log-level off accuracy --shapes '" + shapes + "' --out '" + out + "' ";
  expect_one_line_error(run_gemmtune(base + "--recipes fp8_tensor,fp9"), 2, {"--recipes", "unknown name 'fp9'"});
  expect_one_line_error(run_gemmtune(base + "--inputs cauchy"), 2, {"--inputs", "unknown name 'cauchy'"});
  expect_one_line_error(run_gemmtune(base + "--recipes bf16,bf16"), 2, {"--recipes", "listed twice"});
  expect_one_line_error(run_gemmtune(base + "--seeds 0"), 2, {"--seeds", "out of range"});
  expect_one_line_error(run_gemmtune(base + "--seeds 101"), 2, {"--seeds", "out of range"});
  expect_one_line_error(run_gemmtune(base + "--accumulation-k 100"), 2, {"--accumulation-k", "multiple of 16"});

  const std::string malformed = dir.write("bad.json", R"({"name": "x", "problems": [{"n": 64, "k": 256, "m": [16,]}]})");
  expect_one_line_error(run_gemmtune("--log-level off accuracy --shapes '" + malformed + "' --out '" + out + "'"), 2,
                        {malformed + ": ", "malformed JSON"});
  const std::string bad_field = dir.write("field.json", R"({"name": "x", "problems": [{"n": 64, "k": 250, "m": 16}]})");
  expect_one_line_error(run_gemmtune("--log-level off accuracy --shapes '" + bad_field + "' --out '" + out + "'"), 2,
                        {bad_field + ": ", "k"});
  expect_one_line_error(run_gemmtune("--log-level off accuracy --shapes '" + (dir.path() / "missing.json").string() +
                                     "' --out '" + out + "'"),
                        2, {"missing.json"});
  // --out below a regular file cannot be created: I/O error, exit 5.
  const std::string file = dir.write("a_file", "x");
  expect_one_line_error(run_gemmtune("--log-level off accuracy --shapes '" + shapes + "' --out '" + file + "/sub'"), 5,
                        {"--out", "cannot create folder"});
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing is written before the input is valid";
}

TEST(AccuracyCli, SmallRunWritesItsFilesAndReportRebuildsThem) {
  const TempDir dir;
  const std::string shapes = dir.write("s.json", kTinyShapes);
  const std::filesystem::path out = dir.path() / "acc";
  const test::RunResult r = run_gemmtune("accuracy --shapes '" + shapes + "' --out '" + out.string() +
                                         "' --recipes bf16,fp8_tensor,fp8_block128,accumulation --inputs gaussian,"
                                         "outlier_channels --seeds 2 --accumulation-k 256,512");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"accuracy.json", "accuracy.md", "accuracy.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
  }
  const nlohmann::json j = nlohmann::json::parse(read_text(out / "accuracy.json"));
  EXPECT_EQ(j.at("schema"), "gemmtune.accuracy/2");
  EXPECT_FALSE(j.at("git_rev").get<std::string>().empty());
  EXPECT_TRUE(j.at("environment").is_object());
  EXPECT_EQ(j.at("options").at("seeds"), 2);
  EXPECT_EQ(j.at("inputs").size(), 2u);
  if (!j.at("gpu").get<bool>()) {
    // Without a GPU: one line on stderr says what was skipped, and the JSON says it too.
    EXPECT_NE(r.err.find("gemmtune: accuracy: skipped: no GPU"), std::string::npos) << r.err;
    EXPECT_FALSE(j.at("skipped").empty());
  }
  EXPECT_NE(r.out.find("fp8_block128"), std::string::npos) << r.out;

  std::filesystem::remove(out / "accuracy.md");
  const test::RunResult rebuilt = run_gemmtune("report '" + out.string() + "'");
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_TRUE(std::filesystem::exists(out / "accuracy.md"));

  // A sweep's run folder with an accuracy.json gets the section in summary.md and report.html.
  const std::filesystem::path run = dir.path() / "run";
  std::filesystem::copy(std::filesystem::path(GEMMTUNE_TEST_FIXTURES) / "run_small", run);
  std::filesystem::copy_file(out / "accuracy.json", run / "accuracy.json");
  const test::RunResult report = run_gemmtune("report '" + run.string() + "'");
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(read_text(run / "summary.md").find("## Accuracy"), std::string::npos);
  EXPECT_NE(read_text(run / "report.html").find("id=\"accuracy\""), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(run / "accuracy.svg"));
}

}  // namespace
}  // namespace gemmtune
