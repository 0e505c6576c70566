// CompilerPool (src/sweep/compiler_pool.hpp): the sweep's compiles in child processes, driven here
// by shell stand-ins for `gemmtune __compiler` that answer, crash or babble.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/kernel_config.hpp"
#include "sweep/compiler_pool.hpp"

namespace gemmtune::sweep {
namespace {

KernelConfig config_of(const std::string& text) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
  EXPECT_TRUE(config.has_value()) << error;
  return *config;
}

const std::string kConfig = "bm128_bn128_s5_mc0_sm132_rN8_sk1";

/// A stand-in compiler: answers every line as built in 0.5 s.
std::vector<std::string> answering_compiler() {
  return {"/bin/sh", "-c",
          "while read -r line; do printf '{\"config\":\"%s\",\"ok\":true,\"log\":\"\","
          "\"compile_seconds\":0.5,\"cache_hit\":false}\\n' \"$line\"; done"};
}

TEST(CompilerPool, AnswerRoundTripsAndForeignLinesAreRefused) {
  const CompileOutcome outcome{
      .ok = false, .log = "line 1: error\n\"quoted\"", .compile_seconds = 1.25, .cache_hit = false};
  std::string error;
  const std::optional<CompileOutcome> back =
      decode_compile_answer(encode_compile_answer(kConfig, outcome), kConfig, &error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->ok, outcome.ok);
  EXPECT_EQ(back->log, outcome.log);
  EXPECT_EQ(back->compile_seconds, outcome.compile_seconds);
  EXPECT_FALSE(decode_compile_answer("hello", kConfig, &error).has_value());
  EXPECT_NE(error.find("not JSON"), std::string::npos) << error;
  EXPECT_FALSE(decode_compile_answer(encode_compile_answer("other", outcome), kConfig, &error));
  EXPECT_NE(error.find("another config"), std::string::npos) << error;
  EXPECT_FALSE(decode_compile_answer(R"({"config":"bm128_bn128_s5_mc0_sm132_rN8_sk1","ok":1})",
                                     kConfig, &error));
}

TEST(CompilerPool, ThreadsShareProcessesAndGetTheirOwnAnswers) {
  CompilerPool pool(answering_compiler());
  const std::vector<std::string> texts = {kConfig, "bm64_bn32_s16_mc0_sm132_rN8_sk2",
                                          "bm256_bn128_s3_mcA_sm132_rN8_sk1"};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const CompileOutcome o = pool.compile(config_of(texts[(t + i) % texts.size()]));
        if (!o.ok || o.compile_seconds != 0.5) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(pool.starts(), 1);
  EXPECT_LE(pool.starts(), 3);  // at most one process a thread compiling at once
  (void)pool.compile(config_of(kConfig));
  EXPECT_LE(pool.starts(), 3);  // an idle process is reused, not a new one started
}

// The compile queue's threads end when its queue is empty, and PR_SET_PDEATHSIG kills a child
// when the *thread* that forked it ends: a process in the pool must not be one of those, or the
// next config given to it fails (as the sweep ignores SIGPIPE, with "worker ended").
TEST(CompilerPool, AProcessOutlivesTheThreadThatStartedIt) {
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);  // as the sweep does (sweep/interrupt.cpp)
  CompilerPool pool(answering_compiler());
  std::thread([&] { EXPECT_TRUE(pool.compile(config_of(kConfig)).ok); }).join();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // for a SIGKILL to land
  const CompileOutcome o = pool.compile(config_of(kConfig));
  EXPECT_TRUE(o.ok) << o.log;
  EXPECT_EQ(pool.starts(), 1);
  ::sigaction(SIGPIPE, &previous, nullptr);
}

TEST(CompilerPool, AProcessThatDiesFailsItsConfigAndTheNextGetsAFreshOne) {
  CompilerPool pool({"/bin/sh", "-c", "read -r line; kill -SEGV $$"});
  const CompileOutcome first = pool.compile(config_of(kConfig));
  EXPECT_FALSE(first.ok);
  EXPECT_NE(first.log.find("compiler process:"), std::string::npos) << first.log;
  EXPECT_NE(first.log.find("while compiling"), std::string::npos) << first.log;
  const CompileOutcome second = pool.compile(config_of(kConfig));
  EXPECT_FALSE(second.ok);
  EXPECT_EQ(pool.starts(), 2);
}

TEST(CompilerPool, NonsenseIsAFailureAndTheProcessIsReplaced) {
  CompilerPool pool({"/bin/sh", "-c", "while read -r line; do echo hello; done"});
  const CompileOutcome o = pool.compile(config_of(kConfig));
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.log.find("not JSON"), std::string::npos) << o.log;
  (void)pool.compile(config_of(kConfig));
  EXPECT_EQ(pool.starts(), 2);
}

// A request written to a worker that has already exited is an outcome: SIGPIPE must not kill
// this process, which (unlike the sweep) does not ignore it.
TEST(WorkerProcess, WritingToAnExitedWorkerIsAnOutcomeNotASignal) {
  WorkerProcess process({"/bin/sh", "-c", "exit 3"});
  process.ensure_started();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // it has exited by now
  const Exchange ex = process.exchange("hello", after_seconds(5.0), {});
  EXPECT_EQ(ex.status, ExchangeStatus::kExited);
  EXPECT_NE(ex.exit_reason.find("3"), std::string::npos) << ex.exit_reason;
}

TEST(CompilerPool, AMissingProgramIsAFailureNotAThrow) {
  CompilerPool pool({"/nonexistent/gemmtune", "__compiler"});
  const CompileOutcome o = pool.compile(config_of(kConfig));
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.log.find("compiler process:"), std::string::npos) << o.log;
}

}  // namespace
}  // namespace gemmtune::sweep
