#pragma once
/// The legality model of the sm90_fp8_gemm_1d2d kernel family: the single place where the rules
/// live that a (problem, config) pair must satisfy for the kernel to be built and launched. The
/// kernel is written to these rules; shape-set loading, `plan` and the tuner all ask this file.
/// An illegal pair is a value with a rule id and a specific reason (numbers included), never an
/// exception.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/kernel_config.hpp"
#include "core/problem.hpp"
#include "core/smem_layout.hpp"

namespace gemmtune {

/// SMs of an H200 SXM; the device SM count assumed when no GPU is queried.
inline constexpr int kH200SmCount = 132;
/// Device memory of an H200 by its datasheet (141 GB); the default limit on problem bytes.
inline constexpr int64_t kH200DeviceMemoryBytes = 141'000'000'000;
/// Largest M, N or K: the kernel's launch parameters (kernels/gemmtune_params.h) are 32-bit ints.
inline constexpr int64_t kMaxDimension = 2'147'483'647;

// NOTE: accumulator budgets in fp32 values per math thread, (1 + slices) * block_n / 2 (one
// tensor-core accumulator shared by the warpgroup's 64-row slices, one FP32 sum per slice),
// calibrated against ptxas -v reports of the real kernel (NVRTC 13.0, sm_90a). With 2 math
// warpgroups setmaxnreg gives the math threads 232 registers (producer 40); with 1 math warpgroup
// they get up to 255. Measured: bm256 bn136 (204) compiles without spills at split_k 1 with
// any multicast; bm256 bn144 (216) is clean without multicast or with B but spills 8 B with
// multicast A (caught by the NVRTC sample test), bm256 bn160 (240) spills 188 B; with split-K, bm128 bn192 and bm256 bn128 (192) are clean, bm256
// bn144 (216) spills 52 B; bm64 bn192 (1 warpgroup, 192) uses 239 registers, bm64 bn256 spills.
// The NVRTC tests compile legal configs of dsv3-quick to keep these honest.
/// Accumulator floats per math thread allowed with 2 math warpgroups (block_m 128 and 256).
inline constexpr int kMaxAccumFloats3WG = 204;
/// The same with split-K (its epilogue keeps more registers live).
inline constexpr int kMaxAccumFloats3WGSplitK = 192;
/// The same with 3 math warpgroups (block_m 192): setmaxnreg gives the math threads 160 registers
/// (producer 32). bm192 bn128 (128) compiles without spills, unrolled up to 4 K blocks
/// (KernelConfig::kMaxThreeWarpgroupUnroll).
inline constexpr int kMaxAccumFloats4WG = 128;
/// Accumulator floats per math thread allowed with 1 math warpgroup (block_m 64).
inline constexpr int kMaxAccumFloats2WG = 200;

/// Largest split-K factor the deterministic reduction supports.
inline constexpr int kMaxSplitK = 16;
/// Largest raster group of the tile scheduler.
inline constexpr int kMaxRasterGroup = 64;

/// The limits of the device a plan is made for.
struct DeviceLimits {
  int sm_count = kH200SmCount;                                ///< SMs of the device
  int64_t smem_per_block_bytes = kHopperSmemPerBlockBytes;    ///< opt-in dynamic smem per CTA
  int64_t device_memory_bytes = kH200DeviceMemoryBytes;       ///< operands + workspace must fit
};

/// Verdict on one (problem, config): legal, or the first violated rule and why.
struct Legality {
  bool legal = true;
  std::string rule_id;  ///< empty when legal; else one of kLegalityRules
  std::string reason;   ///< empty when legal; else one line with the numbers involved

  [[nodiscard]] static Legality illegal(std::string_view rule, std::string why) {
    return {.legal = false, .rule_id = std::string(rule), .reason = std::move(why)};
  }
};

/// A rule's id and a one-line summary (kernels/README.md "Legality rules", `plan --json`).
struct LegalityRule {
  std::string_view id;
  std::string_view summary;
};

/// Every rule, in checking order. Rules about one problem dimension have ids starting with that
/// dimension's letter and an underscore (`n_alignment`), so input readers can point at the field.
inline constexpr std::array<LegalityRule, 31> kLegalityRules{{
    {"m_range", "1 <= M <= 2^31-1"},
    {"n_range", "1 <= N <= 2^31-1"},
    {"k_range", "1 <= K <= 2^31-1"},
    {"size_overflow", "M*K, N*K, M*N and 2*M*N*K fit in int64"},
    {"n_alignment", "N % 8 == 0 (16-byte TMA row stride of D)"},
    {"k_alignment", "K % 16 == 0 (16-byte TMA row stride of A and B)"},
    {"groups", "grouped: 1 <= G <= 512 groups, 0 <= rows per group (<= max_m when masked), "
               "M = their sum (masked: G * max_m), G * N <= 2^31-1"},
    {"device_memory", "A, B, scales and D fit in device memory"},
    {"block_m", "block_m is 64, 128, 192 or 256"},
    {"block_m_192", "block_m 192 (three math warpgroups) is dense with split_k 1"},
    {"block_n_range", "block_n is a multiple of 8 in [16, 256]"},
    {"block_n_scale_blocks", "an N tile overlaps at most two 128-wide scale blocks of B"},
    {"stages", "stages >= 2"},
    {"smem", "shared-memory layout fits the per-block limit"},
    {"registers", "accumulators fit the register budget of the math warpgroups"},
    {"num_sms", "1 <= num_sms <= device SM count"},
    {"multicast_num_sms", "multicast clusters of 2 need an even num_sms"},
    {"multicast_a_n_blocks", "multicast A needs >= 2 n-blocks"},
    {"multicast_b_m_blocks", "multicast B needs >= 2 m-blocks"},
    {"multicast_b_block_n", "multicast B needs block_n % 16 == 0"},
    {"split_k_range", "1 <= split_k <= 16 and split_k <= k-blocks"},
    {"split_k_empty_split", "every K split gets at least one k-block"},
    {"split_k_workspace", "operands plus split-K workspace fit in device memory"},
    {"raster_group", "1 <= raster group <= 64"},
    {"group_split_k", "grouped configs have split_k 1"},
    {"fixed_k_split_k", "a config compiled for one K (_k) splits its K blocks evenly"},
    {"group_layout", "the config is built for the problem's op (dense or its grouped layout)"},
    {"fixed_k", "a config compiled for one K (_k) runs that K only"},
    {"raster_group_bands", "raster G (groups of m-blocks within MoE groups) is contiguous, not multicast B"},
    {"l2_normal_layout", "B always evict-normal (_l2n) is for the contiguous layout"},
    {"no_balanced_order", "no balanced order (_nbo) is for contiguous block_m 128 members "
                          "without K split, K at run time or >= 32 K blocks"},
}};

/// Index of a rule in kLegalityRules.
using RuleIndex = uint8_t;
/// The RuleIndex of "no rule violated"; it orders after every rule.
inline constexpr RuleIndex kNoRule = 0xff;
static_assert(kLegalityRules.size() < kNoRule);

/// The index of rule `id` in kLegalityRules, kNoRule for an unknown id.
[[nodiscard]] constexpr RuleIndex rule_index(std::string_view id) {
  for (size_t i = 0; i < kLegalityRules.size(); ++i) {
    if (kLegalityRules[i].id == id) return static_cast<RuleIndex>(i);
  }
  return kNoRule;
}

/// Device bytes of one problem's operands; the split-K workspace is not included.
struct ProblemBytes {
  int64_t a_bytes = 0;   ///< M x K e4m3
  int64_t b_bytes = 0;   ///< N x K e4m3
  int64_t sa_bytes = 0;  ///< ceil(K/128) x roundup(M, 4) fp32
  int64_t sb_bytes = 0;  ///< ceil(N/128) x roundup(ceil(K/128), 4) fp32
  int64_t d_bytes = 0;   ///< M x N bf16
  int64_t total_bytes = 0;
};

/// Operand bytes of `problem`; nullopt when a size overflows int64. Sizes must be positive.
[[nodiscard]] std::optional<ProblemBytes> problem_bytes(const Problem& problem);

/// The rules about the problem alone: sizes, overflow, TMA alignment, device memory.
[[nodiscard]] Legality check_problem(const Problem& problem, const DeviceLimits& limits);

/// Which rules a check applies: all, or all but `registers`. The register budget is a calibration
/// against ptxas' spills (kMaxAccumFloats*), not a limit of the hardware: a config measured and
/// passed under an earlier budget still builds and runs, so readers of recorded measurements
/// (core/legality_entry.hpp) leave it out.
enum class RuleSet { kAll, kWithoutRegisterBudget };

/// The rules about the config alone, which need no problem: block_m, block_n_range,
/// block_n_scale_blocks, stages, smem, registers, num_sms, multicast_num_sms,
/// multicast_b_block_n, raster_group (`compile --config`). The first violated rule decides.
[[nodiscard]] Legality check_config_alone(const KernelConfig& config, const DeviceLimits& limits,
                                          RuleSet rules = RuleSet::kAll);

/// Every rule (the problem's first, then the config's); the first violated rule decides.
[[nodiscard]] Legality check_legality(const Problem& problem, const KernelConfig& config,
                                      const DeviceLimits& limits, RuleSet rules = RuleSet::kAll);

/// The index of the rule deciding check_legality(problem, config, limits), without its reason
/// text, for plans over many problems. `problem` must pass check_problem(); `alone` is the
/// rule_index() of check_config_alone(config, limits) (kNoRule when it passed).
[[nodiscard]] RuleIndex deciding_rule(const Problem& problem, const KernelConfig& config,
                                      const DeviceLimits& limits, RuleIndex alone);

/// Whether M fits one m-block of `block_m` rows (rule multicast_b_m_blocks).
[[nodiscard]] bool one_m_block(int64_t m, int block_m);
/// Whether the operands plus a split-K workspace of `split_k` partial M x N fp32 sums fit in
/// device memory (rule split_k_workspace).
[[nodiscard]] bool split_k_workspace_fits(const Problem& problem, int split_k,
                                          const DeviceLimits& limits);

}  // namespace gemmtune
