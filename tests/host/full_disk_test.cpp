// A full disk, played by RLIMIT_FSIZE in a child process: every writer fails with the OS reason
// (exit 5 from the CLI) and leaves no half-written file that reads as valid. Each CLI case
// first writes the output without a limit, then again under a limit of half its size.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "output_child.hpp"
#include "report/json_fields.hpp"
#include "sweep/runs_log.hpp"
#include "test_support.hpp"

namespace gemmtune::test {
namespace {

namespace fs = std::filesystem;

/// In a forked child: caps file sizes at `limit_bytes` (SIGXFSZ ignored, so writes fail with
/// EFBIG), runs `fn`, and returns what it threw ("" when nothing).
ChildOutcome run_with_file_limit(int64_t limit_bytes, const std::function<void()>& fn) {
  return run_bounded(
      [&] {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{static_cast<rlim_t>(limit_bytes), static_cast<rlim_t>(limit_bytes)};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        try {
          fn();
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      },
      ChildCaps{});
}

TEST(FullDisk, AtomicFileKeepsTheOldFileAndNamesTheReason) {
  const TempDir dir;
  const std::string file = dir.write("table.json", "{\"old\": true}\n");
  const ChildOutcome child =
      run_with_file_limit(4096, [&] { write_file_atomically(file, std::string(10000, 'x')); });
  ASSERT_EQ(child.exit_code, 0) << child.signal;
  EXPECT_NE(child.report.find(file), std::string::npos) << child.report;
  EXPECT_NE(child.report.find("File too large"), std::string::npos) << child.report;
  EXPECT_EQ(read_text(file), "{\"old\": true}\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"table.json"});
}

TEST(FullDisk, StagedFolderLeavesNoFolder) {
  const TempDir dir;
  const fs::path target = dir.path() / "bundle";
  const ChildOutcome child = run_with_file_limit(4096, [&] {
    StagedFolder out(target, "bundle", "--out");
    (void)out.write("manifest.json", "{}\n");
    (void)out.write("cubins/big.cubin", std::string(10000, 'c'));
    out.commit();
  });
  ASSERT_EQ(child.exit_code, 0) << child.signal;
  EXPECT_NE(child.report.find("File too large"), std::string::npos) << child.report;
  EXPECT_TRUE(names_in(dir.path()).empty()) << "neither the folder nor its staging folder";
}

TEST(FullDisk, RunsLogCutsAFailedAppendBackToTheLastWholeLine) {
  const TempDir dir;
  const fs::path runs = dir.path() / "runs.jsonl";
  const ChildOutcome child = run_with_file_limit(5000, [&] {
    sweep::RunsLog log(runs);
    for (int i = 0; i < 1000; ++i) log.append({{"record", i}, {"padding", std::string(300, 'p')}});
  });
  ASSERT_EQ(child.exit_code, 0) << child.signal;
  EXPECT_NE(child.report.find("cannot append to " + runs.string()), std::string::npos) << child.report;
  EXPECT_NE(child.report.find("File too large"), std::string::npos) << child.report;
  const std::string text = read_text(runs);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "a record cut short stays in the file";
  int64_t lines = 0;
  for (size_t begin = 0, end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
    const report::Json record = report::Json::parse(text.substr(begin, end - begin));
    EXPECT_EQ(record.at("record"), lines++);
  }
  EXPECT_GT(lines, 5);
}

/// Runs the command without a limit (the reference output at `output`), then, with `output`
/// removed, under half that size: exit 5 naming the reason, and nothing at `output`.
void expect_no_half_output(std::vector<std::string> args, const fs::path& output,
                           const fs::path& scratch) {
  const CliOutcome whole = run_cli({.args = args});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  std::error_code ec;
  int64_t bytes = 0;
  if (fs::is_directory(output)) {
    for (const auto& entry : fs::recursive_directory_iterator(output)) {
      if (entry.is_regular_file()) bytes = std::max<int64_t>(bytes, static_cast<int64_t>(entry.file_size()));
    }
  } else {
    bytes = static_cast<int64_t>(fs::file_size(output));
  }
  ASSERT_GT(bytes, 2000) << output;
  fs::remove_all(output, ec);
  const CliOutcome cut = run_cli({.args = args, .file_size_limit = bytes / 2});
  expect_error_line(cut, kExitIoError, {"File too large"});
  EXPECT_FALSE(fs::exists(output)) << output;
  for (const std::string& name : names_in(scratch)) {
    EXPECT_EQ(name.find(".gemmtune-"), std::string::npos) << "left behind: " << name;
  }
}

TEST(FullDisk, ExportLeavesNoHalfFile) {
  const TempDir dir;
  for (const char* format : {"json", "cpp"}) {
    const fs::path out = dir.path() / (std::string("table.") + format);
    expect_no_half_output({"--log-level", "warn", "export", readable_run_folder().string(), "--format", format, "-o",
                           out.string()},
                          out, dir.path());
  }
}

TEST(FullDisk, MergeAndReportLeaveNoHalfFolder) {
  const TempDir dir;
  const fs::path merged = dir.path() / "merged";
  expect_no_half_output({"--log-level", "warn", "merge", readable_run_folder().string(), "--out", merged.string()},
                        merged, dir.path());
  const fs::path report = dir.path() / "report";
  expect_no_half_output({"--log-level", "warn", "report", readable_run_folder().string(), "--out", report.string()},
                        report, dir.path());
}

TEST(FullDisk, ReportInPlaceKeepsTheEarlierFiles) {
  const TempDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directory(run);
  fs::copy_file(readable_run_folder() / "env.json", run / "env.json");
  fs::copy_file(readable_run_folder() / "runs.jsonl", run / "runs.jsonl");
  const std::vector<std::string> args{"--log-level", "warn", "report", run.string()};
  ASSERT_EQ(run_cli({.args = args}).exit_code, 0);
  const std::string html = read_text(run / "report.html");
  const std::string runs = read_text(run / "runs.jsonl");
  ASSERT_GT(html.size(), 4000u);
  const CliOutcome cut = run_cli({.args = args, .file_size_limit = static_cast<int64_t>(html.size() / 2)});
  expect_error_line(cut, kExitIoError, {run.string(), "File too large"});
  EXPECT_EQ(read_text(run / "report.html"), html) << "the earlier report stays whole";
  EXPECT_EQ(read_text(run / "runs.jsonl"), runs);
  for (const std::string& name : names_in(run)) {
    EXPECT_EQ(name.find(".gemmtune-"), std::string::npos) << "left behind: " << name;
  }
}

}  // namespace
}  // namespace gemmtune::test
