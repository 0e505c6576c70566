#pragma once
/// The CUDA driver API, resolved at run time through cudart (never linked with -lcuda), so the
/// binary starts on machines without a driver (shared/DEVICE.md).
#include <cuda.h>
#include <cudaTypedefs.h>

#include <string>

namespace gemmtune::runtime {

/// Driver entry points gemmtune uses; resolved once, on first use.
struct DriverApi {
  PFN_cuModuleLoadData_v2000 cuModuleLoadData = nullptr;
  PFN_cuModuleUnload_v2000 cuModuleUnload = nullptr;
  PFN_cuModuleGetFunction_v2000 cuModuleGetFunction = nullptr;
  PFN_cuFuncSetAttribute_v9000 cuFuncSetAttribute = nullptr;
  PFN_cuLaunchKernelEx_v11060 cuLaunchKernelEx = nullptr;
  PFN_cuTensorMapEncodeTiled_v12000 cuTensorMapEncodeTiled = nullptr;
  PFN_cuGetErrorString_v6000 cuGetErrorString = nullptr;
  PFN_cuOccupancyMaxActiveClusters_v11070 cuOccupancyMaxActiveClusters = nullptr;
};

/// Resolves the entry points (initialising the CUDA runtime); throws gemmtune::Error with
/// kExitNoGpu when no driver or device is present.
[[nodiscard]] const DriverApi& driver();

/// "CUDA_ERROR_X: message" for a driver result code.
[[nodiscard]] std::string driver_error_string(CUresult result);

}  // namespace gemmtune::runtime

/// Checks a driver call; throws gemmtune::Error(kExitCudaError) naming the call and the error.
#define GT_CU_CHECK(call)                                                                        \
  do {                                                                                           \
    const CUresult gt_cu_result_ = (call);                                                       \
    if (gt_cu_result_ != CUDA_SUCCESS) {                                                         \
      throw ::gemmtune::Error(::gemmtune::kExitCudaError,                                        \
                              std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " +    \
                                  #call + ": " +                                                 \
                                  ::gemmtune::runtime::driver_error_string(gt_cu_result_));      \
    }                                                                                            \
  } while (0)

/// Checks a runtime call; throws gemmtune::Error(kExitCudaError) naming the call and the error.
#define GT_CUDA_CHECK(call)                                                                      \
  do {                                                                                           \
    const cudaError_t gt_cuda_result_ = (call);                                                  \
    if (gt_cuda_result_ != cudaSuccess) {                                                        \
      throw ::gemmtune::Error(::gemmtune::kExitCudaError,                                        \
                              std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " +    \
                                  #call + ": " + cudaGetErrorName(gt_cuda_result_) + ": " +      \
                                  cudaGetErrorString(gt_cuda_result_));                          \
    }                                                                                            \
  } while (0)
