// The sm90_fp8_gemm_1d2d family on the GPU: every accepted config must be correct. For each
// (M, N) of the matrix (K rotating through its list) one config runs, taken in turn from
// a list that exercises every knob value: each block_m, aligned and unaligned block_n, minimum
// and maximum stages, multicast none/A/B with odd tile counts, fewer SMs than the device, raster
// M and N, split-K > 1. A config the legality model rejects for a shape is replaced by the next
// one in the list that it accepts (and counted). Each run is validated by ProblemBench: poisoned
// output, dequantized FP32 reference, unquantized reference, cuBLASLt block-scaled output.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/legality.hpp"
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/gemm_bench.hpp"

namespace gemmtune {
namespace {

std::vector<KernelConfig> knob_configs() {
  std::vector<KernelConfig> configs;
  for (const char* text : {
           "bm64_bn16_s8_mc0_sm132_rN8_sk1",     // smallest tile
           "bm64_bn32_s16_mc0_sm132_rN8_sk2",    // the default space's deepest ring, split-K 2
           "bm128_bn112_s6_mcA_sm132_rN8_sk1",   // unaligned block_n, multicast A
           "bm256_bn128_s3_mcB_sm132_rM4_sk1",   // block_m 256 (two slices), multicast B, raster M
           "bm128_bn144_s4_mc0_sm66_rN2_sk1",    // unaligned 144, half the SMs
           "bm64_bn64_s6_mc0_sm132_rN8_sk4",     // split-K 4
           "bm128_bn160_s5_mcA_sm128_rN8_sk2",   // 160 + multicast A + split-K
           "bm128_bn192_s4_mcB_sm132_rN16_sk1",  // largest 2-warpgroup tile, multicast B
           "bm64_bn192_s2_mc0_sm7_rM1_sk1",      // minimum stages, few SMs, raster group 1
           "bm128_bn128_s5_mcB_sm132_rN8_sk1",   // the large-M workhorse
           "bm64_bn136_s4_mcA_sm132_rN8_sk3",    // 136 (scale-block edge), split-K 3
           "bm192_bn128_s4_mcA_sm132_rN8_sk1",   // three math warpgroups, multicast A
       }) {
    std::string error;
    configs.push_back(*parse_kernel_config(text, &error));
  }
  return configs;
}

TEST(KernelFamilyGpu, MatrixOfShapesAndKnobsValidates) {
  GT_SKIP_WITHOUT_GPU();
  const std::vector<KernelConfig> configs = knob_configs();
  std::map<std::string, jit::CompileResult> built;
  for (const KernelConfig& c : configs) built.emplace(to_string(c), jit::build_kernel(c));
  const DeviceLimits limits{};
  std::set<std::string> exercised;
  size_t next = 0, substituted = 0, runs = 0;
  const std::vector<int64_t> ks{128, 640, 7168, 16384};
  for (const int64_t m : {1, 3, 64, 100, 128, 255, 1024, 4097}) {
    for (const int64_t n : {64, 112, 576, 2112, 7168}) {
      const Problem problem{.label = "", .m = m, .n = n, .k = ks[runs % ks.size()]};
      // Round robin from `next`, preferring a legal config that has not run yet (so each one
      // runs at least once however the legality model thins the matrix), else the first legal.
      size_t pick = configs.size();
      for (const bool fresh_only : {true, false}) {
        for (size_t i = 0; i < configs.size() && pick == configs.size(); ++i) {
          const size_t c = (next + i) % configs.size();
          if (fresh_only && exercised.count(to_string(configs[c])) != 0) continue;
          if (check_legality(problem, configs[c], limits).legal) pick = c;
        }
        if (pick != configs.size()) break;
      }
      ASSERT_LT(pick, configs.size()) << "no listed config is legal for " << m << "x" << n;
      substituted += pick != next % configs.size() ? 1 : 0;
      const KernelConfig& config = configs[pick];
      next = pick + 1;
      TimingOptions timing;
      timing.flush_bytes = 1 << 20;
      ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = 1000 + runs});
      const Measurement result = bench.validate(config, built.at(to_string(config)));
      EXPECT_EQ(result.disposition, Disposition::kPassed)
          << to_string(config) << " " << m << "x" << n << "x" << problem.k << ": " << result.reason;
      if (result.vs_reference) {
        EXPECT_EQ(result.vs_reference->nonfinite_count, 0);
        EXPECT_LT(result.vs_reference->diff, 1e-5);
      }
      exercised.insert(to_string(config));
      ++runs;
    }
  }
  std::printf("%zu runs, %zu of %zu configs exercised, %zu legality substitutions\n", runs,
              exercised.size(), configs.size(), substituted);
  EXPECT_EQ(exercised.size(), configs.size()) << "every knob config must run at least once";
}

// Members compiled for one K (`_k`), their K loops unrolled: a whole loop (5 blocks), a pass of
// 8 and a rest (12), a ragged last K block (1040 = 8 x 128 + 16), and long loops, on tiles of one
// and two warpgroups and both multicasts; block_m 128 with 4 stages runs whole rounds of the
// ring where the K blocks allow (stage_aligned_k_loop).
TEST(KernelFamilyGpu, FixedKMembersValidate) {
  GT_SKIP_WITHOUT_GPU();
  const struct {
    const char* config;
    int64_t m, n;
  } cases[] = {
      {"bm64_bn32_s10_mc0_sm132_rN8_sk1", 64, 2112},  {"bm64_bn128_s5_mc0_sm132_rN8_sk1", 100, 7168},
      {"bm128_bn128_s5_mcB_sm132_rN8_sk1", 255, 576}, {"bm256_bn128_s3_mcA_sm132_rN8_sk1", 1024, 2112},
      {"bm256_bn128_s3_mc0_sm132_rN8_sk1", 4097, 7168},
      // K 1536, 7168, 16384 in whole rounds of 4 stages: the stage-aligned K loop, every tile
      // starting at stage 0 across many tiles per CTA (few SMs), with and without multicast
      {"bm128_bn192_s4_mc0_sm16_rN8_sk1", 700, 2112}, {"bm128_bn192_s4_mcB_sm16_rN8_sk1", 520, 576},
      // three math warpgroups: 4096 rows in 21 whole m-blocks and a third of one; 200 in two
      {"bm192_bn128_s4_mcA_sm132_rN8_sk1", 4096, 7168}, {"bm192_bn128_s4_mcB_sm132_rN8_sk1", 200, 576},
  };
  int runs = 0;
  for (const auto& c : cases) {
    for (const int64_t k : {640, 1040, 1536, 7168, 16384}) {
      const std::optional<KernelConfig> twin = k_specialised(*parse_kernel_config(c.config, nullptr), k);
      ASSERT_TRUE(twin.has_value()) << c.config << " K " << k;
      const Problem problem{.label = "", .m = c.m, .n = c.n, .k = k};
      ASSERT_TRUE(check_legality(problem, *twin, DeviceLimits{}).legal) << to_string(*twin);
      TimingOptions timing;
      timing.flush_bytes = 1 << 20;
      ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = static_cast<uint64_t>(2000 + runs++)});
      const Measurement result = bench.validate(*twin, jit::build_kernel(*twin));
      EXPECT_EQ(result.disposition, Disposition::kPassed)
          << to_string(*twin) << " " << c.m << "x" << c.n << "x" << k << ": " << result.reason;
      if (result.vs_reference) {
        EXPECT_EQ(result.vs_reference->nonfinite_count, 0);
        EXPECT_LT(result.vs_reference->diff, 1e-5);
      }
    }
  }
}

// Split-K members compiled for one K: each split's K blocks unrolled (an even split is a legality
// rule), the FP32 partials summed by the last CTA of each tile; K 7168 (28 or 14 K blocks per
// split), 1024 (a split's whole loop of 2 or 4) and a ragged last K block (1040 = 8 x 128 + 16,
// 9 K blocks in 3 splits).
TEST(KernelFamilyGpu, SplitKFixedKMembersValidate) {
  GT_SKIP_WITHOUT_GPU();
  const struct {
    const char* config;
    int64_t m, n, k;
  } cases[] = {
      {"bm64_bn32_s12_mc0_sm132_rN8_sk2", 64, 2112, 7168},
      {"bm64_bn80_s10_mc0_sm132_rN8_sk2", 512, 576, 7168},  // not unrolled: bn80 straddles
      {"bm128_bn32_s10_mc0_sm132_rN8_sk4", 96, 576, 7168},
      {"bm128_bn64_s8_mc0_sm132_rN8_sk2", 512, 2112, 1024},
      {"bm64_bn64_s6_mc0_sm132_rN8_sk4", 33, 7168, 1024},
      {"bm64_bn64_s6_mc0_sm132_rN8_sk3", 200, 1024, 1040},
      // two warpgroups: each split's weight scales from shared memory (two rows at bn192)
      {"bm128_bn192_s4_mc0_sm132_rN8_sk2", 300, 2112, 7168},
      {"bm256_bn128_s3_mcA_sm132_rN8_sk2", 600, 1024, 7168},
  };
  int runs = 0;
  for (const auto& c : cases) {
    KernelConfig member = *parse_kernel_config(c.config, nullptr);
    member.fixed_k = static_cast<int>(c.k);
    const Problem problem{.label = "", .m = c.m, .n = c.n, .k = c.k};
    ASSERT_TRUE(check_legality(problem, member, DeviceLimits{}).legal) << to_string(member);
    TimingOptions timing;
    timing.flush_bytes = 1 << 20;
    ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = static_cast<uint64_t>(3000 + runs++)});
    const Measurement result = bench.validate(member, jit::build_kernel(member));
    EXPECT_EQ(result.disposition, Disposition::kPassed)
        << to_string(member) << " " << c.m << "x" << c.n << "x" << c.k << ": " << result.reason;
    if (result.vs_reference) {
      EXPECT_EQ(result.vs_reference->nonfinite_count, 0);
      EXPECT_LT(result.vs_reference->diff, 1e-5);
    }
  }
}

TEST(KernelFamilyGpu, SplitKIsDeterministic) {
  GT_SKIP_WITHOUT_GPU();
  std::string error;
  const KernelConfig config = *parse_kernel_config("bm64_bn64_s6_mc0_sm132_rN8_sk4", &error);
  const jit::CompileResult built = jit::build_kernel(config);
  const Problem problem{.label = "", .m = 100, .n = 2112, .k = 7168};
  TimingOptions timing;
  timing.flush_bytes = 1 << 20;
  ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = 7});
  const Measurement first = bench.validate(config, built);
  ASSERT_EQ(first.disposition, Disposition::kPassed) << first.reason;
  const std::vector<uint16_t> first_output = bench.output();
  const Measurement second = bench.validate(config, built);  // the output is poisoned again first
  ASSERT_EQ(second.disposition, Disposition::kPassed) << second.reason;
  // Same inputs, partials summed in split order by whichever CTA arrives last: identical bits.
  EXPECT_TRUE(bench.output() == first_output) << "split-K output differs between two runs";
}

// Split-K 2 summed in a cluster (KernelConfig::split_k_in_cluster): every case validates, and two
// runs on the same inputs give the same bits (split 0 adds split 1's partial in split order, from
// zero, as the workspace sum does). Cases: one tile per CTA, four tiles per CTA (the receive
// buffer handed back and forth, its mbarrier phases), ragged M and N, a member compiled for K,
// two math warpgroups.
TEST(KernelFamilyGpu, SplitKInAClusterValidatesAndRepeatsBitForBit) {
  GT_SKIP_WITHOUT_GPU();
  const struct {
    const char* config;
    int64_t m, n, k;
  } cases[] = {
      {"bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168", 64, 2112, 7168},
      {"bm64_bn64_s8_mc0_sm132_rN8_sk2", 500, 2096, 1024},     // 8 x 33 tiles: 4 per CTA
      {"bm128_bn64_s7_mc0_sm132_rN8_sk2", 1000, 2112, 2048},   // 8 x 33, two warpgroups
      {"bm64_bn48_s10_mc0_sm132_rN8_sk2", 3, 576, 7168},
  };
  int runs = 0;
  for (const auto& c : cases) {
    const KernelConfig config = *parse_kernel_config(c.config, nullptr);
    ASSERT_TRUE(config.split_k_in_cluster()) << c.config;
    const Problem problem{.label = "", .m = c.m, .n = c.n, .k = c.k};
    ASSERT_TRUE(check_legality(problem, config, DeviceLimits{}).legal) << c.config;
    const jit::CompileResult compiled = jit::build_kernel(config);
    TimingOptions timing;
    timing.flush_bytes = 1 << 20;
    ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = static_cast<uint64_t>(4000 + runs++)});
    const Measurement first = bench.validate(config, compiled);
    ASSERT_EQ(first.disposition, Disposition::kPassed) << c.config << ": " << first.reason;
    ASSERT_TRUE(first.vs_reference.has_value());
    EXPECT_EQ(first.vs_reference->nonfinite_count, 0);
    EXPECT_LT(first.vs_reference->diff, 1e-5);
    const std::vector<uint16_t> first_output = bench.output();
    const Measurement second = bench.validate(config, compiled);
    ASSERT_EQ(second.disposition, Disposition::kPassed) << c.config << ": " << second.reason;
    EXPECT_TRUE(bench.output() == first_output) << c.config << ": two runs differ";
  }
}

/// The run-off tests' two candidates: the same tile on 16 SMs (several times slower) and on all
/// 132, compiled.
std::vector<RunoffCandidate> slow_and_fast_candidates() {
  std::string error;
  std::vector<RunoffCandidate> candidates;
  for (const char* text : {"bm64_bn64_s6_mc0_sm16_rN8_sk1", "bm64_bn64_s6_mc0_sm132_rN8_sk1"}) {
    const KernelConfig config = *parse_kernel_config(text, &error);
    candidates.push_back({.config = config, .compiled = jit::build_kernel(config)});
  }
  return candidates;
}

/// The run-off tests' problem and bench (10 timed samples per measurement).
ProblemBench runoff_bench() {
  TimingOptions timing;
  timing.sample_count = 10;
  return ProblemBench(Problem{.label = "", .m = 256, .n = 2112, .k = 7168},
                      BenchOptions{.timing = timing, .seed = 11});
}

// The sweep's run-off: candidates validated and timed in one interleaved call; the record names
// the fastest even when it is not the first (the screening's pick). The first config here runs
// on 16 SMs, so it is several times slower than the second on all 132.
TEST(KernelFamilyGpu, SideBySideRunoffNamesTheFastestCandidate) {
  GT_SKIP_WITHOUT_GPU();
  const std::vector<RunoffCandidate> candidates = slow_and_fast_candidates();
  ProblemBench bench = runoff_bench();
  const Measurement m = bench.measure_side_by_side(candidates, std::nullopt);
  ASSERT_EQ(m.disposition, Disposition::kPassed) << m.reason;
  EXPECT_EQ(m.config, "bm64_bn64_s6_mc0_sm132_rN8_sk1");
  ASSERT_EQ(m.runoff.size(), 2u);
  EXPECT_EQ(m.runoff[0].config, "bm64_bn64_s6_mc0_sm16_rN8_sk1");
  EXPECT_GT(m.runoff[0].timing.median_us, 2.0 * m.runoff[1].timing.median_us);
  // The winner's time is a second, fresh interleaved timing beside the baselines.
  EXPECT_LT(m.timing->median_us, m.runoff[0].timing.median_us);
  ASSERT_TRUE(m.vs_reference.has_value());
  EXPECT_LT(m.vs_reference->diff, 1e-5);
  EXPECT_TRUE(m.side_by_side.count(RunKind::kCublasltHeuristic) == 1);
  const nlohmann::json record = to_run_record(m);
  EXPECT_EQ(record.at("runoff").size(), 2u);
}

// The same run-off in the burst regime: each candidate pools rounds x burst_samples samples and
// the slower one still loses.
TEST(KernelFamilyGpu, SideBySideBurstRunoffPoolsEveryRound) {
  GT_SKIP_WITHOUT_GPU();
  const std::vector<RunoffCandidate> candidates = slow_and_fast_candidates();
  ProblemBench bench = runoff_bench();
  const RunoffPlan bursts{.regime = RunoffRegime::kBurst,
                          .burst = {.rounds = 3, .warmup_count = 1, .burst_samples = 4,
                                    .max_idle_ms = 5}};
  const Measurement m = bench.measure_side_by_side(candidates, std::nullopt, bursts);
  ASSERT_EQ(m.disposition, Disposition::kPassed) << m.reason;
  EXPECT_EQ(m.config, "bm64_bn64_s6_mc0_sm132_rN8_sk1");
  ASSERT_EQ(m.runoff.size(), 2u);
  for (const RunoffTiming& r : m.runoff) EXPECT_EQ(r.timing.samples_us.size(), 12u) << r.config;
  ASSERT_TRUE(m.timing.has_value());
  EXPECT_EQ(m.timing->samples_us.size(), 10u);  // the winner's second timing: the options'
}

}  // namespace
}  // namespace gemmtune
