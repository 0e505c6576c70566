#include "runtime/support_module.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <mutex>

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/support_sources.hpp"

namespace gemmtune {

namespace {

/// NOTE: the support kernels use no architecture-specific feature ("a" targets), only the e4m3
/// conversions of sm_89+, so they are built for the device's own compute capability.
std::unique_ptr<SupportKernels> load_support_kernels(int device) {
  int major = 0, minor = 0;
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  const std::string arch = "sm_" + std::to_string(major * 10 + minor);
  const jit::CompileResult compiled = jit::compile(support_compile_request(arch));
  GT_CHECK(compiled.ok, kExitCudaError, "support kernels failed to compile for " + arch + ":\n" + compiled.log);
  spdlog::debug("support kernels for {}: {} ({:.2f} s)", arch, compiled.cache_hit ? "cache hit" : "compiled",
                compiled.compile_seconds);
  auto kernels = std::make_unique<SupportKernels>();
  kernels->module = Module(compiled.cubin, "support_" + arch);
  kernels->quantize = kernels->module.kernel(kSupportQuantizeKernel);
  kernels->reference_dequantized = kernels->module.kernel(kSupportReferenceDequantizedKernel);
  kernels->reference_f32 = kernels->module.kernel(kSupportReferenceF32Kernel);
  kernels->compare = kernels->module.kernel(kSupportCompareKernel);
  kernels->to_bf16 = kernels->module.kernel(kSupportToBf16Kernel);
  kernels->spin = kernels->module.kernel(kSupportSpinKernel);
  kernels->clock_probe = kernels->module.kernel(kSupportClockProbeKernel);
  kernels->stream_read_ldg = kernels->module.kernel(kSupportStreamReadLdgKernel);
  kernels->stream_read_bulk = kernels->module.kernel(kSupportStreamReadBulkKernel);
  return kernels;
}

}  // namespace

const SupportKernels& support_kernels() {
  static std::mutex mutex;
  // NOTE: deliberately leaked: unloading modules from a static destructor would race with
  // cudart's own teardown at exit; the process end releases everything anyway.
  static auto* per_device = new std::map<int, std::unique_ptr<SupportKernels>>();
  int device = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  const std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<SupportKernels>& entry = (*per_device)[device];
  if (!entry) entry = load_support_kernels(device);
  return *entry;
}

}  // namespace gemmtune
