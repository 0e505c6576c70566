#pragma once
/// Emulation of Hopper's limited-precision FP8 tensor-core accumulation, for the accumulation
/// study of `gemmtune accuracy` (src/core/accuracy/README.md "Accumulation model"): the same
/// per-tensor-quantized E4M3 operands accumulated three ways over K, so that only the accumulation
/// differs.
///
/// The model (an emulation, not bit-exact hardware; the GPU entries measure the hardware):
/// - DeepSeek-V3 technical report (arXiv 2412.19437), sec. 3.3.2: "the accumulation precision of
///   FP8 GEMM on NVIDIA H800 GPUs is limited to retaining around 14 bits", max relative error
///   near 2% at K = 4096 without promotion; their fix promotes to FP32 every 128 elements of K.
/// - SageAttention2 (arXiv 2411.10958), sec. 4: the FP8 mma accumulator behaves as FP22 (1 sign,
///   8 exponent, 13 mantissa bits).
/// So: each K chunk of kChunkK products (one wgmma instruction's K for E4M3 is 32) is summed
/// exactly (E4M3 products are exact in FP32), added to the accumulator, and the sum is truncated
/// toward zero to 14 significant bits (13 explicit). Truncation, not rounding: it is the biased
/// variant that reproduces DeepSeek's ~2% worst case at K = 4096 (128 truncations of up to 2^-13).
#include <cstdint>

#include <vector>

#include "core/quantize_recipes.hpp"

namespace gemmtune {

struct AccumulationModel {
  int mantissa_bits = 13;      ///< explicit mantissa bits kept by the tensor-core accumulator
  int64_t chunk_k = 32;        ///< products summed exactly before each accumulator update
  int64_t promote_every_k = 128;  ///< two-level: the partial sum goes to FP32 every this many K
};

/// `value` truncated toward zero to `mantissa_bits` + 1 significant bits.
[[nodiscard]] double truncate_mantissa(double value, int mantissa_bits);

/// Outputs [m][n] of one problem, each rounded to BF16 as the GEMM's output is.
struct AccumulationOutputs {
  std::vector<double> exact;       ///< float64 accumulation (the quantization error alone)
  std::vector<double> promote128;  ///< FP22 within each 128-deep block, promoted into FP32
  std::vector<double> full_k;      ///< FP22 over the whole K (cuBLASLt's FAST_ACCUM)
};

/// Accumulates A * B^T three ways. A and B must be quantized with one scale each (per tensor).
[[nodiscard]] AccumulationOutputs accumulate_emulated(const QuantizedMatrix& a, const QuantizedMatrix& b,
                                                      const AccumulationModel& model = {}, int threads = 0);

}  // namespace gemmtune
