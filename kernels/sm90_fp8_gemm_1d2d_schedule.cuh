// sm90_fp8_gemm_1d2d_schedule.cuh: which tiles a CTA of the sm90_fp8_gemm_1d2d family computes, in
// which order, and where their operands live (kernels/sm90_fp8_gemm_1d2d.cuh has the pipeline).
//
// Static persistent schedule: CTAs (clusters with multicast) take units round-robin; a unit is a
// tile, or a pair of tiles sharing the multicast operand, times a K split. Grouped layouts
// (kGroupLayout 1 contiguous, 2 masked; gemmtune_params.h) number every group's m-blocks one after
// another through a per-CTA table in shared memory and run the same schedule over them; with
// multicast B a pair of m-blocks from two groups loads B per CTA (DeepGEMM's
// `is_tma_multicast_valid` does the same), where each group used to be padded to an even count,
// except in the masked members that pair inside each group (pairs_within_groups).
#pragma once

#include "gemmtune_params.h"
#include "sm90_fp8_gemm_1d2d_group_search.h"
#include "sm90_ptx.cuh"
#include "support_l2_policy.h"

namespace sm90_fp8_gemm_1d2d {

using namespace gemmtune_ptx;

/// One unit of work for one CTA: a tile of D, the K split it covers, and whether it owns the
/// result (false for a multicast peer mirroring its partner's tile).
struct Work {
  int m_block;
  int n_block;
  int split;
  bool owns_result;
};

/// Masked layout, multicast B, raster N: a pair never spans two groups. Each group's tiles
/// (its m-blocks x n_blocks) are dealt to clusters two at a time, group after group: its
/// m-blocks in pairs sharing B, and where its m-block count is odd, the last m-block by pairs of
/// n-blocks, each CTA loading its own B (DeepGEMM's masked scheduler pairs within a group the same
/// way). Only where n_blocks is even, so that every group holds an even count of tiles
/// (Schedule::in_groups); elsewhere pairs of the numbering of every group's m-blocks.
/// Why: that numbering pairs m-blocks (2i, 2i + 1) across groups, and where groups of one and two
/// m-blocks alternate few pairs share B. Measured on the H200 (each config alone, 3 rounds):
/// Qwen3-30B-A3B gate+up decode (N 1536 x K 2048, 32 groups of 37-96 rows) bm64_bn192_s6 47.7
/// -> 39.2 us, against 41.0 without multicast and DeepGEMM's 39.9-40.5 (its config: the same tile,
/// B shared by a pair of m-blocks); 12 other masked rows at block_m 64 within -1.2% to +1.8%; at
/// block_m 128 five rows of block_n 128 and 160 0.8-4.1% faster. Not bm128_bn192: this order ran
/// nine of ten such rows (N 3072-7168, groups of one, two or 6-11 m-blocks; with two, every pair
/// was already inside one group) 2-14% slower; why is not known. Other tiles are not measured.
template <class C>
__device__ __forceinline__ constexpr bool pairs_within_groups() {
  return C::kGroupLayout == 2 && C::kMulticast == 2 && C::kRasterN && C::kSplitK == 1 &&
         (C::kBlockM == 64 || (C::kBlockM == 128 && C::kBlockN <= 160));
}

/// Static persistent schedule: clusters take units round-robin; a unit is a tile (or a pair of
/// tiles sharing the multicast operand) times a K split. Raster order groups kGroup rows (kRasterN)
/// or columns of units together so neighbouring CTAs reuse the same A or B blocks from L2.
template <class C>
struct Schedule {
  int m_blocks, n_blocks, grid_m, grid_n, num_units;
  bool in_groups;  // pairs_within_groups and an even n_blocks: units are decoded by group_pair_cell

  /// `m_block_count`: the problem's m-blocks (grouped: all groups' m-blocks).
  __device__ __forceinline__ Schedule(int m_block_count, int n) {
    m_blocks = m_block_count;
    n_blocks = (n + C::kBlockN - 1) / C::kBlockN;
    grid_m = C::kMulticast == 2 ? (m_blocks + 1) / 2 : m_blocks;
    grid_n = C::kMulticast == 1 ? (n_blocks + 1) / 2 : n_blocks;
    num_units = grid_m * grid_n * C::kSplitK;
    in_groups = pairs_within_groups<C>() && n_blocks % 2 == 0;
    if (in_groups) num_units = m_blocks * n_blocks / 2;
  }

  /// Whether units are decoded by group_pair_cell; false at compile time outside
  /// pairs_within_groups, so those members keep their code.
  __device__ __forceinline__ bool pairs_in_groups() const {
    return pairs_within_groups<C>() && in_groups;
  }

  __device__ __forceinline__ Work work(int unit, u32 rank) const {
    const int split = unit % C::kSplitK;
    const int t = unit / C::kSplitK;
    int gm, gn;
    if (C::kRasterN) {
      const int band_units = C::kGroup * grid_n;
      const int first = (t / band_units) * C::kGroup;
      const int rows = min(C::kGroup, grid_m - first);
      const int within = t % band_units;
      gm = first + within % rows;
      gn = within / rows;
    } else {
      const int band_units = C::kGroup * grid_m;
      const int first = (t / band_units) * C::kGroup;
      const int cols = min(C::kGroup, grid_n - first);
      const int within = t % band_units;
      gn = first + within % cols;
      gm = within / cols;
    }
    return cell(gm, gn, split, rank);
  }

  /// The Work of cell (gm, gn) of the unit grid and K split `split`: a multicast pair's cell
  /// expanded to this CTA's tile (`rank`), a mirror where the pair's second tile is past the end.
  /// NOTE: dealing an odd count's last m-block by n-block pairs instead (DeepGEMM's way; branch
  /// exp/odd-tail) measured on contiguous multicast B: faster only where the mirror's tiles add
  /// a round (gate+up g16 of 2103 rows, 6 rounds -> 5), level or up to 3.4% slower elsewhere
  /// (results/h200-moe-sets/README.md "Tried and not kept").
  __device__ __forceinline__ Work cell(int gm, int gn, int split, u32 rank) const {
    Work w{gm, gn, split, true};
    if (C::kMulticast == 1) {
      w.n_block = 2 * gn + static_cast<int>(rank);
      if (w.n_block >= n_blocks) { w.n_block = 2 * gn; w.owns_result = false; }
    } else if (C::kMulticast == 2) {
      w.m_block = 2 * gm + static_cast<int>(rank);
      if (w.m_block >= m_blocks) { w.m_block = 2 * gm; w.owns_result = false; }
    }
    return w;
  }

  /// The unit that work() maps to cell (gm, gn) of the unit grid (no K split): its inverse.
  __device__ __forceinline__ int unit_of(int gm, int gn) const {
    if (C::kRasterN) {
      const int first = gm / C::kGroup * C::kGroup;
      return first * grid_n + gn * min(C::kGroup, grid_m - first) + (gm - first);
    }
    const int first = gn / C::kGroup * C::kGroup;
    return first * grid_m + gm * min(C::kGroup, grid_n - first) + (gn - first);
  }
};

/// Contiguous layout, raster G (KernelConfig Raster::kNGroups): raster N whose bands of up to
/// kGroup m-blocks stop at the groups' boundaries. Why: under plain raster N a band spans groups,
/// so a group cut by a band's end has its weights read again a band later, after the L2 has moved
/// on. With ~2 m-blocks a group and 13-29 MB of weights a group (Kimi-K2 and Qwen3-235B-A22B
/// gate+up, DeepSeek-V3 gate+up at 32 experts) an LRU model of the schedule put that at 12-15%
/// more DRAM bytes, which Nsight Compute measured (2.19 against DeepGEMM's 1.96 GB on Kimi-K2
/// gate+up, 48 experts), and raster G ran those rows 2-4% faster (results/PERF_LOG.md). Where a
/// group's weights stay in L2 anyway it ran 0.5-4% slower (GLM-4.5 down, 160 experts): a choice
/// for the tuner. A unit's group is found from its unit index (group_of_m_block), which the
/// decode needs anyway. Not with multicast B (legality rule raster_group_bands): a pair of
/// m-blocks may lie in two groups.
template <class C>
__device__ __forceinline__ constexpr bool bands_follow_groups() {
  return C::kGroupBands != 0 && C::kGroupLayout == 1 && C::kRasterN && C::kMulticast != 2;
}

/// bands_follow_groups: cell (gm, gn) of unit `t` (no K split) of group g, whose units are
/// [table[g] * grid_n, table[g + 1] * grid_n): bands of up to kGroup of the group's m-blocks,
/// each walked column by column.
template <class C>
__device__ __forceinline__ void group_band_cell(const int* table, int g, int grid_n, int t,
                                                int* gm, int* gn) {
  const int local = t - table[g] * grid_n;
  const int band_units = C::kGroup * grid_n;
  // Most groups of the many-expert regime have fewer than kGroup m-blocks: one band, no division.
  const int first = local < band_units ? 0 : local / band_units * C::kGroup;
  const int rows = min(C::kGroup, table[g + 1] - table[g] - first);
  const int within = local - first * grid_n;
  *gm = table[g] + first + within % rows;
  *gn = within / rows;
}

/// group_band_cell's inverse: the unit of cell (gm, gn) of group g.
template <class C>
__device__ __forceinline__ int group_band_unit_of(const int* table, int g, int grid_n, int gm,
                                                  int gn) {
  const int local_m = gm - table[g];
  const int first = local_m / C::kGroup * C::kGroup;
  const int rows = min(C::kGroup, table[g + 1] - table[g] - first);
  return (table[g] + first) * grid_n + gn * rows + (local_m - first);
}

/// Schedule::in_groups: this CTA's tile (`rank`) of unit `unit` of group g, whose tiles are
/// [table[g] * n_blocks, table[g + 1] * n_blocks) in unit pairs: first the pairs of its m-blocks
/// (bands of up to kGroup pairs, each walked column by column), then, where its m-block count is
/// odd, its last m-block's n-blocks two at a time. `b_shared`: the two tiles share B.
template <class C>
__device__ __forceinline__ Work group_pair_cell(const int* table, int g, int n_blocks, int unit,
                                                u32 rank, bool* b_shared) {
  const int local = 2 * unit - table[g] * n_blocks;  // even: every group holds an even count
  const int count = table[g + 1] - table[g];
  const int pair_rows = count / 2;
  const int pair_units = pair_rows * n_blocks;
  const int q = local / 2;
  Work w{0, 0, 0, true};
  if (q < pair_units) {
    // NOTE: group_band_cell's band walk over pair rows. One helper for both compiled the raster G
    // members to other machine code (.text compared), so each keeps its own.
    const int band_units = C::kGroup * n_blocks;
    const int first = q < band_units ? 0 : q / band_units * C::kGroup;
    const int rows = min(C::kGroup, pair_rows - first);
    const int within = q - first * n_blocks;
    w.m_block = table[g] + 2 * (first + within % rows) + static_cast<int>(rank);
    w.n_block = within / rows;
    *b_shared = true;
  } else {
    w.m_block = table[g] + count - 1;
    w.n_block = 2 * (q - pair_units) + static_cast<int>(rank);
    *b_shared = false;
  }
  return w;
}

/// Grouped layouts: where a CTA keeps each group's first m-block (kMaxGroups + 1 ints, and one
/// more for build_balanced_order's in-use flag: SmemLayout::group_table_bytes).
template <class C>
__device__ __forceinline__ int* group_table(char* smem) {
  return reinterpret_cast<int*>(smem + C::kGroupTableOffset);
}

/// Rows [begin, end) of A and D that group g owns, clamped to [0, M] so that a hostile offsets or
/// masked_m array can never address outside A or D (kernels/README.md "Grouped GEMMs").
/// Contiguous groups with group_ends end there (within [begin, the next group's begin]): a
/// layout that pads every group, as DeepGEMM's does to 128 rows, computes no padding row.
template <class C>
__device__ __forceinline__ void group_row_range(const GemmtuneGemmParams& p, int g, int* begin,
                                                int* end) {
  if (C::kGroupLayout == 1) {
    *begin = min(max(__ldg(p.group_rows + g), 0), p.m);
    *end = min(max(__ldg(p.group_rows + g + 1), *begin), p.m);
    if (p.group_ends != nullptr) *end = min(max(__ldg(p.group_ends + g), *begin), *end);
  } else {
    *begin = g * p.max_m;
    *end = *begin + min(max(__ldg(p.group_rows + g), 0), p.max_m);
  }
}

/// Replaces values[0, count) in shared memory by their inclusive prefix sums. Called by warp 0
/// (all its lanes; `lane` = threadIdx.x), 32 values per step, the running total carried between
/// steps.
__device__ __forceinline__ void warp_scan_in_place(int* values, int count, int lane) {
  int carry = 0;
  for (int base = 0; base < count; base += 32) {
    const int i = base + lane;
    int v = i < count ? values[i] : 0;
#pragma unroll
    for (int d = 1; d < 32; d *= 2) {
      const int x = __shfl_up_sync(0xffffffffu, v, d);
      if (lane >= d) v += x;
    }
    if (i < count) values[i] = carry + v;
    carry += __shfl_sync(0xffffffffu, v, 31);
  }
}

/// Builds the group table: table[g] = m-blocks of the groups before g, table[G] = all of them.
/// Every thread of the CTA reads group sizes; warp 0 then scans. The caller synchronises the CTA
/// before anyone reads the table.
template <class C>
__device__ __forceinline__ void build_group_table(const GemmtuneGemmParams& p, char* smem) {
  int* table = group_table<C>(smem);
  const int groups = p.num_groups;
  for (int g = threadIdx.x; g < groups; g += blockDim.x) {
    int begin, end;
    group_row_range<C>(p, g, &begin, &end);
    // NOTE: multicast B pairs m-blocks (2i, 2i + 1) across group boundaries too; a pair whose
    // m-blocks lie in two groups loads B per CTA (TileTask::b_shared), so no group is padded.
    table[g + 1] = (end - begin + C::kBlockM - 1) / C::kBlockM;
  }
  __syncthreads();
  if (threadIdx.x < 32) {
    warp_scan_in_place(table + 1, groups, threadIdx.x);
    if (threadIdx.x == 0) table[0] = 0;
  }
}

/// `v`, which every lane of this fully active warp holds, in a form the compiler knows is
/// warp-uniform. Why: it treats a value read from shared memory as possibly different per thread.
/// A tile loop bounded by one (the grouped m-block count) made the pipeline's stage and phase
/// per-thread values, so every wgmma descriptor was rebuilt in ordinary registers and moved to
/// uniform ones (R2UR) before each wgmma: 14% more instructions and 9% more time than the same
/// tiles dense (Nsight Compute, one group of 9216 x 4096 x 7168).
/// NOTE: a shuffle from lane 0 did not help (ptxas does not treat SHFL results as uniform);
/// REDUX, the warp reduction, writes a uniform register (SASS `REDUX.MAX.S32 URn`).
__device__ __forceinline__ int warp_uniform(int v) { return __reduce_max_sync(0xffffffffu, v); }

/// The schedule of this launch: over the problem's m-blocks, or over every group's.
/// `kFullWarp`: called by all lanes of a warp (the math warpgroups), so grouped values read from
/// shared memory can be made warp-uniform; the producers run as single threads.
template <class C, bool kFullWarp>
__device__ __forceinline__ Schedule<C> make_schedule(const GemmtuneGemmParams& p, char* smem) {
  if (C::kGroupLayout != 0) {
    const int m_blocks = group_table<C>(smem)[p.num_groups];
    return Schedule<C>(kFullWarp ? warp_uniform(m_blocks) : m_blocks, p.n);
  }
  return Schedule<C>((p.m + C::kBlockM - 1) / C::kBlockM, p.n);
}

/// What one CTA does for schedule unit `unit`: its tile and where its operands live.
struct TileTask {
  Work work;
  int n0;                  // first column of the tile in D (inside the group's N columns)
  int a_row0;              // first row of the tile in A, sA and D
  int row_end;             // rows >= row_end are not the tile's (next group, or past M)
  int b_row0;              // first row of the tile in B (grouped: inside its group's rows)
  int sb_row0;             // the tile's first 128-row scale block of B (grouped: its group's)
  int sb_row_last;         // the last scale block of the tile's group (of B when dense)
  int kb_begin, kb_end;    // K blocks [begin, end) of the tile's split
  bool b_shared;           // multicast B: the cluster's two tiles read the same B (rank 0 loads it
                           // for both); false where the pair's m-blocks lie in two groups, or
                           // its tiles are two n-blocks of one m-block (group_pair_cell)
  bool b_evict_first;      // B loads under the L2 evict-first policy (b_evict_first_rule)

  /// The tile's second scale block of B (its columns past the first block's end), clamped to its
  /// group's last so that a tile inside one block reads a row that exists.
  __device__ __forceinline__ int sb_row1() const { return min(sb_row0 + 1, sb_row_last); }
};

/// gemmtune_b_evict_first (support_l2_policy.h) for this build's layout and block_m; never in a
/// member built with B always evict-normal (KernelConfig::b_l2_normal, `_l2n`).
template <class C>
__device__ __forceinline__ bool b_evict_first_rule(int readers, bool pair_shares_b,
                                                   bool one_wave) {
  return !C::kBL2Normal && gemmtune_b_evict_first(C::kGroupLayout != 0, readers, pair_shares_b,
                                                  C::kBlockM, one_wave);
}

/// Whether the math warpgroups skip a tile's rows that lie past its end: grouped layouts with two
/// math warpgroups, where a group's short last m-block often has all its rows in the first
/// warpgroup's half (a masked group of ~190 rows puts every other tile there at block_m 128).
/// The second warpgroup then skips the tile's K loop, leaving the tensor cores to the first, whose
/// warps release each stage for both; DeepGEMM skips the same work (`is_computation_valid`).
/// Not dense: ragged tiles are rare there, and the per-tile pipeline position this needs cost the
/// dense K loops 8-11 more instructions (SASS).
template <class C>
__device__ __forceinline__ constexpr bool skips_idle_warpgroup() {
  return C::kGroupLayout != 0 && C::kMathWarpgroups == 2;
}

/// Grouped layouts: whether a group's last tile, which would end past the group's rows, moves up
/// to end at the group's end instead (its first rows then repeat the tile before it, which
/// computes and stores the same values). Why: a tile that ends inside its group cannot use the
/// TMA store (store_tile_rows copies its rows with the math threads, which then wait for the
/// copy before the next tile); DeepGEMM pads each group to 128 rows and never has one. Only
/// where the tile would use both math warpgroups anyway: a tile whose rows all lie in the first
/// warpgroup's half keeps its place and leaves the second idle (skips_idle_warpgroup), which is
/// cheaper than a whole tile. Groups shorter than a tile keep theirs.
template <class C>
__device__ __forceinline__ int ragged_tile_row0(int a_row0, int begin, int end) {
  // NOTE: half_row_end < end is math()'s wg1_idle, negated, written out here: a shared helper
  // for both compiled to other SASS in both K loops (not timed), so each keeps it.
  const int half_row_end = a_row0 + (skips_idle_warpgroup<C>() ? C::kBlockM / 2 : 0);
  const bool moves = a_row0 + C::kBlockM > end && end - begin >= C::kBlockM && half_row_end < end;
  return moves ? end - C::kBlockM : a_row0;
}

/// Dense layout: the first row of the last m-block of a problem with at least a tile of rows, moved
/// up from its place to end at row M, rounded up to a multiple of 4 (its sA box starts there, and
/// an sA box starting off a 4-row, 16-byte boundary faults: gemmtune_grouped_sa_box_rows). Its
/// first rows repeat the tile before it, which computes and stores the same values; at most 3 of
/// its rows lie past M. Why: a tile whose rows mostly lie past M ran slower than a full one (TMA
/// loads filling rows out of bounds): bm64_bn32 on 2112 x 7168 at M = 72 took 16.75 us in place
/// and 13.81 us moved, as at M = 96 or 128 (13.7 us); bm256_bn128 on 24576 x 1536 at M = 320 40.0
/// -> 36.6 us.
template <class C>
__device__ __forceinline__ int dense_last_tile_row0(int m) {
  return (m - C::kBlockM + 3) & ~3;
}

/// Contiguous layout: which cluster runs which of a wave's units. A group's last m-block whose
/// rows all lie in the first math warpgroup's half runs at ~0.7 of a whole tile where its
/// group's weights stay in L2 (skips_idle_warpgroup; per-CTA tile profile).
/// Under plain round-robin the first L = units % clusters clusters run one unit more than the
/// others and set the kernel's time, whatever cheap units they happen to get: DeepSeek-V3's
/// gate+up prefill sizes (8 experts, N 4096, bm128_bn192) are 1606 units on 132 clusters, and
/// 22 clusters run 13 tiles, 0-2 of them cheap. Here each wave keeps its units (the same tiles
/// run together, so L2 reuse is as before) but deals them out again: the wave's cheap units go
/// first to those L clusters, in turn, and any beyond them round the other clusters, in turn;
/// whole units fill the rest, each in raster order.
/// Measured against raster order (built then before the roles split): gate+up g8 3.1-3.4%
/// faster, down g32 +0.3%, gate+up g32 level; rows with no cheap units 0.3-0.8% slower (any
/// builder code before the roles split, even a bare __syncthreads, moves bm128_bn192 mc0's K
/// loop: 3 UMOV and 3 NOP more per 4 K blocks, SASS bisected). Only at block_m 128: a cheap block_m
/// 256 tile (128 rows or fewer) costs ~0.89 of a whole one (0059), and the rows there gained
/// nothing. Masked groups are left as they are: dealt the same way they
/// were 0.5-3% slower on 8 of the 10 masked rows with two math warpgroups, +3% on one, with the
/// table built here or in the producer warpgroup's idle warps while the first wave ran.
/// Raster order again on the MoE sets' 27 contiguous picks at K >= 4096: 1.3% slower (up to
/// 6.9%), but up to 1.7% faster (0.75% geomean) on the 7 where fewer than 4 groups end in a cheap
/// m-block. Off at run time there, or with no builder code: level. By elimination that cost is
/// the walkers' wait and lookups (balanced_unit; results/h200-moe-sets/README.md "Tried and not
/// kept"). Hence `_nbo` twins, compiled without the order, where few groups end cheap: the
/// run-off picks them where they win (0.994x the picks' time on those 7 rows).
/// The table (BalancedOrder, in the part of the group table past the last group) is built once
/// per CTA by an idle warp of the producer warpgroup while the first wave runs in raster order;
/// the walkers wait for it from their second unit on (balanced_unit). Off where it does not fit
/// there, where every cluster runs as many units, where no group ends in a cheap m-block, in
/// members compiled for fewer than 32 K blocks, and in `_nbo` members (KernelConfig::
/// balances_cheap_units).
template <class C>
__device__ __forceinline__ constexpr bool balances_cheap_units() {
  // Where: the host's rule (KernelConfig::balances_cheap_units, which says why), off in `_nbo`
  // members.
  static_assert(!C::kBalancesCheapUnits || (skips_idle_warpgroup<C>() && C::kGroupLayout == 1 &&
                                            C::kBlockM == 128 && C::kSplitK == 1),
                "the order deals the cheap tiles that the second math warpgroup skips");
  return C::kBalancesCheapUnits;
}

/// Clusters that take the schedule's units round-robin (the stride of the walkers' unit loops).
template <class C>
__device__ __forceinline__ constexpr int schedule_clusters() {
  return C::kNumSms / (C::kMulticast ? 2 : 1);
}

/// The producer warpgroup's warp that builds the balanced order (build_balanced_order): neither
/// the producer's (warp 0) nor the scale producer's (thread 32).
constexpr int kOrderBuilderWarp = 3;

/// balances_cheap_units: the barrier the builder warp arrives on once the order is written (the
/// split-K flag slot, which members that balance never use: they have no K split).
template <class C>
__device__ __forceinline__ u64* order_barrier(char* smem) {
  return reinterpret_cast<u64*>(smem + C::kFlagOffset);
}

/// Where balanced_unit's table lives: ints past the group table's last group. Word 0 is the
/// wave count when the table is in use (0: off), then per wave this cluster's unit (first, so
/// that the walkers' lookup needs no size but the group count), then the prologue's scratch: the
/// cheap m-block bitmask, one bit per schedule unit (cheap units set; a spare word so that a
/// 32-bit window may start at any bit), and per wave the cheap units up to and including it.
struct BalancedOrder {
  int* area;
  int mask_words, unit_words, waves;
  __device__ __forceinline__ int* unit_of_wave() const { return area + 1; }
  __device__ __forceinline__ int* cheap_mask() const { return area + 1 + waves; }
  __device__ __forceinline__ unsigned* unit_bits() const {
    return reinterpret_cast<unsigned*>(cheap_mask() + mask_words);
  }
  __device__ __forceinline__ int* cheap_through() const { return cheap_mask() + mask_words + unit_words; }
  __device__ __forceinline__ int ints() const { return 1 + mask_words + unit_words + 2 * waves; }
};

template <class C>
__device__ __forceinline__ BalancedOrder balanced_order(const GemmtuneGemmParams& p, char* smem,
                                                        int m_blocks, int num_units) {
  constexpr int kClusters = schedule_clusters<C>();
  BalancedOrder o;
  o.area = group_table<C>(smem) + p.num_groups + 1;
  o.mask_words = (m_blocks + 31) / 32;
  o.unit_words = num_units / 32 + 2;
  o.waves = (num_units + kClusters - 1) / kClusters;
  return o;
}

/// Bit `i` of a bitmask.
__device__ __forceinline__ bool mask_bit(const int* mask, int i) {
  return (mask[i / 32] >> (i % 32)) & 1;
}

/// The 32 unit bits starting at unit `pos` (bit 0: pos), those at or past `end` cleared.
__device__ __forceinline__ unsigned unit_window(const unsigned* bits, int pos, int end) {
  const unsigned v = __funnelshift_r(bits[pos / 32], bits[pos / 32 + 1], pos % 32);
  return end - pos >= 32 ? v : v & ((1u << (end - pos)) - 1u);
}

/// The `index`-th unit in [first, end) whose bit is `cheap` (raster order), or -1.
__device__ __forceinline__ int select_unit(const unsigned* bits, int first, int end, bool cheap,
                                           int index) {
  for (int pos = first; pos < end; pos += 32) {
    const unsigned all = end - pos >= 32 ? ~0u : (1u << (end - pos)) - 1u;
    unsigned v = unit_window(bits, pos, end);
    v = cheap ? v : ~v & all;
    const int count = __popc(v);
    if (index < count) {
      for (int i = 0; i < index; ++i) v &= v - 1u;  // clear the lower set bits
      return pos + __ffs(v) - 1;
    }
    index -= count;
  }
  return -1;
}

/// Builds this CTA's BalancedOrder table; called by every lane of warp kOrderBuilderWarp (`lane`:
/// its lane) after the roles split, while the first wave runs, where balances_cheap_units is
/// true. The caller arrives on order_barrier after it. Why there: built by the whole CTA before
/// the first tile it cost each launch ~3 us; built here the K-4096-7168 rows ran +0.6% (geomean
/// of 12, -0.2 to +3.7%), the launches of ~50-200 us gaining most (results/PERF_LOG.md).
template <class C>
__device__ __forceinline__ void build_balanced_order(const GemmtuneGemmParams& p, char* smem,
                                                     int lane) {
  constexpr int kClusters = schedule_clusters<C>();
  const int* table = group_table<C>(smem);
  const Schedule<C> sched(table[p.num_groups], p.n);
  const BalancedOrder o = balanced_order<C>(p, smem, sched.m_blocks, sched.num_units);
  const int long_clusters = sched.num_units % kClusters;  // the clusters with one unit more
  // The table holds kMax + 2 ints: the flag word (area[0]) exists even at kMax groups.
  const int free_ints = kGemmtuneMaxGroups + 1 - p.num_groups;
  // Off: every lane writes the flag (all the same 0).
  if (long_clusters == 0 || o.ints() > free_ints) {
    o.area[0] = 0;
    return;
  }
  // Group g's last m-block where it is cheap (the math warps' wg1_idle test on it), else -1.
  auto cheap_last_block = [&](int g) {
    const int blocks = table[g + 1] - table[g];
    if (blocks == 0) return -1;
    int begin, end;
    group_row_range<C>(p, g, &begin, &end);
    return (end - begin) - (blocks - 1) * C::kBlockM <= C::kBlockM / 2 ? table[g + 1] - 1 : -1;
  };
  bool found = false;
  for (int g = lane; g < p.num_groups; g += 32) found = found || cheap_last_block(g) >= 0;
  if (!__any_sync(0xffffffffu, found)) {
    o.area[0] = 0;
    return;
  }
  int* mask = o.cheap_mask();
  for (int i = lane; i < o.mask_words + o.unit_words; i += 32) mask[i] = 0;  // and bits
  __syncwarp();
  unsigned* bits = o.unit_bits();
  for (int g = lane; g < p.num_groups; g += 32) {
    const int b = cheap_last_block(g);
    if (b < 0) continue;
    if (bands_follow_groups<C>()) {
      // The group's cheap line of the unit grid, marked straight from its group (no search).
      for (int gn = 0; gn < sched.grid_n; ++gn) {
        const int u = group_band_unit_of<C>(table, g, sched.grid_n, b, gn);
        atomicOr(&bits[u / 32], 1u << (u % 32));
      }
    } else {
      atomicOr(reinterpret_cast<unsigned*>(&mask[b / 32]), 1u << (b % 32));
    }
  }
  __syncwarp();
  // A unit is cheap where its m-block is (both of a multicast B pair's). Each cheap line of the
  // unit grid marks its units at their places in the raster (Schedule::unit_of).
  if (!bands_follow_groups<C>()) {
    for (int gm = lane; gm < sched.grid_m; gm += 32) {
      const bool cheap = C::kMulticast == 2
                             ? mask_bit(mask, 2 * gm) && (2 * gm + 1 >= sched.m_blocks ||
                                                          mask_bit(mask, 2 * gm + 1))
                             : mask_bit(mask, gm);
      if (!cheap) continue;
      for (int gn = 0; gn < sched.grid_n; ++gn) {
        const int u = sched.unit_of(gm, gn);
        atomicOr(&bits[u / 32], 1u << (u % 32));
      }
    }
    __syncwarp();
  }
  // Per wave, packed: its cheap units (low 16 bits) and those beyond the long clusters' share,
  // which go to the others (high 16 bits; full waves only). 16 bits hold either sum: the table
  // fits beside the groups only for fewer than 16384 units.
  int* through = o.cheap_through();
  for (int w = lane; w < o.waves; w += 32) {
    const int first = w * kClusters, end = min(first + kClusters, sched.num_units);
    int count = 0;
    for (int pos = first; pos < end; pos += 32) count += __popc(unit_window(bits, pos, end));
    const int overflow = end - first == kClusters ? max(count - long_clusters, 0) : 0;
    through[w] = count | overflow << 16;
  }
  __syncwarp();
  warp_scan_in_place(through, o.waves, lane);
  __syncwarp();
  // This cluster's unit in each wave: its rank among the clusters picks the rank-th cheap unit,
  // or the (rank - k)-th whole one. The long clusters rank first, rotated by the cheap units
  // dealt before; the others after them, rotated by the cheap units that went past the long
  // ones before, so that where a wave has more cheap units than long clusters (many small
  // groups) those go round the others too instead of always to the same few.
  const int c = blockIdx.x / (C::kMulticast ? 2 : 1);
  int* unit_of_wave = o.unit_of_wave();
  for (int w = lane; w < o.waves; w += 32) {
    const int first = w * kClusters, end = min(first + kClusters, sched.num_units);
    if (c >= end - first) continue;  // no unit for this cluster in the last wave
    const int packed_before = w > 0 ? through[w - 1] : 0;
    const int before = packed_before & 0xffff, overflow_before = packed_before >> 16;
    const int k = (through[w] & 0xffff) - before;
    const int short_clusters = kClusters - long_clusters;  // >= 1: long_clusters < kClusters
    const int rank =
        c < long_clusters
            ? (c - before % long_clusters + long_clusters) % long_clusters
            : long_clusters + (c - long_clusters - overflow_before % short_clusters + short_clusters) %
                                  short_clusters;
    const bool cheap = rank < k;
    unit_of_wave[w] = select_unit(bits, first, end, cheap, cheap ? rank : rank - k);
  }
  if (lane == 0) o.area[0] = o.waves;
  __syncwarp();
}

/// The schedule position a walker's `unit` (this cluster's unit of wave unit / clusters) runs:
/// the BalancedOrder table's, or `unit` itself where the order is off.
template <class C>
__device__ __forceinline__ int balanced_unit(const GemmtuneGemmParams& p, char* smem, int unit) {
  if (!balances_cheap_units<C>() || unit < schedule_clusters<C>()) return unit;  // the first wave
  mbarrier_wait(order_barrier<C>(smem), 0);  // completes once, so every later wait returns at once
  const int* area = group_table<C>(smem) + p.num_groups + 1;  // BalancedOrder::area
  return area[0] == 0 ? unit : area[1 + unit / schedule_clusters<C>()];
}

/// Whether the producer publishes each tile's task for the math warpgroups (publish_task), which
/// then read it instead of decoding the tile themselves. Why: the producer decodes every tile
/// anyway and runs ahead, and the grouped decode (the group search and the group's table reads)
/// cost the epilogue ~550 cycles a tile more than dense (tile profile). Measured (A/B, 4 rounds):
/// 22 grouped rows of other models' MoE layers 1.2% faster (Qwen3-30B-A3B down g128, K 768: 132.5
/// -> 126.8 us), 9 DeepSeek-V3 rows 0.6%, none slower. Grouped members with two math warpgroups
/// and no K split; dense tiles are arithmetic, cheaper than the wait.
template <class C>
__device__ __forceinline__ constexpr bool publishes_tasks() {
  return skips_idle_warpgroup<C>() && C::kSplitK == 1;
}

/// One published task: the barrier the producer arrives on once the fields are written, and
/// what the math warpgroups read of the tile.
struct TaskSlot {
  u64 published;
  int n0, a_row0, row_end, sb_row0, sb_row_last, owns_result;
};
static_assert(sizeof(TaskSlot) == 32, "two slots in a stage's sA slack");

/// The ring of published tasks: two slots in the last 64 bytes of each stage's sA region, which
/// the sA boxes never fill (block_m * 4 + 16 bytes of block_m * 4 + 128). A slot is rewritten
/// 2 * kStages tiles later; the producer is at most kStages + 1 tiles ahead of a math
/// warpgroup's read (it fills at most kStages blocks past the last released one, and a tile has
/// at least one block), so no read can see a later tile's fields.
template <class C>
__device__ __forceinline__ constexpr int task_slots() {
  return 2 * C::kStages;
}
template <class C>
__device__ __forceinline__ TaskSlot* task_slot(char* smem, int tile_no) {
  static_assert(C::kBlockM * 4 + 16 <= C::kSaStageBytes - 64, "the sA slack holds two slots");
  const int i = tile_no % task_slots<C>();
  return reinterpret_cast<TaskSlot*>(smem + C::kSaOffset + (i / 2 + 1) * C::kSaStageBytes - 64) +
         i % 2;
}

/// The producer's side: publishes tile `tile_no`'s task (one lane).
template <class C>
__device__ __forceinline__ void publish_task(char* smem, int tile_no, const TileTask& t) {
  TaskSlot* s = task_slot<C>(smem, tile_no);
  s->n0 = t.n0;
  s->a_row0 = t.a_row0;
  s->row_end = t.row_end;
  s->sb_row0 = t.sb_row0;
  s->sb_row_last = t.sb_row_last;
  s->owns_result = t.work.owns_result ? 1 : 0;
  mbarrier_arrive(&s->published);  // release: the fields before the arrival
}

/// The math side: tile `tile_no`'s task as the producer published it, made warp-uniform.
template <class C>
__device__ __forceinline__ TileTask published_task(char* smem, int tile_no, int num_kb) {
  TaskSlot* s = task_slot<C>(smem, tile_no);
  mbarrier_wait(&s->published, (tile_no / task_slots<C>()) & 1);
  TileTask t{};
  t.n0 = warp_uniform(s->n0);
  t.a_row0 = warp_uniform(s->a_row0);
  t.row_end = warp_uniform(s->row_end);
  t.sb_row0 = warp_uniform(s->sb_row0);
  t.sb_row_last = warp_uniform(s->sb_row_last);
  t.work.owns_result = warp_uniform(s->owns_result) != 0;
  t.kb_begin = 0;
  t.kb_end = num_kb;
  return t;
}

/// Decodes `unit` for this CTA; the producer and the math warpgroups walk the same sequence.
/// `kFullWarp` as for make_schedule.
template <class C, bool kFullWarp>
__device__ __forceinline__ TileTask tile_task(const GemmtuneGemmParams& p, char* smem,
                                              const Schedule<C>& sched, int unit, u32 rank,
                                              int num_kb) {
  TileTask t;
  // warp_uniform: a unit read from shared memory, see there.
  const int pos = balanced_unit<C>(p, smem, unit);
  const int upos = kFullWarp && balances_cheap_units<C>() ? warp_uniform(pos) : pos;
  int group = 0;  // bands_follow_groups, in_groups: the unit's group, found once for the decode
  bool pair_b_shared = true;  // in_groups: group_pair_cell's
  if (sched.pairs_in_groups()) {
    const int* table = group_table<C>(smem);
    group = group_of_m_block(table, p.num_groups, 2 * upos, sched.m_blocks, sched.n_blocks);
    if (kFullWarp) group = warp_uniform(group);  // read from shared memory: see warp_uniform
    t.work = group_pair_cell<C>(table, group, sched.n_blocks, upos, rank, &pair_b_shared);
  } else if (bands_follow_groups<C>()) {
    const int* table = group_table<C>(smem);
    const int cell_unit = upos / C::kSplitK;
    group = group_of_m_block(table, p.num_groups, cell_unit, sched.m_blocks, sched.grid_n);
    int gm, gn;
    group_band_cell<C>(table, group, sched.grid_n, cell_unit, &gm, &gn);
    if (kFullWarp) {  // read from shared memory: see warp_uniform
      group = warp_uniform(group);
      gm = warp_uniform(gm);
      gn = warp_uniform(gn);
    }
    t.work = sched.cell(gm, gn, upos % C::kSplitK, rank);
  } else {
    t.work = sched.work(upos, rank);
  }
  t.b_shared = true;  // dense pairs (and every layout without multicast B)
  t.n0 = t.work.n_block * C::kBlockN;
  const int scale_blocks_n = (p.n + 127) / 128;
  if (C::kGroupLayout != 0) {
    // The tile's group: the last g with table[g] <= m_block (empty groups own no m-block).
    const int* table = group_table<C>(smem);
    const bool known = bands_follow_groups<C>() || sched.pairs_in_groups();
    const int lo = known ? group
                         : group_of_m_block(table, p.num_groups, t.work.m_block, sched.m_blocks);
    int begin, end;
    group_row_range<C>(p, lo, &begin, &end);
    const int block0 = table[lo];
    const int block_end = table[lo + 1];
    const int local = t.work.m_block - block0;
    if (C::kMulticast == 2) {
      // Both CTAs of a pair test the same two m-blocks, so they agree. The last m-block of an
      // odd count pairs with a mirror of itself (Schedule::work): both CTAs find the partner
      // past the end and share B.
      // NOTE: testing the mirror's `owns_result` instead let the owner find no partner in its
      // group and load B alone while the mirror waited for the multicast: a hang (H200, 3a00876).
      const int partner = t.work.m_block ^ 1;
      t.b_shared = sched.pairs_in_groups()
                       ? pair_b_shared
                       : partner >= sched.m_blocks || (partner >= block0 && partner < block_end);
    }
    t.b_evict_first = b_evict_first_rule<C>(block_end - block0, C::kMulticast == 2 && t.b_shared,
                                            sched.num_units <= schedule_clusters<C>());
    t.a_row0 = ragged_tile_row0<C>(begin + local * C::kBlockM, begin, end);
    t.row_end = end;
    t.b_row0 = lo * p.n + t.n0;
    t.sb_row0 = lo * scale_blocks_n + t.n0 / 128;
    t.sb_row_last = lo * scale_blocks_n + scale_blocks_n - 1;
    if (kFullWarp) {  // see warp_uniform
      // NOTE: n0 too: the mainloop copy is chosen by a branch on n0 % 128 (with_lo_fragments),
      // and with n0 possibly divergent, the pipeline's stage, phase and K index written inside
      // that branch were per-thread again (S2R of the lane and per-thread scale addresses in
      // every K block: Nsight Compute source profile of one group of 9216 x 4096 x 7168).
      t.n0 = warp_uniform(t.n0);
      t.a_row0 = warp_uniform(t.a_row0);
      t.row_end = warp_uniform(t.row_end);
      t.b_row0 = warp_uniform(t.b_row0);
      t.sb_row0 = warp_uniform(t.sb_row0);
      t.sb_row_last = warp_uniform(t.sb_row_last);
      t.work.owns_result = warp_uniform(t.work.owns_result ? 1 : 0) != 0;
      t.b_shared = warp_uniform(t.b_shared ? 1 : 0) != 0;
    }
  } else {
    const int a_row0 = t.work.m_block * C::kBlockM;
    t.a_row0 = a_row0 + C::kBlockM > p.m && p.m >= C::kBlockM ? dense_last_tile_row0<C>(p.m) : a_row0;
    t.row_end = p.m;
    t.b_row0 = t.n0;
    t.sb_row0 = t.n0 / 128;
    t.sb_row_last = scale_blocks_n - 1;
    t.b_evict_first = b_evict_first_rule<C>(sched.grid_m, false, false);  // grid_m: mcB pairs
  }
  const int per = (num_kb + C::kSplitK - 1) / C::kSplitK;
  t.kb_begin = t.work.split * per;
  // NOTE: a member compiled for K splits it evenly (legality rule fixed_k_split_k), so each
  // split's trip count is the constant `per`, which its unrolled K loop needs; with a
  // run-time bound the compiler would add a remainder loop.
  t.kb_end = C::kFixedK != 0 ? t.kb_begin + per : min(num_kb, t.kb_begin + per);
  return t;
}

}  // namespace sm90_fp8_gemm_1d2d
