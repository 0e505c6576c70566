// core_count() (src/core/parallel.hpp): default thread counts follow the affinity mask, so a sweep
// started under `taskset` or inside a Slurm allocation of 16 of a node's 64 cores compiles on 16
// threads. Each test narrows the calling thread's mask and restores it.
#include <gtest/gtest.h>
#include <sched.h>

#include "core/parallel.hpp"
#include "sweep/compile_queue.hpp"

namespace {

/// Restricts the calling thread to the first `keep` cores it may use; restores the mask on exit.
class NarrowedAffinity {
 public:
  explicit NarrowedAffinity(int keep) {
    CPU_ZERO(&saved_);
    EXPECT_EQ(sched_getaffinity(0, sizeof(saved_), &saved_), 0);
    cpu_set_t narrowed;
    CPU_ZERO(&narrowed);
    int kept = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && kept < keep; ++cpu) {
      if (CPU_ISSET(cpu, &saved_)) {
        CPU_SET(cpu, &narrowed);
        ++kept;
      }
    }
    EXPECT_EQ(sched_setaffinity(0, sizeof(narrowed), &narrowed), 0);
  }
  ~NarrowedAffinity() { sched_setaffinity(0, sizeof(saved_), &saved_); }
  NarrowedAffinity(const NarrowedAffinity&) = delete;
  NarrowedAffinity& operator=(const NarrowedAffinity&) = delete;

 private:
  cpu_set_t saved_;
};

TEST(CoreCount, CountsTheCoresOfTheAffinityMask) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  EXPECT_EQ(gemmtune::core_count(), CPU_COUNT(&allowed));
}

TEST(CoreCount, OneAllowedCoreGivesOneThread) {
  const NarrowedAffinity one(1);
  EXPECT_EQ(gemmtune::core_count(), 1);
  EXPECT_EQ(gemmtune::sweep::resolve_jobs(0), 1);
  EXPECT_EQ(gemmtune::sweep::resolve_jobs(5), 5);  // an explicit -j is taken as given
}

}  // namespace
