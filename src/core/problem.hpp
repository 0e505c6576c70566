#pragma once
/// One GEMM problem of the fp8_gemm_nt operation (README "The operation"):
///   D[M,N] (bf16) = A[M,K] (e4m3, 1x128 scales) * B[N,K]^T (e4m3, 128x128 scales).
/// Sizes are int64 so that products are computed without overflow; the legality model
/// (core/legality.hpp) bounds each of them to the kernel's 32-bit parameters.
#include <cstdint>
#include <string>

namespace gemmtune {

/// One (M, N, K) of a shape set.
struct Problem {
  std::string label;  ///< what the problem is (e.g. "o_proj"); may be empty
  int64_t m = 0;      ///< rows of A and D (tokens)
  int64_t n = 0;      ///< rows of B, columns of D (output features)
  int64_t k = 0;      ///< reduction length (input features)

  [[nodiscard]] bool operator==(const Problem&) const = default;
};

}  // namespace gemmtune
