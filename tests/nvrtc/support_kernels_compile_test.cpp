// The support kernels (kernels/support_*.cuh) are NVRTC-clean and compile for sm_90/sm_90a
// without spills: checked on machines without a GPU.
#include <gtest/gtest.h>

#include "runtime/support_sources.hpp"
#include "runtime/test_hooks.hpp"

namespace gemmtune {
namespace {

class SupportKernelsCompile : public ::testing::TestWithParam<const char*> {};

TEST_P(SupportKernelsCompile, CompilesWithoutSpills) {
  const jit::CompileResult r = jit::compile(support_compile_request(GetParam()));
  ASSERT_TRUE(r.ok) << r.log;
  EXPECT_FALSE(r.cubin.empty());
  EXPECT_EQ(r.ptxas.spill_store_bytes, 0) << r.log;
  EXPECT_EQ(r.ptxas.spill_load_bytes, 0) << r.log;
  for (const char* symbol : {kSupportQuantizeKernel, kSupportReferenceDequantizedKernel, kSupportReferenceF32Kernel,
                             kSupportCompareKernel, kSupportToBf16Kernel, kSupportSpinKernel,
                             kSupportClockProbeKernel, kSupportStreamReadLdgKernel,
                             kSupportStreamReadBulkKernel}) {
    // NOTE: extern "C" names appear verbatim in the cubin's symbol table.
    const std::string_view cubin(r.cubin.data(), r.cubin.size());
    EXPECT_NE(cubin.find(symbol), std::string_view::npos) << symbol;
  }
}

INSTANTIATE_TEST_SUITE_P(Arch, SupportKernelsCompile, ::testing::Values("sm_90", "sm_90a"));

TEST(TestHookKernels, CompileNvrtcCleanWithBothSymbols) {
  const jit::CompileResult r =
      jit::compile(test_hooks_compile_request("sm_90", kTestHookTrapKernel));
  ASSERT_TRUE(r.ok) << r.log;
  const std::string_view cubin(r.cubin.data(), r.cubin.size());
  for (const char* symbol : {kTestHookTrapKernel, kTestHookHangKernel}) {
    EXPECT_NE(cubin.find(symbol), std::string_view::npos) << symbol;
  }
}

}  // namespace
}  // namespace gemmtune
