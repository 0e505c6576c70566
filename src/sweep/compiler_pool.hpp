#pragma once
/// NVRTC compiles in child processes (`gemmtune __compiler`), one kernel at a time each, for the
/// sweep's compile queue. Why not threads: in one process NVRTC's throughput stops growing at
/// about 16 compiling threads. On a 4-GPU H200 node (64 cores, PERF_LOG) a kernel took 7.3 s
/// at 64 threads in one sweep, 2.9 s at 32 and 1.7 s at 16, about 9 kernels a second in every
/// case, while three processes side by side compiled 29 a second. A 4-GPU sweep waited on its
/// compiles; separate processes scale with the cores, and a compiler crash costs one config.
///
/// Protocol (owned here): the parent writes a config's text and a newline; the child answers one
/// JSON line {"config", "ok", "log", "compile_seconds", "cache_hit"}. The child exits on EOF.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/kernel_config.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/worker_process.hpp"

namespace gemmtune::sweep {

/// The answer line of `gemmtune __compiler` for one config.
[[nodiscard]] std::string encode_compile_answer(const std::string& config,
                                                const CompileOutcome& outcome);
/// Reads an answer line for `config`; nullopt, with `error` saying why, when it is not one.
[[nodiscard]] std::optional<CompileOutcome> decode_compile_answer(const std::string& line,
                                                                  const std::string& config,
                                                                  std::string* error);

/// /proc/self/exe [--log-level LEVEL] __compiler.
[[nodiscard]] std::vector<std::string> default_compiler_argv(const std::string& log_level);

/// Compiler processes shared by the compile queue's threads: a thread that compiles takes an
/// idle process (or starts one), so there are at most as many as threads compiling at once.
/// Thread-safe; the destructor stops the idle ones (none is busy by then: the queue that calls
/// compile() is destroyed first). A process outlives the thread that started it
/// (WorkerProcess::ensure_started).
class CompilerPool {
 public:
  explicit CompilerPool(std::vector<std::string> argv) : argv_(std::move(argv)) {}
  ~CompilerPool();
  CompilerPool(const CompilerPool&) = delete;
  CompilerPool& operator=(const CompilerPool&) = delete;

  /// Compiles `config` in a compiler process. A process that dies, answers nonsense or takes
  /// longer than `kCompileLimitS` is killed, and the config's outcome is a failure naming why.
  [[nodiscard]] CompileOutcome compile(const KernelConfig& config);
  /// Processes started so far (tests).
  [[nodiscard]] int starts() const;

  /// Seconds one kernel may take: the largest member compiles in ~20 s on a loaded node.
  static constexpr double kCompileLimitS = 600.0;

 private:
  std::vector<std::string> argv_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<WorkerProcess>> idle_;  // guarded by mutex_
  int starts_ = 0;                                    // guarded by mutex_
};

}  // namespace gemmtune::sweep
