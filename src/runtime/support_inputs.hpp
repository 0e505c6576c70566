#pragma once
/// Reproducible GEMM inputs generated on the device from a seed (kernels/support_inputs.cuh) in
/// the layouts of kernels/gemmtune_params.h.
///
/// NOTE: padding. cuBLASLt's block-scaled mode needs M (its n) to be a multiple of 4,
/// so A and D are allocated with m_pad4 = roundup(M, 4) rows: rows M..m_pad4-1
/// of A are zero, and D must be allocated with m_pad4 rows (output_bytes()). Kernels that handle
/// any M simply never touch the padding. sA is [ceil(K/128)][m_pad4] as the layout requires.
#include <cuda_runtime_api.h>

#include <cstdint>

#include <vector>

#include "core/input_distribution.hpp"
#include "core/problem.hpp"
#include "core/reference_cpu.hpp"
#include "runtime/cuda_handles.hpp"

namespace gemmtune {

/// Device pointers and sizes of one problem (non-owning). D is bf16 [m_pad4][n] row-major.
struct GemmOperands {
  int m = 0, n = 0, k = 0;
  int m_pad4 = 0;   ///< rows allocated for A and D, leading dimension of sA
  int sb_ld = 0;    ///< roundup(ceil(K/128), 4)
  const uint8_t* a = nullptr;
  const uint8_t* b = nullptr;
  const float* sa = nullptr;
  const float* sb = nullptr;
};

struct InputOptions {
  uint64_t seed = 1;
  InputDistribution distribution = InputDistribution::kUniform;
  bool keep_unquantized = false;  ///< also keep X_A [M][K] and X_B [N][K] in fp32 (4 B/element)
};

/// Owns the generated operands.
struct GemmInputs {
  int m = 0, n = 0, k = 0, m_pad4 = 0, sb_ld = 0;
  uint64_t seed = 0;
  DeviceBuffer a;    ///< e4m3 [m_pad4][k]
  DeviceBuffer b;    ///< e4m3 [n][k]
  DeviceBuffer sa;   ///< fp32 [ceil(k/128)][m_pad4]
  DeviceBuffer sb;   ///< fp32 [ceil(n/128)][sb_ld], padding columns zero
  DeviceBuffer xa;   ///< fp32 [m][k], only with keep_unquantized
  DeviceBuffer xb;   ///< fp32 [n][k], only with keep_unquantized

  [[nodiscard]] GemmOperands operands() const;
  /// Bytes of the bf16 output D: m_pad4 x n x 2.
  [[nodiscard]] size_t output_bytes() const { return static_cast<size_t>(m_pad4) * n * 2; }
  /// Host copies of A, B, sA, sB for the CPU reference (synchronous).
  [[nodiscard]] HostGemmOperands download() const;
};

/// The inputs of a grouped problem (kernels/README.md "Grouped GEMMs"): A and sA over all M rows,
/// one B and sB per group, and the group sizes on the device as the kernel reads them.
struct GroupedInputs {
  GroupLayout layout = GroupLayout::kContiguous;
  int groups = 0, m = 0, n = 0, k = 0, m_pad4 = 0, sb_ld = 0, max_m = 0;
  std::vector<int64_t> row_begin;  ///< first row of each group in A and D
  std::vector<int64_t> rows;       ///< rows of each group
  DeviceBuffer a;           ///< e4m3 [m_pad4][k]; masked: rows a group does not use hold e4m3
                            ///< NaN (0x7f) with NaN scales, so any use of them shows
  DeviceBuffer sa;          ///< fp32 [ceil(k/128)][m_pad4]
  DeviceBuffer b;           ///< e4m3 [groups * n][k]
  DeviceBuffer sb;          ///< fp32 [groups * ceil(n/128)][sb_ld]
  DeviceBuffer group_rows;  ///< int32: contiguous offsets [groups + 1], masked masked_m [groups]

  /// Group g as a dense problem: its rows of A and sA (sA's leading dimension stays m_pad4), its B.
  [[nodiscard]] GemmOperands group_operands(int g) const;
  /// Bytes of the bf16 output D: m_pad4 x n x 2.
  [[nodiscard]] size_t output_bytes() const { return static_cast<size_t>(m_pad4) * n * 2; }
};

/// Generates the inputs of a grouped `problem` (legal by core/legality.hpp) and waits for them.
/// Group g's B comes from its own random stream, so groups never share weights.
[[nodiscard]] GroupedInputs generate_grouped_inputs(const Problem& problem,
                                                    const InputOptions& options,
                                                    cudaStream_t stream);

/// Generates the inputs of an M x N x K problem on the current device and waits for them.
/// Same seed and shape give bit-identical inputs. Throws Error(kExitUsage) unless m, n, k > 0 and
/// k is a multiple of 16 (16-byte rows for TMA and cuBLASLt).
[[nodiscard]] GemmInputs generate_inputs(int m, int n, int k, const InputOptions& options, cudaStream_t stream);

}  // namespace gemmtune
