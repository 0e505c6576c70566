// report.html rendered by a real browser engine (headless Chromium): the DOM holds every point
// with its data attributes, and a screenshot renders. Skipped, saying why, without Chromium.
#include <gtest/gtest.h>

#include "report/render.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

/// The Chromium executable on PATH ("chromium" on Debian, "chromium-browser" elsewhere), or "".
std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (test::run_command(std::string("command -v ") + name).exit_code == 0) return name;
  }
  return "";
}

class ReportBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "Chromium not installed (apt-get install -y chromium); the headless "
                      "rendering check of report.html did not run";
    }
    const TuningTable table = build_tuning_table(read_run_folder(test::fixture("run_small")));
    write_text_file(dir_ / "report.html", render_report_html(table));
  }
  /// Headless Chromium on report.html with `flags`; a private profile per test.
  test::CommandResult chromium(const std::string& flags, bool stdout_only) {
    return test::run_command("timeout 120 " + chromium_ +
                                 " --headless --no-sandbox --disable-gpu --user-data-dir=" +
                                 (dir_ / "profile").string() + " " + flags + " file://" +
                                 (dir_ / "report.html").string(),
                             stdout_only);
  }
  std::string chromium_;
  test::ScratchDir dir_;
};

TEST_F(ReportBrowser, DomHasEveryPointWithItsDataAttributes) {
  const test::CommandResult r = chromium("--dump-dom", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string& dom = r.output;
  ASSERT_NE(dom.find("<svg"), std::string::npos) << dom.substr(0, 400);
  EXPECT_EQ(test::count_of(dom, "class=\"pt gemmtune\""), 4);
  EXPECT_EQ(test::count_of(dom, "class=\"pt cublaslt_best\""), 5);
  EXPECT_NE(dom.find("id=\"pt-gemmtune-m4096-n2112-k7168\" data-kind=\"gemmtune\" data-m=\"4096\" "
                     "data-n=\"2112\" data-k=\"7168\""),
            std::string::npos);
  EXPECT_NE(dom.find("id=\"pt-cublaslt_best-m64-n7168-k16384\""), std::string::npos);
  EXPECT_EQ(test::count_of(dom, "<tr>"), 10);
}

TEST_F(ReportBrowser, ScreenshotRenders) {
  const std::filesystem::path png = dir_ / "report.png";
  const test::CommandResult r =
      chromium("--window-size=1100,1400 --hide-scrollbars --screenshot=" + png.string(), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(std::filesystem::exists(png)) << r.output;
  const std::string bytes = test::read_file(png);
  EXPECT_GT(bytes.size(), 20000u);  // a blank page is a few kB
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace gemmtune::report
