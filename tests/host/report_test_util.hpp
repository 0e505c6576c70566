#pragma once
// Helpers shared by the report tests: fixture paths, scratch folders, running a command.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "report/run_folder.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::test {

/// tests/fixtures/<name>.
inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(GEMMTUNE_TEST_FIXTURES) / name;
}

/// The tuning table of the run_small fixture folder.
inline report::TuningTable run_small_table() {
  return report::build_tuning_table(report::read_run_folder(fixture("run_small")));
}

/// A fresh folder under the system temp folder, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("gemmtune_test_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// Copies the run_small fixture into `dir` and returns the copy's path.
inline std::filesystem::path copy_run_small(const ScratchDir& dir) {
  const std::filesystem::path run = dir / "run_small";
  std::filesystem::create_directories(run);
  for (const char* name : {"env.json", "runs.jsonl"}) {
    std::filesystem::copy_file(fixture("run_small") / name, run / name);
  }
  return run;
}

/// Exit status and stdout+stderr of a shell command.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

/// Runs `command` through the shell; `output` gets stdout, and stderr too unless `stdout_only`.
inline CommandResult run_command(const std::string& command, bool stdout_only = false) {
  CommandResult result;
  FILE* pipe = popen((command + (stdout_only ? " 2>/dev/null" : " 2>&1")).c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    result.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Runs the gemmtune binary built beside the tests with `args`.
inline CommandResult run_gemmtune(const std::string& args, bool stdout_only = false) {
  return run_command(std::string(GEMMTUNE_BINARY) + " " + args, stdout_only);
}

/// Number of non-overlapping occurrences of `needle` in `text`.
inline int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

/// The message of the gemmtune::Error that `body` throws; checks its exit code.
template <typename Body>
std::string error_of(Body body, ExitCode expected_code = kExitUsage) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected_code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a gemmtune::Error";
  return "";
}

}  // namespace gemmtune::test
