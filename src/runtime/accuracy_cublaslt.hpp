#pragma once
/// One cuBLASLt matmul of any type on gemmtune's row-major operands, for `gemmtune accuracy`:
/// D [rows][n] = A [rows][k] * B [n][k]^T, described in cuBLASLt's column-major terms as
/// D^T = B^T' * A (cuBLAS "A" is our B with TRANSA = T, cuBLAS "B" is our A),
/// kernels/README.md "The operation". FP64 and BF16 GEMMs, and FP8 with scalar or outer-vector
/// scales (the block modes go through runtime/cublaslt_fp8_gemm.hpp).
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <optional>
#include <string>

namespace gemmtune {

struct LtGemmSpec {
  cudaDataType_t input_type = CUDA_R_64F;   ///< A and B
  cudaDataType_t output_type = CUDA_R_64F;  ///< D
  cublasComputeType_t compute = CUBLAS_COMPUTE_64F;
  cudaDataType_t scale_type = CUDA_R_64F;   ///< alpha / beta (CUDA_R_32F for FP8 and BF16)
  /// Scale modes (cublasLtMatmulMatrixScale_t) of our A and our B; none: no scale pointers.
  std::optional<int32_t> a_scale_mode, b_scale_mode;
  const void* a_scale = nullptr;  ///< device FP32 scales of our A (scalar or `rows` values)
  const void* b_scale = nullptr;  ///< device FP32 scales of our B (scalar or `n` values)
  bool fast_accum = false;        ///< CUBLASLT_MATMUL_DESC_FAST_ACCUM (FP8 only)
};

/// Runs `spec` with the heuristic's first algorithm on `stream` and waits for it. False with
/// *why when cuBLASLt has no algorithm or refuses the call (CUBLAS_STATUS_NOT_SUPPORTED); any
/// other failure throws.
[[nodiscard]] bool run_lt_gemm(const LtGemmSpec& spec, const void* a, const void* b, void* d, int64_t rows,
                               int64_t n, int64_t k, cudaStream_t stream, std::string* why);

}  // namespace gemmtune
