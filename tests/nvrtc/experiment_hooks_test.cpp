// The kernel's experiment hooks (kernels/README.md "Hooks") still compile, and each still
// changes the code it claims to change: a hook that silently compiles to the default kernel would
// make an A/B on the device compare the kernel with itself.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "jit/codegen_sm90_fp8_gemm_1d2d.hpp"
#include "jit/compiler.hpp"

namespace gemmtune::jit {
namespace {

CompileResult build_with(const char* config_text, const std::vector<std::string>& options) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(config_text, &error);
  EXPECT_TRUE(config) << error;
  GeneratedKernel generated = generate_sm90_fp8_gemm_1d2d(*config);
  return compile(CompileRequest{.kernel_name = std::move(generated.kernel_name),
                                .source = std::move(generated.source),
                                .extra_options = options});
}

/// The machine code of a cubin: its .text sections, in section order. Why not the whole cubin:
/// its line table names source lines, so a hook that only moves a line changes the file (a false
/// "changed") and an #ifdef branch that compiles to the same code can still differ there.
std::string code_sections(const std::vector<char>& cubin) {
  Elf64_Ehdr header;
  if (cubin.size() < sizeof(header)) return {};
  std::memcpy(&header, cubin.data(), sizeof(header));
  const auto section = [&](int i) {
    Elf64_Shdr s;
    std::memcpy(&s, cubin.data() + header.e_shoff + i * sizeof(Elf64_Shdr), sizeof(s));
    return s;
  };
  const Elf64_Shdr names = section(header.e_shstrndx);
  std::string code;
  for (int i = 0; i < header.e_shnum; ++i) {
    const Elf64_Shdr s = section(i);
    const char* name = cubin.data() + names.sh_offset + s.sh_name;
    if (std::strncmp(name, ".text", 5) == 0) {
      code.append(name);
      code.append(cubin.data() + s.sh_offset, s.sh_size);
    }
  }
  return code;
}

struct HookCase {
  const char* define;
  const char* config;     // a config whose code the hook changes
  bool spill_free;        // false where the hook is known to spill (documented with the case)
};

TEST(ExperimentHooks, EachCompilesAndChangesItsKernel) {
  const HookCase cases[] = {
      {"GEMMTUNE_IDLE_WARPGROUP_MMA=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gM", true},
      {"GEMMTUNE_B_EVICT_FIRST=0", "bm64_bn64_s7_mc0_sm132_rN8_sk1_k2048", true},
      {"GEMMTUNE_B_EVICT_FIRST=0", "bm64_bn192_s6_mcB_sm132_rN8_sk1_gM", true},
      {"GEMMTUNE_B_EVICT_FIRST=2", "bm64_bn128_s8_mcA_sm132_rN8_sk1_k7168_gM", true},
      {"GEMMTUNE_GROUP_CACHE=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_GROUP_CACHE=1", "bm64_bn160_s5_mc0_sm132_rN8_sk1_gM", true},
      {"GEMMTUNE_LANE0_ARRIVE=1", "bm256_bn128_s3_mc0_sm132_rN8_sk1", true},
      {"GEMMTUNE_ELECT_RELEASE=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1", true},
      {"GEMMTUNE_ELECT_RELEASE=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k7168_gC", true},
      // Refuted in session 7; two unrolled K blocks spill ~2 KB at 168 registers.
      {"GEMMTUNE_MAINLOOP_UNROLL=2", "bm128_bn192_s4_mc0_sm132_rN8_sk1", false},
      {"GEMMTUNE_PRODUCER_THREAD=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_RAGGED_PAIR_STORE=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_D_FROM_REGISTERS=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_D_FROM_REGISTERS=1", "bm64_bn32_s12_mc0_sm132_rN8_sk2", true},
      {"GEMMTUNE_D_FROM_REGISTERS=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_CHEAP_TILES_IN_ORDER=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168_gC", true},
      {"GEMMTUNE_CHEAP_TILES_IN_ORDER=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_RAGGED_PAIR_STORE=1", "bm256_bn128_s3_mc0_sm132_rN8_sk1_k2048_gC", true},
      {"GEMMTUNE_RAGGED_TILE_IN_PLACE=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168_gC", true},
      {"GEMMTUNE_RAGGED_TILE_IN_PLACE=1", "bm64_bn128_s8_mc0_sm132_rN8_sk1_gM", true},
      {"GEMMTUNE_SB_GLOBAL=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_SB_GLOBAL=1", "bm128_bn160_s4_mcA_sm132_rN8_sk1_k2048_gC", true},
      {"GEMMTUNE_SB_GLOBAL=1", "bm256_bn136_s3_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_SB_CP_ASYNC=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k2048_gC", true},
      {"GEMMTUNE_SB_CP_ASYNC=1", "bm256_bn136_s3_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_WAIT_HINT_NS=10000000", "bm256_bn128_s3_mcA_sm132_rN8_sk1", true},
      {"GEMMTUNE_STAGE_ALIGNED_OFF=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168_gC", true},
      {"GEMMTUNE_STAGE_ALIGNED_OFF=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k2048_gM", true},
      {"GEMMTUNE_STAGE_ALIGNED_OFF=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168", true},
      // The workspace sum: a split-K 2 member whose receive buffer does not fit (bm128_bn64_s8),
      // or split-K 4; split-K 2 members that sum in a cluster have no workspace sum by default.
      {"GEMMTUNE_SPLIT_K_PAIR_SUM=1", "bm128_bn64_s8_mc0_sm132_rN8_sk2", true},
      {"GEMMTUNE_SPLIT_K_GLOBAL=1", "bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168", true},
      {"GEMMTUNE_SPLIT_K_CLUSTER_SYNC_AT_START=1", "bm128_bn48_s8_mc0_sm132_rN8_sk2", true},
      {"GEMMTUNE_SPLIT_K_PAIR_SUM=1", "bm64_bn32_s12_mc0_sm132_rN8_sk4_k7168", true},
      {"GEMMTUNE_PRODUCER_TAIL_SYNC=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_PRODUCER_TAIL_SYNC=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k7168_gC", true},
      {"GEMMTUNE_MMA_AHEAD=0", "bm64_bn64_s7_mc0_sm132_rN8_sk1_k2048", true},
      {"GEMMTUNE_MMA_AHEAD=0", "bm64_bn128_s8_mcA_sm132_rN8_sk1_k7168_gM", true},
      {"GEMMTUNE_MMA_AHEAD=0", "bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168", true},
      {"GEMMTUNE_MMA_AHEAD=1", "bm64_bn56_s8_mc0_sm132_rN8_sk1", true},
      // Two K blocks in flight on bm128 (one slice a warpgroup), the weight scales from global
      // memory (run-time K) or loaded per pass for the unrolled twin.
      {"GEMMTUNE_MMA_AHEAD_2WG=1", "bm128_bn128_s5_mcA_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_MMA_AHEAD_2WG=1", "bm128_bn128_s5_mc0_sm132_rN8_sk1", true},
      // Passes of 4 and 8 K blocks instead of 2 (mma_pass_blocks), and 2 instead of bn32's 4.
      {"GEMMTUNE_MMA_PASS=4", "bm64_bn128_s8_mc0_sm132_rN8_sk1_k2048", true},
      {"GEMMTUNE_MMA_PASS=2", "bm64_bn32_s16_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_MMA_PASS=8", "bm64_bn96_s6_mc0_sm132_rN8_sk1", true},
      // Overlapped launches: the wait compiled out (the GPU test's proof), the trigger at the
      // kernel's start (session 49's kernel), neither instruction.
      {"GEMMTUNE_PDL_NO_WAIT=1", "bm128_bn128_s4_mc0_sm66_rN8_sk1", true},
      {"GEMMTUNE_PDL_EARLY_TRIGGER=1", "bm64_bn112_s8_mc0_sm132_rN8_sk1", true},
      {"GEMMTUNE_PDL_EARLY_TRIGGER=1", "bm128_bn112_s6_mc0_sm132_rN8_sk1_gC", true},
      {"GEMMTUNE_PDL_OFF=1", "bm64_bn64_s8_mc0_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_SCHEDULE_MAGIC=1", "bm256_bn128_s3_mc0_sm132_rN8_sk1_k512", true},
      {"GEMMTUNE_SCHEDULE_MAGIC=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k2048_gC", true},
      // A diagnostic; its printf takes a stack frame but nothing spills.
      {"GEMMTUNE_TILE_PROFILE=1", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k2048_gC", true},
      {"GEMMTUNE_TILE_PROFILE_EPI=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168", true},
      // A diagnostic: the ring's fill alone, no MMA (its output fails validation by design).
      {"GEMMTUNE_FILL_ONLY=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_FILL_ONLY=1", "bm192_bn128_s4_mc0_sm132_rN8_sk1", true},
      // A diagnostic: the promotion's FFMAs left out, all or the second slice's (wrong output
      // by design; the scales are still loaded).
      {"GEMMTUNE_NO_PROMOTE=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_NO_PROMOTE=2", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      // Diagnostics: a one-warpgroup stage without its sA load, or without the weight scales'.
      {"GEMMTUNE_NO_SA_TMA=1", "bm64_bn32_s16_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_NO_SB_TMA=1", "bm64_bn32_s16_mc0_sm132_rN8_sk1_k7168", true},
      // sA's stage load back in the main producer (the kernel before 2026-11-27).
      {"GEMMTUNE_SA_IN_MAIN_PRODUCER=1", "bm64_bn32_s16_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_SA_IN_MAIN_PRODUCER=1", "bm64_bn112_s8_mc0_sm132_rN8_sk1", true},
      // sA from a second producer thread in two-warpgroup tiles too.
      {"GEMMTUNE_SA_SECOND_PRODUCER_ALL=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_SA_SECOND_PRODUCER_ALL=1", "bm192_bn120_s4_mcA_sm132_rN8_sk1_k7168", true},
      // The stage's B from the second producer thread, or from a third thread of its own.
      {"GEMMTUNE_B_PRODUCER=1", "bm64_bn32_s16_mc0_sm132_rN8_sk1_k7168", true},
      {"GEMMTUNE_B_PRODUCER=2", "bm64_bn64_s12_mc0_sm132_rN8_sk1_k7168", true},
      // The stage's B issued before its A.
      {"GEMMTUNE_B_FIRST=1", "bm64_bn64_s8_mc0_sm132_rN8_sk1_k16384", true},
      {"GEMMTUNE_B_FIRST=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384", true},
      // sA from the second producer thread in grouped one-warpgroup members.
      {"GEMMTUNE_SA_SECOND_PRODUCER_GROUPED=1", "bm64_bn128_s8_mcA_sm132_rN8_sk1_k7168_gM", true},
      {"GEMMTUNE_SA_SECOND_PRODUCER_GROUPED=1", "bm64_bn160_s7_mcB_sm132_rN8_sk1_gM", true},
      // The diagnostic's clock sums and printf take stack in the 40-register producer.
      {"GEMMTUNE_WAIT_PROFILE=1", "bm256_bn128_s3_mcB_sm132_rN8_sk1", false},
      {"GEMMTUNE_WAIT_PROFILE=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gM", false},
  };
  for (const HookCase& c : cases) {
    const CompileResult base = build_with(c.config, {});
    const CompileResult hooked = build_with(c.config, {std::string("-D") + c.define});
    ASSERT_TRUE(base.ok) << c.config << ": " << base.log;
    ASSERT_TRUE(hooked.ok) << c.define << " " << c.config << ": " << hooked.log;
    ASSERT_FALSE(code_sections(base.cubin).empty()) << c.config;
    EXPECT_NE(code_sections(base.cubin), code_sections(hooked.cubin)) << c.define << " did not change " << c.config;
    if (c.spill_free) {
      EXPECT_EQ(hooked.ptxas.spill_store_bytes + hooked.ptxas.spill_load_bytes, 0)
          << c.define << " " << c.config;
    }
  }
}

// The epilogue's parts are laps on top of the tile profile: with both set the code differs from
// the tile profile alone, and nothing spills.
TEST(ExperimentHooks, TileProfileEpilogueLapsAddToTheTileProfile) {
  const char* config = "bm128_bn192_s4_mcB_sm132_rN8_sk1_k2048_gC";
  const CompileResult tile = build_with(config, {"-DGEMMTUNE_TILE_PROFILE=1"});
  const CompileResult epi =
      build_with(config, {"-DGEMMTUNE_TILE_PROFILE=1", "-DGEMMTUNE_TILE_PROFILE_EPI=1"});
  ASSERT_TRUE(tile.ok) << tile.log;
  ASSERT_TRUE(epi.ok) << epi.log;
  EXPECT_NE(code_sections(tile.cubin), code_sections(epi.cubin));
  EXPECT_EQ(epi.ptxas.spill_store_bytes + epi.ptxas.spill_load_bytes, 0);
}

// The grouped producer runs as a warp by default and as one thread with the hook; dense kernels
// keep one thread, so the hook must leave them byte-identical.
TEST(ExperimentHooks, ProducerThreadHookLeavesDenseKernelsAlone) {
  const char* dense = "bm256_bn128_s3_mcA_sm132_rN8_sk1";
  const CompileResult base = build_with(dense, {});
  const CompileResult hooked = build_with(dense, {"-DGEMMTUNE_PRODUCER_THREAD=1"});
  ASSERT_TRUE(base.ok && hooked.ok);
  ASSERT_FALSE(code_sections(base.cubin).empty());
  EXPECT_EQ(code_sections(base.cubin), code_sections(hooked.cubin));
}

// The producer's tail exit replaces the last cluster barrier of multicast pairs only: with the
// hook that restores the barrier, a kernel without a cluster and a split-K pair (whose partial
// still needs the barrier) stay identical.
TEST(ExperimentHooks, ProducerTailSyncLeavesKernelsWithoutMulticastAlone) {
  for (const char* config :
       {"bm256_bn128_s3_mc0_sm132_rN8_sk1_k2048", "bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168",
        "bm128_bn48_s8_mc0_sm132_rN8_sk2"}) {
    const CompileResult base = build_with(config, {});
    const CompileResult hooked = build_with(config, {"-DGEMMTUNE_PRODUCER_TAIL_SYNC=1"});
    ASSERT_TRUE(base.ok && hooked.ok) << config;
    ASSERT_FALSE(code_sections(base.cubin).empty()) << config;
    EXPECT_EQ(code_sections(base.cubin), code_sections(hooked.cubin)) << config;
  }
}

// Only members compiled for K whose tiles straddle two scale blocks read their weight scales
// from shared memory (the region's size is a split's K blocks); the hooks that change how that
// region is filled must leave the others byte-identical.
TEST(ExperimentHooks, TileWeightScaleHooksLeaveRunTimeKKernelsAlone) {
  for (const char* hook : {"-DGEMMTUNE_SB_GLOBAL=1", "-DGEMMTUNE_SB_CP_ASYNC=1"}) {
    for (const char* config : {"bm128_bn192_s4_mc0_sm132_rN8_sk1",
                               "bm256_bn128_s3_mcA_sm132_rN8_sk1_gC",
                               "bm256_bn128_s3_mcA_sm132_rN8_sk1_k2048"}) {
      const CompileResult base = build_with(config, {});
      const CompileResult hooked = build_with(config, {hook});
      ASSERT_TRUE(base.ok && hooked.ok) << hook << " " << config;
      ASSERT_FALSE(code_sections(base.cubin).empty());
      EXPECT_EQ(code_sections(base.cubin), code_sections(hooked.cubin)) << hook << " " << config;
    }
  }
}

// Two K blocks in flight is a one-warpgroup loop: the hooks that turn it off or set its pass
// length must leave the kernels without that loop byte-identical.
TEST(ExperimentHooks, MmaAheadHooksLeaveKernelsWithoutItAlone) {
  // Two-warpgroup tiles never take the mma_ahead loop (but under GEMMTUNE_MMA_AHEAD_2WG); a bm64
  // tile with block_n 56 does not by default, so its pass length is moot.
  const std::pair<const char*, const char*> cases[] = {
      {"-DGEMMTUNE_MMA_AHEAD=0", "bm128_bn128_s4_mc0_sm132_rN8_sk1_k512"},
      {"-DGEMMTUNE_MMA_AHEAD=0", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k2048"},
      {"-DGEMMTUNE_MMA_PASS=4", "bm128_bn128_s4_mc0_sm132_rN8_sk1_k512"},
      {"-DGEMMTUNE_MMA_PASS=8", "bm64_bn56_s8_mc0_sm132_rN8_sk1"},
      // The two-warpgroup hook: not on two slices (bm256), grouped tiles, or a bm64 tile that
      // has the loop anyway.
      {"-DGEMMTUNE_MMA_AHEAD_2WG=1", "bm256_bn128_s3_mcA_sm132_rN8_sk1_k2048"},
      {"-DGEMMTUNE_MMA_AHEAD_2WG=1", "bm128_bn192_s4_mc0_sm132_rN8_sk1_gC"},
      {"-DGEMMTUNE_MMA_AHEAD_2WG=1", "bm64_bn64_s7_mc0_sm132_rN8_sk1_k2048"},
  };
  for (const auto& [define, config] : cases) {
    const CompileResult base = build_with(config, {});
    const CompileResult hooked = build_with(config, {define});
    ASSERT_TRUE(base.ok && hooked.ok) << define << " " << config;
    ASSERT_FALSE(code_sections(base.cubin).empty()) << config;
    EXPECT_EQ(code_sections(base.cubin), code_sections(hooked.cubin)) << define << " " << config;
  }
}

}  // namespace
}  // namespace gemmtune::jit
