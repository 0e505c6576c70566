// Input files are read only when they are regular files, NUL bytes are refused with their byte
// offset, and runs.jsonl is streamed: a FIFO without a writer is refused at once instead of
// hanging `plan` and `compile`; `{valid}\0{"zzz` is not taken as `{valid}`; a line over the
// 64 MiB limit is refused while it is read, in memory well below its size.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bounded_child.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "report/run_folder.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;

// NOTE: the binary maps ~0.75 GB before main() (cuBLASLt, NVRTC).
constexpr test::ChildCaps kInputChildCaps{.address_space_bytes = int64_t{4} << 30, .timeout_s = 20};

struct Ran {
  test::ChildOutcome outcome;
  std::string err;
};

Ran run_cli(const test::TempDir& dir, const std::vector<std::string>& args) {
  const std::string out = (dir.path() / "cli.out").string();
  const std::string err = (dir.path() / "cli.err").string();
  const test::ChildOutcome o = test::run_program_bounded(test::gemmtune_binary(), args, out, err, kInputChildCaps);
  return {o, test::read_text(err)};
}

constexpr const char* kShapeSet = R"({"name": "s", "problems": [{"n": 2112, "k": 7168, "m": 64}]})";

TEST(InputFiles, AFifoWithoutWriterIsRefusedAtOnce) {
  const test::TempDir dir;
  const std::string fifo = (dir.path() / "shapes.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"plan", "--shapes", fifo},
                                             {"compile", "--shapes", fifo},
                                             {"export", fifo, "--format", "json"}}) {
    SCOPED_TRACE(args[0]);
    const Ran r = run_cli(dir, args);
    // Before: open() waited for a writer forever (here: SIGALRM after the cap).
    EXPECT_EQ(r.outcome.signal, 0);
    EXPECT_EQ(r.outcome.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(fifo + ": is a FIFO (named pipe), not a regular file"), std::string::npos)
        << r.err;
    EXPECT_LT(r.outcome.wall_s, 5.0);
  }
}

TEST(InputFiles, AFifoWithAWriterIsRefusedToo) {
  const test::TempDir dir;
  const std::string fifo = (dir.path() / "shapes.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A writer that holds the FIFO open: an unbounded stream is no input file.
  const int writer_side = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(writer_side, 0);
  const test::CaughtError e = test::catch_error([&] { static_cast<void>(read_input_file(fifo)); });
  ::close(writer_side);
  test::expect_input_error(e, fifo, {"is a FIFO (named pipe), not a regular file"});
}

TEST(InputFiles, ADeviceIsRefused) {
  const test::CaughtError e = test::catch_error([] { static_cast<void>(read_input_file("/dev/zero")); });
  test::expect_input_error(e, "/dev/zero", {"is a device, not a regular file"});
}

TEST(InputFiles, BytesAfterANulAreNotIgnored) {
  const test::TempDir dir;
  const std::string text = std::string(kShapeSet) + std::string(1, '\0') + "{\"zzz";
  const std::string file = dir.write("nul.json", text);
  const test::CaughtError e = test::catch_error([&] { static_cast<void>(load_shape_set(file)); });
  test::expect_input_error(e, file, {"NUL byte", "byte offset " + std::to_string(std::string(kShapeSet).size())});
  const Ran r = run_cli(dir, {"plan", "--shapes", file});
  EXPECT_EQ(r.outcome.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("NUL byte"), std::string::npos) << r.err;
}

TEST(InputFiles, ARunsJsonlLineWithANulIsRefusedNamingItsLine) {
  const test::TempDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directories(run);
  const fs::path fixture = fs::path(GEMMTUNE_TEST_FIXTURES) / "run_small";
  fs::copy_file(fixture / "env.json", run / "env.json");
  std::string runs = test::read_text(fixture / "runs.jsonl");
  const size_t first_end = runs.find('\n');
  runs.insert(first_end, std::string(1, '\0') + "garbage");
  std::ofstream(run / "runs.jsonl", std::ios::binary) << runs;
  const test::CaughtError e = test::catch_error([&] { static_cast<void>(report::read_run_folder(run)); });
  test::expect_input_error(e, (run / "runs.jsonl").string() + ":1", {"NUL byte", "byte offset " + std::to_string(first_end)});
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"report", run.string(), "--out", (dir.path() / "r").string()},
           {"export", run.string(), "--format", "json"},
           {"compare", run.string(), run.string()}}) {
    SCOPED_TRACE(args[0]);
    const Ran r = run_cli(dir, args);
    EXPECT_EQ(r.outcome.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("NUL byte"), std::string::npos) << r.err;
  }
}

TEST(InputFiles, ACrashLeftZerosAtTheEndOfRunsJsonlAreSkippedWithAWarning) {
  // NOTE: a crash can leave a file's unwritten tail as zeros: an unterminated last line.
  const test::TempDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directories(run);
  const fs::path fixture = fs::path(GEMMTUNE_TEST_FIXTURES) / "run_small";
  fs::copy_file(fixture / "env.json", run / "env.json");
  std::ofstream(run / "runs.jsonl", std::ios::binary)
      << test::read_text(fixture / "runs.jsonl") << std::string(4096, '\0');
  const report::RunFolder folder = report::read_run_folder(run);
  EXPECT_EQ(folder.runs.size(), 32u);
  ASSERT_EQ(folder.warnings.size(), 1u);
  EXPECT_NE(folder.warnings[0].find("truncated last line skipped"), std::string::npos);
}

TEST(InputFiles, ALineOverTheLimitIsRefusedWhileItIsRead) {
  const test::TempDir dir;
  const fs::path file = dir.path() / "runs.jsonl";
  // A 512 MiB line of one JSON string, as a sparse file past its first bytes (no disk used).
  constexpr int64_t kLineBytes = int64_t{512} << 20;
  {
    std::ofstream(file, std::ios::binary) << "{\"schema\": \"";
  }
  ASSERT_EQ(::truncate(file.c_str(), kLineBytes), 0);
  const test::ChildOutcome o = test::run_bounded(
      [&] {
        std::vector<std::string> warnings;
        try {
          static_cast<void>(report::read_runs_jsonl(file, warnings));
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string("accepted");
      },
      {.address_space_bytes = int64_t{4} << 30, .timeout_s = 30});
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_NE(o.report.find(file.string() + ":1: at least"), std::string::npos) << o.report;
  EXPECT_NE(o.report.find("over the limit of 67108864 bytes"), std::string::npos) << o.report;
  // Before: the whole file was read first (512 MiB resident); now at most the limit's line.
  EXPECT_LT(o.max_rss_kb - test::current_rss_kb(), 160 * 1024) << o.max_rss_kb << " KiB";
  EXPECT_LT(o.wall_s, 10.0);
}

}  // namespace
}  // namespace gemmtune
