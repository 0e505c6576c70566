#include "core/quantize_recipes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <thread>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/number_formats.hpp"

namespace gemmtune {

uint8_t float_to_e4m3(float value) {
  if (std::isnan(value)) return 0x7F;
  const uint8_t sign = std::signbit(value) ? 0x80 : 0x00;
  const double magnitude = std::abs(static_cast<double>(value));
  if (magnitude >= kE4m3Max) return sign | 0x7E;  // satfinite: +-448 (also for infinities)
  int exponent2 = 0;
  (void)std::frexp(magnitude, &exponent2);  // magnitude = f * 2^exponent2, f in [0.5, 1)
  const int unbiased = exponent2 - 1;          // magnitude in [2^unbiased, 2^(unbiased + 1))
  if (magnitude == 0.0 || unbiased < -6) {
    // Subnormal: multiples of 2^-9. Rounding up to 8 * 2^-9 = 2^-6 gives the smallest normal,
    // whose bits (exponent 1, mantissa 0) are 8 too.
    const double steps = std::nearbyint(std::ldexp(magnitude, 9));  // ties to even
    return sign | static_cast<uint8_t>(steps);
  }
  // Normal: 8 mantissa steps per binade, quantum 2^(unbiased - 3).
  double steps = std::nearbyint(std::ldexp(magnitude, 3 - unbiased));  // in [8, 16]
  int biased = unbiased + 7;
  if (steps == 16.0) {
    steps = 8.0;
    ++biased;
  }
  if (biased > 15 || (biased == 15 && steps > 14.0)) return sign | 0x7E;  // rounded past 448
  return sign | static_cast<uint8_t>((biased << 3) | (static_cast<int>(steps) - 8));
}

namespace {

/// The scale of a block whose largest magnitude is `amax`.
float block_scale(float amax, ScaleFormat format) {
  const float floored = std::max(amax, kAmaxFloor);
  if (format == ScaleFormat::kFp32) return floored / kE4m3Max;
  // NOTE: DeepGEMM's ceil_to_ue8m0: 2^ceil(log2(x)). frexp gives x = f * 2^e with f in [0.5, 1),
  // so 2^ceil(log2 x) is 2^(e - 1) when f is exactly 0.5 and 2^e otherwise.
  int e = 0;
  const float f = std::frexp(floored / kE4m3Max, &e);
  return std::ldexp(1.0f, f == 0.5f ? e - 1 : e);
}

/// Threads for a pass over `rows` rows of `elements` elements in all: one per 2^20 elements, up
/// to the cores and the rows (small matrices stay on the calling thread).
int64_t row_threads(int64_t rows, int64_t elements) {
  return std::min(rows, std::clamp<int64_t>(elements >> 20, 1, core_count()));
}

/// Runs fn(t, first_row, last_row) for t in [0, threads) over contiguous row ranges of [0, rows).
template <typename Fn>
void for_row_ranges(int64_t rows, int64_t threads, const Fn& fn) {
  run_on_threads(threads, [&](int64_t t, int64_t count) {
    fn(t, rows * t / count, rows * (t + 1) / count);
  });
}

}  // namespace

QuantizedMatrix quantize_e4m3(std::span<const float> x, int64_t rows, int64_t cols, ScaleBlock block,
                              ScaleFormat format) {
  GT_CHECK(rows > 0 && cols > 0 && static_cast<int64_t>(x.size()) == rows * cols, kExitUsage,
           "matrix size does not match rows x cols");
  GT_CHECK(block.rows > 0 && block.cols > 0, kExitUsage, "scale block must be positive");
  QuantizedMatrix out{.rows = rows, .cols = cols, .block = block, .format = format, .q = {}, .scales = {}};
  const int64_t block_rows = (rows + block.rows - 1) / block.rows;
  const int64_t block_cols = out.scale_cols();
  out.q.resize(static_cast<size_t>(rows * cols));
  out.scales.resize(static_cast<size_t>(block_rows * block_cols));
  // NOTE: rows, not block rows, are split over threads, so that per-tensor and per-128-row blocks
  // use every core too: each thread keeps its own block maxima, merged after. max is exact, so
  // the scales (and every element) are the same on any thread count.
  const int64_t threads = row_threads(rows, rows * cols);
  std::vector<std::vector<float>> amax(static_cast<size_t>(threads), std::vector<float>(out.scales.size(), 0.0f));
  for_row_ranges(rows, threads, [&](int64_t t, int64_t r0, int64_t r1) {
    std::vector<float>& block_max = amax[static_cast<size_t>(t)];
    for (int64_t r = r0; r < r1; ++r) {
      float* row_max = block_max.data() + (r / block.rows) * block_cols;
      for (int64_t c = 0; c < cols; ++c) {
        float& a = row_max[c / block.cols];
        a = std::max(a, std::abs(x[static_cast<size_t>(r * cols + c)]));
      }
    }
  });
  std::vector<float> inverse(out.scales.size());
  for (size_t i = 0; i < out.scales.size(); ++i) {
    for (size_t t = 1; t < amax.size(); ++t) amax[0][i] = std::max(amax[0][i], amax[t][i]);
    out.scales[i] = block_scale(amax[0][i], format);
    // FP32: x * (448 / amax) as the device and DeepGEMM compute it; UE8M0: 1 / 2^e is exact.
    inverse[i] = format == ScaleFormat::kFp32 ? kE4m3Max / std::max(amax[0][i], kAmaxFloor) : 1.0f / out.scales[i];
  }
  for_row_ranges(rows, threads, [&](int64_t, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row_inverse = inverse.data() + (r / block.rows) * block_cols;
      for (int64_t c = 0; c < cols; ++c) {
        const size_t i = static_cast<size_t>(r * cols + c);
        out.q[i] = float_to_e4m3(x[i] * row_inverse[c / block.cols]);
      }
    }
  });
  return out;
}

std::vector<double> dequantize(const QuantizedMatrix& m) {
  std::array<double, 256> decode{};
  for (int bits = 0; bits < 256; ++bits) decode[bits] = e4m3_to_float(static_cast<uint8_t>(bits));
  std::vector<double> out(m.q.size());
  for_row_ranges(m.rows, row_threads(m.rows, m.rows * m.cols), [&](int64_t, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t c = 0; c < m.cols; ++c) {
        const size_t i = static_cast<size_t>(r * m.cols + c);
        out[i] = decode[m.q[i]] * static_cast<double>(m.scale_at(r, c));
      }
    }
  });
  return out;
}

std::vector<double> round_to_bf16_values(std::span<const float> x) {
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = bf16_to_float(float_to_bf16(x[i]));
  return out;
}

std::vector<uint16_t> to_bf16_bits(std::span<const float> x) {
  std::vector<uint16_t> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = float_to_bf16(x[i]);
  return out;
}

bool fits_kernel_layout(const QuantizedMatrix& a, const QuantizedMatrix& b) {
  const auto covers = [](int64_t block, int64_t extent) { return block % 128 == 0 || block >= extent; };
  return a.format == b.format && a.cols == b.cols && covers(a.block.cols, a.cols) && covers(b.block.rows, b.rows) &&
         covers(b.block.cols, b.cols);
}

HostGemmOperands to_kernel_operands(const QuantizedMatrix& a, const QuantizedMatrix& b) {
  GT_CHECK(fits_kernel_layout(a, b), kExitUsage,
           "the kernel's layouts need A's scales constant over 1x128 blocks and B's over 128x128 blocks");
  HostGemmOperands op;
  op.m = a.rows;
  op.n = b.rows;
  op.k = a.cols;
  const int64_t kb = (op.k + 127) / 128, nb = (op.n + 127) / 128;
  op.sa_ld = (op.m + 3) / 4 * 4;
  op.sb_ld = (kb + 3) / 4 * 4;
  op.a = a.q;
  op.b = b.q;
  op.sa.assign(static_cast<size_t>(kb * op.sa_ld), 0.0f);
  op.sb.assign(static_cast<size_t>(nb * op.sb_ld), 0.0f);
  for (int64_t r = 0; r < op.m; ++r) {
    for (int64_t c = 0; c < kb; ++c) op.sa[static_cast<size_t>(c * op.sa_ld + r)] = a.scale_at(r, c * 128);
  }
  for (int64_t r = 0; r < nb; ++r) {
    for (int64_t c = 0; c < kb; ++c) op.sb[static_cast<size_t>(r * op.sb_ld + c)] = b.scale_at(r * 128, c * 128);
  }
  return op;
}

std::vector<double> gemm_nt_f64(std::span<const double> a, std::span<const double> b, int64_t m, int64_t n,
                                int64_t k, int threads) {
  GT_CHECK(static_cast<int64_t>(a.size()) == m * k && static_cast<int64_t>(b.size()) == n * k, kExitUsage,
           "operand sizes do not match m, n, k");
  std::vector<double> d(static_cast<size_t>(m * n));
  constexpr int64_t kTile = 16;  // 16 rows of A and of B stay in cache while their 256 dots run
  const int64_t row_tiles = (m + kTile - 1) / kTile;
  const auto work = [&](int64_t first_tile, int64_t step) {
    for (int64_t tm = first_tile; tm < row_tiles; tm += step) {
      for (int64_t n0 = 0; n0 < n; n0 += kTile) {
        for (int64_t i = tm * kTile; i < std::min(m, tm * kTile + kTile); ++i) {
          const double* ar = a.data() + i * k;
          for (int64_t j = n0; j < std::min(n, n0 + kTile); ++j) {
            const double* br = b.data() + j * k;
            // Four partial sums, combined in a fixed order: deterministic on any thread count.
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int64_t c = 0;
            for (; c + 4 <= k; c += 4) {
              s0 += ar[c] * br[c];
              s1 += ar[c + 1] * br[c + 1];
              s2 += ar[c + 2] * br[c + 2];
              s3 += ar[c + 3] * br[c + 3];
            }
            for (; c < k; ++c) s0 += ar[c] * br[c];
            d[static_cast<size_t>(i * n + j)] = (s0 + s1) + (s2 + s3);
          }
        }
      }
    }
  };
  const int64_t want = threads > 0 ? threads : core_count();
  run_on_threads(std::min<int64_t>(want, row_tiles), work);
  return d;
}

std::vector<double> bf16_rounded(std::span<const double> values) {
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    out[i] = bf16_to_float(float_to_bf16(static_cast<float>(values[i])));
  }
  return out;
}

}  // namespace gemmtune
