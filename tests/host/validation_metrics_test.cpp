// Validation metrics and rules (host version; the device version is checked against it in
// tests/gpu), and the narrow-format decoders they rest on.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/number_formats.hpp"
#include "core/validation_metrics.hpp"
#include "kernels/support_params.h"

namespace gemmtune {
namespace {

TEST(NumberFormats, E4m3DecodesTheOcpTable) {
  EXPECT_EQ(e4m3_to_float(0x00), 0.0f);
  EXPECT_EQ(e4m3_to_float(0x38), 1.0f);          // exponent 7 = bias
  EXPECT_EQ(e4m3_to_float(0xB8), -1.0f);
  EXPECT_EQ(e4m3_to_float(0x7E), 448.0f);        // largest finite
  EXPECT_TRUE(std::isnan(e4m3_to_float(0x7F)));  // S.1111.111
  EXPECT_EQ(e4m3_to_float(0x08), std::ldexp(1.0f, -6));  // smallest normal
  EXPECT_EQ(e4m3_to_float(0x01), std::ldexp(1.0f, -9));  // smallest subnormal
  EXPECT_EQ(e4m3_to_float(0x77), 240.0f);        // 1.875 * 2^7
}

TEST(NumberFormats, Bf16RoundsToNearestEven) {
  EXPECT_EQ(bf16_to_float(0x3F80), 1.0f);
  EXPECT_EQ(float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);      // tie, even stays
  EXPECT_EQ(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -9)), 0x3F81);  // above the tie
  EXPECT_TRUE(std::isnan(bf16_to_float(kGemmtunePoisonBf16)));
}

/// A reference with values of mixed sign and magnitude, and its correctly rounded bf16 output.
struct Pair {
  std::vector<double> y;
  std::vector<uint16_t> x;
};

Pair rounded_pair(int64_t m, int64_t n) {
  Pair p;
  for (int64_t i = 0; i < m * n; ++i) {
    const double v = std::sin(0.37 * static_cast<double>(i)) * std::exp(static_cast<double>(i % 7) - 3.0);
    p.y.push_back(v);
    p.x.push_back(float_to_bf16(static_cast<float>(v)));
  }
  return p;
}

TEST(ValidationMetrics, CorrectlyRoundedOutputPasses) {
  const Pair p = rounded_pair(64, 96);
  const ValidationMetrics m = compute_validation_metrics(p.x, p.y, 96);
  EXPECT_EQ(m.count, 64 * 96);
  EXPECT_EQ(m.nonfinite_count, 0);
  EXPECT_LT(m.diff, 1e-5);
  EXPECT_GT(m.diff, 0.0);
  EXPECT_LE(m.max_rel_err, std::ldexp(1.0, -8));  // half an ulp of bf16
  EXPECT_TRUE(judge_validation(m, kDequantizedReferenceThresholds).passed);
}

TEST(ValidationMetrics, IdenticalIsZero) {
  const std::vector<double> y = {1.0, -2.0, 0.5};
  const std::vector<uint16_t> x = {float_to_bf16(1.0f), float_to_bf16(-2.0f), float_to_bf16(0.5f)};
  const ValidationMetrics m = compute_validation_metrics(x, y, 3);
  EXPECT_EQ(m.diff, 0.0);
  EXPECT_EQ(m.max_rel_err, 0.0);
  EXPECT_DOUBLE_EQ(deepgemm_diff(0.0, 0.0, 0.0), 0.0);
}

TEST(ValidationMetrics, PoisonedElementsFail) {
  Pair p = rounded_pair(8, 16);
  p.x[5] = kGemmtunePoisonBf16;
  p.x[77] = kGemmtunePoisonBf16;
  const ValidationMetrics m = compute_validation_metrics(p.x, p.y, 16);
  EXPECT_EQ(m.nonfinite_count, 2);
  EXPECT_EQ(m.poison_count, 2);
  const ValidationVerdict v = judge_validation(m, kDequantizedReferenceThresholds);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.reason.find("2 non-finite outputs (2 never written)"), std::string::npos) << v.reason;
}

TEST(ValidationMetrics, OneWrongElementInALargeOutputFailsOnRelativeError) {
  Pair p = rounded_pair(256, 256);
  const int64_t row = 200, col = 17;
  p.x[row * 256 + col] = float_to_bf16(static_cast<float>(-p.y[row * 256 + col]));  // sign flipped
  const ValidationMetrics m = compute_validation_metrics(p.x, p.y, 256);
  EXPECT_LT(m.diff, kDequantizedReferenceThresholds.max_diff);  // the global metric cannot see it
  EXPECT_EQ(m.worst_row, row);
  EXPECT_EQ(m.worst_col, col);
  EXPECT_FALSE(judge_validation(m, kDequantizedReferenceThresholds).passed);
}

TEST(ValidationMetrics, FloorKeepsNearZeroReferenceValuesFromFailing) {
  Pair p = rounded_pair(16, 16);
  p.y[3] = 1e-9;                    // cancellation: a tiny reference value
  p.x[3] = float_to_bf16(1e-4f);    // off by far more than its magnitude, tiny against the RMS
  const ValidationMetrics m = compute_validation_metrics(p.x, p.y, 16);
  EXPECT_TRUE(judge_validation(m, kDequantizedReferenceThresholds).passed) << m.max_rel_err;
}

TEST(ValidationMetrics, NonFiniteReferenceIsReportedAsSuch) {
  Pair p = rounded_pair(4, 4);
  p.y[0] = std::nan("");
  const ValidationMetrics m = compute_validation_metrics(p.x, p.y, 4);
  EXPECT_EQ(m.ref_nonfinite_count, 1);
  const ValidationVerdict v = judge_validation(m, kDequantizedReferenceThresholds);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.reason.find("reference"), std::string::npos);
}

TEST(ValidationMetrics, DiffThresholdApplies) {
  Pair p = rounded_pair(32, 32);
  for (size_t i = 0; i < p.x.size(); ++i) p.x[i] = float_to_bf16(static_cast<float>(p.y[i] * 1.01));
  const ValidationMetrics m = compute_validation_metrics(p.x, p.y, 32);
  EXPECT_NEAR(m.diff, 0.5 * 0.01 * 0.01, 2e-5);  // ~ (relative error)^2 / 2
  EXPECT_FALSE(judge_validation(m, kDequantizedReferenceThresholds).passed);
  EXPECT_TRUE(judge_validation(m, kUnquantizedReferenceThresholds).passed);
}

}  // namespace
}  // namespace gemmtune
