#pragma once
/// Compiling ahead of the GPU: CPU threads build the kernels the sweep will measure, in the order
/// it will measure them, while the worker measures those already built. Kernels do not depend on
/// the problem, so each distinct config is built once. The compile itself is a function given by
/// the caller (NVRTC through jit::build_kernel in the CLI, a stand-in in tests), which keeps this
/// layer free of CUDA libraries; the disk cache makes a second sweep's compiles instant.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/kernel_config.hpp"
#include "sweep/time_breakdown.hpp"

namespace gemmtune::sweep {

/// The parts of a compile result the sweep records.
struct CompileOutcome {
  bool ok = false;
  std::string log;               ///< why it failed (compiler log), may be empty when ok
  double compile_seconds = 0.0;  ///< 0 on a cache hit
  bool cache_hit = false;
};

/// Builds one kernel. Must be thread-safe and must not throw (a failure is ok == false).
using CompileFn = std::function<CompileOutcome(const KernelConfig&)>;

/// A pool of `jobs` threads compiling `configs` in order. Move-less; the destructor lets running
/// compiles finish, starts no new ones and joins.
class CompileQueue {
 public:
  /// Starts compiling at once. Duplicate configs are built once; jobs 0 means every core this
  /// process may run on (core_count()).
  /// `prefetch_threads` build prefetched configs side by side (a sweep on several GPUs asks for
  /// the twins of each GPU's leaders at about the same time; one thread made them queue).
  CompileQueue(const std::vector<KernelConfig>& configs, CompileFn compile, int jobs,
               int prefetch_threads = 1);
  ~CompileQueue();
  CompileQueue(const CompileQueue&) = delete;
  CompileQueue& operator=(const CompileQueue&) = delete;

  /// Waits for `config`'s build (building it on this thread when it was neither queued nor
  /// prefetched). Returns nullopt when `cancelled` returns true first; it is polled every 50 ms
  /// while waiting.
  [[nodiscard]] std::optional<CompileOutcome> wait(const KernelConfig& config,
                                                   const std::function<bool()>& cancelled);
  /// Builds `config` on a prefetch thread, ahead of the queue, unless it is built, being
  /// built or prefetched already: a config the sweep chose while measuring (the twin of a
  /// screening leader), so that its wait() finds it built. A queued config is taken out of turn
  /// (the queue skips it later): it may be planned for a problem far ahead. Never waits for a
  /// compile.
  void prefetch(const KernelConfig& config);
  /// The builds finished so far: kernels compiled, disk-cache hits, compile seconds summed.
  [[nodiscard]] CompileTotals totals();
  /// Number of threads compiling the queue (the prefetch threads aside); they take prefetched
  /// configs before the queue's next and serve prefetches once the queue is done.
  [[nodiscard]] int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void work();
  void prefetch_work();
  /// The next prefetched config no thread has claimed, claimed for the caller; nullopt: none.
  [[nodiscard]] std::optional<KernelConfig> take_prefetched();
  /// Builds a claimed config and publishes its outcome to wait().
  void build_claimed(const KernelConfig& config);

  CompileFn compile_;
  std::vector<std::string> order_;  // config texts, deduplicated, in need order
  std::vector<KernelConfig> configs_;
  std::map<std::string, CompileOutcome> done_;
  std::deque<KernelConfig> prefetch_queue_;  // guarded by mutex_, as the three below
  std::set<std::string> prefetched_;
  std::set<std::string> claimed_;  // built or being built, by either kind of thread
  bool prefetch_stopping_ = false;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable prefetch_ready_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::vector<std::thread> prefetchers_;
};

/// Threads for `jobs` (0 = core_count(): the affinity mask's cores, at least 1).
[[nodiscard]] int resolve_jobs(int jobs);

}  // namespace gemmtune::sweep
