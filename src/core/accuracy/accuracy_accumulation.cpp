#include "core/accuracy/accuracy_accumulation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <thread>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/number_formats.hpp"

namespace gemmtune {

double truncate_mantissa(double value, int mantissa_bits) {
  if (value == 0.0 || !std::isfinite(value)) return value;
  int exponent = 0;
  (void)std::frexp(value, &exponent);  // |value| = f * 2^exponent, f in [0.5, 1)
  const int keep = mantissa_bits + 1;
  return std::ldexp(std::trunc(std::ldexp(value, keep - exponent)), exponent - keep);
}

AccumulationOutputs accumulate_emulated(const QuantizedMatrix& a, const QuantizedMatrix& b,
                                        const AccumulationModel& model, int threads) {
  GT_CHECK(a.cols == b.cols, kExitUsage, "A and B must share K");
  GT_CHECK(a.scales.size() == 1 && b.scales.size() == 1, kExitUsage,
           "the accumulation study needs per-tensor scales (one per operand)");
  GT_CHECK(model.chunk_k > 0 && model.promote_every_k % model.chunk_k == 0, kExitUsage,
           "the promotion interval must be a multiple of the chunk");
  const int64_t m = a.rows, n = b.rows, k = a.cols;
  std::array<double, 256> decode{};
  for (int bits = 0; bits < 256; ++bits) decode[bits] = e4m3_to_float(static_cast<uint8_t>(bits));
  const float scale = a.scales[0] * b.scales[0];  // FP32, as the kernel's epilogue forms it
  AccumulationOutputs out;
  out.exact.resize(static_cast<size_t>(m * n));
  out.promote128.resize(out.exact.size());
  out.full_k.resize(out.exact.size());
  const auto bf16 = [](float v) { return static_cast<double>(bf16_to_float(float_to_bf16(v))); };
  const auto rows = [&](int64_t first, int64_t step) {
    std::vector<double> a_row(static_cast<size_t>(k));
    for (int64_t i = first; i < m; i += step) {
      for (int64_t c = 0; c < k; ++c) a_row[static_cast<size_t>(c)] = decode[a.q[static_cast<size_t>(i * k + c)]];
      for (int64_t j = 0; j < n; ++j) {
        const uint8_t* b_row = b.q.data() + j * k;
        double exact = 0.0, full = 0.0, partial = 0.0;
        float promoted = 0.0f;
        for (int64_t c0 = 0; c0 < k; c0 += model.chunk_k) {
          double chunk = 0.0;  // exact: 32 products of 4-bit mantissas span < 53 bits
          for (int64_t c = c0; c < std::min(k, c0 + model.chunk_k); ++c) chunk += a_row[static_cast<size_t>(c)] * decode[b_row[c]];
          exact += chunk;
          full = truncate_mantissa(full + chunk, model.mantissa_bits);
          partial = truncate_mantissa(partial + chunk, model.mantissa_bits);
          const bool block_end = (c0 + model.chunk_k) % model.promote_every_k == 0 || c0 + model.chunk_k >= k;
          if (block_end) {
            promoted = std::fma(static_cast<float>(partial), scale, promoted);  // the 1D2D promotion
            partial = 0.0;
          }
        }
        const size_t o = static_cast<size_t>(i * n + j);
        out.exact[o] = bf16(static_cast<float>(exact * static_cast<double>(scale)));
        out.promote128[o] = bf16(promoted);
        out.full_k[o] = bf16(static_cast<float>(full) * scale);
      }
    }
  };
  const int64_t want = threads > 0 ? threads : core_count();
  run_on_threads(std::min<int64_t>(want, m), rows);
  return out;
}

}  // namespace gemmtune
