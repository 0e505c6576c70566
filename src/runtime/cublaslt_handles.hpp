#pragma once
/// Move-only owners of cuBLASLt objects (handle, matmul descriptor, matrix layout, preference),
/// attribute setters, and the conversion between cublasLtMatmulAlgo_t and AlgoRecord.
#include <cublasLt.h>

#include <cstdint>

#include "core/cublaslt_algo_record.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/owned_handle.hpp"

namespace gemmtune {

using LtHandle = OwnedHandle<cublasLtHandle_t, cublasStatus_t, cublasLtDestroy>;
using LtMatmulDesc = OwnedHandle<cublasLtMatmulDesc_t, cublasStatus_t, cublasLtMatmulDescDestroy>;
using LtMatrixLayout = OwnedHandle<cublasLtMatrixLayout_t, cublasStatus_t, cublasLtMatrixLayoutDestroy>;
using LtPreference = OwnedHandle<cublasLtMatmulPreference_t, cublasStatus_t, cublasLtMatmulPreferenceDestroy>;

[[nodiscard]] LtHandle create_lt_handle();
[[nodiscard]] LtMatmulDesc create_matmul_desc(cublasComputeType_t compute_type, cudaDataType_t scale_type);
/// Column-major layout of a rows x cols matrix with leading dimension `ld` (elements).
[[nodiscard]] LtMatrixLayout create_matrix_layout(cudaDataType_t type, uint64_t rows, uint64_t cols, int64_t ld);
/// A preference allowing up to `max_workspace_bytes` of workspace.
[[nodiscard]] LtPreference create_preference(uint64_t max_workspace_bytes);

/// Sets a matmul descriptor attribute of the exact type the attribute documents (cublasLt.h).
template <typename T>
void set_attribute(const LtMatmulDesc& desc, cublasLtMatmulDescAttributes_t attribute, const T& value) {
  GT_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.get(), attribute, &value, sizeof(value)));
}

/// The data types of one matmul, as AlgoGetIds / AlgoInit want them.
struct LtMatmulTypes {
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  cudaDataType_t scale = CUDA_R_32F;
  cudaDataType_t a = CUDA_R_8F_E4M3;
  cudaDataType_t b = CUDA_R_8F_E4M3;
  cudaDataType_t c = CUDA_R_16BF;
  cudaDataType_t d = CUDA_R_16BF;
};

/// cublasLtMatmulAlgoInit(record.algo_id) and every configuration attribute of `record`.
/// Throws if the algorithm id or an attribute is rejected.
[[nodiscard]] cublasLtMatmulAlgo_t build_algo(cublasLtHandle_t handle, const LtMatmulTypes& types,
                                              const AlgoRecord& record);
/// Reads the configuration attributes of `algo` (workspace and waves left 0).
[[nodiscard]] AlgoRecord describe_algo(const cublasLtMatmulAlgo_t& algo);

}  // namespace gemmtune
