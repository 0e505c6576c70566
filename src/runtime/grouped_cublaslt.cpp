// GroupedCublasLt: cuBLASLt block-scaled matmuls, one per group, as a grouped baseline.
#include "runtime/grouped_cublaslt.hpp"

#include <fmt/format.h>

#include "core/smem_layout.hpp"
#include "runtime/cuda_check.hpp"

namespace gemmtune {

struct GroupedCublasLt::Group {
  int index = 0;
  int rows = 0;
  DeviceBuffer a;   // e4m3 [rows_pad4][k], padding rows zero
  DeviceBuffer sa;  // fp32 [ceil(k/128)][rows_pad4], padding zero
  DeviceBuffer d;   // bf16 [rows_pad4][n]
  std::unique_ptr<CublasLtFp8Gemm> gemm;
  AlgoRecord algo;
};

GroupedCublasLt::GroupedCublasLt(const GroupedInputs& in, cudaStream_t stream) {
  const int64_t kb = num_k_blocks(in.k);
  for (int g = 0; g < in.groups; ++g) {
    if (in.rows[g] == 0) continue;
    auto group = std::make_unique<Group>();
    group->index = g;
    group->rows = static_cast<int>(in.rows[g]);
    const int rows_pad4 = (group->rows + 3) / 4 * 4;
    group->a = DeviceBuffer(static_cast<size_t>(rows_pad4) * in.k);
    group->sa = DeviceBuffer(static_cast<size_t>(kb) * rows_pad4 * sizeof(float));
    group->d = DeviceBuffer(static_cast<size_t>(rows_pad4) * in.n * 2);
    GT_CUDA_CHECK(cudaMemsetAsync(group->a.get(), 0, group->a.size_bytes(), stream));
    GT_CUDA_CHECK(cudaMemsetAsync(group->sa.get(), 0, group->sa.size_bytes(), stream));
    const GemmOperands src = in.group_operands(g);
    GT_CUDA_CHECK(cudaMemcpyAsync(group->a.get(), src.a, static_cast<size_t>(group->rows) * in.k,
                                  cudaMemcpyDeviceToDevice, stream));
    GT_CUDA_CHECK(cudaMemcpy2DAsync(group->sa.get(), rows_pad4 * sizeof(float), src.sa,
                                    in.m_pad4 * sizeof(float), group->rows * sizeof(float), kb,
                                    cudaMemcpyDeviceToDevice, stream));
    const GemmOperands op{.m = group->rows, .n = in.n, .k = in.k, .m_pad4 = rows_pad4,
                          .sb_ld = in.sb_ld, .a = group->a.as<uint8_t>(), .b = src.b,
                          .sa = group->sa.as<float>(), .sb = src.sb};
    group->gemm = std::make_unique<CublasLtFp8Gemm>(op, group->d.as<uint16_t>(),
                                                    CublasLtGemmOptions{});
    std::string why;
    const std::optional<AlgoRecord> algo = group->gemm->select_heuristic(&why);
    if (!algo) {
      why_ = fmt::format("cuBLASLt has no block-scaled algorithm for group {} ({} x {} x {}): {}",
                         g, group->rows, in.n, in.k, why);
      return;
    }
    group->algo = *algo;
    groups_.push_back(std::move(group));
  }
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

GroupedCublasLt::~GroupedCublasLt() = default;

void GroupedCublasLt::run(cudaStream_t stream) const {
  for (const auto& group : groups_) group->gemm->run(stream);
}

void GroupedCublasLt::run_graph(cudaStream_t stream) {
  if (graph_.get() == nullptr) {
    // NOTE: captured on the caller's stream so the graph's launches use its handle and
    // workspace exactly as run() does.
    cudaGraph_t graph = nullptr;
    GT_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    run(stream);
    GT_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t status = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    GT_CUDA_CHECK(status);
    graph_ = OwnedHandle<cudaGraphExec_t, cudaError_t, cudaGraphExecDestroy>(exec);
  }
  GT_CUDA_CHECK(cudaGraphLaunch(graph_.get(), stream));
}

const uint16_t* GroupedCublasLt::output(int g) const {
  for (const auto& group : groups_) {
    if (group->index == g) return group->d.as<uint16_t>();
  }
  return nullptr;
}

std::optional<AlgoRecord> GroupedCublasLt::algo(int g) const {
  for (const auto& group : groups_) {
    if (group->index == g) return group->algo;
  }
  if (!groups_.empty()) return groups_.front()->algo;
  return std::nullopt;
}

}  // namespace gemmtune
