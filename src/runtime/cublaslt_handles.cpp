#include "runtime/cublaslt_handles.hpp"

namespace gemmtune {

LtHandle create_lt_handle() {
  cublasLtHandle_t handle = nullptr;
  GT_CUBLAS_CHECK(cublasLtCreate(&handle));
  return LtHandle(handle);
}

LtMatmulDesc create_matmul_desc(cublasComputeType_t compute_type, cudaDataType_t scale_type) {
  cublasLtMatmulDesc_t desc = nullptr;
  GT_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc, compute_type, scale_type));
  return LtMatmulDesc(desc);
}

LtMatrixLayout create_matrix_layout(cudaDataType_t type, uint64_t rows, uint64_t cols, int64_t ld) {
  cublasLtMatrixLayout_t layout = nullptr;
  GT_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&layout, type, rows, cols, ld));
  return LtMatrixLayout(layout);
}

LtPreference create_preference(uint64_t max_workspace_bytes) {
  cublasLtMatmulPreference_t preference = nullptr;
  GT_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&preference));
  LtPreference owned(preference);
  GT_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                       &max_workspace_bytes, sizeof(max_workspace_bytes)));
  return owned;
}

namespace {

template <typename T>
void set_config(cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attribute, T value) {
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoConfigSetAttribute(&algo, attribute, &value, sizeof(value)));
}

template <typename T>
T get_config(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attribute) {
  T value{};
  size_t written = 0;
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoConfigGetAttribute(&algo, attribute, &value, sizeof(value), &written));
  return value;
}

}  // namespace

// NOTE: attribute value types follow cublasLt.h (cublasLtMatmulAlgoConfigAttributes_t): ID and
// SPLITK_NUM int32_t; INNER_SHAPE_ID and CLUSTER_SHAPE_ID uint16_t; the others uint32_t.
cublasLtMatmulAlgo_t build_algo(cublasLtHandle_t handle, const LtMatmulTypes& t, const AlgoRecord& r) {
  cublasLtMatmulAlgo_t algo{};
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoInit(handle, t.compute, t.scale, t.a, t.b, t.c, t.d, r.algo_id, &algo));
  set_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID, r.tile_id);
  set_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, r.stages_id);
  set_config<int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, r.split_k);
  set_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, r.reduction_scheme);
  set_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, r.cta_swizzling);
  set_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, r.custom_option);
  set_config<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID, r.inner_shape_id);
  set_config<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, r.cluster_shape_id);
  return algo;
}

AlgoRecord describe_algo(const cublasLtMatmulAlgo_t& algo) {
  AlgoRecord r;
  r.algo_id = get_config<int32_t>(algo, CUBLASLT_ALGO_CONFIG_ID);
  r.tile_id = get_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID);
  r.stages_id = get_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID);
  r.split_k = get_config<int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
  r.reduction_scheme = get_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME);
  r.cta_swizzling = get_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING);
  r.custom_option = get_config<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION);
  r.inner_shape_id = get_config<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID);
  r.cluster_shape_id = get_config<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
  return r;
}

}  // namespace gemmtune
