// The legality model and the kernel must agree: every config `plan` calls legal for the
// dsv3-quick shape set (default space) compiles with NVRTC for sm_90a, without spills, with its
// shared memory within the per-block limit. This label (nvrtc) compiles a deterministic sample:
// for each (block_m, block_n, multicast, split_k) class, the legal config with the most stages,
// the register and shared-memory extremes of the class (raster, group and num_sms change
// neither). tests/full/ compiles every legal config (label "full", tests/README.md "Labels").
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "core/config_space.hpp"
#include "core/plan.hpp"
#include "core/shape_set.hpp"
#include "core/smem_layout.hpp"
#include "jit/kernel_build.hpp"
#include "jit/kernel_cache.hpp"
#include "kernel_family_check.hpp"

namespace gemmtune::jit {
namespace {

TEST(KernelFamily, SampleOfLegalDsv3QuickConfigsCompileWithoutSpills) {
  const std::vector<KernelConfig> all = test::legal_dsv3_quick_configs();
  std::map<std::tuple<int, int, Multicast, int>, KernelConfig> deepest;
  for (const KernelConfig& c : all) {
    const auto key = std::make_tuple(c.block_m, c.block_n, c.multicast, c.split_k);
    auto [it, inserted] = deepest.emplace(key, c);
    if (!inserted && c.stages > it->second.stages) it->second = c;
  }
  std::vector<KernelConfig> sample;
  for (const auto& [key, config] : deepest) sample.push_back(config);
  ASSERT_GT(sample.size(), 50u) << "the sample should span the space";
  test::expect_compiles_cleanly(sample);
}

// The sweep's K-specialised twins (sweep/budget.hpp) unroll their K loop up to 8 times: each
// tile that has one compiles spill-free at one of dsv3's K values, taken in turn (a whole loop of
// 4, a pass of 8 and a rest of 4, and passes of 8).
TEST(KernelFamily, KSpecialisedTwinsCompileWithoutSpills) {
  std::map<std::pair<int, int>, KernelConfig> deepest;  // (block_m, block_n), no multicast
  for (const KernelConfig& c : test::legal_dsv3_quick_configs()) {
    if (c.multicast != Multicast::kNone || c.split_k != 1) continue;
    auto [it, inserted] = deepest.emplace(std::make_pair(c.block_m, c.block_n), c);
    if (!inserted && c.stages > it->second.stages) it->second = c;
  }
  const int ks[] = {512, 1536, 2048, 7168, 16384};
  std::vector<KernelConfig> twins;
  for (const auto& [tile, config] : deepest) {
    if (const auto twin = k_specialised(config, ks[twins.size() % std::size(ks)])) {
      twins.push_back(*twin);
    }
  }
  ASSERT_GE(twins.size(), 8u) << "tiles with block_n 16, 32, 64 or 128 at three block_m";
  test::expect_compiles_cleanly(twins);
}

// Split-K twins (a split's K blocks unrolled, KernelConfig::mainloop_unroll): the split-K picks of
// dsv3 (K 7168: 28 K blocks per split of 2, 14 of 4) compile spill-free as K-specialised members,
// each with split-K's FP32 epilogue.
TEST(KernelFamily, SplitKTwinsCompileWithoutSpills) {
  const char* picks[] = {"bm64_bn32_s12_mc0_sm132_rN8_sk2", "bm64_bn32_s16_mc0_sm132_rN8_sk4",
                         "bm128_bn32_s10_mc0_sm132_rN8_sk4", "bm64_bn64_s8_mc0_sm132_rN8_sk2",
                         "bm128_bn64_s8_mc0_sm132_rN8_sk2", "bm256_bn64_s4_mcA_sm132_rN8_sk2"};
  std::vector<KernelConfig> twins;
  for (const char* text : picks) {
    std::string error;
    const std::optional<KernelConfig> pick = parse_kernel_config(text, &error);
    ASSERT_TRUE(pick) << error;
    const std::optional<KernelConfig> twin = k_specialised(*pick, 7168);
    ASSERT_TRUE(twin) << text;
    EXPECT_EQ(twin->mainloop_unroll(), 8) << text;
    twins.push_back(*twin);
  }
  test::expect_compiles_cleanly(twins);
}

// block_m 192 (three math warpgroups, 160 registers each after setmaxnreg): not in the default
// space, so the sample above has none. The largest accumulator the legality model allows
// (block_n 128: 128 floats), with and without multicast, a K-specialised twin, and a narrow tile.
TEST(KernelFamily, ThreeWarpgroupTilesCompileWithoutSpills) {
  std::vector<KernelConfig> configs;
  for (const char* text : {"bm192_bn128_s4_mcA_sm132_rN8_sk1", "bm192_bn128_s4_mcB_sm132_rN8_sk1",
                           "bm192_bn64_s6_mc0_sm132_rN8_sk1"}) {
    std::string error;
    const std::optional<KernelConfig> c = parse_kernel_config(text, &error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->math_warpgroups(), 3) << text;
    configs.push_back(*c);
  }
  const std::optional<KernelConfig> twin = k_specialised(configs[0], 16384);
  ASSERT_TRUE(twin);
  configs.push_back(*twin);
  test::expect_compiles_cleanly(configs);
}

}  // namespace
}  // namespace gemmtune::jit
