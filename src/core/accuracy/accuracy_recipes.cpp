#include "core/accuracy/accuracy_recipes.hpp"

namespace gemmtune {

const std::vector<AccuracyRecipe>& all_accuracy_recipes() {
  static const std::vector<AccuracyRecipe> all = {
      AccuracyRecipe::kBf16,        AccuracyRecipe::kFp8Tensor,    AccuracyRecipe::kFp8Channel,
      AccuracyRecipe::kFp8Block128, AccuracyRecipe::kFp8Block64,   AccuracyRecipe::kFp8Block256,
      AccuracyRecipe::kFp8Block128Ue8m0, AccuracyRecipe::kAccumulation};
  return all;
}

std::string_view to_string(AccuracyRecipe recipe) {
  switch (recipe) {
    case AccuracyRecipe::kBf16: return "bf16";
    case AccuracyRecipe::kFp8Tensor: return "fp8_tensor";
    case AccuracyRecipe::kFp8Channel: return "fp8_channel";
    case AccuracyRecipe::kFp8Block128: return "fp8_block128";
    case AccuracyRecipe::kFp8Block64: return "fp8_block64";
    case AccuracyRecipe::kFp8Block256: return "fp8_block256";
    case AccuracyRecipe::kFp8Block128Ue8m0: return "fp8_block128_ue8m0";
    case AccuracyRecipe::kAccumulation: return "accumulation";
  }
  return "unknown";
}

std::optional<AccuracyRecipe> parse_accuracy_recipe(std::string_view name) {
  for (const AccuracyRecipe r : all_accuracy_recipes()) {
    if (to_string(r) == name) return r;
  }
  return std::nullopt;
}

std::string describe(AccuracyRecipe recipe) {
  switch (recipe) {
    case AccuracyRecipe::kBf16: return "A and B rounded to BF16 (nearest even), FP32 accumulation";
    case AccuracyRecipe::kFp8Tensor: return "E4M3, one FP32 scale (amax/448) per operand";
    case AccuracyRecipe::kFp8Channel: return "E4M3, one FP32 scale per row of A (token) and per row of B (output channel)";
    case AccuracyRecipe::kFp8Block128: return "E4M3, FP32 scales per 1x128 block of A and 128x128 block of B (DeepSeek-V3)";
    case AccuracyRecipe::kFp8Block64: return "E4M3, FP32 scales per 1x64 block of A and 64x64 block of B";
    case AccuracyRecipe::kFp8Block256: return "E4M3, FP32 scales per 1x256 block of A and 256x256 block of B";
    case AccuracyRecipe::kFp8Block128Ue8m0:
      return "E4M3, 1x128 / 128x128 blocks with power-of-two (UE8M0) scales 2^ceil(log2(amax/448))";
    case AccuracyRecipe::kAccumulation:
      return "E4M3 per-tensor, accumulated exactly, in FP22 promoted to FP32 every 128, and in FP22 over all K";
  }
  return "";
}

const std::vector<AccuracyPath>& all_accuracy_paths() {
  static const std::vector<AccuracyPath> all = {
      AccuracyPath::kReferenceCpu,   AccuracyPath::kReferenceGpu,        AccuracyPath::kCublasLt,
      AccuracyPath::kCublasLtFastAccum, AccuracyPath::kGemmtune,         AccuracyPath::kEmulatedExact,
      AccuracyPath::kEmulatedPromote128, AccuracyPath::kEmulatedFullK};
  return all;
}

std::string_view to_string(AccuracyPath path) {
  switch (path) {
    case AccuracyPath::kReferenceCpu: return "reference_cpu";
    case AccuracyPath::kReferenceGpu: return "reference_gpu";
    case AccuracyPath::kCublasLt: return "cublaslt";
    case AccuracyPath::kCublasLtFastAccum: return "cublaslt_fast_accum";
    case AccuracyPath::kGemmtune: return "gemmtune";
    case AccuracyPath::kEmulatedExact: return "emulated_exact";
    case AccuracyPath::kEmulatedPromote128: return "emulated_fp22_promote128";
    case AccuracyPath::kEmulatedFullK: return "emulated_fp22_full_k";
  }
  return "unknown";
}

std::optional<AccuracyPath> parse_accuracy_path(std::string_view name) {
  for (const AccuracyPath p : all_accuracy_paths()) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

bool is_emulated(AccuracyPath path) {
  return path != AccuracyPath::kCublasLt && path != AccuracyPath::kCublasLtFastAccum &&
         path != AccuracyPath::kGemmtune;
}

std::string describe(AccuracyPath path) {
  switch (path) {
    case AccuracyPath::kReferenceCpu: return "emulated on the host: dequantized operands, float64 product, D rounded to BF16";
    case AccuracyPath::kReferenceGpu:
      return "emulated on the GPU: dequantized operands, cuBLASLt FP64 GEMM, D rounded to BF16";
    case AccuracyPath::kCublasLt: return "cuBLASLt (FP32 accumulation with promotion, BF16 D)";
    case AccuracyPath::kCublasLtFastAccum: return "cuBLASLt FP8 with CUBLASLT_MATMUL_DESC_FAST_ACCUM (tensor-core accumulation only)";
    case AccuracyPath::kGemmtune: return "gemmtune sm90_fp8_gemm_1d2d (FP8 tensor cores, FP32 promotion every 128)";
    case AccuracyPath::kEmulatedExact: return "emulated on the host: float64 accumulation";
    case AccuracyPath::kEmulatedPromote128:
      return "emulated on the host: FP22 (13-bit mantissa, truncated) within each 128-deep block, FP32 across blocks";
    case AccuracyPath::kEmulatedFullK: return "emulated on the host: FP22 (13-bit mantissa, truncated) over the whole K";
  }
  return "";
}

std::optional<Fp8Quantization> fp8_quantization(AccuracyRecipe recipe, int64_t m, int64_t n, int64_t k) {
  const auto blocks = [](int64_t rows_a, int64_t cols_a, int64_t rows_b, int64_t cols_b,
                         ScaleFormat format = ScaleFormat::kFp32) {
    return Fp8Quantization{.a = {rows_a, cols_a}, .b = {rows_b, cols_b}, .format = format};
  };
  switch (recipe) {
    case AccuracyRecipe::kBf16: return std::nullopt;
    case AccuracyRecipe::kFp8Tensor:
    case AccuracyRecipe::kAccumulation: return blocks(m, k, n, k);
    case AccuracyRecipe::kFp8Channel: return blocks(1, k, 1, k);
    case AccuracyRecipe::kFp8Block128: return blocks(1, 128, 128, 128);
    case AccuracyRecipe::kFp8Block64: return blocks(1, 64, 64, 64);
    case AccuracyRecipe::kFp8Block256: return blocks(1, 256, 256, 256);
    case AccuracyRecipe::kFp8Block128Ue8m0: return blocks(1, 128, 128, 128, ScaleFormat::kUe8m0);
  }
  return std::nullopt;
}

std::vector<AccuracyPath> gpu_paths(AccuracyRecipe recipe) {
  switch (recipe) {
    case AccuracyRecipe::kBf16:
    case AccuracyRecipe::kFp8Tensor:
    case AccuracyRecipe::kFp8Channel: return {AccuracyPath::kCublasLt};
    case AccuracyRecipe::kFp8Block128:
    case AccuracyRecipe::kFp8Block128Ue8m0: return {AccuracyPath::kGemmtune, AccuracyPath::kCublasLt};
    case AccuracyRecipe::kFp8Block64:
    case AccuracyRecipe::kFp8Block256: return {AccuracyPath::kReferenceGpu};
    case AccuracyRecipe::kAccumulation:
      return {AccuracyPath::kGemmtune, AccuracyPath::kCublasLt, AccuracyPath::kCublasLtFastAccum};
  }
  return {};
}

}  // namespace gemmtune
