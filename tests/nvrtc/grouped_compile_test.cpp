// The grouped members of sm90_fp8_gemm_1d2d compile for sm_90a without spills: the candidates
// the grouped benchmarks use (scripts/device_grouped_vs_deepgemm.sh), both layouts, and the
// generated source names the layout and the group table.
#include <gtest/gtest.h>

#include "jit/codegen_sm90_fp8_gemm_1d2d.hpp"
#include "jit/kernel_build.hpp"

namespace gemmtune::jit {
namespace {

TEST(GroupedCompile, GeneratedSourceCarriesTheLayout) {
  std::string error;
  const GeneratedKernel masked =
      generate_sm90_fp8_gemm_1d2d(*parse_kernel_config("bm64_bn128_s8_mc0_sm132_rN8_sk1_gM", &error));
  EXPECT_NE(masked.source.find("kGroupLayout = 2"), std::string::npos);
  EXPECT_NE(masked.kernel_name.find("_gM"), std::string::npos);
  const GeneratedKernel dense =
      generate_sm90_fp8_gemm_1d2d(*parse_kernel_config("bm64_bn128_s8_mc0_sm132_rN8_sk1", &error));
  EXPECT_NE(dense.source.find("kGroupLayout = 0"), std::string::npos);
  EXPECT_NE(dense.source.find("kGroupBands = 0"), std::string::npos);
  // Raster G: raster N (kRasterN) in groups that stop at the MoE groups' boundaries.
  const GeneratedKernel bands = generate_sm90_fp8_gemm_1d2d(
      *parse_kernel_config("bm128_bn192_s4_mc0_sm132_rG8_sk1_gC", &error));
  EXPECT_NE(bands.source.find("kRasterN = 1"), std::string::npos);
  EXPECT_NE(bands.source.find("kGroupBands = 1"), std::string::npos);
  EXPECT_NE(bands.kernel_name.find("_rG8_"), std::string::npos);
  EXPECT_NE(bands.source.find("kBL2Normal = false"), std::string::npos);
  const GeneratedKernel normal = generate_sm90_fp8_gemm_1d2d(
      *parse_kernel_config("bm128_bn192_s4_mc0_sm132_rG8_sk1_l2n_gC", &error));
  EXPECT_NE(normal.source.find("kBL2Normal = true"), std::string::npos);
  EXPECT_NE(normal.kernel_name.find("_l2n_"), std::string::npos);
  // The balanced order is the host's rule (KernelConfig::balances_cheap_units), off in `_nbo`.
  EXPECT_NE(bands.source.find("kBalancesCheapUnits = true"), std::string::npos);
  EXPECT_NE(masked.source.find("kBalancesCheapUnits = false"), std::string::npos);
  const GeneratedKernel raster = generate_sm90_fp8_gemm_1d2d(
      *parse_kernel_config("bm128_bn192_s4_mc0_sm132_rG8_sk1_nbo_gC", &error));
  EXPECT_NE(raster.source.find("kBalancesCheapUnits = false"), std::string::npos);
  EXPECT_NE(raster.kernel_name.find("_nbo_"), std::string::npos);
}

TEST(GroupedCompile, CandidatesCompileWithoutSpills) {
  for (const char* text : {
           "bm128_bn128_s5_mc0_sm132_rN8_sk1_gC", "bm128_bn160_s4_mcA_sm132_rN8_sk1_gC",
           "bm256_bn128_s3_mcA_sm132_rN8_sk1_gC", "bm128_bn192_s4_mcA_sm132_rN8_sk1_gC",
           "bm64_bn128_s8_mc0_sm132_rN8_sk1_gM", "bm128_bn160_s4_mcA_sm132_rN8_sk1_gM",
           "bm64_bn192_s5_mcA_sm132_rN8_sk1_gM", "bm256_bn112_s3_mc0_sm132_rM4_sk1_gC",
           "bm256_bn128_s3_mcB_sm132_rN8_sk1_gC", "bm64_bn128_s8_mcB_sm132_rN8_sk1_gM",
           "bm128_bn192_s4_mc0_sm132_rG8_sk1_k2048_gC", "bm256_bn128_s3_mcA_sm132_rG8_sk1_gC",
           "bm128_bn160_s4_mcA_sm124_rG8_sk1_nbo_k7168_gC"}) {
    std::string error;
    const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
    ASSERT_TRUE(config) << error;
    const CompileResult result = build_kernel(*config);
    ASSERT_TRUE(result.ok) << text << ": " << result.log;
    EXPECT_EQ(result.ptxas.spill_store_bytes + result.ptxas.spill_load_bytes, 0) << text;
  }
}

}  // namespace
}  // namespace gemmtune::jit
