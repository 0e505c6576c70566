#pragma once
/// Float64 CPU reference of the block-scaled GEMM, for small shapes: checks the device's FP32
/// reference kernel (kernels/support_reference.cuh), which in turn checks every candidate.
#include <cstdint>
#include <vector>

namespace gemmtune {

/// Host copies of the quantized operands, in the layouts of kernels/gemmtune_params.h.
struct HostGemmOperands {
  int64_t m = 0, n = 0, k = 0;
  int64_t sa_ld = 0;          ///< M rounded up to 4
  int64_t sb_ld = 0;          ///< roundup(ceil(K/128), 4)
  std::vector<uint8_t> a;     ///< e4m3 [>= m][k]
  std::vector<uint8_t> b;     ///< e4m3 [n][k]
  std::vector<float> sa;      ///< [ceil(K/128)][sa_ld]
  std::vector<float> sb;      ///< [ceil(N/128)][sb_ld]
};

/// D[m][n] = sum_kb sA[kb][m] * sB[n/128][kb] * sum_{k in kb} A[m][k] * B[n][k], all in float64.
/// Row-major [m][n]. Throws if the vectors are smaller than the layouts require.
[[nodiscard]] std::vector<double> reference_gemm_f64(const HostGemmOperands& operands);

}  // namespace gemmtune
