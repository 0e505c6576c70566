// The driver API resolved at run time, device properties, NVML and the support module.
#include <gtest/gtest.h>

#include "gpu_test_support.hpp"
#include "runtime/environment.hpp"
#include "runtime/support_module.hpp"

namespace gemmtune {
namespace {

TEST(DriverApi, ResolvesEveryEntryPoint) {
  GT_SKIP_WITHOUT_GPU();
  const DriverApi& api = driver_api();
  const void* entry_points[] = {
      reinterpret_cast<const void*>(api.cuDriverGetVersion),    reinterpret_cast<const void*>(api.cuGetErrorName),
      reinterpret_cast<const void*>(api.cuGetErrorString),      reinterpret_cast<const void*>(api.cuCtxGetCurrent),
      reinterpret_cast<const void*>(api.cuModuleLoadData),      reinterpret_cast<const void*>(api.cuModuleUnload),
      reinterpret_cast<const void*>(api.cuModuleGetFunction),   reinterpret_cast<const void*>(api.cuFuncSetAttribute),
      reinterpret_cast<const void*>(api.cuFuncGetAttribute),    reinterpret_cast<const void*>(api.cuLaunchKernelEx),
      reinterpret_cast<const void*>(api.cuOccupancyMaxActiveClusters),
      reinterpret_cast<const void*>(api.cuTensorMapEncodeTiled)};
  for (const void* entry_point : entry_points) EXPECT_NE(entry_point, nullptr);
  int version = 0;
  ASSERT_EQ(api.cuDriverGetVersion(&version), CUDA_SUCCESS);
  EXPECT_GE(version, 12000);
  EXPECT_NE(ensure_context(), nullptr);
  EXPECT_NE(driver_error_text(CUDA_ERROR_INVALID_VALUE).find("CUDA_ERROR_INVALID_VALUE"), std::string::npos);
}

TEST(Environment, DevicePropertiesAreSane) {
  GT_SKIP_WITHOUT_GPU();
  const EnvironmentInfo e = gather_environment();
  ASSERT_TRUE(e.gpu_available);
  ASSERT_FALSE(e.devices.empty());
  EXPECT_GE(e.driver_cuda_version, e.runtime_version);
  EXPECT_GE(e.nvrtc_major, 12);
  EXPECT_GT(e.cublaslt_version, 0);
  for (const DeviceInfo& d : e.devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.cc_major, 8);
    EXPECT_GT(d.sm_count, 0);
    EXPECT_GT(d.max_sm_clock_mhz, 0);
    EXPECT_GT(d.l2_bytes, 1 << 20);
    EXPECT_GE(d.smem_per_block_optin_bytes, 48 * 1024);
    EXPECT_GT(d.global_mem_bytes, int64_t{1} << 30);
    if (d.clocks.available) {
      EXPECT_GT(d.clocks.sm_clock_mhz, 0);
      EXPECT_GT(d.clocks.power_w, 0.0);
    }
  }
}

TEST(SupportModule, LoadsEveryKernel) {
  GT_SKIP_WITHOUT_GPU();
  const SupportKernels& k = support_kernels();
  for (const Kernel* kernel : {&k.quantize, &k.reference_dequantized, &k.reference_f32, &k.compare, &k.to_bf16, &k.spin}) {
    EXPECT_NE(kernel->function, nullptr) << kernel->name;
    EXPECT_GT(kernel->attribute(CU_FUNC_ATTRIBUTE_NUM_REGS), 0) << kernel->name;
  }
  EXPECT_EQ(&support_kernels(), &k);  // loaded once
}

}  // namespace
}  // namespace gemmtune
