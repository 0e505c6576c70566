// Overlapped launches (programmatic dependent launch, kernels/README.md "Overlapped launches"): a
// family kernel launched to overlap the kernel before it must still wait for that kernel before it
// touches global memory, and a chain of overlapped calls must compute what plain ones do.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/kernel_config.hpp"
#include "core/validation_metrics.hpp"
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/gemm_launcher.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {
namespace {

using sm90_fp8_gemm_1d2d::LaunchOrder;

/// Half the H200's SMs: the long first kernel leaves the other half free, so an overlapped
/// second kernel can run on them while the first still does.
constexpr const char* kHalfGridConfig = "bm128_bn128_s4_mc0_sm66_rN8_sk1";

/// GEMMTUNE_KERNEL_DEFINES for one scope (the build reads it per kernel; it is in the cache key).
class KernelDefines {
 public:
  explicit KernelDefines(const char* defines) { ::setenv("GEMMTUNE_KERNEL_DEFINES", defines, 1); }
  ~KernelDefines() { ::unsetenv("GEMMTUNE_KERNEL_DEFINES"); }
  KernelDefines(const KernelDefines&) = delete;
  KernelDefines& operator=(const KernelDefines&) = delete;
};

/// A long GEMM (K 16384, ~66 SMs for milliseconds) writes D, then a short GEMM of other inputs
/// (K 512), launched to overlap it, writes the same D. The second's result must be what D holds:
/// its writes wait for the first kernel's. Returns the comparison of D with the second's reference.
ValidationMetrics second_gemm_over_first(const jit::CompileResult& compiled) {
  std::string error;
  const KernelConfig config = *parse_kernel_config(kHalfGridConfig, &error);
  CudaStream stream;
  constexpr int kM = 4096, kN = 7168;
  const GemmInputs first = generate_inputs(kM, kN, 16384, InputOptions{.seed = 11}, stream.get());
  testing::Problem second = testing::make_problem(kM, kN, 512, 12, stream.get());
  const GemmKernel kernel(config, compiled.cubin, compiled.kernel_name);
  const PreparedGemm long_gemm(kernel, first.operands(), second.d.get());
  const PreparedGemm short_gemm(kernel, second.inputs.operands(), second.d.get());
  poison_output(second.d.get(), second.d.size_bytes(), stream.get());
  long_gemm.launch(stream.get());
  short_gemm.launch(stream.get(), LaunchOrder::kOverlapPrevious);
  EXPECT_EQ(cudaStreamSynchronize(stream.get()), cudaSuccess);
  return compare_output(second.d.as<uint16_t>(), second.reference.as<float>(), kM, kN, stream.get());
}

/// kHalfGridConfig built with `defines` as GEMMTUNE_KERNEL_DEFINES ("" the kernel as shipped).
jit::CompileResult build_half_grid(const char* defines) {
  const KernelDefines scope(defines);
  std::string error;
  return jit::build_kernel(*parse_kernel_config(kHalfGridConfig, &error));
}

TEST(Pdl, AnOverlappedLaunchWaitsForTheKernelBeforeIt) {
  GT_SKIP_WITHOUT_GPU();
  // The kernel as shipped signals its dependents after the producer's last load; the hook
  // signals at the start, so the second GEMM overlaps for milliseconds.
  for (const char* defines : {"", "GEMMTUNE_PDL_EARLY_TRIGGER=1"}) {
    const jit::CompileResult compiled = build_half_grid(defines);
    ASSERT_TRUE(compiled.ok) << defines << ": " << compiled.log;
    const ValidationMetrics metrics = second_gemm_over_first(compiled);
    const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
    EXPECT_TRUE(verdict.passed) << "[" << defines << "] " << verdict.reason;
  }
}

TEST(Pdl, WithoutTheWaitTheOverlappedLaunchIsOverwritten) {
  GT_SKIP_WITHOUT_GPU();
  // The kernel with its griddepcontrol.wait compiled out and its signal at the start: the short
  // GEMM runs on the free SMs while the long one still computes, and the long one's later writes
  // replace its D. This shows the overlap really happens, and that the test above can fail.
  // NOTE: with the shipped late signal the short GEMM starts as the long one's last tiles finish,
  // and its writes of those tiles come long after theirs, so D would survive without the wait.
  const jit::CompileResult compiled =
      build_half_grid("GEMMTUNE_PDL_EARLY_TRIGGER=1 GEMMTUNE_PDL_NO_WAIT=1");
  ASSERT_TRUE(compiled.ok) << compiled.log;
  const ValidationMetrics metrics = second_gemm_over_first(compiled);
  EXPECT_FALSE(judge_validation(metrics, kDequantizedReferenceThresholds).passed)
      << "the second GEMM's D survived without the wait: did its launch overlap at all?";
}

TEST(Pdl, ChainsOfOverlappedCallsValidateAndAreTimedBothWays) {
  GT_SKIP_WITHOUT_GPU();
  for (const char* text : {"bm64_bn64_s7_mc0_sm132_rN8_sk1_k2048", "bm128_bn128_s4_mcA_sm132_rN8_sk1",
                           "bm64_bn64_s8_mc0_sm132_rN8_sk2"}) {
    std::string error;
    const KernelConfig config = *parse_kernel_config(text, &error);
    const jit::CompileResult compiled = jit::build_kernel(config);
    ASSERT_TRUE(compiled.ok) << text << ": " << compiled.log;
    TimingOptions timing;
    timing.sample_count = 5;
    timing.warmup_count = 1;
    ProblemBench bench(Problem{.label = "", .m = 256, .n = 7168, .k = 2048},
                       BenchOptions{.timing = timing, .seed = 21});
    const ChainTiming chain = bench.time_chain(config, compiled, 4);
    EXPECT_EQ(chain.validation.disposition, Disposition::kPassed) << text << ": " << chain.validation.reason;
    ASSERT_TRUE(chain.after_previous && chain.overlap_previous) << text;
    EXPECT_EQ(chain.after_previous->samples_us.size(), 5U) << text;
    EXPECT_EQ(chain.overlap_previous->samples_us.size(), 5U) << text;
    ASSERT_TRUE(chain.overlapped_vs_reference) << text;
    EXPECT_EQ(chain.overlapped_vs_reference->poison_count, 0) << text;
  }
}

}  // namespace
}  // namespace gemmtune
