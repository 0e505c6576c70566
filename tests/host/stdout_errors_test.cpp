// A result written to a stdout that cannot take it (`> /dev/full`, a closed stdout) exits 5 with
// the reason, for every command that prints one; a closed stdout never receives a file's bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/exit_codes.hpp"
#include "output_child.hpp"
#include "test_support.hpp"

namespace gemmtune::test {
namespace {

namespace fs = std::filesystem;

/// The run folder every command here reads (made on first use, not at start-up).
std::vector<std::vector<std::string>> printing_commands() {
  return {{"export", readable_table_path(), "--format", "json"},     {"export", readable_table_path(), "--format", "csv"},
          {"export", readable_table_path(), "--format", "cpp"},      {"export", readable_table_path(), "--format", "cublaslt"},
          {"compare", readable_table_path(), readable_table_path()},                {"compare", readable_table_path(), readable_table_path(), "--format", "json"},
          {"--help"}};
}

TEST(StdoutErrors, DevFullExitsFiveForEveryPrintingCommand) {
  for (const std::vector<std::string>& args : printing_commands()) {
    const CliOutcome ok = run_cli({.args = args});
    ASSERT_EQ(ok.exit_code, 0) << joined(args) << ": " << ok.err;
    ASSERT_FALSE(ok.out.empty()) << joined(args);
    const CliOutcome full = run_cli({.args = args, .stdout_to = StdoutTo::kDevFull});
    SCOPED_TRACE(joined(args));
    expect_error_line(full, kExitIoError, {"gemmtune: error: cannot write standard output: No space left on device"});
  }
}

TEST(StdoutErrors, ClosedStdoutExitsFive) {
  for (const std::vector<std::string>& args : printing_commands()) {
    const CliOutcome closed = run_cli({.args = args, .stdout_to = StdoutTo::kClosed});
    SCOPED_TRACE(joined(args));
    expect_error_line(closed, kExitIoError, {"cannot write standard output: Bad file descriptor"});
  }
}

TEST(StdoutErrors, DevicesJsonExitsFiveWhenItPrints) {
  const std::vector<std::string> args{"devices", "--json"};
  const CliOutcome ok = run_cli({.args = args});
  if (ok.exit_code != 0 || ok.out.empty()) GTEST_SKIP() << "devices --json prints nothing here: " << ok.err;
  expect_error_line(run_cli({.args = args, .stdout_to = StdoutTo::kDevFull}), kExitIoError,
                    {"No space left on device"});
}

TEST(StdoutErrors, AFileWrittenWithStdoutClosedGetsOnlyItsOwnBytes) {
  const TempDir dir;
  const fs::path file = dir.path() / "table.json";
  const CliOutcome reference = run_cli({.args = {"export", readable_table_path(), "--format", "json"}});
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const CliOutcome closed = run_cli({.args = {"export", readable_table_path(), "--format", "json", "-o", file.string()},
                                     .stdout_to = StdoutTo::kClosed});
  EXPECT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_EQ(read_text(file), reference.out);
  // -o to a device is written in place (a device node is never replaced).
  const CliOutcome to_full = run_cli({.args = {"export", readable_table_path(), "--format", "csv", "-o", "/dev/full"}});
  expect_error_line(to_full, kExitIoError, {"/dev/full", "No space left on device"});
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

}  // namespace
}  // namespace gemmtune::test
