#include "runtime/cublaslt_fp8_gemm.hpp"

#include <vector>

#include "core/error.hpp"

namespace gemmtune {
namespace {

/// `count` strided batches, `stride` elements apart.
void set_batches(const LtMatrixLayout& layout, int32_t count, int64_t stride) {
  GT_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(layout.get(), CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                                   sizeof(count)));
  GT_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(layout.get(), CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                   &stride, sizeof(stride)));
}

}  // namespace

CublasLtFp8Gemm::CublasLtFp8Gemm(const GemmOperands& operands, uint16_t* d, const CublasLtGemmOptions& options)
    : operands_(operands),
      d_(d),
      options_(options),
      handle_(create_lt_handle()),
      desc_(create_matmul_desc(types_.compute, types_.scale)),
      layout_a_(create_matrix_layout(types_.a, operands.k, operands.n, operands.k)),
      layout_b_(create_matrix_layout(types_.b, operands.k, operands.m_pad4, operands.k)),
      layout_d_(create_matrix_layout(types_.d, operands.n, operands.m_pad4, operands.n)),
      workspace_(options.workspace_bytes) {
  GT_CHECK(operands.m_pad4 % 4 == 0 && operands.m_pad4 >= operands.m, kExitUsage, "m_pad4 must be M rounded up to 4");
  GT_CHECK(options.batch_count >= 1, kExitUsage, "batch_count must be >= 1");
  if (options.batch_count > 1) {
    set_batches(layout_a_, options.batch_count, static_cast<int64_t>(operands.k) * operands.n);
    set_batches(layout_b_, options.batch_count, static_cast<int64_t>(operands.k) * operands.m_pad4);
    set_batches(layout_d_, options.batch_count, static_cast<int64_t>(operands.n) * operands.m_pad4);
  }
  const bool block = options.scaling == CublasLtScaling::kBlock;
  GT_CHECK(!(block && options.fast_accum), kExitUsage, "cuBLASLt block-scaled modes refuse fast accumulation");
  set_attribute<int32_t>(desc_, CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T);
  set_attribute<int32_t>(desc_, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
  set_attribute<int8_t>(desc_, CUBLASLT_MATMUL_DESC_FAST_ACCUM, options.fast_accum ? 1 : 0);
  const void* scale_a = operands.sb;  // cuBLAS A is our B
  const void* scale_b = operands.sa;
  if (block) {
    set_attribute<int32_t>(desc_, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F);
    set_attribute<int32_t>(desc_, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F);
  } else {
    // NOTE: each scale gets its own 256-byte-aligned slot: with the two floats adjacent
    // (B's scale at +4 bytes) the heuristic accepted the problem but cublasLtMatmul answered
    // CUBLAS_STATUS_NOT_SUPPORTED on the H200 (cuBLASLt 13.1) for every shape.
    constexpr size_t kSlotFloats = 64;
    std::vector<float> unit(2 * kSlotFloats, 1.0f);
    unit_scales_ = DeviceBuffer(unit.size() * sizeof(float));
    unit_scales_.upload(unit);
    scale_a = unit_scales_.as<float>();
    scale_b = unit_scales_.as<float>() + kSlotFloats;
  }
  set_attribute(desc_, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, scale_a);
  set_attribute(desc_, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, scale_b);
}

std::optional<AlgoRecord> CublasLtFp8Gemm::select_heuristic(std::string* why) {
  const LtPreference preference = create_preference(options_.workspace_bytes);
  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  const cublasStatus_t status =
      cublasLtMatmulAlgoGetHeuristic(handle_.get(), desc_.get(), layout_a_.get(), layout_b_.get(), layout_d_.get(),
                                     layout_d_.get(), preference.get(), 1, &result, &returned);
  if (status != CUBLAS_STATUS_SUCCESS || returned == 0 || result.state != CUBLAS_STATUS_SUCCESS) {
    if (why != nullptr) {
      *why = std::string("cuBLASLt heuristic found no algorithm: ") +
             cublasLtGetStatusName(status != CUBLAS_STATUS_SUCCESS ? status : result.state);
    }
    return std::nullopt;
  }
  algo_ = result.algo;
  selected_ = describe_algo(result.algo);
  selected_.workspace_bytes = result.workspaceSize;
  selected_.waves_count = result.wavesCount;
  return selected_;
}

std::optional<AlgoRecord> CublasLtFp8Gemm::check(const AlgoRecord& record, std::string* why) const {
  const cublasLtMatmulAlgo_t algo = build_algo(handle_.get(), types_, record);
  cublasLtMatmulHeuristicResult_t result{};
  const cublasStatus_t status = cublasLtMatmulAlgoCheck(handle_.get(), desc_.get(), layout_a_.get(), layout_b_.get(),
                                                        layout_d_.get(), layout_d_.get(), &algo, &result);
  if (status != CUBLAS_STATUS_SUCCESS) {
    if (why != nullptr) *why = std::string("cublasLtMatmulAlgoCheck: ") + cublasLtGetStatusName(status);
    return std::nullopt;
  }
  if (result.workspaceSize > options_.workspace_bytes) {
    if (why != nullptr) *why = "needs " + std::to_string(result.workspaceSize) + " bytes of workspace";
    return std::nullopt;
  }
  AlgoRecord checked = record;
  checked.workspace_bytes = result.workspaceSize;
  checked.waves_count = result.wavesCount;
  return checked;
}

bool CublasLtFp8Gemm::select(const AlgoRecord& record, std::string* why) {
  const std::optional<AlgoRecord> checked = check(record, why);
  if (!checked) return false;
  algo_ = build_algo(handle_.get(), types_, *checked);
  selected_ = *checked;
  return true;
}

void CublasLtFp8Gemm::run(cudaStream_t stream) const {
  GT_CHECK(algo_.has_value(), kExitUsage, "CublasLtFp8Gemm::run before an algorithm was selected");
  const float alpha = 1.0f;
  const float beta = 0.0f;
  GT_CUBLAS_CHECK(cublasLtMatmul(handle_.get(), desc_.get(), &alpha, operands_.b, layout_a_.get(), operands_.a,
                                 layout_b_.get(), &beta, d_, layout_d_.get(), d_, layout_d_.get(), &*algo_,
                                 workspace_.get(), options_.workspace_bytes, stream));
}

std::function<void(cudaStream_t)> CublasLtFp8Gemm::launcher() const {
  return [this](cudaStream_t stream) { run(stream); };
}

const AlgoRecord& CublasLtFp8Gemm::selected() const {
  GT_CHECK(algo_.has_value(), kExitUsage, "no cuBLASLt algorithm selected");
  return selected_;
}

}  // namespace gemmtune
