// Tensor maps, workspace and cuLaunchKernelEx for the sm90_fp8_gemm_1d2d family. The box shapes
// here must match what kernels/sm90_fp8_gemm_1d2d.cuh loads and stores per stage.
#include "runtime/gemm_launcher.hpp"

#include <cuda_runtime_api.h>

#include <array>

#include "core/error.hpp"
#include "runtime/driver_api.hpp"

namespace gemmtune::runtime {
namespace {

static_assert(sizeof(TensorMapBytes) == sizeof(CUtensorMap), "CUtensorMap size changed");

TensorMapBytes encode_2d(CUtensorMapDataType type, const void* base, uint64_t inner, uint64_t outer,
                         uint64_t row_bytes, uint32_t box_inner, uint32_t box_outer,
                         CUtensorMapSwizzle swizzle) {
  TensorMapBytes map{};
  const std::array<cuuint64_t, 2> dims{inner, outer};
  const std::array<cuuint64_t, 1> strides{row_bytes};
  const std::array<cuuint32_t, 2> box{box_inner, box_outer};
  const std::array<cuuint32_t, 2> element_strides{1, 1};
  // NOTE: OOB elements are filled with zeros (FLOAT_OOB_FILL_NONE), which is what makes ragged
  // M, N and K tiles correct: zero rows/columns contribute nothing to the dot products.
  GT_CU_CHECK(driver().cuTensorMapEncodeTiled(
      reinterpret_cast<CUtensorMap*>(&map), type, 2, const_cast<void*>(base), dims.data(),
      strides.data(), box.data(), element_strides.data(), CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
  return map;
}

}  // namespace

GemmKernel::GemmKernel(const KernelConfig& config, const std::vector<char>& cubin,
                       const std::string& kernel_name)
    : config_(config) {
  CUmodule module = nullptr;
  GT_CU_CHECK(driver().cuModuleLoadData(&module, cubin.data()));
  module_ = module;
  CUfunction function = nullptr;
  const CUresult found = driver().cuModuleGetFunction(&function, module, kernel_name.c_str());
  if (found != CUDA_SUCCESS) {
    driver().cuModuleUnload(module);
    module_ = nullptr;
    GT_CU_CHECK(found);
  }
  function_ = function;
  GT_CU_CHECK(driver().cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                          static_cast<int>(smem_layout(config_).total_bytes)));
}

GemmKernel::~GemmKernel() {
  if (module_ != nullptr) driver().cuModuleUnload(static_cast<CUmodule>(module_));
}

GemmKernel::GemmKernel(GemmKernel&& other) noexcept
    : config_(other.config_), module_(other.module_), function_(other.function_) {
  other.module_ = nullptr;
  other.function_ = nullptr;
}

PreparedGemm::PreparedGemm(const GemmKernel& kernel, const GemmOperands& op) : kernel_(kernel) {
  const KernelConfig& c = kernel.config();
  const uint64_t m_pad4 = (op.m + 3) / 4 * 4;
  const uint64_t num_kb = num_k_blocks(op.k);
  const uint32_t a_box_rows = c.multicast == Multicast::kA ? c.block_m / 2 : c.block_m;
  const uint32_t b_box_rows = c.multicast == Multicast::kB ? c.block_n / 2 : c.block_n;
  tmap_a_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, op.a, op.k, op.m, op.k, 128, a_box_rows,
                      CU_TENSOR_MAP_SWIZZLE_128B);
  tmap_b_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_UINT8, op.b, op.k, op.n, op.k, 128, b_box_rows,
                      CU_TENSOR_MAP_SWIZZLE_128B);
  tmap_sa_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_FLOAT32, op.sa, m_pad4, num_kb, m_pad4 * 4,
                       c.block_m, 1, CU_TENSOR_MAP_SWIZZLE_NONE);
  tmap_d_ = encode_2d(CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, op.d, op.n, op.m, op.n * 2, c.block_n,
                      c.block_m, CU_TENSOR_MAP_SWIZZLE_NONE);
  params_.m = static_cast<int>(op.m);
  params_.n = static_cast<int>(op.n);
  params_.k = static_cast<int>(op.k);
  params_.sb_ld = static_cast<int>(sb_leading_dim(op.k));
  params_.sb = op.sb;
  params_.d = static_cast<unsigned short*>(op.d);
  if (c.split_k > 1) {
    const int64_t tiles = ((op.m + c.block_m - 1) / c.block_m) * ((op.n + c.block_n - 1) / c.block_n);
    const int64_t partial_bytes = int64_t{c.split_k} * op.m * op.n * 4;
    GT_CUDA_CHECK(cudaMalloc(&workspace_, partial_bytes + tiles * 4));
    GT_CUDA_CHECK(cudaMemset(static_cast<char*>(workspace_) + partial_bytes, 0, tiles * 4));
    params_.workspace = static_cast<float*>(workspace_);
    params_.tile_counters =
        reinterpret_cast<unsigned int*>(static_cast<char*>(workspace_) + partial_bytes);
  }
}

PreparedGemm::~PreparedGemm() {
  if (workspace_ != nullptr) cudaFree(workspace_);
}

namespace {

/// Launch configuration of a persistent grid of `c.num_sms` CTAs; `attr` receives the cluster
/// dimension and must outlive the returned struct.
CUlaunchConfig launch_config(const KernelConfig& c, CUstream stream, CUlaunchAttribute& attr) {
  attr.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attr.value.clusterDim.x = static_cast<unsigned>(c.cluster_size());
  attr.value.clusterDim.y = 1;
  attr.value.clusterDim.z = 1;
  CUlaunchConfig launch{};
  launch.gridDimX = static_cast<unsigned>(c.num_sms);
  launch.gridDimY = 1;
  launch.gridDimZ = 1;
  launch.blockDimX = static_cast<unsigned>(c.threads());
  launch.blockDimY = 1;
  launch.blockDimZ = 1;
  launch.sharedMemBytes = static_cast<unsigned>(smem_layout(c).total_bytes);
  launch.hStream = stream;
  launch.attrs = &attr;
  launch.numAttrs = c.cluster_size() > 1 ? 1 : 0;
  return launch;
}

}  // namespace

int GemmKernel::max_active_clusters() const {
  CUlaunchAttribute attr{};
  CUlaunchConfig launch = launch_config(config_, nullptr, attr);
  launch.numAttrs = 1;  // a cluster of 1 for non-multicast configs: then it counts CTAs
  int clusters = 0;
  GT_CU_CHECK(driver().cuOccupancyMaxActiveClusters(&clusters, static_cast<CUfunction>(function_),
                                                    &launch));
  return clusters;
}

void PreparedGemm::launch(cudaStream_t stream) const {
  const KernelConfig& c = kernel_.config();
  CUlaunchAttribute attr{};
  const CUlaunchConfig launch = launch_config(c, reinterpret_cast<CUstream>(stream), attr);
  void* args[] = {const_cast<TensorMapBytes*>(&tmap_a_), const_cast<TensorMapBytes*>(&tmap_b_),
                  const_cast<TensorMapBytes*>(&tmap_sa_), const_cast<TensorMapBytes*>(&tmap_d_),
                  const_cast<GemmtuneGemmParams*>(&params_)};
  GT_CU_CHECK(driver().cuLaunchKernelEx(&launch, static_cast<CUfunction>(kernel_.function()), args,
                                        nullptr));
}

}  // namespace gemmtune::runtime
