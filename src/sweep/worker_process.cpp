// The worker child process: spawn, one exchange under a deadline, kill, reap.
#include "sweep/worker_process.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::sweep {
namespace {

/// argv[0] as an executable path: unchanged when it has a '/', else the first match in PATH.
/// Resolved before fork() because execvp() may allocate, which a forked child of a
/// multithreaded parent must not do.
std::string resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', begin), dirs.size());
    const std::string candidate = dirs.substr(begin, end - begin) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return name;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

/// Writes all of `text` to `fd`; false when the reader is gone. NOTE: SIGPIPE is blocked in this
/// thread for the write, and one it raised is taken back before the mask is restored: a worker
/// that died must be an outcome, not a signal that kills a process which does not ignore SIGPIPE
/// (the sweep does, sweep/interrupt.cpp; `check` and the tests do not).
bool write_all(int fd, const std::string& text) {
  sigset_t pipe_only, previous;
  ::sigemptyset(&pipe_only);
  ::sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  ::sigpending(&pending);
  const bool already_pending = ::sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  bool ok = true;
  for (size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (!ok && errno == EPIPE && !already_pending) {
    const timespec now{.tv_sec = 0, .tv_nsec = 0};
    while (::sigtimedwait(&pipe_only, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return ok;
}

/// The one thread that forks every worker, alive until the process exits.
/// NOTE: PR_SET_PDEATHSIG (below) kills a child when the *thread* that forked it ends, not the
/// process. The sweep's compile queue threads end as soon as their queue is empty, while the
/// compiler processes they started stay in CompilerPool for the prefetch threads: forked by
/// those threads, they were dead when the next config reached them (full dsv3 sweeps lost
/// 128 compiles, "killed by signal 9"). Forking here makes a worker's life independent of the
/// thread that asked for it.
class ForkThread {
 public:
  ForkThread() : thread_([this] { loop(); }) {}
  ~ForkThread() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ForkThread(const ForkThread&) = delete;
  ForkThread& operator=(const ForkThread&) = delete;

  /// Runs `start` on this thread and waits for it, rethrowing what it throws.
  void run(const std::function<void()>& start) {
    std::packaged_task<void()> task(start);
    std::future<void> done = task.get_future();
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      tasks_.emplace_back([&task] { task(); });
    }
    wake_.notify_all();
    done.get();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to start
      const std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::thread thread_;                       // last: started after the members it uses
};

ForkThread& fork_thread() {
  static ForkThread thread;
  return thread;
}

/// Milliseconds from now until `deadline`, rounded up, at least 0.
int ms_until(SteadyClock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 3'600'000));
}

/// This process's environment with `overrides` ("NAME=VALUE") replacing entries of the same name.
std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> merged;
  const auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const bool replaced = std::any_of(overrides.begin(), overrides.end(), [&](const std::string& o) {
      return name_of(o) == name_of(text);
    });
    if (!replaced) merged.push_back(text);
  }
  merged.insert(merged.end(), overrides.begin(), overrides.end());
  return merged;
}

}  // namespace

WorkerProcess::WorkerProcess(std::vector<std::string> argv, std::vector<std::string> environment)
    : argv_(std::move(argv)), environment_(std::move(environment)) {
  GT_CHECK(!argv_.empty(), kExitUsage, "the worker command is empty");
}

WorkerProcess::~WorkerProcess() { kill(); }

std::string WorkerProcess::command() const {
  std::string text;
  for (const std::string& arg : argv_) text += (text.empty() ? "" : " ") + arg;
  return text;
}

void WorkerProcess::ensure_started() {
  if (running()) return;
  fork_thread().run([this] { start(); });
}

void WorkerProcess::start() {
  const std::string path = resolve_executable(argv_[0]);
  std::vector<char*> args;
  for (std::string& arg : argv_) args.push_back(arg.data());
  args.push_back(nullptr);
  // NOTE: built before fork() for the same reason as the path: the child may not allocate.
  std::vector<std::string> environment = merged_environment(environment_);
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  int to_worker[2] = {-1, -1};
  int from_worker[2] = {-1, -1};
  if (::pipe2(to_worker, O_CLOEXEC) != 0 || ::pipe2(from_worker, O_CLOEXEC) != 0) {
    throw Error(kExitIoError, std::string("cannot create worker pipes: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw Error(kExitIoError, "cannot start worker `" + command() + "`: " + std::strerror(errno));
  }
  if (pid == 0) {
    // NOTE: only async-signal-safe calls between fork and exec (the parent has compile threads).
    // Own process group: a terminal's Ctrl-C reaches the parent only, which decides what to do
    // with the in-flight request; PDEATHSIG: the worker dies with the parent.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (const int sig : {SIGINT, SIGTERM, SIGPIPE}) ::sigaction(sig, &default_action, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(to_worker[0], STDIN_FILENO);
    ::dup2(from_worker[1], STDOUT_FILENO);
    ::execve(path.c_str(), args.data(), envp.data());
    static constexpr char kMessage[] = "gemmtune: error: cannot execute the worker command\n";
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // NOTE: also here, so a kill(-pid) right after fork cannot miss
  ::close(to_worker[0]);
  ::close(from_worker[1]);
  pid_ = pid;
  to_worker_fd_ = to_worker[1];
  from_worker_fd_ = from_worker[0];
  buffer_.clear();
  ++starts_;
}

Exchange WorkerProcess::exchange(const std::string& request, SteadyClock::time_point deadline,
                                 const ExchangeWatch& watch) {
  ensure_started();
  if (!write_all(to_worker_fd_, request + "\n")) {
    return {.status = ExchangeStatus::kExited, .line = {}, .exit_reason = reap(true)};
  }
  bool interrupted = false;
  for (;;) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      Exchange done{.status = ExchangeStatus::kLine, .line = buffer_.substr(0, newline),
                    .exit_reason = {}};
      buffer_.erase(0, newline + 1);
      return done;
    }
    if (buffer_.size() > kMaxResponseBytes) {
      return {.status = ExchangeStatus::kTooLong, .line = {}, .exit_reason = {}};
    }
    pollfd fds[2] = {{.fd = from_worker_fd_, .events = POLLIN, .revents = 0},
                     {.fd = interrupted ? -1 : watch.interrupt_fd, .events = POLLIN, .revents = 0}};
    const int ready = ::poll(fds, 2, ms_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw Error(kExitIoError, std::string("poll: ") + std::strerror(errno));
    if (fds[1].revents != 0) {
      interrupted = true;
      const auto grace = std::chrono::duration_cast<SteadyClock::duration>(
          std::chrono::duration<double>(watch.interrupt_grace_s));
      deadline = std::min(deadline, SteadyClock::now() + grace);
    }
    if (fds[0].revents != 0) {
      char chunk[65536];
      const ssize_t n = ::read(from_worker_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return {.status = ExchangeStatus::kExited, .line = {}, .exit_reason = reap(true)};
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (ready == 0 || SteadyClock::now() >= deadline) {
      return {.status = interrupted ? ExchangeStatus::kInterrupted : ExchangeStatus::kTimedOut,
              .line = {},
              .exit_reason = {}};
    }
  }
}

std::string WorkerProcess::reap(bool block) {
  if (pid_ <= 0) return "worker not running";
  int status = 0;
  pid_t done = 0;
  if (block) {
    // NOTE: a worker may close stdout and linger; give it a second, then kill it.
    const auto give_up = SteadyClock::now() + std::chrono::seconds(1);
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && SteadyClock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (done == 0) {
      ::kill(-pid_, SIGKILL);
      done = ::waitpid(pid_, &status, 0);
    }
  } else {
    done = ::waitpid(pid_, &status, WNOHANG);
    if (done == 0) return "";
  }
  std::string reason = "worker ended";
  if (done == pid_ && WIFEXITED(status)) {
    reason = "worker exited with status " + std::to_string(WEXITSTATUS(status));
  } else if (done == pid_ && WIFSIGNALED(status)) {
    reason = "worker killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
             ::strsignal(WTERMSIG(status)) + ")";
  }
  pid_ = -1;
  close_pipes();
  return reason;
}

void WorkerProcess::close_pipes() {
  close_fd(to_worker_fd_);
  close_fd(from_worker_fd_);
  buffer_.clear();
}

void WorkerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  close_pipes();
}

void WorkerProcess::stop(double grace_s) {
  if (pid_ <= 0) return;
  close_fd(to_worker_fd_);
  const auto give_up = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                std::chrono::duration<double>(grace_s));
  while (SteadyClock::now() < give_up) {
    if (!reap(false).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill();
}

}  // namespace gemmtune::sweep
