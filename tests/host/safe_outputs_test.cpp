// Outputs cannot be steered: a link at an output file is replaced, never written through; a
// linked or foreign output folder is refused before anything is written or deleted; a shape
// set's name cannot climb out of runs/; the same folder is never merged twice.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/exit_codes.hpp"
#include "output_child.hpp"
#include "sweep/runs_log.hpp"
#include "test_support.hpp"

namespace gemmtune::test {
namespace {

namespace fs = std::filesystem;

/// The run folder every command here reads (made on first use, not at start-up).
std::string readable_table_path() { return readable_run_folder().string(); }
const std::string kShards = GEMMTUNE_TEST_FIXTURES "/shards/";

/// A folder with a file of its own and a cubins/ folder holding a cubin that must survive.
fs::path foreign_folder(const TempDir& dir, const std::string& name) {
  fs::create_directories(dir.path() / name / "cubins");
  (void)dir.write(name + "/notes.txt", "mine\n");
  (void)dir.write(name + "/cubins/keep.cubin", "keep");
  return dir.path() / name;
}

void expect_foreign_intact(const fs::path& folder) {
  EXPECT_EQ(read_text(folder / "notes.txt"), "mine\n");
  EXPECT_EQ(read_text(folder / "cubins" / "keep.cubin"), "keep");
  EXPECT_EQ(names_in(folder), (std::vector<std::string>{"cubins", "notes.txt"}));
}

TEST(SafeOutputs, ALinkAtAnOutputFileIsReplacedNotFollowed) {
  const TempDir dir;
  const std::string victim = dir.write("victim.txt", "precious\n");
  const fs::path out = dir.path() / "table.json";
  fs::create_symlink(victim, out);
  const CliOutcome r = run_cli({.args = {"export", readable_table_path(), "--format", "json", "-o", out.string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(out));
  EXPECT_NE(read_text(out).find("gemmtune.tuning_table"), std::string::npos);
}

TEST(SafeOutputs, ReportInPlaceReplacesLinkedFiles) {
  const TempDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directory(run);
  fs::copy_file(readable_run_folder() / "env.json", run / "env.json");
  fs::copy_file(readable_run_folder() / "runs.jsonl", run / "runs.jsonl");
  const std::string victim = dir.write("victim.md", "precious\n");
  fs::create_symlink(victim, run / "summary.md");
  const CliOutcome r = run_cli({.args = {"--log-level", "warn", "report", run.string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(run / "summary.md"));
  EXPECT_NE(read_text(run / "summary.md").find('|'), std::string::npos);
}

TEST(SafeOutputs, LinkedOutputFoldersAreRefused) {
  const TempDir dir;
  const fs::path elsewhere = foreign_folder(dir, "elsewhere");
  const fs::path link = dir.path() / "link";
  fs::create_directory_symlink(elsewhere, link);
  const std::vector<std::vector<std::string>> commands{
      {"export", readable_table_path(), "--format", "bundle", "--out", link.string()},
      {"report", readable_table_path(), "--out", link.string()},
      {"merge", readable_table_path(), "--out", link.string()},
      {"compile", "--config", "bm128_bn128_s4_mc0_sm132_rN8_sk1", "--cubin-out", link.string()}};
  for (const std::vector<std::string>& args : commands) {
    SCOPED_TRACE(joined(args));
    const CliOutcome r = run_cli({.args = args});
    expect_error_line(r, kExitUsage, {link.string() + ": is a symbolic link"});
    expect_foreign_intact(elsewhere);
  }
}

// Tables and bundles come from the shipped kernels only: with a kernel experiment set, sweep and
// the bundle export refuse to start, and write nothing.
TEST(SafeOutputs, KernelDefinesNeverBuildATableOrABundle) {
  const TempDir dir;
  const fs::path out = dir.path() / "out";
  const std::vector<std::vector<std::string>> commands{
      {"export", readable_table_path(), "--format", "bundle", "--out", out.string()},
      {"sweep", "--shapes", "configs/dsv3-quick.json", "--out",
       out.string()}};
  for (const std::vector<std::string>& args : commands) {
    SCOPED_TRACE(joined(args));
    const CliOutcome r =
        run_cli({.args = args, .env = {{"GEMMTUNE_KERNEL_DEFINES", "GEMMTUNE_PDL_NO_WAIT=1"}}});
    expect_error_line(r, kExitUsage,
                      {"GEMMTUNE_KERNEL_DEFINES is set (\"GEMMTUNE_PDL_NO_WAIT=1\")",
                       "shipped kernels only"});
    EXPECT_FALSE(fs::exists(out));
  }
  // Blank is unset.
  const CliOutcome blank = run_cli({.args = {"export", readable_table_path(), "--format", "bundle",
                                             "--out", out.string()},
                                    .env = {{"GEMMTUNE_KERNEL_DEFINES", "  "}}});
  EXPECT_EQ(blank.exit_code, 0) << blank.err;
}

TEST(SafeOutputs, ForeignNonEmptyOutputFoldersAreRefused) {
  const TempDir dir;
  const fs::path foreign = foreign_folder(dir, "foreign");
  const std::vector<std::vector<std::string>> commands{
      {"--log-level", "warn", "export", readable_table_path(), "--format", "bundle", "--out", foreign.string()},
      {"--log-level", "warn", "report", readable_table_path(), "--out", foreign.string()},
      {"--log-level", "warn", "merge", readable_table_path(), "--out", foreign.string(), "--force"},
      {"--log-level", "warn", "compile", "--config", "bm128_bn128_s4_mc0_sm132_rN8_sk1", "--cubin-out",
       foreign.string()}};
  for (const std::vector<std::string>& args : commands) {
    SCOPED_TRACE(joined(args));
    const CliOutcome r = run_cli({.args = args});
    expect_error_line(r, kExitUsage, {foreign.string() + ": is not empty and holds no gemmtune output"});
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    expect_foreign_intact(foreign);
  }
}

TEST(SafeOutputs, AnEarlierOutputWithALinkedSubfolderIsRefused) {
  const TempDir dir;
  const fs::path elsewhere = foreign_folder(dir, "elsewhere");
  const fs::path report = dir.path() / "report";
  ASSERT_EQ(run_cli({.args = {"report", readable_table_path(), "--out", report.string()}}).exit_code, 0);
  EXPECT_TRUE(is_output_of_kind(report, "report"));
  fs::create_directory_symlink(elsewhere / "cubins", report / "cubins");
  const CliOutcome r = run_cli({.args = {"report", readable_table_path(), "--out", report.string()}});
  expect_error_line(r, kExitUsage, {"symbolic link (cubins)"});
  expect_foreign_intact(elsewhere);
  // Without the link, the earlier report is replaced whole.
  fs::remove(report / "cubins");
  ASSERT_EQ(run_cli({.args = {"report", readable_table_path(), "--out", report.string()}}).exit_code, 0);
}

TEST(SafeOutputs, AShapeSetNameCannotSteerTheRunFolder) {
  const TempDir dir;
  const fs::path work = dir.path() / "work";
  fs::create_directory(work);
  std::string seven = read_text(kShards + "seven.json");
  const std::string plain = "\"name\": \"seven\"";
  ASSERT_NE(seven.find(plain), std::string::npos);
  for (const std::string& name : {std::string("../ESCAPED_SWEEP"), std::string(""), std::string("."),
                                  std::string(".."), std::string("a/b"), std::string(200, 'n')}) {
    std::string text = seven;
    text.replace(text.find(plain), plain.size(), "\"name\": \"" + name + "\"");
    const std::string shapes = dir.write("evil.json", text);
    for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{{}, {"--shard", "1/1"}}) {
      std::vector<std::string> args{"sweep", "--shapes", shapes, "--space", kShards + "none_legal_space.json",
                                    "--quiet"};
      args.insert(args.end(), extra.begin(), extra.end());
      SCOPED_TRACE(joined(args) + " name '" + name + "'");
      const CliOutcome r = run_cli({.args = args, .cwd = work,
                                    .env = {{"GEMMTUNE_WORKER_CMD", GEMMTUNE_FAKE_WORKER}}});
      expect_error_line(r, kExitUsage, {shapes + ": /name: "});
      EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"evil.json", "work"}));
      EXPECT_TRUE(names_in(work).empty()) << "nothing written into the working folder";
    }
  }
}

TEST(SafeOutputs, TheSameFolderIsNeverMergedTwice) {
  const TempDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directory(run);
  fs::copy_file(readable_run_folder() / "env.json", run / "env.json");
  fs::copy_file(readable_run_folder() / "runs.jsonl", run / "runs.jsonl");
  fs::create_directory_symlink(run, dir.path() / "alias");
  for (const std::string& twin : {run.string(), dir.path().string() + "/./run", (dir.path() / "alias").string()}) {
    SCOPED_TRACE(twin);
    const CliOutcome r = run_cli({.args = {"merge", run.string(), twin, "--out", (dir.path() / "m").string()}});
    expect_error_line(r, kExitUsage, {"are the same folder"});
    EXPECT_FALSE(fs::exists(dir.path() / "m"));
  }
}

TEST(SafeOutputs, RunsLogRefusesALinkedFile) {
  const TempDir dir;
  const std::string victim = dir.write("victim.jsonl", "precious\n");
  const fs::path runs = dir.path() / "runs.jsonl";
  fs::create_symlink(victim, runs);
  const CaughtError e = catch_error([&] { sweep::RunsLog log(runs); });
  EXPECT_EQ(e.code, kExitIoError);
  EXPECT_NE(e.message.find(runs.string()), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("Too many levels of symbolic links"), std::string::npos) << e.message;
  EXPECT_EQ(read_text(victim), "precious\n");
}

}  // namespace
}  // namespace gemmtune::test
