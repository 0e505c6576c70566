#pragma once
/// The CUDA driver API, resolved at run time through cudart's cudaGetDriverEntryPointByVersion:
/// the binary never links -lcuda, so it starts (and reports "no GPU") on machines without a
/// driver (a CI or build host). Also: GPU detection with a one-line reason.
#include <cuda.h>
#include <cudaTypedefs.h>

#include <string>

namespace gemmtune {

/// Driver entry points gemmtune uses, in their CUDA 12.0 ABI (cudaTypedefs.h).
struct DriverApi {
  PFN_cuDriverGetVersion_v2020 cuDriverGetVersion = nullptr;
  PFN_cuGetErrorName_v6000 cuGetErrorName = nullptr;
  PFN_cuGetErrorString_v6000 cuGetErrorString = nullptr;
  PFN_cuCtxGetCurrent_v4000 cuCtxGetCurrent = nullptr;
  PFN_cuModuleLoadData_v2000 cuModuleLoadData = nullptr;
  PFN_cuModuleUnload_v2000 cuModuleUnload = nullptr;
  PFN_cuModuleGetFunction_v2000 cuModuleGetFunction = nullptr;
  PFN_cuFuncSetAttribute_v9000 cuFuncSetAttribute = nullptr;
  PFN_cuFuncGetAttribute_v2020 cuFuncGetAttribute = nullptr;
  PFN_cuLaunchKernelEx_v11060 cuLaunchKernelEx = nullptr;
  PFN_cuOccupancyMaxActiveClusters_v11070 cuOccupancyMaxActiveClusters = nullptr;
  PFN_cuTensorMapEncodeTiled_v12000 cuTensorMapEncodeTiled = nullptr;
};

/// The resolved driver API (resolved once, thread-safe). Throws Error(kExitNoGpu) when there is
/// no usable GPU, Error(kExitCudaError) when the driver lacks one of the entry points.
[[nodiscard]] const DriverApi& driver_api();

/// True when a CUDA driver is loadable and at least one device is visible. Otherwise false, and
/// *why (if not null) gets a one-line reason. The answer is computed once per process.
[[nodiscard]] bool gpu_available(std::string* why);

/// Throws Error(kExitNoGpu, "no CUDA GPU found: <reason>") unless gpu_available().
void require_gpu();

/// Makes the primary context of cudart's current device current on this thread (driver API calls
/// need one) and returns it.
CUcontext ensure_context();

/// "CUDA_ERROR_NAME: message" for a driver status (the number alone if the driver is not loaded).
[[nodiscard]] std::string driver_error_text(CUresult status);

}  // namespace gemmtune
