// The worker's fault and hang hooks: the two kernels of kernels/support_test_hooks.cuh.
#include "runtime/test_hooks.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/module.hpp"

namespace gemmtune {

std::optional<TestHook> test_hook_for(const std::string& config_text) {
  const auto named = [&](const char* variable) {
    const char* value = std::getenv(variable);
    return value != nullptr && config_text == value;
  };
  if (named(kTestFaultConfigEnv)) return TestHook::kFault;
  if (named(kTestHangConfigEnv)) return TestHook::kHang;
  return std::nullopt;
}

cudaError_t run_test_hook(TestHook hook) {
  int device = 0, major = 0, minor = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  const char* kernel_name = hook == TestHook::kFault ? kTestHookTrapKernel : kTestHookHangKernel;
  const jit::CompileResult compiled = jit::compile(
      test_hooks_compile_request("sm_" + std::to_string(major * 10 + minor), kernel_name));
  GT_CHECK(compiled.ok, kExitCudaError, "test hook kernels failed to compile:\n" + compiled.log);
  const Module module(compiled.cubin, "support_test_hooks");
  const Kernel kernel = module.kernel(kernel_name);
  DeviceBuffer flag(sizeof(int));
  GT_CUDA_CHECK(cudaMemset(flag.get(), 0, sizeof(int)));
  void* flag_ptr = flag.get();
  void* hang_args[] = {&flag_ptr};
  spdlog::warn("test hook: launching {} instead of the measurement", kernel_name);
  launch_kernel_args(kernel, LaunchShape{}, nullptr,
                     hook == TestHook::kFault ? nullptr : hang_args);
  // NOTE: cudaDeviceSynchronize rather than the stream: the fault is reported at the next
  // synchronizing call, and for the hang this is where the worker blocks until it is killed.
  return cudaDeviceSynchronize();
}

}  // namespace gemmtune
