// The grouped members of sm90_fp8_gemm_1d2d on the GPU (kernels/README.md "Grouped GEMMs"): every
// config below must match each group's dequantized reference on a poisoned output and leave the
// rows no group owns untouched (masked rows past masked_m hold e4m3 NaN, so any use of them shows).
// Group sizes cover empty groups, a 1-row group, groups ending inside a tile, groups spanning
// several m-blocks and a full masked group; N and K leave ragged tiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "kernels/support_params.h"
#include "runtime/gemm_launcher.hpp"
#include "runtime/grouped_bench.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {
namespace {

std::vector<RunoffCandidate> build(std::initializer_list<const char*> texts) {
  std::vector<RunoffCandidate> out;
  for (const char* text : texts) {
    std::string error;
    const std::optional<KernelConfig> c = parse_kernel_config(text, &error);
    EXPECT_TRUE(c) << error;
    out.push_back({.config = *c, .compiled = jit::build_kernel(*c)});
  }
  return out;
}

void expect_all_pass(const Problem& problem, const std::vector<RunoffCandidate>& candidates) {
  TimingOptions timing;
  timing.sample_count = 3;
  timing.warmup_count = 1;
  timing.record_clocks = false;
  GroupedBench bench(problem, BenchOptions{.timing = timing, .seed = 7});
  const std::vector<GroupedMeasurement> results = bench.measure(candidates);
  ASSERT_EQ(results.size(), candidates.size() + 2);  // + the two cuBLASLt baselines
  int64_t nonempty = 0;
  for (const int64_t rows : problem.group_m) nonempty += rows > 0;
  for (const GroupedMeasurement& m : results) {
    EXPECT_EQ(m.disposition, Disposition::kPassed) << m.kind << " " << m.config << ": " << m.reason;
    if (m.kind != "gemmtune") {  // cuBLASLt per group, looped and from a graph
      EXPECT_EQ(m.validation.groups_checked, nonempty) << m.kind;
      EXPECT_LT(m.validation.worst.diff, 1e-5) << m.kind;
      EXPECT_TRUE(m.timing.has_value()) << m.kind;
      continue;
    }
    ASSERT_TRUE(m.validation.worst_vs_cublaslt.has_value()) << m.config;
    EXPECT_LT(m.validation.worst_vs_cublaslt->diff, 1e-5) << m.config;
    EXPECT_EQ(m.validation.groups_checked, nonempty) << m.config;
    EXPECT_EQ(m.validation.unowned_written, 0) << m.config;
    EXPECT_TRUE(m.timing.has_value()) << m.config;
    EXPECT_LT(m.validation.worst.diff, 1e-5) << m.config;
  }
}

TEST(GroupedKernelGpu, ContiguousRaggedAndEmptyGroups) {
  GT_SKIP_WITHOUT_GPU();
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 384, 640,
                                     {0, 1, 130, 64, 0, 257, 3});
  expect_all_pass(p, build({"bm128_bn160_s4_mcA_sm132_rN8_sk1_gC",
                            "bm64_bn128_s6_mc0_sm132_rN8_sk1_gC",
                            "bm256_bn128_s3_mc0_sm132_rN8_sk1_gC",
                            "bm128_bn112_s5_mcA_sm8_rM4_sk1_gC",
                            "bm64_bn56_s8_mc0_sm3_rN1_sk1_gC",
                            "bm64_bn56_s8_mc0_sm3_rG1_sk1_gC",  // raster G: empty groups too
                            "bm128_bn128_s5_mcB_sm132_rN8_sk1_gC",
                            "bm256_bn128_s3_mcB_sm132_rM4_sk1_gC",
                            // compiled for K 640: the whole 5-block K loop unrolled; the
                            // two-warpgroup members read their tiles' weight scales from
                            // shared memory (two scale rows at bn160 and bn192)
                            "bm256_bn128_s3_mc0_sm132_rN8_sk1_k640_gC",
                            "bm128_bn192_s4_mcB_sm132_rN8_sk1_k640_gC",
                            "bm128_bn160_s4_mcA_sm132_rN8_sk1_k640_gC",
                            "bm64_bn128_s6_mc0_sm132_rN8_sk1_k640_gC"}));
}

// Two math warpgroups compiled for 6 K blocks store their own rows (wg_epilogue) but, with 8
// stages, share the tile's weight-scale buffers (wg_scale_buffers off); with 4 stages each loads
// its own.
TEST(GroupedKernelGpu, PerWarpgroupEpilogueWithSharedOrOwnScaleBuffers) {
  GT_SKIP_WITHOUT_GPU();
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 384, 768,
                                     {0, 1, 130, 257, 64, 300});
  expect_all_pass(p, build({"bm128_bn48_s8_mc0_sm132_rN8_sk1_k768_gC",
                            "bm128_bn48_s8_mc0_sm8_rG2_sk1_k768_gC",
                            "bm128_bn192_s4_mc0_sm132_rN8_sk1_k768_gC",
                            "bm256_bn128_s3_mcA_sm132_rN8_sk1_k768_gC"}));
}

TEST(GroupedKernelGpu, ContiguousManyGroupsLongK) {
  GT_SKIP_WITHOUT_GPU();
  std::vector<int64_t> rows;
  for (int g = 0; g < 40; ++g) rows.push_back((g * 37) % 300);  // 0 .. 299, some empty
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 512, 7168, std::move(rows));
  expect_all_pass(p, build({"bm128_bn128_s5_mcA_sm132_rN8_sk1_gC",
                            "bm64_bn192_s5_mcA_sm132_rN8_sk1_gC",
                            "bm64_bn128_s8_mcB_sm132_rN8_sk1_gC",
                            "bm128_bn128_s5_mcA_sm132_rN8_sk1_k7168_gC",  // passes of 8
                            "bm128_bn192_s4_mc0_sm132_rG8_sk1_k7168_gC"}));
}

// A group's last tile that would end inside the group, with rows in both math warpgroups'
// halves, moves up to end at the group's end (ragged_tile_row0) and repeats rows of the tile
// before it: at block_m 128 the groups of 230 (remainder 102 > 64) and 200 (72) move, 190 (62)
// stays; at block_m 256, 450 (194 > 128) moves and 300 (44) stays; one-warpgroup tiles (bm64)
// move with any remainder; groups shorter than a tile stay. Raster G (groups of m-blocks that stop
// at the MoE groups' boundaries) walks the same tiles in another order. Every row must match and no row
// outside the groups may change, also with multicast pairs, masked groups and few SMs (many
// waves, where the contiguous layout at block_m 128 deals each wave's cheap units to the
// clusters that run one unit more, build_balanced_order: its groups of 190 and 300 rows end
// cheap).
TEST(GroupedKernelGpu, LastTileMovesUpInsideItsGroup) {
  GT_SKIP_WITHOUT_GPU();
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 384, 640,
                                     {230, 450, 200, 0, 190, 300, 77});
  expect_all_pass(p, build({"bm128_bn192_s4_mc0_sm132_rN8_sk1_k640_gC",
                            "bm128_bn192_s4_mcB_sm132_rN8_sk1_gC",
                            "bm256_bn128_s3_mcA_sm132_rN8_sk1_gC",
                            "bm256_bn128_s3_mcB_sm132_rN8_sk1_k640_gC",
                            "bm64_bn128_s8_mc0_sm132_rN8_sk1_gC",
                            // Few SMs: many waves of units, moved tiles and cheap ones (the
                            // last m-blocks of the groups of 190 and 300 rows) among them;
                            // at bm128 mc0 dealt to the clusters with one unit more
                            "bm128_bn192_s4_mc0_sm8_rN8_sk1_gC",
                            "bm128_bn192_s4_mcB_sm8_rN2_sk1_k640_gC",
                            "bm256_bn128_s3_mcA_sm6_rM2_sk1_gC",
                            // Raster G, groups of 2 m-blocks inside each MoE group: the group
                            // of 450 rows (4 m-blocks at bm128) has two of them, with cheap
                            // units dealt (mc0) and multicast A pairs
                            "bm128_bn192_s4_mc0_sm8_rG2_sk1_gC",
                            "bm128_bn160_s4_mcA_sm8_rG2_sk1_gC",
                            "bm128_bn192_s4_mc0_sm132_rG8_sk1_k640_gC",
                            "bm256_bn128_s3_mcA_sm6_rG1_sk1_gC"}));
  const Problem masked = Problem::grouped(GroupLayout::kMasked, 384, 640,
                                          {230, 20, 256, 129, 200}, 256);
  expect_all_pass(masked, build({"bm128_bn192_s4_mcA_sm132_rN8_sk1_gM",
                                 "bm256_bn64_s4_mc0_sm132_rN8_sk1_gM",
                                 "bm64_bn128_s8_mcB_sm132_rN8_sk1_gM",
                                 "bm128_bn192_s4_mc0_sm4_rN8_sk1_gM",
                                 "bm128_bn192_s4_mcB_sm4_rN2_sk1_k640_gM"}));
}

TEST(GroupedKernelGpu, MaskedRowsPastMaskedMStayUnwritten) {
  GT_SKIP_WITHOUT_GPU();
  const Problem p = Problem::grouped(GroupLayout::kMasked, 256, 1024, {0, 20, 192, 129, 1}, 192);
  expect_all_pass(p, build({"bm64_bn128_s8_mc0_sm132_rN8_sk1_gM",
                            "bm128_bn192_s4_mcA_sm132_rN8_sk1_gM",
                            "bm256_bn64_s4_mc0_sm132_rN8_sk1_gM",
                            "bm64_bn136_s6_mcA_sm16_rM2_sk1_gM",
                            "bm64_bn128_s8_mcB_sm132_rN8_sk1_gM",
                            "bm128_bn192_s4_mcB_sm16_rN2_sk1_gM",
                            "bm256_bn64_s4_mc0_sm132_rN8_sk1_k1024_gM",  // one pass of 8
                            "bm128_bn192_s4_mcA_sm132_rN8_sk1_k1024_gM",
                            // stage_aligned_k_loop, with many tiles per CTA
                            "bm128_bn192_s4_mc0_sm4_rN8_sk1_k1024_gM"}));
}

// The stage-aligned K loop (stage_aligned_k_loop: 4 stages, K blocks in whole rounds, the stage a
// constant) assumes every tile starts at stage 0. Few SMs give each CTA many tiles in a row, with
// tiles whose rows fit the first math warpgroup (the second skips the K loop) among them; a tile
// that started at another stage would read another stage's data and fail.
TEST(GroupedKernelGpu, StageAlignedLoopAcrossManyTilesPerCta) {
  GT_SKIP_WITHOUT_GPU();
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 576, 1024,
                                     {300, 40, 0, 129, 64, 257, 7});
  expect_all_pass(p, build({"bm128_bn192_s4_mc0_sm4_rN8_sk1_k1024_gC",
                            "bm128_bn192_s4_mcB_sm6_rN2_sk1_k1024_gC",
                            "bm128_bn192_s4_mc0_sm132_rN8_sk1_k1024_gC"}));
}

TEST(GroupedKernelGpu, MulticastBPairsAcrossGroupsWithAnOddBlockCount) {
  GT_SKIP_WITHOUT_GPU();
  // Multicast B pairs m-blocks (2i, 2i + 1) of the whole numbering: at block_m 128 these groups
  // give 2 + 1 + 2 = 5 m-blocks, so the pair (2, 3) lies in two groups (B loaded per CTA) and
  // the fifth pairs with a mirror; odd totals at block_m 64 (3 + 1 + 3) and 256 (1 + 1 + 1) too.
  // A pair whose CTAs disagree on sharing B deadlocks rather than fails (3a00876 did).
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 384, 640, {130, 1, 190});
  expect_all_pass(p, build({"bm128_bn192_s4_mcB_sm132_rN8_sk1_gC",
                            "bm128_bn192_s4_mcB_sm132_rN8_sk1_k640_gC",
                            "bm64_bn128_s8_mcB_sm132_rN8_sk1_gC",
                            "bm256_bn128_s3_mcB_sm132_rN8_sk1_gC"}));
  // Masked: 1 + 0 + 2 = 3 m-blocks at block_m 128.
  const Problem masked = Problem::grouped(GroupLayout::kMasked, 384, 640, {20, 0, 129}, 192);
  expect_all_pass(masked, build({"bm128_bn192_s4_mcB_sm132_rN8_sk1_gM"}));
}

TEST(GroupedKernelGpu, MaskedMulticastBPairsStayInsideGroups) {
  GT_SKIP_WITHOUT_GPU();
  // Masked, multicast B, raster N, an even n-block count (N 640: 4 n-blocks of 192 or 160): each
  // group's m-blocks pair inside it and an odd count's last m-block pairs two n-blocks
  // (pairs_within_groups). Groups of 1, 2, 0, 3, 1, 2, 1 and 3 m-blocks at block_m 64 (1, 1, 0,
  // 2, 1, 1, 1, 2 at 128); few SMs give each CTA many units in a row. An odd n-block count (N 640
  // at 128) and bm128_bn192 keep the numbering's pairs.
  const std::vector<int64_t> rows{43, 72, 0, 130, 64, 65, 1, 190};
  const Problem p = Problem::grouped(GroupLayout::kMasked, 640, 640, rows, 192);
  expect_all_pass(p, build({"bm64_bn192_s6_mcB_sm132_rN8_sk1_gM",
                            "bm64_bn192_s6_mcB_sm6_rN2_sk1_k640_gM",
                            "bm128_bn160_s4_mcB_sm132_rN8_sk1_gM",
                            "bm128_bn160_s4_mcB_sm4_rN1_sk1_gM",
                            "bm64_bn128_s8_mcB_sm132_rN8_sk1_gM",
                            "bm128_bn192_s4_mcB_sm132_rN8_sk1_gM"}));
}

TEST(GroupedKernelGpu, MaskedRowStrideNotAMultipleOfFour) {
  GT_SKIP_WITHOUT_GPU();
  // max_m 77: every group after the first starts at a row whose sA is not 16-byte aligned (the
  // sA box starts at the 4-aligned row below, gemmtune_grouped_sa_box_rows).
  const Problem p = Problem::grouped(GroupLayout::kMasked, 384, 640, {77, 5, 0, 64, 1}, 77);
  expect_all_pass(p, build({"bm64_bn128_s8_mc0_sm132_rN8_sk1_gM",
                            "bm256_bn128_s3_mcB_sm132_rN8_sk1_gM",
                            "bm128_bn160_s4_mcA_sm132_rN8_sk1_gM"}));
}

// Hostile group sizes on the device (the host never reads them, so it cannot check them): the
// kernel clamps them to [0, M] (contiguous) and [0, max_m] (masked), so it must neither fault nor
// write outside D. D is followed by guard rows that must keep their poison.
void expect_no_write_outside(GroupLayout layout, const std::vector<int32_t>& hostile,
                             const char* config_text) {
  const Problem p = Problem::grouped(layout, 256, 256, {64, 64, 64},
                                     layout == GroupLayout::kMasked ? 64 : 0);
  CudaStream stream;
  const GroupedInputs in = generate_grouped_inputs(p, InputOptions{.seed = 3}, stream.get());
  DeviceBuffer rows(hostile.size() * sizeof(int32_t));
  rows.upload(hostile);
  constexpr int kGuardRows = 512;
  DeviceBuffer d(in.output_bytes() + static_cast<size_t>(kGuardRows) * in.n * 2);
  poison_output(d.get(), d.size_bytes(), stream.get());
  std::string error;
  const KernelConfig config = *parse_kernel_config(config_text, &error);
  const jit::CompileResult compiled = jit::build_kernel(config);
  ASSERT_TRUE(compiled.ok) << compiled.log;
  const GemmKernel kernel(config, compiled.cubin, compiled.kernel_name);
  const PreparedGemm prepared(
      kernel, sm90_fp8_gemm_1d2d::Problem{
                  .m = in.m, .n = in.n, .k = in.k, .a = in.a.get(), .b = in.b.get(),
                  .sa = in.sa.as<float>(), .sb = in.sb.as<float>(), .sa_ld = in.m_pad4,
                  .sb_ld = in.sb_ld, .d = d.get(), .num_groups = in.groups, .max_m = in.max_m,
                  .group_rows = rows.as<int32_t>()});
  prepared.launch(stream.get());
  ASSERT_EQ(cudaStreamSynchronize(stream.get()), cudaSuccess) << config_text;
  const auto* guard = d.as<uint16_t>() + static_cast<size_t>(in.m_pad4) * in.n;
  const ValidationMetrics untouched =
      compare_output_bf16(guard, guard, kGuardRows, in.n, stream.get());
  EXPECT_EQ(untouched.poison_count, untouched.count) << config_text;
}

TEST(GroupedKernelGpu, HostileGroupSizesNeitherFaultNorWriteOutsideD) {
  GT_SKIP_WITHOUT_GPU();
  // Contiguous offsets: negative, decreasing, far past M (192 rows).
  expect_no_write_outside(GroupLayout::kContiguous, {-1000, 150, 20, 1 << 30},
                          "bm128_bn128_s5_mc0_sm132_rN8_sk1_gC");
  expect_no_write_outside(GroupLayout::kContiguous, {0, 2147483647, -5, 192},
                          "bm64_bn128_s8_mcA_sm132_rN8_sk1_gC");
  // Masked rows used: past max_m (64) and negative.
  expect_no_write_outside(GroupLayout::kMasked, {1 << 30, -7, 65},
                          "bm64_bn128_s8_mc0_sm132_rN8_sk1_gM");
}

// Group ends (GemmtuneGemmParams::group_ends, DeepGEMM's padded layout through the bundle): each
// contiguous group's rows stop at its end, the padding after it is neither computed nor written,
// and the real rows hold exactly what the same kernel writes without ends (split-K 1: a row's
// result does not depend on which tile computes it). Ends cover a short first group (one tile,
// 40 of 128 rows), a group whose last tile moves up inside its real rows (200 of 256), a full
// group, an empty one and a one-row group; an end past the next group's start is clamped.
void expect_ends_skip_padding(const char* config_text) {
  const Problem p = Problem::grouped(GroupLayout::kContiguous, 384, 640, {128, 256, 128, 0, 128});
  CudaStream stream;
  const GroupedInputs in = generate_grouped_inputs(p, InputOptions{.seed = 5}, stream.get());
  const std::vector<int32_t> offsets = {0, 128, 384, 512, 512, 640};
  const std::vector<int32_t> ends = {40, 328, 9999, 0, 513};
  const std::vector<std::pair<int32_t, int32_t>> real = {{0, 40}, {128, 328}, {384, 512}, {512, 513}};
  DeviceBuffer offsets_d(offsets.size() * sizeof(int32_t)), ends_d(ends.size() * sizeof(int32_t));
  offsets_d.upload(offsets);
  ends_d.upload(ends);
  std::string error;
  const KernelConfig config = *parse_kernel_config(config_text, &error);
  const jit::CompileResult compiled = jit::build_kernel(config);
  ASSERT_TRUE(compiled.ok) << compiled.log;
  const GemmKernel kernel(config, compiled.cubin, compiled.kernel_name);
  auto run = [&](const int32_t* group_ends) {
    DeviceBuffer d(in.output_bytes());
    poison_output(d.get(), d.size_bytes(), stream.get());
    const PreparedGemm prepared(
        kernel, sm90_fp8_gemm_1d2d::Problem{
                    .m = in.m, .n = in.n, .k = in.k, .a = in.a.get(), .b = in.b.get(),
                    .sa = in.sa.as<float>(), .sb = in.sb.as<float>(), .sa_ld = in.m_pad4,
                    .sb_ld = in.sb_ld, .d = d.get(), .num_groups = in.groups, .max_m = in.max_m,
                    .group_rows = offsets_d.as<int32_t>(), .group_ends = group_ends});
    prepared.launch(stream.get());
    EXPECT_EQ(cudaStreamSynchronize(stream.get()), cudaSuccess) << config_text;
    return d.download<uint16_t>();
  };
  const std::vector<uint16_t> whole = run(nullptr), ended = run(ends_d.as<int32_t>());
  const int64_t n = in.n;
  int64_t mismatched = 0, written = 0, unwritten = 0;
  for (int64_t row = 0; row < in.m; ++row) {
    const bool is_real = std::any_of(real.begin(), real.end(),
                                     [&](const auto& r) { return row >= r.first && row < r.second; });
    for (int64_t col = 0; col < n; ++col) {
      const uint16_t got = ended[row * n + col];
      if (is_real) {
        mismatched += got != whole[row * n + col];
        unwritten += got == kGemmtunePoisonBf16;
      } else {
        written += got != kGemmtunePoisonBf16;
      }
    }
  }
  EXPECT_EQ(mismatched, 0) << config_text;
  EXPECT_EQ(unwritten, 0) << config_text;
  EXPECT_EQ(written, 0) << config_text << ": padding rows written";
}

TEST(GroupedKernelGpu, GroupEndsSkipThePadding) {
  GT_SKIP_WITHOUT_GPU();
  for (const char* config : {"bm128_bn192_s4_mc0_sm132_rN8_sk1_gC", "bm128_bn192_s4_mcB_sm132_rN8_sk1_k640_gC",
                             "bm256_bn128_s3_mcA_sm132_rN8_sk1_gC", "bm64_bn128_s8_mc0_sm132_rN8_sk1_gC",
                             "bm128_bn160_s4_mcA_sm8_rN8_sk1_gC"}) {
    expect_ends_skip_padding(config);
  }
}

}  // namespace
}  // namespace gemmtune
