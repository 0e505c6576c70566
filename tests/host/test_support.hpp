#pragma once
#include <cstdlib>
/// Helpers shared by the host tests: a scratch folder, capture of thrown input errors and of
/// spdlog warnings, and running the built gemmtune binary.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gemmtune::test {

/// A fresh folder under the system temp dir, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gemmtune-test-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  /// Writes `text` to `name` inside the folder and returns the file's path.
  [[nodiscard]] std::string write(const std::string& name, std::string_view text) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// What an expected gemmtune::Error carried.
struct CaughtError {
  int code = -1;
  std::string message;
};

/// Runs `fn` and returns the gemmtune::Error it throws; records a failure when it throws none.
template <typename Fn>
[[nodiscard]] CaughtError catch_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "expected a gemmtune::Error, none was thrown";
  return {};
}

/// Checks an input error: exit code 2, one line, starting with the file, containing `parts`.
inline void expect_input_error(const CaughtError& error, const std::string& file,
                               std::initializer_list<std::string_view> parts) {
  EXPECT_EQ(error.code, kExitUsage) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
  EXPECT_EQ(error.message.rfind(file + ": ", 0), 0u) << error.message;
  for (const std::string_view part : parts) {
    EXPECT_NE(error.message.find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << error.message;
  }
}

/// Sends spdlog's default logger to a string for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  [[nodiscard]] std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

/// Exit code and output of one run of the gemmtune binary.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs `gemmtune <args>` through the shell (args are passed verbatim), capturing both streams.
/// The gemmtune binary under test: $GEMMTUNE_TEST_BINARY when set (the GPU machine runs staged
/// copies from another folder, scripts/device_check.sh), else the one this build produced.
inline std::string gemmtune_binary() {
  const char* override_path = std::getenv("GEMMTUNE_TEST_BINARY");
  return override_path != nullptr && *override_path != 0 ? override_path : GEMMTUNE_BINARY;
}

inline RunResult run_gemmtune(const std::string& args) {
  const TempDir scratch;
  const std::filesystem::path out = scratch.path() / "stdout";
  const std::filesystem::path err = scratch.path() / "stderr";
  const std::string command = "'" + gemmtune_binary() + "' " + args + " >'" +
                              out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(err)};
}

}  // namespace gemmtune::test
