// Concurrency: two processes compiling one config into one cache, threads racing on one key,
// and compile_many's ordering and failure isolation.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

#include "jit/compiler.hpp"
#include "jit/kernel_cache.hpp"
#include "jit/kernel_build.hpp"
#include "test_support.hpp"

namespace gemmtune::jit {
namespace {

/// A real kernel of the family: slow enough (~0.15 s) that two concurrent compiles overlap.
CompileRequest slow_request() { return kernel_request(KernelConfig{}); }

TEST(Concurrency, TwoProcessesCompilingOneConfigBothSucceed) {
  test::TempDir temp;
  const KernelCache cache(temp.path());
  // NOTE: the children block on a pipe until the parent closes it, so both start compiling at
  // the same moment and race to publish; neither has touched NVRTC before fork().
  std::array<int, 2> start_pipe{};
  ASSERT_EQ(::pipe(start_pipe.data()), 0);
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start_pipe[1]);
      char byte = 0;
      (void)::read(start_pipe[0], &byte, 1);
      const CompileResult result = compile(slow_request(), cache);
      // NOTE: 0 = compiled (and published or adopted the winner's entry), 2 = found the other
      // child's entry already published; both are success, which one depends on scheduling.
      ::_exit(!result.ok || result.cubin.empty() ? 1 : result.cache_hit ? 2 : 0);
    }
    children.push_back(pid);
  }
  ::close(start_pipe[0]);
  ::close(start_pipe[1]);
  int compiled = 0;
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "child " << pid << " crashed";
    EXPECT_NE(WEXITSTATUS(status), 1) << "child " << pid << " failed to compile";
    compiled += WEXITSTATUS(status) == 0 ? 1 : 0;
  }
  EXPECT_GE(compiled, 1);
  const std::vector<CacheEntryInfo> entries = cache.list_entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries.front().valid);
  EXPECT_EQ(test::count_children_with_prefix(cache.arch_dir("sm_90a"), "."), 0);
  const CompileResult hit = compile(slow_request(), cache);
  EXPECT_TRUE(hit.ok);
  EXPECT_TRUE(hit.cache_hit);
}

TEST(Concurrency, ThreadsRacingOnOneKeyGetOneCubin) {
  test::TempDir temp;
  const KernelCache cache(temp.path());
  const std::vector<CompileRequest> requests(4, slow_request());
  const std::vector<CompileResult> results = compile_many(requests, 4, cache);
  ASSERT_EQ(results.size(), 4u);
  for (const CompileResult& result : results) {
    EXPECT_TRUE(result.ok) << result.log;
    EXPECT_EQ(result.cubin, results.front().cubin);
  }
  EXPECT_EQ(cache.list_entries().size(), 1u);
  EXPECT_EQ(test::count_children_with_prefix(cache.arch_dir("sm_90a"), "."), 0);
}

TEST(Concurrency, CompileManyKeepsOrderAndIsolatesFailures) {
  test::TempDir temp;
  const KernelCache cache(temp.path());
  std::vector<CompileRequest> requests;
  for (int i = 0; i < 7; ++i) {
    requests.push_back(i == 3 ? test::broken_request()
                              : test::wgmma_fence_request("gt_test_many_" + std::to_string(i)));
  }
  for (const int jobs : {0, 1, 3, 16}) {
    const std::vector<CompileResult> results = compile_many(requests, jobs, cache);
    ASSERT_EQ(results.size(), requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(results[i].kernel_name, requests[i].kernel_name) << "jobs=" << jobs;
      EXPECT_EQ(results[i].ok, i != 3) << results[i].log;
      EXPECT_EQ(results[i].cache_hit, jobs != 0) << "the first round compiles, later rounds hit";
    }
  }
  EXPECT_TRUE(compile_many({}, 4, cache).empty());
}

}  // namespace
}  // namespace gemmtune::jit
