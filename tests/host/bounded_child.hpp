#pragma once
/// Running work in a child process under time and memory caps, measuring its wall time and peak
/// resident memory: how the hostile-input tests assert "bounded time and memory" without letting
/// a regression (10 GB for 100 KB of nested brackets, before issue 15) take the machine down.
/// A cap that is hit shows up as an unexpected exit code or signal, so the test fails.
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace gemmtune::test {

/// How a bounded child ended.
struct ChildOutcome {
  int exit_code = -1;  ///< when it exited, else -1
  int signal = 0;      ///< the signal that killed it (SIGALRM: over the time cap), else 0
  double wall_s = 0;
  int64_t max_rss_kb = 0;  ///< its peak resident set (getrusage via wait4)
  std::string report;      ///< what a run_bounded() function returned
};

/// Caps for one child.
struct ChildCaps {
  int64_t address_space_bytes = int64_t{4} << 30;  ///< RLIMIT_AS: allocations past it fail
  unsigned timeout_s = 60;                         ///< SIGALRM after this wall time
};

/// Resident set of this process now, in KiB (/proc/self/statm).
inline int64_t current_rss_kb() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * (::sysconf(_SC_PAGESIZE) / 1024);
}

/// Address space of this process now, in bytes.
inline int64_t current_address_space_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0;
  statm >> size_pages;
  return size_pages * ::sysconf(_SC_PAGESIZE);
}

namespace detail {

inline void apply_caps(const ChildCaps& caps) {
  const rlimit as{static_cast<rlim_t>(caps.address_space_bytes),
                  static_cast<rlim_t>(caps.address_space_bytes)};
  ::setrlimit(RLIMIT_AS, &as);
  ::alarm(caps.timeout_s);
}

inline ChildOutcome wait_for(pid_t pid, std::chrono::steady_clock::time_point start) {
  ChildOutcome outcome;
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

}  // namespace detail

/// Runs `fn` in a forked child with `caps`; the string it returns comes back as `report` (keep it
/// short: it travels through a pipe after `fn` returns). The child exits 0 after `fn`, or 98
/// when `fn` throws.
inline ChildOutcome run_bounded(const std::function<std::string()>& fn, const ChildCaps& caps) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    detail::apply_caps(caps);
    int code = 0;
    std::string report;
    try {
      report = fn();
    } catch (...) {
      code = 98;
    }
    constexpr size_t kMaxReportBytes = 32 << 10;  // below the pipe's buffer
    if (report.size() > kMaxReportBytes) report.resize(kMaxReportBytes);
    if (!report.empty() && ::write(fds[1], report.data(), report.size()) < 0) code = 97;
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildOutcome outcome = detail::wait_for(pid, start);
  char buffer[4096];
  for (ssize_t got; (got = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
    outcome.report.append(buffer, static_cast<size_t>(got));
  }
  ::close(fds[0]);
  return outcome;
}

/// Runs `program args...` in a child with `caps`, stdout and stderr into the given files.
inline ChildOutcome run_program_bounded(const std::string& program,
                                        const std::vector<std::string>& args,
                                        const std::string& stdout_file,
                                        const std::string& stderr_file, const ChildCaps& caps) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!std::freopen(stdout_file.c_str(), "w", stdout) ||
        !std::freopen(stderr_file.c_str(), "w", stderr)) {
      ::_exit(96);
    }
    detail::apply_caps(caps);
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(95);
  }
  return detail::wait_for(pid, start);
}

}  // namespace gemmtune::test
