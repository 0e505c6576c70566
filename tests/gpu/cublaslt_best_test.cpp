// The cuBLASLt best search (ProblemBench::measure_cublaslt_best): with the probe cut it screens
// only the probes' fastest few, without it every configuration that launched; either way the
// winner validated on poisoned output. Times are not compared here (a benchmark's job: PERF_LOG).
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>

#include "gpu_test_support.hpp"
#include "runtime/gemm_bench.hpp"

namespace gemmtune {
namespace {

struct SearchCounts {
  int64_t probed = 0;
  int64_t screened = 0;
};

/// The probed and screened counts of a cublaslt_best record's reason.
SearchCounts counts_of(const std::string& reason) {
  const std::regex pattern(R"((\d+) probed \(.*\), (\d+) screened)");
  std::smatch match;
  if (!std::regex_search(reason, match, pattern)) ADD_FAILURE() << "no counts in: " << reason;
  if (match.size() < 3) return {};
  return {.probed = std::stoll(match[1]), .screened = std::stoll(match[2])};
}

TEST(CublasLtBest, TheProbeCutScreensFewerAndBothWinnersValidate) {
  GT_SKIP_WITHOUT_GPU();
  const Problem problem{.label = "", .m = 256, .n = 2112, .k = 7168};
  TimingOptions timing;
  timing.sample_count = 5;
  ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = 11});
  const ProbeCut cut{.margin = 0.05, .min_kept = 4};
  const Measurement with_cut = bench.measure_cublaslt_best(
      {.max_algos = 256, .probe_cut = cut, .screen_warmup = 0, .screen_samples = 2, .retimed = 2});
  const Measurement screen_all = bench.measure_cublaslt_best(
      {.max_algos = 256, .probe_cut = std::nullopt, .screen_warmup = 0, .screen_samples = 2,
       .retimed = 2});
  for (const Measurement* m : {&with_cut, &screen_all}) {
    ASSERT_EQ(m->disposition, Disposition::kPassed) << m->reason;
    ASSERT_TRUE(m->vs_reference.has_value());
    EXPECT_EQ(m->vs_reference->nonfinite_count, 0);
    EXPECT_TRUE(m->algo.has_value());
  }
  const SearchCounts cut_counts = counts_of(with_cut.reason);
  const SearchCounts all_counts = counts_of(screen_all.reason);
  EXPECT_EQ(cut_counts.probed, all_counts.probed) << "the same configurations launch both times";
  EXPECT_EQ(all_counts.screened, all_counts.probed) << screen_all.reason;
  EXPECT_GE(cut_counts.screened, static_cast<int64_t>(cut.min_kept)) << with_cut.reason;
  EXPECT_LT(cut_counts.screened, cut_counts.probed) << with_cut.reason;
}

}  // namespace
}  // namespace gemmtune
