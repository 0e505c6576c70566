#pragma once
/// The one way host code here splits work over threads: fn(t, count) on `count` threads, t = 0
/// on the calling thread, all joined before returning. Callers pick the split (rows, strides)
/// so that results never depend on the thread count.
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace gemmtune {

/// Cores this process may run on, at least 1: the calling thread's affinity mask (what
/// `taskset`, Slurm's `--cpus-per-task` cgroup binding and `numactl` restrict), else the cores
/// online. Every default thread count here (compile jobs, reference rows) comes from it, so a
/// job given 16 of a node's 64 cores starts 16 compile threads, not 64.
[[nodiscard]] inline int64_t core_count() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    return std::max<int64_t>(1, CPU_COUNT(&allowed));
  }
  return std::max<int64_t>(1, std::thread::hardware_concurrency());
}

/// Runs fn(t, count) for t in [0, count) on `count` threads and waits for all of them.
template <typename Fn>
void run_on_threads(int64_t count, const Fn& fn) {
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < count; ++t) pool.emplace_back(fn, t, count);
  fn(int64_t{0}, count);
  for (std::thread& t : pool) t.join();
}

}  // namespace gemmtune
