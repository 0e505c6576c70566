// Every quantizer of `gemmtune accuracy` against float64: the E4M3 encoder against an exhaustive
// nearest-value search, block scales of every recipe's shape (ragged edges included) with the
// per-element error bound, UE8M0 scales, BF16, the kernel layouts, the float64 GEMM and metrics.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/accuracy/accuracy_metrics.hpp"
#include "core/error.hpp"
#include "core/number_formats.hpp"
#include "core/quantize_recipes.hpp"
#include "core/reference_cpu.hpp"

namespace gemmtune {
namespace {

/// The E4M3 bits nearest to `x` by searching all finite values (ties to the even bit pattern,
/// beyond 448 saturating): an implementation independent of float_to_e4m3's arithmetic.
uint8_t nearest_e4m3(double x) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0;
  const double magnitude = std::min(std::abs(x), 448.0);
  uint8_t best = 0;
  double best_error = std::numeric_limits<double>::infinity();
  for (int bits = 0; bits <= 0x7E; ++bits) {
    const double error = std::abs(e4m3_to_float(static_cast<uint8_t>(bits)) - magnitude);
    if (error < best_error || (error == best_error && (bits & 1) == 0)) {
      best = static_cast<uint8_t>(bits);
      best_error = error;
    }
  }
  return sign | best;
}

TEST(QuantizeE4m3, EncoderMatchesNearestValueSearch) {
  std::vector<float> values;
  for (int bits = 0; bits <= 0x7E; ++bits) {
    const float v = e4m3_to_float(static_cast<uint8_t>(bits));
    values.push_back(v);
    if (bits < 0x7E) {
      const float next = e4m3_to_float(static_cast<uint8_t>(bits + 1));
      values.push_back((v + next) / 2);                       // a tie: to even
      values.push_back(std::nextafter((v + next) / 2, 0.0f));  // just below it: down
      values.push_back(std::nextafter((v + next) / 2, 1e9f));  // just above it: up
    }
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    values.push_back(std::ldexp(static_cast<float>((rng() >> 40) + 1) / float(1 << 24), static_cast<int>(rng() % 24) - 12));
  }
  values.push_back(450.0f);  // rounds to 448
  values.push_back(470.0f);  // past the 448/480 midpoint: saturates
  values.push_back(1e30f);
  for (const float v : values) {
    for (const float x : {v, -v}) {
      ASSERT_EQ(float_to_e4m3(x), nearest_e4m3(x)) << "x = " << x;
    }
  }
}

TEST(QuantizeE4m3, SpecialValues) {
  EXPECT_EQ(float_to_e4m3(0.0f), 0x00);
  EXPECT_EQ(float_to_e4m3(-0.0f), 0x80);
  EXPECT_EQ(float_to_e4m3(std::numeric_limits<float>::infinity()), 0x7E);
  EXPECT_EQ(float_to_e4m3(-std::numeric_limits<float>::infinity()), 0xFE);
  EXPECT_EQ(float_to_e4m3(std::nanf("")), 0x7F);
  EXPECT_EQ(float_to_e4m3(448.0f), 0x7E);
  EXPECT_EQ(float_to_e4m3(0x1p-10f), 0x00);  // half the smallest subnormal: tie to even (0)
  EXPECT_EQ(float_to_e4m3(0x1.8p-10f), 0x01);
}

/// A ragged matrix whose magnitude changes by 2^(0..11) between 16x16 regions, so that a scale
/// read from the wrong block saturates or underflows and breaks the error bound.
std::vector<float> region_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> x(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const double u = (static_cast<double>(rng() >> 11) * 0x1p-53) * 2 - 1;
      x[static_cast<size_t>(r * cols + c)] = static_cast<float>(std::ldexp(u, static_cast<int>((r / 16 * 7 + c / 16 * 3) % 12)));
    }
  }
  return x;
}

/// Checks scales and every element of `q` against float64 (the "quantizer against float64").
void expect_quantized_within_bound(const std::vector<float>& x, const QuantizedMatrix& q) {
  const int64_t block_rows = (q.rows + q.block.rows - 1) / q.block.rows;
  ASSERT_EQ(static_cast<int64_t>(q.scales.size()), block_rows * q.scale_cols());
  for (int64_t br = 0; br < block_rows; ++br) {
    for (int64_t bc = 0; bc < q.scale_cols(); ++bc) {
      double amax = 0.0;
      for (int64_t r = br * q.block.rows; r < std::min(q.rows, (br + 1) * q.block.rows); ++r) {
        for (int64_t c = bc * q.block.cols; c < std::min(q.cols, (bc + 1) * q.block.cols); ++c) {
          amax = std::max(amax, std::abs(static_cast<double>(x[static_cast<size_t>(r * q.cols + c)])));
        }
      }
      const double scale = q.scales[static_cast<size_t>(br * q.scale_cols() + bc)];
      const double exact = std::max(amax, 1e-4) / 448.0;
      if (q.format == ScaleFormat::kFp32) {
        EXPECT_NEAR(scale, exact, exact * 1e-7) << "block " << br << "," << bc;
      } else {
        int e = 0;
        EXPECT_EQ(std::frexp(scale, &e), 0.5) << "UE8M0 scale " << scale << " is not a power of two";
        EXPECT_GE(scale, exact * (1 - 1e-7));
        EXPECT_LT(scale, 2 * exact);
      }
    }
  }
  const std::vector<double> deq = dequantize(q);
  for (int64_t r = 0; r < q.rows; ++r) {
    for (int64_t c = 0; c < q.cols; ++c) {
      const size_t i = static_cast<size_t>(r * q.cols + c);
      const double scale = q.scale_at(r, c);
      const double y = std::abs(static_cast<double>(x[i])) / scale;  // the value E4M3 must hold
      ASSERT_LE(y, 448.0 * (1 + 1e-6)) << "element (" << r << "," << c << ") saturates: wrong scale block";
      const double spacing = y < 0x1p-6 ? 0x1p-9 : std::ldexp(1.0, static_cast<int>(std::floor(std::log2(y))) - 3);
      const double bound = (spacing / 2 * (1 + 1e-6) + y * 0x1p-23) * scale;
      ASSERT_LE(std::abs(deq[i] - x[i]), bound) << "element (" << r << "," << c << ") x " << x[i] << " deq " << deq[i];
    }
  }
}

class QuantizeBlocks : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, ScaleFormat>> {};

TEST_P(QuantizeBlocks, ScalesAndElementsWithinHalfAnE4m3Step) {
  const auto [block_rows, block_cols, format] = GetParam();
  const int64_t rows = 200, cols = 300;  // ragged for every block shape
  const std::vector<float> x = region_matrix(rows, cols, 11);
  const ScaleBlock block{.rows = block_rows < 0 ? rows : block_rows, .cols = block_cols < 0 ? cols : block_cols};
  expect_quantized_within_bound(x, quantize_e4m3(x, rows, cols, block, format));
}

// -1: the whole dimension (per tensor: -1 x -1; per row: 1 x -1).
INSTANTIATE_TEST_SUITE_P(
    Recipes, QuantizeBlocks,
    ::testing::Values(std::make_tuple(-1, -1, ScaleFormat::kFp32), std::make_tuple(1, -1, ScaleFormat::kFp32),
                      std::make_tuple(1, 128, ScaleFormat::kFp32), std::make_tuple(128, 128, ScaleFormat::kFp32),
                      std::make_tuple(1, 64, ScaleFormat::kFp32), std::make_tuple(64, 64, ScaleFormat::kFp32),
                      std::make_tuple(1, 256, ScaleFormat::kFp32), std::make_tuple(256, 256, ScaleFormat::kFp32),
                      std::make_tuple(1, 128, ScaleFormat::kUe8m0), std::make_tuple(128, 128, ScaleFormat::kUe8m0)));

TEST(QuantizeE4m3, LargeMatricesSplitOverThreadsGiveTheSerialResult) {
  // 1100 x 2000 = 2.2M elements: rows split over up to 2 threads (one per 2^20 elements), inside
  // blocks of 128 rows and inside the one per-tensor block. Checked against the rule written
  // serially here: scale = max(amax, 1e-4) / 448, q = e4m3(x * (448 / max(amax, 1e-4))).
  const int64_t rows = 1100, cols = 2000;
  const std::vector<float> x = region_matrix(rows, cols, 5);
  for (const ScaleBlock block : {ScaleBlock{rows, cols}, ScaleBlock{128, 128}, ScaleBlock{1, 128}}) {
    const QuantizedMatrix q = quantize_e4m3(x, rows, cols, block, ScaleFormat::kFp32);
    std::vector<float> amax(q.scales.size(), 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        float& a = amax[static_cast<size_t>((r / block.rows) * q.scale_cols() + c / block.cols)];
        a = std::max(a, std::abs(x[static_cast<size_t>(r * cols + c)]));
      }
    }
    for (size_t i = 0; i < amax.size(); ++i) ASSERT_EQ(q.scales[i], std::max(amax[i], 1e-4f) / 448.0f) << i;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const size_t i = static_cast<size_t>(r * cols + c);
        const float inverse = 448.0f / std::max(amax[static_cast<size_t>((r / block.rows) * q.scale_cols() + c / block.cols)], 1e-4f);
        ASSERT_EQ(q.q[i], float_to_e4m3(x[i] * inverse)) << "(" << r << "," << c << ") block " << block.rows;
      }
    }
    const std::vector<double> deq = dequantize(q);
    for (size_t i = 0; i < deq.size(); i += 4099) {
      ASSERT_EQ(deq[i], e4m3_to_float(q.q[i]) * static_cast<double>(q.scale_at(static_cast<int64_t>(i) / cols, static_cast<int64_t>(i) % cols)));
    }
  }
}

TEST(QuantizeE4m3, BlockMaximumIsExact) {
  // FP32 scales map each block's amax to exactly 448 (DeepGEMM's rule).
  const std::vector<float> x = region_matrix(64, 256, 5);
  const QuantizedMatrix q = quantize_e4m3(x, 64, 256, {1, 128}, ScaleFormat::kFp32);
  for (int64_t r = 0; r < 64; ++r) {
    for (int64_t b = 0; b < 2; ++b) {
      int saturated = 0;
      for (int64_t c = b * 128; c < b * 128 + 128; ++c) saturated += (q.q[static_cast<size_t>(r * 256 + c)] & 0x7F) == 0x7E;
      EXPECT_GE(saturated, 1) << "row " << r << " block " << b;
    }
  }
}

TEST(QuantizeE4m3, RejectsBadShapes) {
  const std::vector<float> x(10, 1.0f);
  EXPECT_THROW((void)quantize_e4m3(x, 3, 4, {1, 128}, ScaleFormat::kFp32), Error);
  EXPECT_THROW((void)quantize_e4m3(x, 2, 5, {0, 128}, ScaleFormat::kFp32), Error);
}

TEST(QuantizeBf16, WithinHalfAnUlpAndExactOnRepresentable) {
  const std::vector<float> x = region_matrix(50, 70, 9);
  const std::vector<double> r = round_to_bf16_values(x);
  const std::vector<uint16_t> bits = to_bf16_bits(x);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_LE(std::abs(r[i] - x[i]), std::abs(static_cast<double>(x[i])) * 0x1p-8) << x[i];
    EXPECT_EQ(r[i], bf16_to_float(bits[i]));
    EXPECT_EQ(round_to_bf16_values(std::vector<float>{static_cast<float>(r[i])})[0], r[i]);
  }
}

TEST(GemmF64, MatchesNaiveLoopAndIsThreadCountInvariant) {
  const int64_t m = 37, n = 45, k = 130;
  std::mt19937_64 rng(1);
  std::vector<double> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(n * k));
  for (double& v : a) v = static_cast<double>(static_cast<int>(rng() % 201) - 100);
  for (double& v : b) v = static_cast<double>(static_cast<int>(rng() % 201) - 100);
  const std::vector<double> one = gemm_nt_f64(a, b, m, n, k, 1), three = gemm_nt_f64(a, b, m, n, k, 3);
  EXPECT_EQ(one, three);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t c = 0; c < k; ++c) s += a[static_cast<size_t>(i * k + c)] * b[static_cast<size_t>(j * k + c)];
      ASSERT_EQ(one[static_cast<size_t>(i * n + j)], s);  // small integers: exact
    }
  }
}

TEST(KernelOperands, LayoutsGiveTheSameProductAsTheGenericPath) {
  const int64_t m = 70, n = 200, k = 400;
  const std::vector<float> a = region_matrix(m, k, 2), b = region_matrix(n, k, 3);
  for (const auto& [block_a, block_b] : {std::pair{ScaleBlock{1, 128}, ScaleBlock{128, 128}},
                                         std::pair{ScaleBlock{m, k}, ScaleBlock{n, k}}}) {
    const QuantizedMatrix qa = quantize_e4m3(a, m, k, block_a, ScaleFormat::kFp32);
    const QuantizedMatrix qb = quantize_e4m3(b, n, k, block_b, ScaleFormat::kFp32);
    ASSERT_TRUE(fits_kernel_layout(qa, qb));
    const HostGemmOperands op = to_kernel_operands(qa, qb);
    EXPECT_EQ(op.sa_ld, 72);
    EXPECT_EQ(op.sb_ld, 4);
    const std::vector<double> kernel_math = reference_gemm_f64(op);
    const std::vector<double> generic = gemm_nt_f64(dequantize(qa), dequantize(qb), m, n, k);
    for (size_t i = 0; i < generic.size(); ++i) ASSERT_NEAR(kernel_math[i], generic[i], 1e-9 * (1 + std::abs(generic[i])));
  }
  const QuantizedMatrix rows_b = quantize_e4m3(b, n, k, {1, k}, ScaleFormat::kFp32);
  EXPECT_FALSE(fits_kernel_layout(quantize_e4m3(a, m, k, {1, 128}, ScaleFormat::kFp32), rows_b));
}

TEST(AccuracyMetrics, HandComputedExample) {
  const std::vector<double> y = {1, 2, 3, 4}, x = {1.1, 2, 2.7, 4};
  const AccuracyMetrics m = compute_accuracy_metrics(x, y);
  EXPECT_NEAR(m.mae, 0.1, 1e-12);
  EXPECT_NEAR(m.mae_rel, 0.4 / 10, 1e-12);
  EXPECT_NEAR(m.rel_rms, std::sqrt(0.1 / 30), 1e-12);
  EXPECT_NEAR(m.max_abs, 0.3, 1e-12);
  const double xy = 1.1 + 4 + 8.1 + 16, xx = 1.21 + 4 + 7.29 + 16;
  EXPECT_NEAR(m.calc_diff, 1 - 2 * xy / (xx + 30), 1e-12);
  EXPECT_DOUBLE_EQ(m.frac_off_1pct, 0.5);  // elements 0 (10%) and 2 (10%) are off
  EXPECT_EQ(m.count, 4);
}

TEST(AccuracyMetrics, FloorKeepsCancellingOutputsFromCountingAsOff) {
  // y[3] nearly cancels: 0.001 off is 100% of it but 0.03% of the RMS floor.
  const std::vector<double> y = {10, -10, 10, 1e-3}, x = {10, -10, 10, 2e-3};
  EXPECT_DOUBLE_EQ(compute_accuracy_metrics(x, y).frac_off_1pct, 0.0);
  const std::vector<double> nan_x = {std::nan(""), -10, 10, 1e-3};
  EXPECT_EQ(compute_accuracy_metrics(nan_x, y).nonfinite, 1);
}

TEST(AccuracyMetrics, SpreadOverSeeds) {
  const std::vector<double> v = {1, 2, 3};
  const MetricSpread s = spread_of(v);
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_DOUBLE_EQ(s.stddev, 1);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 3);
  EXPECT_DOUBLE_EQ(spread_of(std::vector<double>{5}).stddev, 0);
}

}  // namespace
}  // namespace gemmtune
