#pragma once
/// The recipes `gemmtune accuracy` compares and the paths that compute them
/// (src/core/accuracy/README.md "Recipes"). A recipe says how the inputs are quantized; a path says
/// what multiplies them: cuBLASLt, gemmtune's kernel, or the reference path (dequantize, multiply
/// in float64, round D to BF16), which is what "emulated" means in the output.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/quantize_recipes.hpp"

namespace gemmtune {

enum class AccuracyRecipe {
  kBf16,               ///< BF16 inputs, FP32 accumulation
  kFp8Tensor,          ///< E4M3, one FP32 scale per operand
  kFp8Channel,         ///< E4M3, one FP32 scale per row of A (token) and per row of B (output channel)
  kFp8Block128,        ///< DeepSeek-V3: 1x128 on A, 128x128 on B, FP32 scales
  kFp8Block64,         ///< 1x64 / 64x64 (no kernel: reference path only)
  kFp8Block256,        ///< 1x256 / 256x256 (no kernel: reference path only)
  kFp8Block128Ue8m0,   ///< 1x128 / 128x128 with power-of-two scales
  kAccumulation,       ///< the accumulation study over K (per-tensor E4M3, three accumulations)
};

enum class AccuracyPath {
  kReferenceCpu,           ///< host: dequantized operands, float64 product, D rounded to BF16
  kReferenceGpu,           ///< the same math on the GPU (cuBLASLt FP64 GEMM of dequantized operands)
  kCublasLt,               ///< cuBLASLt's kernel for the recipe
  kCublasLtFastAccum,      ///< cuBLASLt per-tensor FP8 with FAST_ACCUM (no promotion)
  kGemmtune,               ///< gemmtune's kernel (sm90_fp8_gemm_1d2d), `gemmtune run`'s launch path
  kEmulatedExact,          ///< accumulation study: float64 accumulation (host)
  kEmulatedPromote128,     ///< accumulation study: FP22 within 128-deep blocks, FP32 across (host)
  kEmulatedFullK,          ///< accumulation study: FP22 over the whole K (host)
};

[[nodiscard]] const std::vector<AccuracyRecipe>& all_accuracy_recipes();
[[nodiscard]] std::string_view to_string(AccuracyRecipe recipe);
[[nodiscard]] std::optional<AccuracyRecipe> parse_accuracy_recipe(std::string_view name);
/// One line: what the recipe quantizes and how.
[[nodiscard]] std::string describe(AccuracyRecipe recipe);

[[nodiscard]] const std::vector<AccuracyPath>& all_accuracy_paths();
[[nodiscard]] std::string_view to_string(AccuracyPath path);
[[nodiscard]] std::optional<AccuracyPath> parse_accuracy_path(std::string_view name);
/// True for paths that compute on the host or with a reference GEMM rather than a real kernel.
[[nodiscard]] bool is_emulated(AccuracyPath path);
/// One line: what computes the product on this path.
[[nodiscard]] std::string describe(AccuracyPath path);

/// Scale blocks and format of an FP8 recipe for an M x N x K problem (A [M][K], B [N][K]).
struct Fp8Quantization {
  ScaleBlock a, b;
  ScaleFormat format = ScaleFormat::kFp32;
};
/// The quantization of an FP8 recipe (kAccumulation quantizes per tensor); nullopt for kBf16.
[[nodiscard]] std::optional<Fp8Quantization> fp8_quantization(AccuracyRecipe recipe, int64_t m, int64_t n, int64_t k);

/// The paths a recipe is measured on with a GPU (kAccumulation: its GPU paths; the emulated
/// ones always run).
[[nodiscard]] std::vector<AccuracyPath> gpu_paths(AccuracyRecipe recipe);

}  // namespace gemmtune
