#include "runtime/accuracy_cublaslt.hpp"

#include "core/error.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/cublaslt_handles.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"

namespace gemmtune {

bool run_lt_gemm(const LtGemmSpec& spec, const void* a, const void* b, void* d, int64_t rows, int64_t n, int64_t k,
                 cudaStream_t stream, std::string* why) {
  const LtHandle handle = create_lt_handle();
  const LtMatmulDesc desc = create_matmul_desc(spec.compute, spec.scale_type);
  set_attribute<int32_t>(desc, CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T);
  set_attribute<int32_t>(desc, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
  const bool fp8 = spec.input_type == CUDA_R_8F_E4M3;
  if (fp8) set_attribute<int8_t>(desc, CUBLASLT_MATMUL_DESC_FAST_ACCUM, spec.fast_accum ? 1 : 0);
  // cuBLAS A is our B, cuBLAS B is our A.
  if (spec.b_scale_mode) set_attribute<int32_t>(desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, *spec.b_scale_mode);
  if (spec.a_scale_mode) set_attribute<int32_t>(desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, *spec.a_scale_mode);
  if (spec.b_scale != nullptr) set_attribute(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, spec.b_scale);
  if (spec.a_scale != nullptr) set_attribute(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, spec.a_scale);
  const LtMatrixLayout layout_a = create_matrix_layout(spec.input_type, k, n, k);
  const LtMatrixLayout layout_b = create_matrix_layout(spec.input_type, k, rows, k);
  const LtMatrixLayout layout_d = create_matrix_layout(spec.output_type, n, rows, n);
  const LtPreference preference = create_preference(kCublasLtWorkspaceBytes);
  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  const cublasStatus_t found =
      cublasLtMatmulAlgoGetHeuristic(handle.get(), desc.get(), layout_a.get(), layout_b.get(), layout_d.get(),
                                     layout_d.get(), preference.get(), 1, &result, &returned);
  if (found != CUBLAS_STATUS_SUCCESS || returned == 0 || result.state != CUBLAS_STATUS_SUCCESS) {
    if (why != nullptr) {
      *why = std::string("cuBLASLt heuristic found no algorithm: ") +
             cublasLtGetStatusName(found != CUBLAS_STATUS_SUCCESS ? found : result.state);
    }
    return false;
  }
  const DeviceBuffer workspace(kCublasLtWorkspaceBytes);
  const double alpha64 = 1.0, beta64 = 0.0;
  const float alpha32 = 1.0f, beta32 = 0.0f;
  const bool wide = spec.scale_type == CUDA_R_64F;
  const cublasStatus_t status = cublasLtMatmul(
      handle.get(), desc.get(), wide ? static_cast<const void*>(&alpha64) : &alpha32, b, layout_a.get(), a,
      layout_b.get(), wide ? static_cast<const void*>(&beta64) : &beta32, d, layout_d.get(), d, layout_d.get(),
      &result.algo, workspace.get(), kCublasLtWorkspaceBytes, stream);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED) {
    if (why != nullptr) *why = "cublasLtMatmul: CUBLAS_STATUS_NOT_SUPPORTED";
    return false;
  }
  GT_CUBLAS_CHECK(status);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return true;
}

}  // namespace gemmtune
