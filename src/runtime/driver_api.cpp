#include "runtime/driver_api.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <atomic>
#include <mutex>

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"

namespace gemmtune {

namespace {

/// NOTE: the ABI version requested for every entry point. 12.0 introduced the newest of them
/// (cuTensorMapEncodeTiled); a driver older than 12.0 cannot run sm_90a code anyway.
constexpr unsigned int kDriverAbiVersion = 12000;

struct Availability {
  bool available = false;
  std::string why;
};

Availability probe_gpu() {
  // NOTE: cudart loads libcuda.so.1 itself; probing it first gives a precise reason.
  if (dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL) == nullptr) {
    return {false, "no CUDA driver found (libcuda.so.1 not loadable)"};
  }
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    return {false, std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(status) + ": " +
                       cudaGetErrorString(status)};
  }
  if (count == 0) return {false, "the CUDA driver reports no device"};
  return {true, {}};
}

const Availability& availability() {
  static const Availability cached = probe_gpu();
  return cached;
}

template <typename Fn>
void resolve(const char* symbol, Fn& fn) {
  void* address = nullptr;
  cudaDriverEntryPointQueryResult query = cudaDriverEntryPointSymbolNotFound;
  GT_CUDA_CHECK(cudaGetDriverEntryPointByVersion(symbol, &address, kDriverAbiVersion, cudaEnableDefault, &query));
  GT_CHECK(query == cudaDriverEntryPointSuccess && address != nullptr, kExitCudaError,
           std::string("driver entry point ") + symbol + " not found (query result " +
               std::to_string(static_cast<int>(query)) + ")");
  fn = reinterpret_cast<Fn>(address);
}

DriverApi resolve_all() {
  require_gpu();
  DriverApi api;
  resolve("cuDriverGetVersion", api.cuDriverGetVersion);
  resolve("cuGetErrorName", api.cuGetErrorName);
  resolve("cuGetErrorString", api.cuGetErrorString);
  resolve("cuCtxGetCurrent", api.cuCtxGetCurrent);
  resolve("cuModuleLoadData", api.cuModuleLoadData);
  resolve("cuModuleUnload", api.cuModuleUnload);
  resolve("cuModuleGetFunction", api.cuModuleGetFunction);
  resolve("cuFuncSetAttribute", api.cuFuncSetAttribute);
  resolve("cuFuncGetAttribute", api.cuFuncGetAttribute);
  resolve("cuLaunchKernelEx", api.cuLaunchKernelEx);
  resolve("cuOccupancyMaxActiveClusters", api.cuOccupancyMaxActiveClusters);
  resolve("cuTensorMapEncodeTiled", api.cuTensorMapEncodeTiled);
  return api;
}

std::once_flag g_resolve_once;
DriverApi g_api;
std::atomic<bool> g_resolved{false};

}  // namespace

const DriverApi& driver_api() {
  // NOTE: call_once re-runs the initializer if it threw, so a failure is reported on every call.
  std::call_once(g_resolve_once, [] {
    g_api = resolve_all();
    g_resolved = true;
  });
  return g_api;
}

bool gpu_available(std::string* why) {
  const Availability& a = availability();
  if (!a.available && why != nullptr) *why = a.why;
  return a.available;
}

void require_gpu() {
  std::string why;
  if (!gpu_available(&why)) throw Error(kExitNoGpu, "no CUDA GPU found: " + why);
}

CUcontext ensure_context() {
  const DriverApi& api = driver_api();
  // NOTE: any runtime call that needs the device initializes and binds its primary context.
  GT_CUDA_CHECK(cudaFree(nullptr));
  CUcontext context = nullptr;
  GT_CU_CHECK(api.cuCtxGetCurrent(&context));
  GT_CHECK(context != nullptr, kExitCudaError, "no current CUDA context after cudaFree(nullptr)");
  return context;
}

std::string driver_error_text(CUresult status) {
  const char* name = nullptr;
  const char* message = nullptr;
  if (g_resolved) {
    g_api.cuGetErrorName(status, &name);
    g_api.cuGetErrorString(status, &message);
  }
  return std::string(name != nullptr ? name : "CUresult " + std::to_string(static_cast<int>(status))) + ": " +
         (message != nullptr ? message : "(no message)");
}

}  // namespace gemmtune
