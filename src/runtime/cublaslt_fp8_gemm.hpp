#pragma once
/// cuBLASLt baselines for D[M,N] (bf16) = A[M,K] (e4m3) x B[N,K]^T (e4m3) on gemmtune's buffers
/// (kernels/gemmtune_params.h, runtime/support_inputs.hpp):
///   kBlock:     1x128 scales on A, 128x128 scales on B: the same math as the tuned kernel
///               (PyTorch's _scaled_mm block-wise path).
///   kPerTensor: one fp32 scale per operand (1.0): not the same math; the speed of light a
///               block-scaled kernel is compared against.
///
/// NOTE: mapping (verified against a float64 reference): in cuBLASLt's
/// column-major terms D^T = B * A^T, so cuBLAS "A" is our B (e4m3, rows K, cols N, ld K, TRANSA = T,
/// BLK128x128_32F scales = our sB [ceil(N/128)][roundup(ceil(K/128), 4)]) and cuBLAS "B" is our A
/// (rows K, cols M, ld K, TRANSB = N, VEC128_32F scales = our sA [ceil(K/128)][M]); D is
/// (bf16, rows N, cols M, ld N). Compute 32F, scale type 32F, FAST_ACCUM 0 (block modes refuse it).
/// Block mode needs M to be a multiple of 4, so the matmul is described with m_pad4 rows: A and D
/// must be allocated with m_pad4 rows (generate_inputs and GemmInputs::output_bytes do).
#include <cuda_runtime_api.h>

#include <functional>
#include <optional>
#include <string>

#include "core/cublaslt_algo_record.hpp"
#include "runtime/cublaslt_handles.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/support_inputs.hpp"

namespace gemmtune {

enum class CublasLtScaling { kBlock, kPerTensor };

/// Workspace given to every cuBLASLt baseline.
inline constexpr uint64_t kCublasLtWorkspaceBytes = 32ull << 20;

struct CublasLtGemmOptions {
  CublasLtScaling scaling = CublasLtScaling::kBlock;
  bool fast_accum = false;  ///< kPerTensor only: skip the periodic fp32 promotion
  uint64_t workspace_bytes = kCublasLtWorkspaceBytes;
  /// Strided batches of the problem (each matrix one whole matrix after the previous). Why: issue
  /// 11's padded alternative (every group padded to the largest, one batched call) exists only if
  /// cuBLASLt offers batched block-scaled FP8 GEMMs; > 1 is for asking its heuristic
  /// (select_heuristic), not for running: cublasLt.h 13.1 documents no batch stride for
  /// VEC128_32F / BLK128x128_32F scale tensors.
  int batch_count = 1;
};

/// One FP8 matmul bound to its buffers, with one selected algorithm.
class CublasLtFp8Gemm {
 public:
  /// Creates the handle, descriptors and workspace for `operands` writing D (bf16 bits,
  /// [m_pad4][n]). Selects nothing yet. The buffers must outlive this object.
  CublasLtFp8Gemm(const GemmOperands& operands, uint16_t* d, const CublasLtGemmOptions& options);

  /// Selects the heuristic's first algorithm (the only one it returns in block mode) and returns
  /// its record; nullopt (with *why) when the heuristic has none for this problem.
  [[nodiscard]] std::optional<AlgoRecord> select_heuristic(std::string* why);
  /// Checks `record` with cublasLtMatmulAlgoCheck for this problem: the record with its workspace
  /// and waves filled in, or nullopt (with *why) if cuBLASLt rejects it or it needs more
  /// workspace than this object has.
  [[nodiscard]] std::optional<AlgoRecord> check(const AlgoRecord& record, std::string* why) const;
  /// Checks and selects `record`; false (with *why) if rejected.
  [[nodiscard]] bool select(const AlgoRecord& record, std::string* why);

  /// Launches the matmul with the selected algorithm on `stream` (asynchronous).
  void run(cudaStream_t stream) const;
  /// run() as a launch function for the timing harness (valid while this object lives).
  [[nodiscard]] std::function<void(cudaStream_t)> launcher() const;

  [[nodiscard]] const AlgoRecord& selected() const;
  [[nodiscard]] const LtMatmulTypes& types() const { return types_; }
  [[nodiscard]] cublasLtHandle_t handle() const { return handle_.get(); }
  [[nodiscard]] const CublasLtGemmOptions& options() const { return options_; }

 private:
  GemmOperands operands_;
  uint16_t* d_ = nullptr;
  CublasLtGemmOptions options_;
  LtMatmulTypes types_;
  LtHandle handle_;
  LtMatmulDesc desc_;
  LtMatrixLayout layout_a_, layout_b_, layout_d_;  // cuBLAS A (our B), cuBLAS B (our A), C = D
  DeviceBuffer workspace_;
  DeviceBuffer unit_scales_;  // kPerTensor: {1.0f, 1.0f}
  std::optional<cublasLtMatmulAlgo_t> algo_;
  AlgoRecord selected_;
};

}  // namespace gemmtune
