#pragma once
/// Host quantizers of every scaling recipe `gemmtune accuracy` studies (src/core/accuracy/README.md
/// "Recipes"): BF16, and FP8 E4M3 with one scale per block of any shape (per tensor, per row,
/// 1x128, 128x128, 1x64, ...), FP32 or power-of-two (UE8M0) scales. Pure host code: the GPU path
/// uploads what these produce, so the GPU and CPU paths multiply the very same bytes.
///
/// The E4M3 rule is DeepGEMM's per_token_cast_to_fp8 / per_block_cast_to_fp8 and gemmtune's own
/// input generator (kernels/support_inputs.cuh): amax = max(|x| over the block, 1e-4),
/// scale = amax / 448, q = e4m3_rn_satfinite(x * (448 / amax)) in FP32. UE8M0: scale =
/// 2^ceil(log2(amax / 448)) (DeepGEMM's ceil_to_ue8m0), q = e4m3(x / scale).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/reference_cpu.hpp"

namespace gemmtune {

/// Largest finite E4M3 value.
inline constexpr float kE4m3Max = 448.0f;
/// Floor of a block's amax (DeepGEMM's clamp(1e-4)): an all-zero block gets a finite scale.
inline constexpr float kAmaxFloor = 1e-4f;

/// float -> E4M3 bits as `cvt.rn.satfinite.e4m3x2.f32` does it: round to nearest even, finite
/// values beyond 448 (and infinities) saturate to +-448, NaN gives 0x7F.
[[nodiscard]] uint8_t float_to_e4m3(float value);

/// How a quantized operand's scales are stored.
enum class ScaleFormat {
  kFp32,   ///< amax / 448 in FP32
  kUe8m0,  ///< a power of two, the smallest >= amax / 448 (8-bit exponent only)
};

/// Rows x columns of the operand that share one scale (clipped at the matrix edge).
struct ScaleBlock {
  int64_t rows = 1;
  int64_t cols = 128;
  [[nodiscard]] bool operator==(const ScaleBlock&) const = default;
};

/// A row-major matrix quantized to E4M3 with one scale per block.
struct QuantizedMatrix {
  int64_t rows = 0, cols = 0;
  ScaleBlock block;
  ScaleFormat format = ScaleFormat::kFp32;
  std::vector<uint8_t> q;     ///< e4m3 bits [rows][cols]
  std::vector<float> scales;  ///< [ceil(rows / block.rows)][ceil(cols / block.cols)]

  [[nodiscard]] int64_t scale_cols() const { return (cols + block.cols - 1) / block.cols; }
  [[nodiscard]] float scale_at(int64_t r, int64_t c) const {
    return scales[static_cast<size_t>((r / block.rows) * scale_cols() + c / block.cols)];
  }
};

/// Quantizes `x` ([rows][cols], row-major) with one scale per `block`. Throws on a size mismatch
/// or a non-positive block.
[[nodiscard]] QuantizedMatrix quantize_e4m3(std::span<const float> x, int64_t rows, int64_t cols,
                                            ScaleBlock block, ScaleFormat format);

/// value(r, c) = e4m3(q) * scale, in float64 (exact: both factors are floats), [rows][cols].
[[nodiscard]] std::vector<double> dequantize(const QuantizedMatrix& matrix);

/// `x` rounded to BF16 (nearest even), as float64 values.
[[nodiscard]] std::vector<double> round_to_bf16_values(std::span<const float> x);
/// `x` as BF16 bits (nearest even).
[[nodiscard]] std::vector<uint16_t> to_bf16_bits(std::span<const float> x);

/// True when A's scales are constant over every 1x128 block and B's over every 128x128 block
/// (1x128 / 128x128 itself, per tensor, per row of A), so the kernel's layouts can carry them.
[[nodiscard]] bool fits_kernel_layout(const QuantizedMatrix& a, const QuantizedMatrix& b);

/// A and B in the kernel's layouts (kernels/README.md "The operation"): sA [ceil(K/128)][roundup(M,
/// 4)], sB [ceil(N/128)][roundup(ceil(K/128), 4)], each scale repeated over the kernel blocks it
/// covers. Throws unless fits_kernel_layout(a, b).
[[nodiscard]] HostGemmOperands to_kernel_operands(const QuantizedMatrix& a, const QuantizedMatrix& b);

/// D = A * B^T for row-major A [m][k] and B [n][k] in float64 (exact accumulation up to float64
/// rounding), on up to `threads` threads (0: all cores). [m][n].
[[nodiscard]] std::vector<double> gemm_nt_f64(std::span<const double> a, std::span<const double> b,
                                              int64_t m, int64_t n, int64_t k, int threads = 0);

/// Each value rounded to BF16 and back (what reading a BF16 output D gives).
[[nodiscard]] std::vector<double> bf16_rounded(std::span<const double> values);

}  // namespace gemmtune
