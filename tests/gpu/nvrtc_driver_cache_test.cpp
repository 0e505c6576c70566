// NVRTC beside a loaded driver: since CUDA 12.9 NVRTC can answer a repeated source from the
// driver's compute cache without running ptxas, and then the -v report (registers, spills) is
// missing. gemmtune compiles with --no-cache (nvrtc_compile.cpp); this test fails without it.
// On a machine without a driver NVRTC's cache is off, so the test needs the GPU.
#include <gtest/gtest.h>

#include "core/kernel_config.hpp"
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "jit/nvrtc_compile.hpp"

namespace gemmtune {
namespace {

TEST(NvrtcBesideTheDriver, ASecondCompileOfOneSourceStillReportsRegistersAndSpills) {
  GT_SKIP_WITHOUT_GPU();
  ensure_context();  // the driver loaded and initialized first, as in a sweep's worker
  const KernelConfig config = *parse_kernel_config("bm128_bn128_s5_mcB_sm132_rN8_sk1", nullptr);
  const jit::CompileRequest request = jit::kernel_request(config);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const jit::NvrtcOutcome outcome = jit::compile_with_nvrtc(request);
    ASSERT_TRUE(outcome.result.ok) << "attempt " << attempt << ": " << outcome.result.log;
    EXPECT_GT(outcome.result.ptxas.registers, 0) << "attempt " << attempt << ": no ptxas report in the log";
    EXPECT_GE(outcome.result.ptxas.spill_store_bytes, 0) << "attempt " << attempt;
    EXPECT_GE(outcome.result.ptxas.spill_load_bytes, 0) << "attempt " << attempt;
  }
}

}  // namespace
}  // namespace gemmtune
