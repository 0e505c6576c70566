// kernels/sm90_fp8_gemm_1d2d_launch.h, the launch logic gemmtune's runtime and exported bundles
// share: its shape rules agree with the legality model, and its tensor-map boxes, parameters and
// workspace layout are the ones the kernel expects. Host computations only (no driver calls).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/legality.hpp"
#include "runtime/launch_facts.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace launch = sm90_fp8_gemm_1d2d;

using test::config_of;

TEST(SharedLaunch, CanRunAgreesWithLegality) {
  // Every multicast, split-K at its edges, tiles of one and two warpgroups.
  const std::vector<std::string> configs = {
      "bm64_bn32_s10_mc0_sm132_rN8_sk2",   "bm64_bn128_s6_mc0_sm132_rN8_sk4",
      "bm128_bn128_s5_mcB_sm132_rN8_sk1",  "bm128_bn160_s4_mcA_sm132_rN8_sk1",
      "bm128_bn120_s4_mcA_sm132_rN8_sk2",
      "bm256_bn128_s3_mcA_sm132_rN8_sk1",  "bm128_bn64_s8_mcA_sm132_rN8_sk2",
      "bm64_bn16_s12_mc0_sm132_rM4_sk16",  "bm128_bn96_s6_mcB_sm132_rN8_sk3",
      // Compiled for one K: every other K is refused (rule fixed_k), split evenly or not at all.
      "bm256_bn128_s3_mcA_sm132_rN8_sk1_k7168", "bm64_bn64_s8_mc0_sm132_rN8_sk1_k2048",
      "bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168"};
  int compared = 0, legal = 0;
  for (const std::string& text : configs) {
    const KernelConfig c = config_of(text);
    // The premise: the config itself is legal, so only shape rules can reject it below.
    const Legality premise = check_legality(
        Problem{.m = 4096, .n = 7168, .k = c.fixed_k != 0 ? c.fixed_k : 16384}, c, DeviceLimits{});
    ASSERT_TRUE(premise.legal) << text << ": " << premise.reason;
    const launch::KernelFacts f = launch_facts(c);
    for (const int64_t m : {1, 3, 64, 100, 128, 129, 255, 256, 1024, 4097}) {
      for (const int64_t n : {8, 16, 64, 100, 112, 128, 136, 576, 2112, 7168}) {
        for (const int64_t k : {16, 100, 128, 256, 384, 640, 2048, 7168}) {
          const Legality verdict = check_legality(Problem{.m = m, .n = n, .k = k}, c, DeviceLimits{});
          EXPECT_EQ(launch::can_run(f, m, n, k), verdict.legal)
              << text << " at " << m << "x" << n << "x" << k << ": " << verdict.rule_id << " "
              << verdict.reason;
          ++compared;
          legal += verdict.legal ? 1 : 0;
        }
      }
    }
  }
  // Both answers occur often, so the comparison means something.
  EXPECT_GT(legal, compared / 4);
  EXPECT_LT(legal, compared * 3 / 4);
}

TEST(SharedLaunch, FactsComeFromTheConfigAndTheSmemLayout) {
  const KernelConfig c = config_of("bm128_bn160_s4_mcA_sm132_rN8_sk2");
  const launch::KernelFacts f = launch_facts(c);
  EXPECT_EQ(f.block_m, 128);
  EXPECT_EQ(f.block_n, 160);
  EXPECT_EQ(f.multicast, launch::Multicast::kA);
  EXPECT_EQ(f.split_k, 2);
  EXPECT_EQ(f.num_sms, 132);
  EXPECT_EQ(f.threads, 384);
  EXPECT_EQ(f.smem_bytes, smem_layout(c).total_bytes);
  EXPECT_EQ(f.d_swizzle_bytes, 64);  // 320-byte rows: the widest dividing span is 64
  EXPECT_EQ(launch::cluster_size(f), 2);
  const launch::LaunchDims dims = launch::launch_dims(f);
  EXPECT_EQ(dims.grid_x, 132u);
  EXPECT_EQ(dims.block_x, 384u);
  EXPECT_EQ(dims.smem_bytes, static_cast<uint32_t>(smem_layout(c).total_bytes));
  EXPECT_EQ(dims.cluster_x, 2u);
  // Split-K 2 sums in a cluster of the two splits where rank 0's receive buffer fits; split-K 4
  // and an odd grid use the workspace (KernelConfig::split_k_in_cluster).
  EXPECT_EQ(launch::cluster_size(launch_facts(config_of("bm64_bn32_s10_mc0_sm132_rN8_sk2"))), 2);
  EXPECT_EQ(launch::cluster_size(launch_facts(config_of("bm64_bn32_s10_mc0_sm131_rN8_sk2"))), 1);
  EXPECT_EQ(launch::cluster_size(launch_facts(config_of("bm64_bn64_s6_mc0_sm132_rN8_sk4"))), 1);
  EXPECT_EQ(launch::cluster_size(launch_facts(config_of("bm128_bn64_s8_mc0_sm132_rN8_sk2"))), 1);
  EXPECT_EQ(launch_facts(config_of("bm128_bn128_s5_mcB_sm132_rN8_sk1")).multicast, launch::Multicast::kB);
}

TEST(SharedLaunch, LaunchOrderAddsTheProgrammaticAttributeBesideTheCluster) {
  CUlaunchAttribute attrs[launch::kMaxLaunchAttributes];
  // No cluster, plain: no attribute; overlapped: the programmatic one alone.
  const launch::KernelFacts single = launch_facts(config_of("bm64_bn64_s8_mc0_sm132_rN8_sk1"));
  EXPECT_EQ(launch::launch_config(single, nullptr, attrs).numAttrs, 0u);
  CUlaunchConfig c = launch::launch_config(single, nullptr, attrs, launch::LaunchOrder::kOverlapPrevious);
  ASSERT_EQ(c.numAttrs, 1u);
  EXPECT_EQ(c.attrs[0].id, CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
  EXPECT_EQ(c.attrs[0].value.programmaticStreamSerializationAllowed, 1);
  // A cluster of two, overlapped: both attributes, the cluster's first.
  const launch::KernelFacts pair = launch_facts(config_of("bm128_bn128_s5_mcA_sm132_rN8_sk1"));
  EXPECT_EQ(launch::launch_config(pair, nullptr, attrs).numAttrs, 1u);
  c = launch::launch_config(pair, nullptr, attrs, launch::LaunchOrder::kOverlapPrevious);
  ASSERT_EQ(c.numAttrs, 2u);
  EXPECT_EQ(c.attrs[0].id, CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION);
  EXPECT_EQ(c.attrs[0].value.clusterDim.x, 2u);
  EXPECT_EQ(c.attrs[1].id, CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
}

/// A problem at made-up addresses (plan_launch only copies pointers).
launch::Problem problem(int32_t m, int32_t n, int32_t k) {
  return launch::Problem{.m = m, .n = n, .k = k,
                         .a = reinterpret_cast<const void*>(0x1000), .b = reinterpret_cast<const void*>(0x2000),
                         .sa = reinterpret_cast<const float*>(0x3000), .sb = reinterpret_cast<const float*>(0x4000),
                         .sa_ld = (m + 3) / 4 * 4, .sb_ld = static_cast<int32_t>((num_k_blocks(k) + 3) / 4 * 4),
                         .d = reinterpret_cast<void*>(0x5000)};
}

TEST(SharedLaunch, SmallMLoadsRowsRoundedToEightWithOrWithoutMulticast) {
  const launch::KernelFacts bm128 = launch_facts(config_of("bm128_bn128_s5_mcB_sm132_rN8_sk1"));
  launch::LaunchPlan plan = launch::plan_launch(bm128, problem(3, 2112, 7168), nullptr, 0);
  EXPECT_EQ(plan.params.a_box_rows, 8);
  EXPECT_EQ(plan.maps[0].box_outer, 8u);    // A
  EXPECT_EQ(plan.maps[2].box_inner, 8u);    // sA
  EXPECT_EQ(plan.maps[1].box_outer, 128u);  // B: rank 0 multicasts the whole block_n rows
  plan = launch::plan_launch(bm128, problem(100, 2112, 7168), nullptr, 0);
  EXPECT_EQ(plan.params.a_box_rows, 104);
  plan = launch::plan_launch(bm128, problem(128, 2112, 7168), nullptr, 0);
  EXPECT_EQ(plan.params.a_box_rows, 128);
  // Multicast A: rank 0 loads the rounded box into both CTAs, so the small-M rule holds too.
  const launch::KernelFacts mc_a = launch_facts(config_of("bm128_bn160_s4_mcA_sm132_rN8_sk1"));
  plan = launch::plan_launch(mc_a, problem(3, 2112, 7168), nullptr, 0);
  EXPECT_EQ(plan.params.a_box_rows, 8);
  EXPECT_EQ(plan.maps[0].box_outer, 8u);
  EXPECT_EQ(plan.maps[2].box_inner, 8u);
  EXPECT_EQ(plan.maps[1].box_outer, 160u);
  plan = launch::plan_launch(mc_a, problem(1000, 2112, 7168), nullptr, 0);
  EXPECT_EQ(plan.maps[0].box_outer, 128u);  // whole tiles from rank 0, not halves
}

// D's TMA box: a tile's rows, or each math warpgroup's where the kernel stores them on their own
// (wg_epilogue: two or three math warpgroups, compiled for at least 6 K blocks).
TEST(SharedLaunch, DBoxIsAWarpgroupsRowsWhereEachStoresItsOwn) {
  const auto box_rows = [](const char* text, int32_t k) {
    return launch::plan_launch(launch_facts(config_of(text)), problem(4096, 2048, k), nullptr, 0)
        .maps[4].box_outer;
  };
  EXPECT_EQ(box_rows("bm128_bn192_s4_mc0_sm132_rN8_sk1_k768", 768), 64u);
  EXPECT_EQ(box_rows("bm256_bn128_s3_mcA_sm132_rN8_sk1_k2048", 2048), 128u);
  EXPECT_EQ(box_rows("bm192_bn120_s4_mc0_sm132_rN8_sk1_k7168", 7168), 64u);
  EXPECT_EQ(box_rows("bm128_bn192_s4_mc0_sm132_rN8_sk1_k640", 640), 128u);  // 5 K blocks
  EXPECT_EQ(box_rows("bm128_bn192_s4_mc0_sm132_rN8_sk1", 7168), 128u);      // any K
  EXPECT_EQ(box_rows("bm64_bn128_s8_mc0_sm132_rN8_sk1_k7168", 7168), 64u);  // one warpgroup
}

TEST(SharedLaunch, TensorMapsDescribeTheOperationsLayouts) {
  const launch::KernelFacts f = launch_facts(config_of("bm128_bn120_s4_mcA_sm132_rN8_sk1"));
  const launch::LaunchPlan plan = launch::plan_launch(f, problem(1000, 2112, 7168), nullptr, 0);
  const launch::TensorMapSpec& a = plan.maps[0];
  EXPECT_EQ(a.type, CU_TENSOR_MAP_DATA_TYPE_UINT8);
  EXPECT_EQ(a.inner, 7168u);
  EXPECT_EQ(a.outer, 1000u);
  EXPECT_EQ(a.row_bytes, 7168u);
  EXPECT_EQ(a.box_inner, 128u);
  EXPECT_EQ(a.swizzle, CU_TENSOR_MAP_SWIZZLE_128B);
  const launch::TensorMapSpec& sa = plan.maps[2];
  EXPECT_EQ(sa.inner, 1000u);  // sa_ld: M rounded to 4
  EXPECT_EQ(sa.outer, 56u);    // K blocks
  EXPECT_EQ(sa.row_bytes, 4000u);
  const launch::TensorMapSpec& sb = plan.maps[3];
  EXPECT_EQ(sb.inner, 56u);    // sb_ld
  EXPECT_EQ(sb.outer, 17u);    // ceil(2112 / 128)
  EXPECT_EQ(sb.box_inner, static_cast<uint32_t>(kSbRunFloats));
  EXPECT_EQ(sb.box_outer, 2u);
  const launch::TensorMapSpec& d = plan.maps[4];
  EXPECT_EQ(d.type, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16);
  EXPECT_EQ(d.inner, 2112u);
  EXPECT_EQ(d.outer, 1000u);
  EXPECT_EQ(d.row_bytes, 4224u);
  EXPECT_EQ(d.box_inner, 120u);  // 240-byte rows: no swizzle span divides them, one box
  EXPECT_EQ(d.box_outer, 128u);
  EXPECT_EQ(d.swizzle, CU_TENSOR_MAP_SWIZZLE_NONE);
  // 224-byte rows: column chunks of the 32-byte span, 16 bf16 each.
  const launch::TensorMapSpec d32 =
      launch::plan_launch(launch_facts(config_of("bm64_bn112_s7_mc0_sm132_rN8_sk1")), problem(1000, 2112, 7168),
                          nullptr, 0).maps[4];
  EXPECT_EQ(d32.box_inner, 16u);
  EXPECT_EQ(d32.box_outer, 64u);
  EXPECT_EQ(d32.swizzle, CU_TENSOR_MAP_SWIZZLE_32B);
  EXPECT_EQ(plan.params.m, 1000);
  EXPECT_EQ(plan.params.sb_ld, 56);
  EXPECT_EQ(plan.params.d, reinterpret_cast<unsigned short*>(0x5000));
  EXPECT_EQ(plan.params.workspace, nullptr);
  EXPECT_EQ(plan.params.tile_counters, nullptr);
}

TEST(SharedLaunch, SplitKWorkspaceKeepsCountersFirst) {
  const launch::KernelFacts f = launch_facts(config_of("bm64_bn128_s6_mc0_sm132_rN8_sk4"));
  EXPECT_EQ(launch::tile_count(f, 100, 2048), 2 * 16);
  const launch::WorkspaceLayout exact = launch::workspace_layout(f, 100, 2048, 32);
  EXPECT_EQ(exact.counter_bytes, 128u);
  EXPECT_EQ(exact.partials_offset_bytes, 256u);
  EXPECT_EQ(exact.total_bytes, 256u + 4u * 4 * 100 * 2048);
  const launch::WorkspaceLayout shared = launch::workspace_layout(f, 100, 2048, 65536);
  EXPECT_EQ(shared.partials_offset_bytes, 262144u);
  char* base = reinterpret_cast<char*>(0x10000);
  const launch::LaunchPlan plan = launch::plan_launch(f, problem(100, 2048, 7168), base, 256);
  EXPECT_EQ(reinterpret_cast<char*>(plan.params.tile_counters), base);
  EXPECT_EQ(reinterpret_cast<char*>(plan.params.workspace), base + 256);
  // Without split-K there is no workspace.
  EXPECT_EQ(launch::workspace_layout(launch_facts(config_of("bm128_bn128_s5_mcB_sm132_rN8_sk1")), 100,
                                     2048, 65536).total_bytes, 0u);
}

}  // namespace
}  // namespace gemmtune
