// Device input generation: reproducible from the seed, quantized as specified, in our layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/number_formats.hpp"
#include "gpu_test_support.hpp"

namespace gemmtune {
namespace {

TEST(Inputs, ReproducibleFromSeed) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const GemmInputs first = generate_inputs(99, 200, 272, InputOptions{.seed = 7}, stream.get());
  const GemmInputs again = generate_inputs(99, 200, 272, InputOptions{.seed = 7}, stream.get());
  const GemmInputs other = generate_inputs(99, 200, 272, InputOptions{.seed = 8}, stream.get());
  EXPECT_EQ(first.a.download<uint8_t>(), again.a.download<uint8_t>());
  EXPECT_EQ(first.b.download<uint8_t>(), again.b.download<uint8_t>());
  EXPECT_EQ(first.sa.download<float>(), again.sa.download<float>());
  EXPECT_EQ(first.sb.download<float>(), again.sb.download<float>());
  EXPECT_NE(first.a.download<uint8_t>(), other.a.download<uint8_t>());
  EXPECT_NE(first.sb.download<float>(), other.sb.download<float>());
}

/// Checks one scale block: scale = amax / 448 and every dequantized value within e4m3 rounding.
void expect_block_quantized(const std::vector<float>& x, const std::vector<uint8_t>& q, int64_t k,
                            int64_t row_begin, int64_t row_end, int64_t kb, float scale) {
  float amax = 0.0f;
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t c = kb * 128; c < std::min(k, kb * 128 + 128); ++c) amax = std::max(amax, std::abs(x[r * k + c]));
  }
  ASSERT_FLOAT_EQ(scale, amax / 448.0f) << "rows " << row_begin << ".., kb " << kb;
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t c = kb * 128; c < std::min(k, kb * 128 + 128); ++c) {
      const float value = x[r * k + c];
      const float dequantized = e4m3_to_float(q[r * k + c]) * scale;
      // NOTE: e4m3 keeps 3 mantissa bits (half-ulp relative error 2^-4); below 2^-6 it is
      // subnormal with absolute spacing 2^-9 (in units of the scale).
      const float tolerance = std::max(std::abs(value) * 0.0625f, scale * std::ldexp(1.0f, -10)) * 1.0001f;
      ASSERT_LE(std::abs(dequantized - value), tolerance) << "row " << r << " col " << c;
    }
  }
}

TEST(Inputs, QuantizedPerBlockInOurLayouts) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const int m = 99, n = 200, k = 272;  // M padded to 100; 3 K blocks, sB padded to 4 columns
  const GemmInputs in = generate_inputs(m, n, k, InputOptions{.seed = 3, .keep_unquantized = true}, stream.get());
  ASSERT_EQ(in.m_pad4, 100);
  ASSERT_EQ(in.sb_ld, 4);
  const auto xa = in.xa.download<float>();
  const auto xb = in.xb.download<float>();
  const auto a = in.a.download<uint8_t>();
  const auto b = in.b.download<uint8_t>();
  const auto sa = in.sa.download<float>();
  const auto sb = in.sb.download<float>();
  for (int kb = 0; kb < 3; ++kb) {
    for (int row = 0; row < m; ++row) expect_block_quantized(xa, a, k, row, row + 1, kb, sa[kb * in.m_pad4 + row]);
    for (int nb = 0; nb < 2; ++nb) {
      expect_block_quantized(xb, b, k, nb * 128, std::min(n, nb * 128 + 128), kb, sb[nb * in.sb_ld + kb]);
    }
  }
  for (int c = 0; c < k; ++c) EXPECT_EQ(a[static_cast<size_t>(m) * k + c], 0) << "padding row of A";
  EXPECT_EQ(sb[0 * in.sb_ld + 3], 0.0f) << "padding column of sB";
  EXPECT_EQ(sb[1 * in.sb_ld + 3], 0.0f) << "padding column of sB";
}

TEST(Inputs, ScalesSpanOrdersOfMagnitudeAcrossBlocks) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const GemmInputs in = generate_inputs(64, 512, 1024, InputOptions{.seed = 11}, stream.get());
  const auto sb = in.sb.download<float>();
  const auto [lo, hi] = std::minmax_element(sb.begin(), sb.end());
  EXPECT_GT(*hi / *lo, 100.0f) << "block factors exp(U(-4,4)) should separate scale blocks";
  const auto sa = in.sa.download<float>();
  const auto [sa_lo, sa_hi] = std::minmax_element(sa.begin(), sa.end());
  EXPECT_GT(*sa_hi / *sa_lo, 100.0f);
}

/// Excess kurtosis of x[i] / (its block factor): ~-1.2 for a uniform, ~0 for a normal variable.
/// Each 1x128 row block of A has one factor, so the values are normalized by their block's RMS.
double excess_kurtosis_per_block(const std::vector<float>& x, int64_t rows, int64_t k) {
  double m2 = 0.0, m4 = 0.0;
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t kb = 0; kb < k / 128; ++kb) {
      double sq = 0.0;
      for (int64_t c = kb * 128; c < kb * 128 + 128; ++c) sq += double(x[r * k + c]) * x[r * k + c];
      const double rms = std::sqrt(sq / 128.0);
      for (int64_t c = kb * 128; c < kb * 128 + 128; ++c) {
        const double v = x[r * k + c] / rms;
        m2 += v * v;
        m4 += v * v * v * v;
        ++count;
      }
    }
  }
  m2 /= count;
  m4 /= count;
  return m4 / (m2 * m2) - 3.0;
}

TEST(Inputs, NormalDistributionIsNormalAndQuantizedTheSameWay) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  const int m = 64, n = 128, k = 1024;
  const GemmInputs uniform = generate_inputs(
      m, n, k, InputOptions{.seed = 5, .keep_unquantized = true}, stream.get());
  const GemmInputs normal = generate_inputs(
      m, n, k,
      InputOptions{.seed = 5, .distribution = InputDistribution::kNormal, .keep_unquantized = true},
      stream.get());
  const auto xu = uniform.xa.download<float>();
  const auto xn = normal.xa.download<float>();
  // 64 x 1024 values: the kurtosis estimates' standard errors are ~0.02 (uniform) and ~0.1.
  EXPECT_NEAR(excess_kurtosis_per_block(xu, m, k), -1.2, 0.1);
  EXPECT_NEAR(excess_kurtosis_per_block(xn, m, k), 0.0, 0.3);
  EXPECT_NE(uniform.a.download<uint8_t>(), normal.a.download<uint8_t>());
  const auto a = normal.a.download<uint8_t>();
  const auto sa = normal.sa.download<float>();
  for (int kb = 0; kb < k / 128; ++kb) {
    for (int row = 0; row < m; ++row) {
      expect_block_quantized(xn, a, k, row, row + 1, kb, sa[kb * normal.m_pad4 + row]);
    }
  }
  for (float v : xn) ASSERT_TRUE(std::isfinite(v));
}

TEST(Inputs, RejectsKNotMultipleOf16) {
  GT_SKIP_WITHOUT_GPU();
  const CudaStream stream;
  EXPECT_THROW(static_cast<void>(generate_inputs(4, 8, 40, InputOptions{}, stream.get())), Error);
}

}  // namespace
}  // namespace gemmtune
