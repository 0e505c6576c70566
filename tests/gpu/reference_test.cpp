// The FP32 reference kernels against float64 CPU references, and the device comparison against
// the host one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/number_formats.hpp"
#include "core/reference_cpu.hpp"
#include "core/validation_metrics.hpp"
#include "gpu_test_support.hpp"
#include "kernels/support_params.h"
#include "runtime/support_compare.hpp"

namespace gemmtune {
namespace {

using testing::compare_floats;
using testing::make_problem;

class ReferenceVsCpu : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(ReferenceVsCpu, DequantizedMatchesFloat64) {
  GT_SKIP_WITHOUT_GPU();
  const auto [m, n, k] = GetParam();
  const CudaStream stream;
  const testing::Problem p = make_problem(m, n, k, 42, stream.get());
  const std::vector<double> expected = reference_gemm_f64(p.inputs.download());
  const testing::FloatComparison c = compare_floats(p.reference.download<float>(), expected);
  EXPECT_LT(c.diff, 1e-9);
  EXPECT_LT(c.max_rel_err, 1e-4);
}

TEST_P(ReferenceVsCpu, UnquantizedMatchesFloat64) {
  GT_SKIP_WITHOUT_GPU();
  const auto [m, n, k] = GetParam();
  const CudaStream stream;
  const GemmInputs in = generate_inputs(m, n, k, InputOptions{.seed = 5, .keep_unquantized = true}, stream.get());
  DeviceBuffer d(static_cast<size_t>(m) * n * sizeof(float));
  run_reference_unquantized(in, d.as<float>(), stream.get());
  stream.synchronize();
  const auto xa = in.xa.download<float>();
  const auto xb = in.xb.download<float>();
  std::vector<double> expected(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int c = 0; c < k; ++c) acc += static_cast<double>(xa[i * k + c]) * xb[j * k + c];
      expected[static_cast<size_t>(i) * n + j] = acc;
    }
  }
  const testing::FloatComparison c = compare_floats(d.download<float>(), expected);
  EXPECT_LT(c.diff, 1e-9);
  EXPECT_LT(c.max_rel_err, 1e-4);
}

// Ragged shapes: M not a multiple of 4 or 128, N a multiple of 8 only, K a multiple of 16 only.
INSTANTIATE_TEST_SUITE_P(Shapes, ReferenceVsCpu,
                         ::testing::Values(std::make_tuple(100, 200, 400), std::make_tuple(1, 8, 16),
                                           std::make_tuple(129, 136, 144), std::make_tuple(4, 256, 1024)));

TEST(Reference, QuantizationErrorIsWithinDeepGemmsBar) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 256, n = 512, k = 1024;
  const CudaStream stream;
  const testing::Problem p = make_problem(m, n, k, 9, stream.get(), /*keep_unquantized=*/true);
  DeviceBuffer unquantized(static_cast<size_t>(m) * n * sizeof(float));
  run_reference_unquantized(p.inputs, unquantized.as<float>(), stream.get());
  round_to_bf16(p.reference.as<float>(), p.d.as<uint16_t>(), int64_t{m} * n, stream.get());
  const ValidationMetrics metrics = compare_output(p.d.as<uint16_t>(), unquantized.as<float>(), m, n, stream.get());
  EXPECT_GT(metrics.diff, 1e-6) << "quantization must cost something";
  const ValidationVerdict verdict = judge_validation(metrics, kUnquantizedReferenceThresholds);
  EXPECT_TRUE(verdict.passed) << verdict.reason;
}

TEST(Compare, DeviceMatchesHostIncludingPoison) {
  GT_SKIP_WITHOUT_GPU();
  const int m = 130, n = 264;
  const CudaStream stream;
  const testing::Problem p = make_problem(m, n, 512, 21, stream.get());
  round_to_bf16(p.reference.as<float>(), p.d.as<uint16_t>(), int64_t{m} * n, stream.get());
  for (const int64_t index : {int64_t{0}, int64_t{1000}, int64_t{m} * n - 1}) {
    poison_output(p.d.as<uint16_t>() + index, sizeof(uint16_t), stream.get());
  }
  const ValidationMetrics device = compare_output(p.d.as<uint16_t>(), p.reference.as<float>(), m, n, stream.get());
  const auto ref = p.reference.download<float>();
  const std::vector<double> ref_f64(ref.begin(), ref.end());
  std::vector<uint16_t> d = p.d.download<uint16_t>();
  d.resize(static_cast<size_t>(m) * n);
  const ValidationMetrics host = compute_validation_metrics(d, ref_f64, n);
  EXPECT_EQ(device.nonfinite_count, 3);
  EXPECT_EQ(device.poison_count, 3);
  EXPECT_EQ(device.nonfinite_count, host.nonfinite_count);
  EXPECT_EQ(device.poison_count, host.poison_count);
  EXPECT_NEAR(device.diff, host.diff, 1e-12);
  EXPECT_NEAR(device.ref_rms, host.ref_rms, 1e-9 * host.ref_rms);
  EXPECT_NEAR(device.max_rel_err, host.max_rel_err, 1e-5 * host.max_rel_err);
  // Near-ties may order differently in fp32 and fp64: check the reported element, not the index.
  ASSERT_GE(device.worst_row, 0);
  const size_t worst = static_cast<size_t>(device.worst_row) * n + static_cast<size_t>(device.worst_col);
  const double worst_rel = std::abs(bf16_to_float(d[worst]) - ref_f64[worst]) /
                           std::max(std::abs(ref_f64[worst]), kRelErrFloorOfRms * host.ref_rms);
  EXPECT_NEAR(worst_rel, device.max_rel_err, 1e-5 * device.max_rel_err);
  EXPECT_LE(device.max_rel_err, std::ldexp(1.0, -8));  // bf16 rounding only
  EXPECT_FALSE(judge_validation(device, kDequantizedReferenceThresholds).passed);
}

}  // namespace
}  // namespace gemmtune
