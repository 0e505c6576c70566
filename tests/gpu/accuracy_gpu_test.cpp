// The GPU paths of `gemmtune accuracy` (runtime/accuracy_gpu.hpp) against the host reference
// path on the same quantized bytes: gemmtune's kernel and cuBLASLt within the dense validation
// bar (core/validation_metrics.hpp, not loosened), the FP64 and BF16 GEMMs against the host, and
// the whole study loop on the GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <tuple>

#include "core/accuracy/accuracy_inputs.hpp"
#include "core/accuracy/accuracy_recipes.hpp"
#include "core/accuracy/accuracy_study.hpp"
#include "core/quantize_recipes.hpp"
#include "core/validation_metrics.hpp"
#include "core/number_formats.hpp"
#include "gpu_test_support.hpp"
#include "runtime/accuracy_gpu.hpp"
#include "runtime/environment.hpp"

namespace gemmtune {
namespace {

AccuracyGpu make_device() { return AccuracyGpu(default_accuracy_config(query_device(0).sm_count)); }

/// Dense validation of a path's output against the float64 product of the same quantized operands.
ValidationVerdict judge_against_reference(const std::vector<double>& out, const QuantizedMatrix& a,
                                          const QuantizedMatrix& b, ValidationMetrics* metrics) {
  const std::vector<double> reference = gemm_nt_f64(dequantize(a), dequantize(b), a.rows, b.rows, a.cols);
  std::vector<uint16_t> bits(out.size());
  for (size_t i = 0; i < out.size(); ++i) bits[i] = float_to_bf16(static_cast<float>(out[i]));
  *metrics = compute_validation_metrics(bits, reference, b.rows);
  return judge_validation(*metrics, kDequantizedReferenceThresholds);
}

using Shape = std::tuple<int64_t, int64_t, int64_t>;
class AccuracyGpuPaths : public ::testing::TestWithParam<Shape> {};

TEST_P(AccuracyGpuPaths, KernelAndCublasLtEqualTheReferencePathWithinTheDenseBar) {
  GT_SKIP_WITHOUT_GPU();
  const auto [m, n, k] = GetParam();
  AccuracyGpu device = make_device();
  for (const AccuracyInput input : {AccuracyInput::kGaussian, AccuracyInput::kOutlierChannels,
                                    AccuracyInput::kMassiveActivations}) {
    const AccuracyOperands ops = generate_accuracy_operands(input, m, n, k, 1);
    for (const AccuracyRecipe recipe : {AccuracyRecipe::kFp8Block128, AccuracyRecipe::kFp8Block128Ue8m0,
                                        AccuracyRecipe::kFp8Tensor}) {
      const Fp8Quantization q = *fp8_quantization(recipe, m, n, k);
      const QuantizedMatrix qa = quantize_e4m3(ops.a, m, k, q.a, q.format);
      const QuantizedMatrix qb = quantize_e4m3(ops.b, n, k, q.b, q.format);
      for (const AccuracyPath path : {AccuracyPath::kGemmtune, AccuracyPath::kCublasLt}) {
        std::string why;
        const auto out = device.gemm_fp8(path, qa, qb, &why);
        ASSERT_TRUE(out.has_value()) << to_string(path) << " " << to_string(recipe) << ": " << why;
        ValidationMetrics metrics;
        const ValidationVerdict verdict = judge_against_reference(*out, qa, qb, &metrics);
        EXPECT_TRUE(verdict.passed) << to_string(path) << " " << to_string(recipe) << " " << to_string(input) << " "
                                    << m << "x" << n << "x" << k << ": " << verdict.reason;
      }
    }
  }
}

// Ragged M (not a multiple of 4), N a multiple of 8 only, K a multiple of 16 only, and a long K.
INSTANTIATE_TEST_SUITE_P(Shapes, AccuracyGpuPaths,
                         ::testing::Values(Shape{64, 256, 1024}, Shape{129, 136, 640}, Shape{3, 264, 144},
                                           Shape{256, 512, 7168}));

TEST(AccuracyGpu, OuterVectorScalingEqualsTheReferencePathOrSaysWhyNot) {
  GT_SKIP_WITHOUT_GPU();
  AccuracyGpu device = make_device();
  const int64_t m = 100, n = 256, k = 1024;
  const AccuracyOperands ops = generate_accuracy_operands(AccuracyInput::kOutlierChannels, m, n, k, 2);
  const QuantizedMatrix qa = quantize_e4m3(ops.a, m, k, {1, k}, ScaleFormat::kFp32);
  const QuantizedMatrix qb = quantize_e4m3(ops.b, n, k, {1, k}, ScaleFormat::kFp32);
  std::string why;
  const auto out = device.gemm_fp8(AccuracyPath::kCublasLt, qa, qb, &why);
  if (!out) GTEST_SKIP() << "cuBLASLt refuses outer-vector E4M3 scaling here (accuracy falls back to reference_gpu): " << why;
  ValidationMetrics metrics;
  const ValidationVerdict verdict = judge_against_reference(*out, qa, qb, &metrics);
  EXPECT_TRUE(verdict.passed) << verdict.reason;
}

TEST(AccuracyGpu, Fp64AndBf16GemmsMatchTheHost) {
  GT_SKIP_WITHOUT_GPU();
  AccuracyGpu device = make_device();
  const int64_t m = 77, n = 136, k = 528;
  const AccuracyOperands ops = generate_accuracy_operands(AccuracyInput::kStudentT, m, n, k, 4);
  const std::vector<double> a(ops.a.begin(), ops.a.end()), b(ops.b.begin(), ops.b.end());
  const std::vector<double> host = gemm_nt_f64(a, b, m, n, k);
  const std::vector<double> gpu = device.product_f64(a, b, m, n, k);
  ASSERT_EQ(gpu.size(), host.size());
  for (size_t i = 0; i < host.size(); ++i) ASSERT_NEAR(gpu[i], host[i], 1e-12 * (1 + std::abs(host[i]))) << i;

  std::string why;
  const auto bf16 = device.gemm_bf16(to_bf16_bits(ops.a), to_bf16_bits(ops.b), m, n, k, &why);
  ASSERT_TRUE(bf16.has_value()) << why;
  const std::vector<double> expected = gemm_nt_f64(round_to_bf16_values(ops.a), round_to_bf16_values(ops.b), m, n, k);
  std::vector<uint16_t> bits(bf16->size());
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = float_to_bf16(static_cast<float>((*bf16)[i]));
  const ValidationVerdict verdict =
      judge_validation(compute_validation_metrics(bits, expected, n), kDequantizedReferenceThresholds);
  EXPECT_TRUE(verdict.passed) << verdict.reason;
}

TEST(AccuracyGpu, FastAccumulationErrorOverK) {
  GT_SKIP_WITHOUT_GPU();
  // Informative and one sanity rule: cuBLASLt without FAST_ACCUM passes the dense bar at every K;
  // the FAST_ACCUM error against the exact accumulation is printed for the emulation's record.
  AccuracyGpu device = make_device();
  for (const int64_t k : {512, 4096, 16384}) {
    const AccuracyOperands ops = generate_accuracy_operands(AccuracyInput::kGaussian, 128, 128, k, 1);
    const QuantizedMatrix qa = quantize_e4m3(ops.a, 128, k, {128, k}, ScaleFormat::kFp32);
    const QuantizedMatrix qb = quantize_e4m3(ops.b, 128, k, {128, k}, ScaleFormat::kFp32);
    std::string why;
    const auto promoted = device.gemm_fp8(AccuracyPath::kCublasLt, qa, qb, &why);
    ASSERT_TRUE(promoted.has_value()) << why;
    ValidationMetrics metrics;
    EXPECT_TRUE(judge_against_reference(*promoted, qa, qb, &metrics).passed) << "K " << k;
    const auto fast = device.gemm_fp8(AccuracyPath::kCublasLtFastAccum, qa, qb, &why);
    ASSERT_TRUE(fast.has_value()) << why;
    ValidationMetrics fast_metrics;
    (void)judge_against_reference(*fast, qa, qb, &fast_metrics);
    std::printf("K %6lld: cuBLASLt per-tensor diff %.3e max_rel %.3e | FAST_ACCUM diff %.3e max_rel %.3e\n",
                static_cast<long long>(k), metrics.diff, metrics.max_rel_err, fast_metrics.diff, fast_metrics.max_rel_err);
    EXPECT_EQ(fast_metrics.nonfinite_count, 0);
  }
}

TEST(AccuracyGpu, StudyLoopRunsEveryRecipeOnTheGpu) {
  GT_SKIP_WITHOUT_GPU();
  AccuracyGpu device = make_device();
  const std::vector<Problem> problems = {Problem{.label = "t", .m = 96, .n = 256, .k = 1024}};
  const AccuracyOptions options{.recipes = all_accuracy_recipes(), .inputs = {AccuracyInput::kGaussian},
                                .seeds = 2, .accumulation_k = {512, 2048}, .accumulation_mn = 64};
  const AccuracyResults r = run_accuracy(problems, options, &device, "");
  EXPECT_TRUE(r.gpu);
  EXPECT_FALSE(r.validation_failed());
  int gemmtune_measured = 0;
  for (const AccuracyEntry& e : r.entries) {
    if (e.path == AccuracyPath::kGemmtune) {
      EXPECT_TRUE(e.measured) << to_string(e.recipe) << ": " << e.note;
      EXPECT_EQ(e.vs_reference_verdict, "passed") << to_string(e.recipe);
      gemmtune_measured += e.measured ? 1 : 0;
    }
    if (e.measured) {
      EXPECT_EQ(e.per_seed.size(), 2u);
    }
  }
  EXPECT_EQ(gemmtune_measured, 2 + 2);  // block128, block128_ue8m0, and the study's two K
}

}  // namespace
}  // namespace gemmtune
