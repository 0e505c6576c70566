// Resolves the CUDA driver API through cudart's cudaGetDriverEntryPointByVersion, so gemmtune
// never links libcuda and starts (and reports "no GPU") on machines without a driver.
#include "runtime/driver_api.hpp"

#include <cuda_runtime_api.h>

#include <mutex>

#include "core/error.hpp"

namespace gemmtune::runtime {
namespace {

// NOTE: 12000 requests the CUDA 12.0 ABI of each entry point, the oldest that has all of them
// (cuTensorMapEncodeTiled appeared in 12.0); the PFN_*_vNNNN types above match those versions.
constexpr unsigned int kDriverAbiVersion = 12000;

template <class Fn>
void resolve(const char* symbol, Fn& out) {
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult status{};
  const cudaError_t err =
      cudaGetDriverEntryPointByVersion(symbol, &fn, kDriverAbiVersion, cudaEnableDefault, &status);
  if (err != cudaSuccess || status != cudaDriverEntryPointSuccess || fn == nullptr) {
    throw Error(kExitNoGpu, std::string("CUDA driver entry point ") + symbol +
                                " not available: " + cudaGetErrorString(err));
  }
  out = reinterpret_cast<Fn>(fn);
}

DriverApi load() {
  int devices = 0;
  const cudaError_t err = cudaGetDeviceCount(&devices);
  if (err != cudaSuccess) {
    throw Error(kExitNoGpu, std::string("no CUDA GPU usable: ") + cudaGetErrorName(err) + ": " +
                                cudaGetErrorString(err));
  }
  if (devices == 0) throw Error(kExitNoGpu, "no CUDA GPU found");
  DriverApi api;
  resolve("cuModuleLoadData", api.cuModuleLoadData);
  resolve("cuModuleUnload", api.cuModuleUnload);
  resolve("cuModuleGetFunction", api.cuModuleGetFunction);
  resolve("cuFuncSetAttribute", api.cuFuncSetAttribute);
  resolve("cuLaunchKernelEx", api.cuLaunchKernelEx);
  resolve("cuTensorMapEncodeTiled", api.cuTensorMapEncodeTiled);
  resolve("cuGetErrorString", api.cuGetErrorString);
  resolve("cuOccupancyMaxActiveClusters", api.cuOccupancyMaxActiveClusters);
  return api;
}

}  // namespace

const DriverApi& driver() {
  static std::once_flag once;
  static DriverApi api;
  static std::string failure;
  static ExitCode failure_code = kExitOk;
  std::call_once(once, [] {
    try {
      api = load();
    } catch (const Error& e) {
      failure = e.what();
      failure_code = e.code();
    }
  });
  if (failure_code != kExitOk) throw Error(failure_code, failure);
  return api;
}

std::string driver_error_string(CUresult result) {
  const char* text = nullptr;
  if (driver().cuGetErrorString != nullptr) driver().cuGetErrorString(result, &text);
  return "CUresult " + std::to_string(static_cast<int>(result)) + ": " + (text ? text : "unknown");
}

}  // namespace gemmtune::runtime
