#include "runtime/module.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/driver_api.hpp"

namespace gemmtune {

void Kernel::set_max_dynamic_smem(int smem_bytes) const {
  GT_CU_CHECK(driver_api().cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem_bytes));
}

int Kernel::attribute(CUfunction_attribute attribute) const {
  int value = 0;
  GT_CU_CHECK(driver_api().cuFuncGetAttribute(&value, attribute, function));
  return value;
}

void launch_kernel_args(const Kernel& kernel, const LaunchShape& shape, cudaStream_t stream, void** args) {
  spdlog::trace("launch {} grid ({}, {}, {}) block {} smem {} B cluster {}", kernel.name, shape.grid.x,
                shape.grid.y, shape.grid.z, shape.block.x, shape.smem_bytes, shape.cluster_x);
  CUlaunchAttribute cluster{};
  cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  cluster.value.clusterDim.x = shape.cluster_x;
  cluster.value.clusterDim.y = 1;
  cluster.value.clusterDim.z = 1;
  CUlaunchConfig config{};
  config.gridDimX = shape.grid.x;
  config.gridDimY = shape.grid.y;
  config.gridDimZ = shape.grid.z;
  config.blockDimX = shape.block.x;
  config.blockDimY = shape.block.y;
  config.blockDimZ = shape.block.z;
  config.sharedMemBytes = shape.smem_bytes;
  config.hStream = stream;  // NOTE: cudaStream_t and CUstream are the same type (CUstream_st*).
  config.attrs = shape.cluster_x > 1 ? &cluster : nullptr;
  config.numAttrs = shape.cluster_x > 1 ? 1 : 0;
  GT_CU_CHECK(driver_api().cuLaunchKernelEx(&config, kernel.function, args, nullptr));
}

Module::Module(const std::vector<char>& cubin, std::string name) : name_(std::move(name)) {
  GT_CHECK(!cubin.empty(), kExitCudaError, "empty cubin for module " + name_);
  ensure_context();
  GT_CU_CHECK(driver_api().cuModuleLoadData(&module_, cubin.data()));
}

Module::~Module() {
  if (module_ != nullptr) driver_api().cuModuleUnload(module_);
}

Kernel Module::kernel(const std::string& kernel_name) const {
  Kernel k{.function = nullptr, .name = kernel_name};
  const CUresult status = driver_api().cuModuleGetFunction(&k.function, module_, kernel_name.c_str());
  GT_CHECK(status == CUDA_SUCCESS, kExitCudaError,
           "module " + name_ + " has no kernel " + kernel_name + ": " + driver_error_text(status));
  return k;
}

}  // namespace gemmtune
