#pragma once
/// cuBLASLt's block-scaled GEMM as the baseline of a grouped problem (kernels/README.md "Grouped
/// GEMMs"): one matmul per non-empty group, each on compact copies of the group's A and sA
/// (cuBLASLt takes no leading dimension for block scales, and needs rows padded to 4) writing its
/// own D. Run as a loop of launches, or replayed from one CUDA graph so that launch cost does not
/// decide.
///
/// NOTE: the padded alternative (every group padded to the largest, one batched call) is not
/// offered: cuBLASLt 13.0 documents no batched mode for the block-scaled (VEC128 / BLK128x128)
/// scale layouts.
#include <cuda_runtime_api.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cublaslt_algo_record.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/owned_handle.hpp"
#include "runtime/support_inputs.hpp"

namespace gemmtune {

class GroupedCublasLt {
 public:
  /// Copies each non-empty group's A and sA, builds its matmul and selects cuBLASLt's heuristic
  /// algorithm. ok() is false (with why()) when cuBLASLt has no algorithm for some group.
  GroupedCublasLt(const GroupedInputs& inputs, cudaStream_t stream);
  ~GroupedCublasLt();
  GroupedCublasLt(const GroupedCublasLt&) = delete;
  GroupedCublasLt& operator=(const GroupedCublasLt&) = delete;

  [[nodiscard]] bool ok() const { return why_.empty(); }
  [[nodiscard]] const std::string& why() const { return why_; }
  /// One launch per non-empty group, in group order (asynchronous).
  void run(cudaStream_t stream) const;
  /// The same launches replayed from one CUDA graph captured on first use.
  void run_graph(cudaStream_t stream);
  /// Group g's output, bf16 [rows][n] (null for an empty group).
  [[nodiscard]] const uint16_t* output(int g) const;
  /// Group g's algorithm (the first non-empty group's when g is empty).
  [[nodiscard]] std::optional<AlgoRecord> algo(int g) const;

 private:
  struct Group;
  std::vector<std::unique_ptr<Group>> groups_;
  std::string why_;
  OwnedHandle<cudaGraphExec_t, cudaError_t, cudaGraphExecDestroy> graph_;
};

}  // namespace gemmtune
