#pragma once
/// The compile-time knobs of the sm90_fp8_gemm_1d2d kernel family and their canonical text form,
/// e.g. `bm128_bn160_s5_mcA_sm132_rN8_sk1`, or with a grouped layout `..._sk1_gC`. The text form is
/// the cache key component, the kernel symbol suffix and what users pass to `gemmtune run --config`.
/// A member compiled for one K carries `_k{K}` after `sk`: `bm256_bn128_s3_mc0_sm132_rN8_sk1_k16384`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gemmtune {

/// Which operand is multicast by TMA across a cluster of two CTAs.
enum class Multicast { kNone, kA, kB };
/// Raster order of the persistent tile scheduler: kN walks along N inside a group of `group`
/// m-blocks (A rows reused from L2), kM walks along M inside a group of `group` n-blocks.
/// kNGroups (text `G`, contiguous layout only) is kN whose groups of m-blocks stop at the MoE
/// groups' boundaries, so that no expert's weights are swept by two raster groups far apart in
/// time (kernels/sm90_fp8_gemm_1d2d_schedule.cuh bands_follow_groups).
enum class Raster { kM, kN, kNGroups };
/// Which GEMM the member computes: the dense fp8_gemm_nt, or one of the MoE grouped GEMMs
/// (kernels/README.md "Grouped GEMMs"): contiguous (groups' rows concatenated, row offsets on the
/// device) or masked (a fixed row stride per group, rows used per group on the device).
enum class GroupLayout { kNone, kContiguous, kMasked };

/// One member of the kernel family. block_k is fixed at 128 (the scale block).
struct KernelConfig {
  int block_m = 128;     ///< rows of D per CTA tile: 64, 128, 192 (dense, split_k 1) or 256
  int block_n = 128;     ///< columns of D per CTA tile: multiple of 8, 16..256
  int stages = 4;        ///< depth of the TMA shared-memory ring
  Multicast multicast = Multicast::kNone;
  int num_sms = 132;     ///< CTAs of the persistent grid
  Raster raster = Raster::kN;
  int group = 8;         ///< raster group size in tiles (>= 1)
  int split_k = 1;       ///< K split across CTAs, reduced deterministically
  GroupLayout layout = GroupLayout::kNone;  ///< dense, or the grouped layout it is built for
  /// K compiled into the kernel (0: K is a run-time value). Such a member runs that K only; its K
  /// loop has a constant trip count, which lets it be unrolled (mainloop_unroll()).
  int fixed_k = 0;
  /// Contiguous layout: B always under the L2 evict-normal policy (name suffix `_l2n`), where
  /// the default rule streams a group's B under evict-first when one m-block reads it
  /// (kernels/support_l2_policy.h). A twin of the leaders (sweep/budget.hpp l2_normal_twin).
  bool b_l2_normal = false;
  /// Where the member would balance cheap units (balances_cheap_units()): each wave's units in
  /// raster order instead (name suffix `_nbo`, "no balanced order"). A twin of the leaders on
  /// problems where few groups end in a cheap m-block (sweep/budget.hpp no_balanced_order_twin).
  bool no_balanced_order = false;

  static constexpr int kBlockK = 128;
  /// Most K blocks one pass of the unrolled K loop holds, as DeepGEMM's `#pragma unroll 8`.
  static constexpr int kMaxMainloopUnroll = 8;
  /// Most K blocks per pass for tiles across two scale blocks (mainloop_unroll).
  static constexpr int kMaxStraddlingUnroll = 4;
  /// The same for three math warpgroups (block_m 192, 160 registers a math thread): unrolled 8
  /// times the bm192_bn128 K loop spills 56 B, 4 times it is clean (NVRTC 13.0).
  static constexpr int kMaxThreeWarpgroupUnroll = 4;

  [[nodiscard]] bool operator==(const KernelConfig&) const = default;
  /// Whether the K splits of a tile are summed inside a cluster: the two CTAs of a tile's splits
  /// form one cluster, and the CTA of rank 1 sends its FP32 partial to rank 0's shared memory
  /// (the kernel's sum_split_k_in_cluster), where the workspace path writes every split's
  /// partial, fences, counts arrivals with an atomic and has the last CTA read them all back:
  /// three L2 round trips, ~2 us of a 10-15 us small-M GEMM (results/PERF_LOG.md history).
  /// When: split_k 2 (clusters of 2 are known to fill the persistent grid: PERF_LOG, "Multicast:
  /// do the clusters fit?"), no multicast (it has the cluster), an even grid (the schedule then
  /// pairs rank with split), and rank 0's block_m x block_n FP32 receive buffer fits in shared
  /// memory beside the config's stages; else the workspace path, as before.
  [[nodiscard]] bool split_k_in_cluster() const;
  /// CTAs per cluster: 2 when multicasting or when the splits sum in a cluster, else 1.
  [[nodiscard]] int cluster_size() const {
    return multicast != Multicast::kNone || split_k_in_cluster() ? 2 : 1;
  }
  /// Math warpgroups: one per 64 rows up to two; block_m 256 gives each warpgroup 128 rows;
  /// block_m 192 has three of one 64-row slice each.
  /// NOTE: why 192: measured on the H200 (7f3a7dd:results/2026-11-26-tensor-roof-and-bm192/), a bm192
  /// tile runs at a bm256 tile's rate per MMA (on dsv3-quick's M = 4096 rows both took the times
  /// their wave counts predict, bm192 the slower there), so it wins where 192-row tiles fill the
  /// waves better: 20-26% over bm128 / bm256 of the same block_n at M = 384 and 576, 1-8% over
  /// the default space's best without it at M = 384-1152 on N = 7168. (scripts/lab/mma_roof_probe.cu
  /// had promised more: three chains of MMA-then-promote per SM hid the promotion better than
  /// the bm256 pattern in lock step; the real bm256 kernel already overlaps its two.)
  [[nodiscard]] int math_warpgroups() const {
    return block_m == 192 ? 3 : block_m >= 128 ? 2 : 1;
  }
  /// Whether the weight scales (sB) travel in the TMA pipeline stages (a second producer thread
  /// loads them) instead of being read from global memory by the math threads one K block ahead.
  /// NOTE: measured on the H200, hand-picked dsv3-quick configs, call timing, A/B in one process
  /// (results/PERF_LOG.md history): one-warpgroup tiles gain 3-10% (their promotion chain
  /// waited on the global load); two-warpgroup tiles at M = 4096 lose 2-15% (an extra TMA per stage
  /// and the shared-memory read cost more than the other warpgroup already hides).
  [[nodiscard]] bool sb_in_stage() const { return math_warpgroups() == 1; }
  /// Whether the one-warpgroup K loop keeps two K blocks in flight: it issues the second block's
  /// MMAs into a second accumulator before it promotes the first (the kernel's mma_ahead()).
  /// NOTE: measured on the H200 beside DeepGEMM, 12 M <= 128 rows x 2 rounds (7f3a7dd:results/2026-11-26-
  /// grouped-resweep-tail-exit/0528-mma-ahead-ab/): +0.8-2.5% with block_n 64-128, -0.5 to +0.3%
  /// below 64 in passes of 2; block_n 32 in passes of 4 (mma_pass_blocks) +2.2-2.5% on
  /// 64 x 2112 x 7168 in two calls, 0% on 64 x 4096 x 7168, block_n 56 -1% (7f3a7dd:results/2026-11-26-
  /// mma-pass-length/); above 128 the second accumulator would pass the register budget.
  [[nodiscard]] bool mma_ahead() const {
    return sb_in_stage() && (block_n == 32 || (block_n >= 64 && block_n <= 128));
  }
  /// K blocks per pass of the mma_ahead loop, which drains at the end of each pass (a wgmma group
  /// in flight across the loop's back edge makes ptxas serialize them all). Longer passes drain
  /// less often but duplicate more code: 4 lost to 2 on block_n 64-128 (-2.4% on bm64_bn112,
  /// whose code grows from 4k to 7k instructions) and won on block_n 32 (7f3a7dd:results/2026-11-26-
  /// mma-pass-length/).
  [[nodiscard]] int mma_pass_blocks() const { return block_n == 32 ? 4 : 2; }
  /// Whether the math warpgroups read the weight scales (sB) of each tile from shared memory,
  /// where they store the next tile's while the current one's epilogue runs (DeepGEMM reads them
  /// from shared memory too), instead of two global loads per K block and math thread. Only
  /// members compiled for K (the region holds a split's K blocks, so its size is known when the
  /// layout is: src/core/smem_layout.hpp), and only tiles that straddle two scale blocks.
  /// NOTE: measured on the H200, twins A/B against the global loads (results/PERF_LOG.md
  /// history): bm128_bn192 2.5-3% faster (dense 4096 x 7168 x 2048, dsv3 down prefill; its
  /// K loop 167 -> 151 instructions), bm256_bn136 even; tiles in one scale block, whose unrolled
  /// loop already hoists the loads, 0.3-2% slower at K >= 1536 and 9% at K 512 (bm256_bn128 mcB:
  /// the next tile's loads wait out a short epilogue).
  [[nodiscard]] bool sb_per_tile() const {
    return fixed_k > 0 && !sb_in_stage() && !tile_in_one_scale_block();
  }
  /// Whether the contiguous schedule deals each wave's cheap units (of an m-block that ends a
  /// group 64 rows or fewer into it) first to the clusters that run one unit more, the kernel's
  /// balanced order (kernels/sm90_fp8_gemm_1d2d_schedule.cuh balances_cheap_units, which reads
  /// this): block_m 128 (its second math warpgroup skips such a tile, which is what makes it
  /// cheap), no K split, and K at run time or of at least kMinBalancedKBlocks K blocks.
  /// NOTE: members compiled for fewer K blocks run without the order. Built by the whole CTA
  /// before the first tile, it cost each launch ~3 us (tile profile: 2.9-3.0 us of a 3.5-4.0 us
  /// prologue), and those members ran 0.5-5.7% faster without it on all 16 contiguous rows
  /// measured (K 768-2048); built in the first wave they still ran 0.1-4.4% slower with it than
  /// without on all 12 measured (the order itself or the walkers' wait for it: not separated). At 32-56 K blocks it was worth up to 2.5% on three of six rows
  /// even before the first tile. Members for any K keep it (not measured without it).
  [[nodiscard]] bool balances_cheap_units() const {
    return !no_balanced_order && orders_cheap_units();
  }
  /// Whether the member is one that balances cheap units, or would without no_balanced_order.
  [[nodiscard]] bool orders_cheap_units() const {
    return layout == GroupLayout::kContiguous && block_m == 128 && split_k == 1 &&
           (fixed_k == 0 || fixed_k / kBlockK >= kMinBalancedKBlocks);
  }
  static constexpr int kMinBalancedKBlocks = 32;
  /// Copies of the K loop the kernel compiles, one per way a tile can lie across the 128-wide
  /// weight-scale blocks (the kernel's LoFragments): 1 for tiles in one block, 2 for bn192 (its
  /// tiles start at column 0 or 64 of a block), up to 16 (bn136).
  [[nodiscard]] int mainloop_copies() const;
  /// Threads per CTA: one producer warpgroup plus the math warpgroups.
  [[nodiscard]] int threads() const { return 128 * (1 + math_warpgroups()); }
  /// Whether every N tile lies inside one 128-wide scale block of B (block_n divides 128): the K
  /// loop then has one promotion, else one copy per split of the tile between two scale blocks.
  [[nodiscard]] bool tile_in_one_scale_block() const { return 128 % block_n == 0; }
  /// K blocks per pass of the math warpgroups' K loop (its `#pragma unroll`).
  /// NOTE: measured on the H200 beside DeepGEMM (results/PERF_LOG.md history): with K
  /// compiled in, 8 at bm256_bn128 and K 16384 is 1.4-2.7% faster (mcA most: the next block's
  /// barrier wait and scale loads move into this block's promotion) and a whole unrolled K = 512
  /// loop 2-2.4% faster; with a run-time K, unroll 4/8 lost 1-2% at K <= 1536 (the remainder
  /// loop) and bm256_bn136 (16 promotion copies, one per scale-block split) lost 8-18% to its
  /// code size; bm128_bn192 spills at unroll 2-8. Hence: only with a fixed K, only for tiles in
  /// one scale block, whole loops (of a split's K blocks, which fixed_k_split_k makes equal) up
  /// to kMaxMainloopUnroll K blocks.
  /// Tiles across two scale blocks unroll only with their scales in shared memory and at most
  /// two copies (bm128_bn192, 4 K blocks: +1% on dsv3 down prefill; with the global
  /// loads it spilled), kMaxStraddlingUnroll K blocks per pass.
  [[nodiscard]] int mainloop_unroll() const {
    if (fixed_k <= 0 || !splits_k_evenly()) return 1;
    int most = math_warpgroups() == 3 ? kMaxThreeWarpgroupUnroll : kMaxMainloopUnroll;
    if (!tile_in_one_scale_block()) {
      if (!sb_per_tile() || mainloop_copies() > 2) return 1;
      most = kMaxStraddlingUnroll;
    }
    const int per_split = k_blocks_per_split();
    return per_split < most ? per_split : most;
  }
  /// Whether split_k divides the K blocks of fixed_k (legality rule fixed_k_split_k).
  [[nodiscard]] bool splits_k_evenly() const {
    return split_k >= 1 && ((fixed_k + kBlockK - 1) / kBlockK) % split_k == 0;
  }
  /// K blocks of each split of a member compiled for K (fixed_k > 0, split_k >= 1).
  [[nodiscard]] int k_blocks_per_split() const {
    const int k_blocks = (fixed_k + kBlockK - 1) / kBlockK;
    return (k_blocks + split_k - 1) / split_k;
  }
};

/// `config` compiled for K = `k` (KernelConfig::fixed_k), when that changes its K loop
/// (mainloop_unroll() > 1, or the weight scales from shared memory: sb_per_tile()); nullopt
/// otherwise: a twin that only fixes the trip count measured the same as its run-time-K original
/// (PERF_LOG history) and would cost a compile per K. Also nullopt when the twin's weight-scale
/// region takes its shared memory past Hopper's 227 KiB (smem_layout).
[[nodiscard]] std::optional<KernelConfig> k_specialised(const KernelConfig& config, int64_t k);

/// Canonical text form: `bm{M}_bn{N}_s{S}_mc{0|A|B}_sm{SMS}_r{M|N|G}{G}_sk{SK}`, followed by
/// `_nbo` (no_balanced_order) and `_l2n` (b_l2_normal) where set, `_k{K}` for a member compiled
/// for one K, then `_gC` (contiguous) or `_gM` (masked) for a grouped layout; dense configs have
/// no suffix.
[[nodiscard]] std::string to_string(const KernelConfig& config);
/// Parses the canonical form; on failure returns nullopt and sets *error to a one-line reason.
/// The raster's letter in the config text: 'M', 'N' or 'G'.
[[nodiscard]] char raster_letter(Raster raster);
/// The suffix's letter: 'C' or 'M' for grouped layouts, 0 for kNone.
[[nodiscard]] char group_layout_letter(GroupLayout layout);
/// The layout's name in shape sets, tables and JSON: dense, grouped_contiguous, grouped_masked.
[[nodiscard]] const char* to_string(GroupLayout layout);
/// Parses a layout name of to_string(GroupLayout); nullopt when unknown.
[[nodiscard]] std::optional<GroupLayout> parse_group_layout(std::string_view name);
[[nodiscard]] std::optional<KernelConfig> parse_kernel_config(std::string_view text,
                                                              std::string* error);

}  // namespace gemmtune
