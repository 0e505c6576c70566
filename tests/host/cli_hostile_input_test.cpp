// The built binary on hostile input: deep nesting refused in bounded time and memory, illegal
// --config refused by the legality model in `compile` and `run`, plans of 200,000 problems at
// interactive speed, listings that would be unusable refused up front, and bad flags refused in
// one short line before a GPU is looked for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "bounded_child.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

// NOTE: the binary maps ~0.75 GB before main() (cuBLASLt, NVRTC); 4 GiB leaves room for any
// sane run and stops a runaway one long before it takes the machine.
constexpr test::ChildCaps kHostileChildCaps{.address_space_bytes = int64_t{4} << 30, .timeout_s = 60};

struct Measured {
  test::ChildOutcome outcome;
  std::string out;
  std::string err;
};

Measured run_measured(const std::vector<std::string>& args) {
  const test::TempDir scratch;
  const std::string out = (scratch.path() / "stdout").string();
  const std::string err = (scratch.path() / "stderr").string();
  const test::ChildOutcome outcome =
      test::run_program_bounded(test::gemmtune_binary(), args, out, err, kHostileChildCaps);
  return {outcome, test::read_text(out), test::read_text(err)};
}

TEST(CliHostileInput, NestedBracketShapeSetsAreRefusedInBoundedTimeAndMemory) {
  const test::TempDir dir;
  const std::string small =
      dir.write("small.json", R"({"name": "s", "problems": [{"n": 2112, "k": 7168, "m": 64}]})");
  const Measured baseline = run_measured({"plan", "--shapes", small});
  ASSERT_EQ(baseline.outcome.exit_code, 0) << baseline.err;
  for (const size_t bytes : {size_t{100} << 10, size_t{1} << 20}) {
    const std::string file = dir.write("nested.json", std::string(bytes, '['));
    const Measured run = run_measured({"plan", "--shapes", file});
    EXPECT_EQ(run.outcome.exit_code, 2) << "signal " << run.outcome.signal << ": " << run.err;
    EXPECT_EQ(run.err, "gemmtune: error: " + file +
                           ": byte 65: arrays and objects nested deeper than 64 levels (the limit "
                           "for every gemmtune JSON input)\n");
    EXPECT_LT(run.outcome.wall_s, 2.0) << bytes << " bytes";
    // Before issue 15: 2.6 GB for 50 KB, growing with the square of the depth.
    EXPECT_LT(run.outcome.max_rss_kb - baseline.outcome.max_rss_kb, 64 * 1024) << bytes << " bytes";
  }
}

TEST(CliHostileInput, HugeNumbersWrongTypesAndDuplicateKeysExitWithUsageCode) {
  const test::TempDir dir;
  const struct {
    const char* problem;
    const char* expected;
  } cases[] = {
      {R"({"n": 2112, "k": 7168, "m": 1e400})", "number overflow parsing '1e400'"},
      {R"({"n": 2112, "k": 7168, "m": 99999999999999999999})",
       "/problems/0/m: number 1e+20 is out of the 64-bit signed integer range"},
      {R"({"n": "NaN", "k": 7168, "m": 1})", "/problems/0/n: expected an integer, got string"},
      {R"({"n": 2112, "k": 7168, "m": [64, 0]})", "/problems/0/m/1: M 0 must be >= 1"},
      {R"({"n": 2112, "k": 7168, "m": 64, "k": 16})", "/problems/0/k: duplicate key \"k\""},
  };
  for (const auto& c : cases) {
    const std::string file =
        dir.write("shapes.json", std::string(R"({"name": "s", "problems": [)") + c.problem + "]}");
    const test::RunResult run = test::run_gemmtune("plan --shapes " + file);
    EXPECT_EQ(run.exit_code, 2) << c.problem << ": " << run.err;
    EXPECT_NE(run.err.find(c.expected), std::string::npos) << run.err;
  }
}

TEST(CliHostileInput, CompileRefusesAnIllegalConfigNamingTheRule) {
  // Before issue 15 this compiled a block_m 999 kernel, reported "1 with spills" and exited 0.
  const test::RunResult run =
      test::run_gemmtune("compile --config bm999_bn160_s5_mcA_sm132_rN8_sk1");
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "gemmtune: error: --config: config \"bm999_bn160_s5_mcA_sm132_rN8_sk1\": block_m: "
            "block_m 999 is not 64, 128, 192 or 256 (one to three math warpgroups of 64-row "
            "wgmma slices)\n");
  const struct {
    const char* config;
    const char* rule;
  } cases[] = {
      {"bm128_bn152_s4_mc0_sm132_rN8_sk1", ": block_n_scale_blocks: "},
      {"bm128_bn128_s1_mc0_sm132_rN8_sk1", ": stages: "},
      {"bm256_bn256_s4_mc0_sm132_rN8_sk1", ": smem: "},
      {"bm256_bn160_s2_mc0_sm132_rN8_sk1", ": registers: "},
      {"bm128_bn128_s4_mcA_sm133_rN8_sk1", ": num_sms: "},
      {"bm128_bn128_s4_mcA_sm131_rN8_sk1", ": multicast_num_sms: "},
      {"bm128_bn136_s4_mcB_sm132_rN8_sk1", ": multicast_b_block_n: "},
      {"bm128_bn128_s4_mc0_sm132_rN65_sk1", ": raster_group: "},
  };
  for (const auto& c : cases) {
    const test::RunResult illegal = test::run_gemmtune(std::string("compile --config ") + c.config);
    EXPECT_EQ(illegal.exit_code, 2) << c.config << ": " << illegal.err;
    EXPECT_NE(illegal.err.find(c.rule), std::string::npos) << illegal.err;
  }
  // --sms moves the num_sms bound as in plan.
  EXPECT_NE(test::run_gemmtune("compile --sms 114 --config bm128_bn128_s4_mc0_sm132_rN8_sk1")
                .err.find(": num_sms: num_sms 132 is not in [1, 114]"),
            std::string::npos);
}

TEST(CliHostileInput, RunRefusesAnIllegalConfigWithoutAGpu) {
  const test::RunResult tile =
      test::run_gemmtune("run --m 64 --n 7168 --k 7168 --config bm999_bn160_s5_mcA_sm132_rN8_sk1");
  EXPECT_EQ(tile.exit_code, 2) << tile.err;
  EXPECT_NE(tile.err.find("--config bm999_bn160_s5_mcA_sm132_rN8_sk1 cannot run 64x7168x7168: "
                          "block_m: block_m 999"),
            std::string::npos)
      << tile.err;
  const test::RunResult problem =
      test::run_gemmtune("run --m 64 --n 7168 --k 7168 --config bm128_bn128_s5_mcB_sm132_rN8_sk1");
  EXPECT_EQ(problem.exit_code, 2) << problem.err;
  EXPECT_NE(problem.err.find(": multicast_b_m_blocks: multicast B shares B"), std::string::npos)
      << problem.err;
}

TEST(CliHostileInput, RunRefusesAnUnknownFlushKind) {
  const test::RunResult r = test::run_gemmtune(
      "run --m 64 --n 7168 --k 7168 --config bm64_bn64_s8_mc0_sm132_rN8_sk1 --flush memset");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--flush"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("memset"), std::string::npos) << r.err;
}

TEST(CliHostileInput, RunChainRefusesOneCallAndTheModesItDoesNotTime) {
  const test::RunResult one = test::run_gemmtune(
      "run --m 64 --n 7168 --k 2048 --config bm64_bn64_s8_mc0_sm132_rN8_sk1 --chain 1");
  EXPECT_EQ(one.exit_code, 2) << one.err;
  EXPECT_NE(one.err.find("--chain"), std::string::npos) << one.err;
  for (const char* extra : {"--layout grouped_contiguous --group-m 64", "--stream-floor", "--profile"}) {
    const test::RunResult r = test::run_gemmtune(
        std::string("run --m 64 --n 7168 --k 2048 --config bm64_bn64_s8_mc0_sm132_rN8_sk1 --chain 4 ") +
        extra);
    EXPECT_EQ(r.exit_code, 2) << extra << ": " << r.err;
    EXPECT_NE(r.err.find("--chain: dense problems only, without --profile or --stream-floor"),
              std::string::npos)
        << extra << ": " << r.err;
  }
}

TEST(CliHostileInput, RunProfileLaunchesNeedsADenseProfile) {
  for (const char* extra : {"", "--layout grouped_contiguous --group-m 64 --profile"}) {
    const test::RunResult r = test::run_gemmtune(
        std::string("run --m 64 --n 7168 --k 2048 --config bm64_bn64_s8_mc0_sm132_rN8_sk1 "
                    "--profile-launches 30 ") +
        extra);
    EXPECT_EQ(r.exit_code, 2) << extra << ": " << r.err;
    EXPECT_NE(r.err.find("--profile-launches: dense problems with --profile only"), std::string::npos)
        << extra << ": " << r.err;
  }
  const test::RunResult zero = test::run_gemmtune(
      "run --m 64 --n 7168 --k 2048 --config bm64_bn64_s8_mc0_sm132_rN8_sk1 --profile "
      "--profile-launches 0");
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  EXPECT_NE(zero.err.find("--profile-launches"), std::string::npos) << zero.err;
}

/// A shape set `name` in `dir` of one N x K (7168 x 2048) at M = 1..`count`; its path.
std::string m_list_set(const test::TempDir& dir, const std::string& name, int count) {
  std::string ms;
  for (int m = 1; m <= count; ++m) ms += (m == 1 ? "" : ",") + std::to_string(m);
  return dir.write(name + ".json", R"({"name": ")" + name +
                                       R"(", "problems": [{"n": 7168, "k": 2048, "m": [)" + ms +
                                       "]}]}");
}

TEST(CliHostileInput, PlanOf200000MsIsInteractive) {
  const test::TempDir dir;
  const std::string file = m_list_set(dir, "m200k", 200000);
  const Measured run = run_measured({"plan", "--shapes", file});
  ASSERT_EQ(run.outcome.exit_code, 0) << "signal " << run.outcome.signal << ": " << run.err;
  // Before issue 15: 5,000 Ms took 23 s and 200,000 did not finish in 60 s.
  EXPECT_LT(run.outcome.wall_s, 10.0);
  EXPECT_NE(run.out.find("total: 200000 problems x 24480 configs, 1714134272 legal; 0 problem(s)"),
            std::string::npos)
      << run.out.substr(run.out.size() - std::min<size_t>(run.out.size(), 300));
}

// A sweep of more problems than it can plan in bounded time is refused at once (plan takes them).
TEST(CliHostileInput, SweepOfMoreThan20000ProblemsIsRefusedAtOnce) {
  const test::TempDir dir;
  const std::string file = m_list_set(dir, "m20k", 20001);
  const Measured run = run_measured({"sweep", "--shapes", file, "--out",
                                     (dir.path() / "out").string()});
  EXPECT_EQ(run.outcome.exit_code, 2) << run.err;
  EXPECT_EQ(run.err, "gemmtune: error: " + file +
                         ": 20001 problems, more than a sweep takes (20000): split the set "
                         "(`gemmtune plan` reads any number)\n");
  EXPECT_LT(run.outcome.wall_s, 10.0);
}

TEST(CliHostileInput, PlanListingsOverTheLimitAreRefusedBeforeAnyOutput) {
  const test::TempDir dir;
  std::string ms;
  for (int m = 1; m <= 1000; ++m) ms += (m == 1 ? "" : ",") + std::to_string(m);
  const std::string file = dir.write(
      "m1k.json", R"({"name": "m1k", "problems": [{"n": 7168, "k": 2048, "m": [)" + ms + "]}]}");
  for (const char* flag : {"--json", "--verbose"}) {
    const test::RunResult run = test::run_gemmtune("plan --shapes " + file + " " + flag);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_EQ(run.out, "");
    EXPECT_NE(run.err.find(std::string("plan ") + flag +
                           ": 1000 problems x 24480 configs would list 24480000 verdicts, over "
                           "the limit of 10000000"),
              std::string::npos)
        << run.err;
  }
}

// Bad flags and inputs are refused (exit 2, one short line) before anything else happens.

TEST(CliHostileInput, RunRefusesBadInputBeforeLookingForAGpu) {
  const std::vector<std::vector<std::string>> cases = {
      {"run", "--layout", "grouped_contiguous", "--group-m", "64,64", "--n", "2112", "--k", "7168",
       "--config", "auto:-1"},
      {"run", "--layout", "grouped_contiguous", "--group-m", "8192,,1", "--n", "2112", "--k", "7168",
       "--config", "auto"},
      {"run", "--m", "0", "--n", "2112", "--k", "7168", "--config", "bm128_bn128_s4_mc0_sm132_rN8_sk1"},
      {"run", "--m", "-5", "--n", "2112", "--k", "7168", "--config", "bm128_bn128_s4_mc0_sm132_rN8_sk1"},
  };
  for (const std::vector<std::string>& args : cases) {
    const Measured run = run_measured(args);
    SCOPED_TRACE(args[4] + " " + args.back());
    // Before: exit 3 (no GPU) on a machine without one, whatever the input.
    EXPECT_EQ(run.outcome.exit_code, 2) << run.err;
    EXPECT_EQ(run.err.find("GPU"), std::string::npos) << run.err;
    // Before: `--m 0` named its range with the 309 digits of DBL_MAX.
    EXPECT_LT(run.err.size(), 300u) << run.err;
  }
  EXPECT_NE(run_measured(cases[2]).err.find("[1, 2147483647]"), std::string::npos);
}

TEST(CliHostileInput, ANanThresholdIsRefusedInOneLineWithoutSourcePaths) {
  const std::string run = std::string(GEMMTUNE_TEST_FIXTURES) + "/run_small";
  for (const char* value : {"nan", "inf", "-1"}) {
    const Measured compare = run_measured({"compare", run, run, "--threshold", value});
    EXPECT_EQ(compare.outcome.exit_code, 2) << compare.err;
    EXPECT_EQ(compare.err.find(".cpp:"), std::string::npos) << compare.err;
    EXPECT_EQ(compare.err.find(".hpp:"), std::string::npos) << compare.err;
    EXPECT_NE(compare.err.find("--threshold"), std::string::npos) << compare.err;
  }
}

TEST(CliHostileInput, ANegativeMaskedMaxMIsNamedAsItself) {
  const test::TempDir dir;
  const std::string file = dir.write(
      "masked.json", R"({"name": "masked", "problems": [{"op": "grouped_masked", "n": 4096,
        "k": 7168, "max_m": -4, "groups": [[1, 2]]}]})");
  const Measured plan = run_measured({"plan", "--shapes", file});
  EXPECT_EQ(plan.outcome.exit_code, 2) << plan.err;
  // Before: "M -8 must be >= 1", a number the file does not hold.
  EXPECT_NE(plan.err.find(file + ": /problems/0/max_m: max_m -4 must be >= 1"), std::string::npos)
      << plan.err;
}

// Every parse error is one line with the tool's prefix, exit 2; a word that names no command is
// named back with the commands there are.
TEST(CliHostileInput, ParseErrorsAreOneLineAndNameAnUnknownCommand) {
  const test::RunResult unknown = test::run_gemmtune("nosuchcmd");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("gemmtune: error: unknown command 'nosuchcmd' (commands: ", 0), 0u)
      << unknown.err;
  EXPECT_NE(unknown.err.find("sweep"), std::string::npos) << unknown.err;
  EXPECT_EQ(unknown.err.find("__worker"), std::string::npos) << unknown.err;
  for (const char* args : {"plan --no-such-flag", "plan --shapes", "--log-level loud plan"}) {
    const test::RunResult r = test::run_gemmtune(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.err.rfind("gemmtune: error: ", 0), 0u) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
}

// The root's --log-level is accepted after the command as well as before it.
TEST(CliHostileInput, LogLevelAfterTheCommand) {
  const test::RunResult before = test::run_gemmtune("--log-level off plan --shapes configs/dsv3-quick.json");
  const test::RunResult after = test::run_gemmtune("plan --shapes configs/dsv3-quick.json --log-level off");
  EXPECT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
  EXPECT_EQ(after.err, "");
}

// A kernel NVRTC refuses is a compiler error, exit 4 (as `sweep` without a GPU reports it).
TEST(CliHostileInput, CompileExits4WhereNvrtcFails) {
  ::setenv("GEMMTUNE_KERNEL_DEFINES", "-no-such-nvrtc-option", 1);
  const test::RunResult run = test::run_gemmtune("compile --config bm64_bn32_s12_mc0_sm132_rN8_sk2");
  ::unsetenv("GEMMTUNE_KERNEL_DEFINES");
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_NE(run.out.find("1 kernels, 1 failed"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace gemmtune
