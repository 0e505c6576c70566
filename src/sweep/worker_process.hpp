#pragma once
/// The measuring worker as a child process: started with fork + exec, fed one request line on its
/// stdin, read one response line from its stdout under a deadline (poll), killed and restarted by
/// the parent. POSIX only; no CUDA. src/sweep/README.md "Fault isolation".
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace gemmtune::sweep {

/// The clock of every deadline.
using SteadyClock = std::chrono::steady_clock;

/// The deadline `seconds` from now.
[[nodiscard]] inline SteadyClock::time_point after_seconds(double seconds) {
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(seconds));
}

/// How one request/response exchange ended.
enum class ExchangeStatus {
  kLine,         ///< a complete response line arrived
  kTimedOut,     ///< the deadline passed first (the worker is still running: kill it)
  kExited,       ///< the worker closed its stdout or died (crash, exit, exec failure)
  kTooLong,      ///< the response exceeded kMaxResponseBytes without a newline
  kInterrupted,  ///< the interrupt fd fired and the grace period passed without an answer
};

/// The outcome of WorkerProcess::exchange().
struct Exchange {
  ExchangeStatus status = ExchangeStatus::kExited;
  std::string line;         ///< the response, without its newline (kLine)
  std::string exit_reason;  ///< kExited: e.g. "worker killed by signal 11 (Segmentation fault)"
};

/// What may cut an exchange short besides its deadline.
struct ExchangeWatch {
  int interrupt_fd = -1;         ///< readable once the user asked to stop (-1: none)
  double interrupt_grace_s = 2;  ///< how long the in-flight request may still finish then
};

/// One worker process at a time. Move-less and copy-less; the destructor kills a running worker.
class WorkerProcess {
 public:
  /// `argv[0]` is a path or a name looked up in PATH; nothing starts until ensure_started().
  /// `environment`: "NAME=VALUE" entries that replace or extend this process's environment in
  /// the worker's (sweep --gpus: CUDA_VISIBLE_DEVICES).
  explicit WorkerProcess(std::vector<std::string> argv, std::vector<std::string> environment = {});
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  /// Starts the worker unless it runs (forked by one long-lived thread, so that it outlives the
  /// thread that asks). Throws Error(kExitUsage) when it cannot be spawned.
  void ensure_started();
  /// Writes `request` plus a newline, then waits for one response line until `deadline`.
  [[nodiscard]] Exchange exchange(const std::string& request, SteadyClock::time_point deadline,
                                  const ExchangeWatch& watch);
  /// SIGKILLs the worker's process group and reaps it. No-op when none runs.
  void kill();
  /// Closes the worker's stdin (it exits on EOF) and reaps it, killing it after `grace_s`.
  void stop(double grace_s);

  [[nodiscard]] bool running() const { return pid_ > 0; }
  /// How many times a worker was started.
  [[nodiscard]] int starts() const { return starts_; }
  /// The command line, for messages.
  [[nodiscard]] std::string command() const;

 private:
  /// Reaps the exited child; returns "worker exited with status N" or "... killed by signal".
  std::string reap(bool block);
  /// Forks and execs the worker (on the fork thread).
  void start();
  void close_pipes();

  std::vector<std::string> argv_;
  std::vector<std::string> environment_;
  pid_t pid_ = -1;
  int to_worker_fd_ = -1;
  int from_worker_fd_ = -1;
  std::string buffer_;  // bytes read past the last complete line
  int starts_ = 0;
};

}  // namespace gemmtune::sweep
