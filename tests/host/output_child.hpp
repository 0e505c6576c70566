#pragma once
/// Running the gemmtune binary the way the output tests need: in a chosen folder, with stdout a
/// file, /dev/full or closed, under a file-size limit (RLIMIT_FSIZE, a full disk without a full
/// disk) and under the time and memory caps of bounded_child.hpp. The worst wall time and peak
/// memory of these runs are printed when the test program ends.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bounded_child.hpp"
#include "test_support.hpp"

namespace gemmtune::test {

/// Where the child's stdout goes.
enum class StdoutTo { kFile, kDevFull, kClosed };

/// How to run one gemmtune command.
struct CliRun {
  std::vector<std::string> args;
  std::filesystem::path cwd;                  ///< empty: the test's
  StdoutTo stdout_to = StdoutTo::kFile;
  std::optional<int64_t> file_size_limit;     ///< RLIMIT_FSIZE in bytes
  std::vector<std::pair<std::string, std::string>> env;  ///< set in the child only
};

/// What the run gave.
struct CliOutcome {
  int exit_code = -1;
  int signal = 0;
  std::string out;
  std::string err;
};

/// The worst wall time and peak memory over every run_cli() of this test program.
struct WorstRun {
  double wall_s = 0;
  int64_t max_rss_kb = 0;
  std::string wall_args, rss_args;
};

inline WorstRun& worst_run() {
  static WorstRun worst;
  return worst;
}

/// Prints worst_run() when the test program ends (only when a run was made).
class WorstRunPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    const WorstRun& w = worst_run();
    if (w.wall_args.empty()) return;
    std::printf("[ output tests ] slowest CLI run %.2f s (%s); largest %.1f MiB (%s)\n", w.wall_s,
                w.wall_args.c_str(), static_cast<double>(w.max_rss_kb) / 1024.0, w.rss_args.c_str());
  }
};

inline const bool kWorstRunPrinterRegistered =
    (::testing::AddGlobalTestEnvironment(new WorstRunPrinter), true);

inline std::string joined(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& a : args) text += (text.empty() ? "" : " ") + a;
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

/// Runs `gemmtune run.args...` (no shell) in a child capped at 60 s and 4 GiB of address space.
inline CliOutcome run_cli(const CliRun& run) {
  const TempDir scratch;
  const std::filesystem::path out = scratch.path() / "stdout";
  const std::filesystem::path err = scratch.path() / "stderr";
  const std::string program = gemmtune_binary();
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!run.cwd.empty() && ::chdir(run.cwd.c_str()) != 0) ::_exit(94);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_fd < 0 || ::dup2(err_fd, 2) < 0) ::_exit(96);
    if (run.stdout_to == StdoutTo::kClosed) {
      ::close(1);
    } else {
      const char* target = run.stdout_to == StdoutTo::kDevFull ? "/dev/full" : out.c_str();
      const int out_fd = ::open(target, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out_fd < 0 || ::dup2(out_fd, 1) < 0) ::_exit(96);
    }
    for (const auto& [name, value] : run.env) ::setenv(name.c_str(), value.c_str(), 1);
    detail::apply_caps(ChildCaps{});
    if (run.file_size_limit) {
      const rlimit limit{static_cast<rlim_t>(*run.file_size_limit),
                         static_cast<rlim_t>(*run.file_size_limit)};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const std::string& arg : run.args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(95);
  }
  const ChildOutcome child = detail::wait_for(pid, start);
  WorstRun& worst = worst_run();
  if (child.wall_s > worst.wall_s) {
    worst.wall_s = child.wall_s;
    worst.wall_args = joined(run.args);
  }
  if (child.max_rss_kb > worst.max_rss_kb) {
    worst.max_rss_kb = child.max_rss_kb;
    worst.rss_args = joined(run.args);
  }
  return {.exit_code = child.exit_code, .signal = child.signal, .out = read_text(out), .err = read_text(err)};
}

/// The names in `dir` (not recursive), sorted.
inline std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// One line of stderr (the error), with every part in it.
inline void expect_error_line(const CliOutcome& r, int exit_code, std::initializer_list<std::string_view> parts) {
  EXPECT_EQ(r.exit_code, exit_code) << "signal " << r.signal << "; stderr: " << r.err;
  for (const std::string_view part : parts) {
    EXPECT_NE(r.err.find(part), std::string::npos) << "missing \"" << part << "\" in: " << r.err;
  }
}

/// The fixture run folder (env.json, runs.jsonl) that export, report and merge read.
inline const std::filesystem::path kRunSmallFixture = GEMMTUNE_TEST_FIXTURES "/run_small";

/// A copy of the fixture run folder in `dir` less the records whose config the binary under test
/// refuses (its legality rules are not this test's subject), made once per test program.
inline std::filesystem::path readable_run_folder() {
  static const TempDir dir;
  static const std::filesystem::path run = [] {
    const std::filesystem::path folder = dir.path() / "run_small";
    std::filesystem::create_directory(folder);
    std::filesystem::copy_file(kRunSmallFixture / "env.json", folder / "env.json");
    std::vector<std::string> lines;
    {
      std::ifstream in(kRunSmallFixture / "runs.jsonl");
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    for (size_t attempt = 0; attempt <= lines.size(); ++attempt) {
      std::ofstream out(folder / "runs.jsonl", std::ios::trunc);
      for (const std::string& line : lines) out << line << "\n";
      out.close();
      const RunResult r = run_gemmtune("export '" + folder.string() + "' --format json");
      const size_t at = r.err.find("runs.jsonl:");
      if (r.exit_code == 0 || at == std::string::npos) break;
      const size_t line = std::stoul(r.err.substr(at + 11));
      if (line < 1 || line > lines.size()) break;
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(line - 1));
    }
    return folder;
  }();
  return run;
}

/// readable_run_folder() as a command-line argument.
inline std::string readable_table_path() { return readable_run_folder().string(); }

}  // namespace gemmtune::test
