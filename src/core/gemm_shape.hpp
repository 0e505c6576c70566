#pragma once
/// The size of one GEMM, D[M,N] = A[M,K] * B[N,K]^T, or of a grouped GEMM (several such products
/// sharing N and K, each with its own B), and what an ideal kernel does for it: the FLOPs and the
/// bytes it must move at least (every operand and scale read once, D written once). These
/// formulas define TFLOPS, GB/s and arithmetic intensity everywhere in gemmtune's output.
#include <cstdint>

namespace gemmtune {

/// M, N, K of one problem. A plain struct so host-only code needs nothing else.
/// Grouped GEMMs (core/problem.hpp shape()): `m` counts the rows that carry results (every
/// group's, never padding or masked-off rows) and `weights` the B matrices read (groups with
/// rows; an empty group's B is never read).
struct GemmShape {
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  int64_t weights = 1;  ///< B matrices (and their scales) the problem reads: 1 for dense
  [[nodiscard]] bool operator==(const GemmShape&) const = default;
};

/// Multiply-adds counted twice: 2*M*N*K.
[[nodiscard]] constexpr double gemm_flops(const GemmShape& s) {
  return 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
}

/// Bytes of A (e4m3), B (e4m3), D (bf16), sA (fp32 1x128) and sB (fp32 128x128), each once:
/// M*K + W*N*K + 2*M*N + 4*ceil(K/128)*M + W*4*ceil(N/128)*ceil(K/128), W = weights.
[[nodiscard]] constexpr double gemm_min_bytes(const GemmShape& s) {
  const int64_t k_blocks = (s.k + 127) / 128;
  const int64_t n_blocks = (s.n + 127) / 128;
  return static_cast<double>(s.m * s.k + 2 * s.m * s.n + 4 * k_blocks * s.m) +
         static_cast<double>(s.weights) * static_cast<double>(s.n * s.k + 4 * n_blocks * k_blocks);
}

/// Arithmetic intensity in FLOP per byte (scales counted): the roofline's x axis.
[[nodiscard]] constexpr double gemm_intensity_flop_per_byte(const GemmShape& s) {
  return gemm_flops(s) / gemm_min_bytes(s);
}

/// TFLOPS of a run that took `runtime_us`.
[[nodiscard]] constexpr double gemm_tflops(const GemmShape& s, double runtime_us) {
  return gemm_flops(s) / (runtime_us * 1e-6) / 1e12;
}

/// GB/s (1e9 bytes per second) of a run that took `runtime_us`, counting gemm_min_bytes.
[[nodiscard]] constexpr double gemm_gbps(const GemmShape& s, double runtime_us) {
  return gemm_min_bytes(s) / (runtime_us * 1e-6) / 1e9;
}

}  // namespace gemmtune
