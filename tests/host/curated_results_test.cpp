// results/ (results/README.md): the curated folders stay small enough to carry in every clone,
// each README says how to repeat its run, and every complete run folder (runs.jsonl compressed
// beside env.json) is exactly what `gemmtune report` makes of its records, so its summary and
// tuning table cannot drift from the data beside them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;

const fs::path kResults = fs::path(GEMMTUNE_SOURCE_DIR) / "results";
/// A complete run folder whose runs.jsonl is gzipped, so that every machine can check it.
constexpr const char* kCompleteRunFolder = "dense-models";
/// What report rebuilds from runs.jsonl and env.json and the folder commits.
const std::vector<std::string> kRebuiltFiles = {"summary.md", "tuning_table.json"};

// NOTE: du counts whole 4 KiB blocks; counting each file the same way keeps this bound the
// `du -sk results` one that the 5 MB budget is stated in.
constexpr std::uintmax_t kBlockBytes = 4096;
constexpr std::uintmax_t kMaxResultsBytes = std::uintmax_t{5} * 1024 * 1024;
constexpr std::uintmax_t kMaxFileBytes = 200 * 1024;

std::uintmax_t in_blocks(std::uintmax_t bytes) {
  return (bytes + kBlockBytes - 1) / kBlockBytes * kBlockBytes;
}

/// The curated folders: every folder directly under results/.
std::vector<fs::path> curated_folders() {
  std::vector<fs::path> folders;
  for (const fs::directory_entry& entry : fs::directory_iterator(kResults)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  return folders;
}

/// The text of the README's "## Reproduce" section (up to the next "## " heading), or "".
std::string reproduce_section(const std::string& readme) {
  const std::size_t start = readme.find("\n## Reproduce\n");
  if (start == std::string::npos) return "";
  const std::size_t end = readme.find("\n## ", start + 1);
  return readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(CuratedResults, ResultsStayUnderFiveMegabytesWithNoFileOver200Kilobytes) {
  ASSERT_TRUE(fs::is_directory(kResults)) << kResults;
  std::uintmax_t total_bytes = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(kResults)) {
    if (!entry.is_regular_file()) continue;
    total_bytes += in_blocks(entry.file_size());
    EXPECT_LE(entry.file_size(), kMaxFileBytes)
        << entry.path() << " is over 200 KB: compress it or leave it in the history";
  }
  EXPECT_LE(total_bytes, kMaxResultsBytes) << "results/ holds " << total_bytes / 1024 << " KiB";
}

TEST(CuratedResults, EveryFolderHasAReadmeWithACommandAndARevision) {
  const std::vector<fs::path> folders = curated_folders();
  ASSERT_FALSE(folders.empty());
  // A command: an indented code line running gemmtune, a script or Python, after optional
  // VARIABLE=value settings. A revision: "Revision(s) **<hex>**".
  const std::regex command(R"((^|\n)    ([A-Z_]+=\S+ +)*(gemmtune|bash|python3) )");
  const std::regex revision(R"(Revisions? \*\*[0-9a-f]{7,40}\*\*)");
  for (const fs::path& folder : folders) {
    const fs::path readme = folder / "README.md";
    ASSERT_TRUE(fs::is_regular_file(readme)) << folder << " has no README.md";
    const std::string section = reproduce_section(test::read_text(readme));
    ASSERT_FALSE(section.empty()) << readme << " has no \"## Reproduce\" section";
    EXPECT_TRUE(std::regex_search(section, command)) << readme << ": \"Reproduce\" gives no command";
    EXPECT_TRUE(std::regex_search(section, revision)) << readme << ": \"Reproduce\" names no git revision";
  }
}

TEST(CuratedResults, ReportRebuildsEveryCompleteRunFolder) {
  int checked = 0;
  for (const fs::path& committed : curated_folders()) {
    const bool gz = fs::is_regular_file(committed / "runs.jsonl.gz");
    const bool xz = fs::is_regular_file(committed / "runs.jsonl.xz");
    if (!(gz || xz) || !fs::is_regular_file(committed / "env.json")) continue;
    if (xz && std::system("xz --version > /dev/null 2>&1") != 0) {
      std::printf("note: no xz here, %s not checked\n", committed.filename().c_str());
      continue;
    }
    SCOPED_TRACE(committed.filename().string());
    const test::TempDir scratch;
    const fs::path run = scratch.path() / committed.filename();
    fs::copy(committed, run);
    const fs::path packed = run / (gz ? "runs.jsonl.gz" : "runs.jsonl.xz");
    const std::string unpack = std::string(gz ? "gzip" : "xz") + " -d '" + packed.string() + "'";
    ASSERT_EQ(std::system(unpack.c_str()), 0) << unpack;
    for (const std::string& name : kRebuiltFiles) fs::remove(run / name);

    const test::RunResult report = test::run_gemmtune("report '" + run.string() + "'");
    ASSERT_EQ(report.exit_code, 0) << report.err;
    for (const std::string& name : kRebuiltFiles) {
      ASSERT_TRUE(fs::is_regular_file(run / name)) << "report did not write " << name;
      // EXPECT_TRUE, not EXPECT_EQ: a 100 KB diff in the log helps nobody; rebuild it and diff.
      EXPECT_TRUE(test::read_text(run / name) == test::read_text(committed / name))
          << committed / name << " is not what `gemmtune report` rebuilds from runs.jsonl and env.json: "
          << "unpack runs.jsonl in a copy of the folder, run report there and compare";
    }
    ++checked;
  }
  // dense-models/ is always checkable (gzip only): a folder set that checks nothing is a failure.
  EXPECT_GE(checked, 1);
  EXPECT_TRUE(fs::is_regular_file(kResults / kCompleteRunFolder / "runs.jsonl.gz"));
}

}  // namespace
}  // namespace gemmtune
