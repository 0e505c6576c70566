// The legality rules of sm90_fp8_gemm_1d2d, checked in the order of kLegalityRules. Each failed
// check returns its rule id and a reason quoting the numbers, so a plan explains every rejection.
#include "core/legality.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace gemmtune {
namespace {

// a * b, or nullopt when it overflows int64.
std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

// a + b, or nullopt when either is nullopt or the sum overflows int64.
std::optional<int64_t> checked_add(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t sum = 0;
  if (!a || !b || __builtin_add_overflow(*a, *b, &sum)) return std::nullopt;
  return sum;
}

// a * b, or nullopt when a is nullopt or the product overflows int64.
std::optional<int64_t> checked_mul(std::optional<int64_t> a, int64_t b) {
  return a ? checked_mul(*a, b) : std::nullopt;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One problem dimension, for the per-dimension range rules.
struct Dimension {
  std::string_view rule_id;
  char name;
  int64_t value;
};

Legality check_overflow(const Problem& p) {
  const struct {
    const char* name;
    std::optional<int64_t> value;
  } products[] = {
      {"M*K", checked_mul(p.m, p.k)},
      {"N*K", checked_mul(p.n, p.k)},
      {"M*N", checked_mul(p.m, p.n)},
      {"2*M*N*K", checked_mul(checked_mul(checked_mul(p.m, p.n), p.k), 2)},
  };
  for (const auto& product : products) {
    if (!product.value) {
      return Legality::illegal("size_overflow", fmt::format("{} overflows int64 (M {}, N {}, K {})",
                                                  product.name, p.m, p.n, p.k));
    }
  }
  return {};
}

// NOTE: the smem breakdown is derived from smem_layout() fields, never recomputed, so it cannot
// drift from the layout the kernel uses.
std::string smem_breakdown(const KernelConfig& c, const SmemLayout& s) {
  const int64_t listed =
      c.stages * (s.a_stage_bytes + s.b_stage_bytes + s.sa_stage_bytes + s.sb_stage_bytes) +
                         s.d_tile_bytes + s.barrier_bytes + s.flag_bytes + s.group_table_bytes +
                         s.sb_tile_bytes + s.split_k_recv_bytes + kSmemAlignSlackBytes;
  const std::string group_tables =
      s.group_table_bytes > 0 ? fmt::format(" + group table {}", s.group_table_bytes) : "";
  const std::string sb_tiles =
      s.sb_tile_bytes > 0 ? fmt::format(" + tile sB {}", s.sb_tile_bytes) : "";
  const std::string split_k_recv =
      s.split_k_recv_bytes > 0 ? fmt::format(" + split-K partial {}", s.split_k_recv_bytes) : "";
  return fmt::format("{} stages x (A {} + B {} + sA {} + sB {}) + D tile {} + barriers {} + "
                     "flag {}{}{}{} + padding {} + alignment slack {}",
                     c.stages, s.a_stage_bytes, s.b_stage_bytes, s.sa_stage_bytes,
                     s.sb_stage_bytes, s.d_tile_bytes, s.barrier_bytes, s.flag_bytes,
                     group_tables, sb_tiles, split_k_recv, s.total_bytes - listed,
                     kSmemAlignSlackBytes);
}

std::string scale_block_friendly_block_ns() {
  std::vector<int> allowed;
  for (int block_n = 136; block_n <= 256; block_n += 8) {
    if (block_n_fits_two_scale_blocks(block_n)) allowed.push_back(block_n);
  }
  return fmt::format("{}", fmt::join(allowed, ", "));
}

// NOTE: each rule below is checked on its own, without relying on an earlier rule having passed,
// except where a comment says so; the deciding rule is the first violated in kLegalityRules order
// across both groups (config alone, config on the problem), so the groups can be checked apart.

// The config's rules that read the problem, in kLegalityRules order, up to (not including) rule
// `before`; kNoRule when none is violated. No text: plans evaluate it for many problems.
// NOTE: it reads the problem only through N, K, layout, one_m_block() and
// split_k_workspace_fits(), and the config only through block_m, block_n, multicast, split_k,
// layout and fixed_k; ConfigListLegality
// (core/legality_table.cpp) shares verdicts between problems and between configs on that basis.
RuleIndex first_problem_rule(const Problem& p, const KernelConfig& c, const DeviceLimits& limits,
                             RuleIndex before) {
  constexpr RuleIndex kMulticastA = rule_index("multicast_a_n_blocks");
  constexpr RuleIndex kMulticastB = rule_index("multicast_b_m_blocks");
  constexpr RuleIndex kSplitKRange = rule_index("split_k_range");
  constexpr RuleIndex kSplitKEmpty = rule_index("split_k_empty_split");
  constexpr RuleIndex kSplitKWorkspace = rule_index("split_k_workspace");
  constexpr RuleIndex kGroupLayout = rule_index("group_layout");
  constexpr RuleIndex kFixedK = rule_index("fixed_k");
  // NOTE: block_m and block_n are valid here: their rules come before kMulticastA, and only a
  // config that passed them asks about a later rule.
  if (before <= kMulticastA) return kNoRule;
  if (c.multicast == Multicast::kA && ceil_div(p.n, c.block_n) < 2) return kMulticastA;
  if (before <= kMulticastB) return kNoRule;
  if (c.multicast == Multicast::kB && one_m_block(p.m, c.block_m)) return kMulticastB;
  if (before <= kSplitKRange) return kNoRule;
  const int64_t k_blocks = num_k_blocks(p.k);
  if (c.split_k < 1 || c.split_k > kMaxSplitK || c.split_k > k_blocks) return kSplitKRange;
  if (before <= kSplitKEmpty) return kNoRule;
  if ((c.split_k - 1) * ceil_div(k_blocks, c.split_k) >= k_blocks) return kSplitKEmpty;
  if (before <= kSplitKWorkspace) return kNoRule;
  if (c.split_k > 1 && !split_k_workspace_fits(p, c.split_k, limits)) return kSplitKWorkspace;
  if (before <= kGroupLayout) return kNoRule;
  if (c.layout != p.layout) return kGroupLayout;
  if (before <= kFixedK) return kNoRule;
  if (c.fixed_k != 0 && c.fixed_k != p.k) return kFixedK;
  return kNoRule;
}

// The reason of a violated rule of first_problem_rule().
Legality problem_rule_verdict(RuleIndex rule, const Problem& p, const KernelConfig& c,
                              const DeviceLimits& limits) {
  const std::string_view id = kLegalityRules[rule].id;
  const int64_t k_blocks = num_k_blocks(p.k);
  if (id == "multicast_a_n_blocks") {
    return Legality::illegal(id, fmt::format("multicast A shares A between the CTAs of adjacent n-blocks: "
                                   "N {} / block_n {} gives {} n-block(s), needs >= 2", p.n,
                                   c.block_n, ceil_div(p.n, c.block_n)));
  }
  if (id == "multicast_b_m_blocks") {
    return Legality::illegal(id, fmt::format("multicast B shares B between the CTAs of adjacent m-blocks: "
                                   "M {} / block_m {} gives {} m-block(s), needs >= 2", p.m,
                                   c.block_m, ceil_div(p.m, c.block_m)));
  }
  if (id == "split_k_range") {
    return Legality::illegal(id, fmt::format("split_k {} is not in [1, min({}, {} k-blocks of K {})]",
                                   c.split_k, kMaxSplitK, k_blocks, p.k));
  }
  if (id == "split_k_empty_split") {
    const int64_t per_split = ceil_div(k_blocks, c.split_k);
    return Legality::illegal(id, fmt::format("split_k {} over {} k-blocks gives {} k-blocks per split and "
                                   "leaves the last split empty ({} x {} >= {})", c.split_k,
                                   k_blocks, per_split, c.split_k - 1, per_split, k_blocks));
  }
  if (id == "fixed_k") {
    return Legality::illegal(id, fmt::format("config {} is compiled for K {}, the problem has K {}",
                                   to_string(c), c.fixed_k, p.k));
  }
  if (id == "group_layout") {
    return Legality::illegal(id, fmt::format("config {} computes {}, the problem is {}", to_string(c),
                                   to_string(c.layout), to_string(p.layout)));
  }
  // split_k_workspace. NOTE: check_problem() has passed, so the operand bytes do not overflow.
  return Legality::illegal(id, fmt::format("operands {} B + split-K workspace of {} x M {} x N {} x 4 B > "
                                 "{} B device memory", problem_bytes(p)->total_bytes, c.split_k,
                                 p.m, p.n, limits.device_memory_bytes));
}

// Rule "groups": the group sizes of a grouped problem against its M (dense: no groups).
Legality check_groups(const Problem& p) {
  if (p.layout == GroupLayout::kNone) {
    if (p.groups() != 0 || p.max_m != 0) {
      return Legality::illegal("groups", fmt::format("a dense problem has no groups (got {} groups, "
                                           "max_m {})", p.groups(), p.max_m));
    }
    return {};
  }
  if (p.groups() < 1 || p.groups() > kMaxGroups) {
    return Legality::illegal("groups", fmt::format("{} groups is not in [1, {}] (the kernel's group table "
                                         "in shared memory)", p.groups(), kMaxGroups));
  }
  const bool masked = p.layout == GroupLayout::kMasked;
  if (masked && p.max_m < 1) {
    return Legality::illegal("groups", fmt::format("max_m {} must be >= 1", p.max_m));
  }
  int64_t rows = 0;
  for (size_t g = 0; g < p.group_m.size(); ++g) {
    const int64_t r = p.group_m[g];
    if (r < 0 || (masked && r > p.max_m) || r > kMaxDimension) {
      return Legality::illegal("groups", fmt::format("group {} has {} rows, not in [0, {}]", g, r,
                                           masked ? p.max_m : kMaxDimension));
    }
    rows += r;  // <= 512 * (2^31 - 1): no overflow
  }
  const std::optional<int64_t> expected_m =
      masked ? checked_mul(p.groups(), p.max_m) : std::optional<int64_t>(rows);
  if (!expected_m || p.m != *expected_m) {
    return Legality::illegal("groups", fmt::format("M {} is not {} (the {})", p.m,
                                         expected_m ? fmt::format("{}", *expected_m) : "overflow",
                                         masked ? "groups times max_m" : "sum of the group rows"));
  }
  const std::optional<int64_t> b_rows = checked_mul(p.groups(), p.n);
  if (!b_rows || *b_rows > kMaxDimension) {
    return Legality::illegal("groups", fmt::format("G {} x N {} rows of B exceed 2^31-1", p.groups(), p.n));
  }
  return {};
}

}  // namespace

std::optional<ProblemBytes> problem_bytes(const Problem& p) {
  const int64_t k_blocks = num_k_blocks(p.k);
  const std::optional<int64_t> a = checked_mul(p.m, p.k);
  const int64_t b_count = std::max<int64_t>(p.groups(), 1);  // grouped: one B per group
  const std::optional<int64_t> b = checked_mul(checked_mul(p.n, p.k), b_count);
  const std::optional<int64_t> sa = checked_mul(checked_mul(k_blocks, (p.m + 3) / 4 * 4), 4);
  const std::optional<int64_t> sb = checked_mul(
      checked_mul(checked_mul(ceil_div(p.n, 128), sb_leading_dim(p.k)), 4), b_count);
  const std::optional<int64_t> d = checked_mul(checked_mul(p.m, p.n), 2);
  const std::optional<int64_t> total =
      checked_add(checked_add(checked_add(a, b), checked_add(sa, sb)), d);
  if (!total) return std::nullopt;
  return ProblemBytes{.a_bytes = *a, .b_bytes = *b, .sa_bytes = *sa, .sb_bytes = *sb,
                      .d_bytes = *d, .total_bytes = *total};
}

Legality check_problem(const Problem& p, const DeviceLimits& limits) {
  const Dimension dimensions[] = {{"m_range", 'M', p.m}, {"n_range", 'N', p.n},
                                  {"k_range", 'K', p.k}};
  for (const Dimension& d : dimensions) {
    if (d.value < 1) {
      return Legality::illegal(d.rule_id, fmt::format("{} {} must be >= 1", d.name, d.value));
    }
  }
  if (Legality overflow = check_overflow(p); !overflow.legal) return overflow;
  for (const Dimension& d : dimensions) {
    if (d.value > kMaxDimension) {
      return Legality::illegal(d.rule_id, fmt::format("{} {} > {} (the kernel's sizes are 32-bit ints)",
                                            d.name, d.value, kMaxDimension));
    }
  }
  if (p.n % 8 != 0) {
    return Legality::illegal("n_alignment", fmt::format("N {} is not a multiple of 8: TMA needs 16-byte "
                                              "row strides (N bf16 values per row of D)", p.n));
  }
  if (p.k % 16 != 0) {
    return Legality::illegal("k_alignment", fmt::format("K {} is not a multiple of 16: TMA needs 16-byte "
                                              "row strides (K e4m3 values per row of A and B)",
                                              p.k));
  }
  if (Legality groups = check_groups(p); !groups.legal) return groups;
  const std::optional<ProblemBytes> bytes = problem_bytes(p);
  if (!bytes || bytes->total_bytes > limits.device_memory_bytes) {
    return Legality::illegal("device_memory",
                   bytes ? fmt::format("operands need {} B (A {} + B {} + sA {} + sB {} + D {}) "
                                       "> {} B device memory", bytes->total_bytes, bytes->a_bytes,
                                       bytes->b_bytes, bytes->sa_bytes, bytes->sb_bytes,
                                       bytes->d_bytes, limits.device_memory_bytes)
                         : fmt::format("operand bytes overflow int64 (M {}, N {}, K {})", p.m,
                                       p.n, p.k));
  }
  return {};
}

bool one_m_block(int64_t m, int block_m) { return ceil_div(m, block_m) < 2; }

bool split_k_workspace_fits(const Problem& p, int split_k, const DeviceLimits& limits) {
  const std::optional<ProblemBytes> bytes = problem_bytes(p);
  const std::optional<int64_t> workspace_bytes =
      checked_mul(checked_mul(p.m, p.n), int64_t{4} * split_k);
  const std::optional<int64_t> total_bytes =
      checked_add(bytes ? std::optional<int64_t>(bytes->total_bytes) : std::nullopt,
                  workspace_bytes);
  return total_bytes && *total_bytes <= limits.device_memory_bytes;
}

Legality check_config_alone(const KernelConfig& c, const DeviceLimits& limits, RuleSet rules) {
  if (c.block_m != 64 && c.block_m != 128 && c.block_m != 192 && c.block_m != 256) {
    return Legality::illegal("block_m", fmt::format("block_m {} is not 64, 128, 192 or 256 (one to three "
                                          "math warpgroups of 64-row wgmma slices)", c.block_m));
  }
  // NOTE: the grouped schedules and the split-K sums are written for one or two math warpgroups.
  if (c.block_m == 192 && (c.layout != GroupLayout::kNone || c.split_k != 1)) {
    return Legality::illegal("block_m_192",
                   fmt::format("block_m 192 (three math warpgroups) runs dense configs with "
                               "split_k 1, got {} with split_k {}",
                               c.layout == GroupLayout::kNone ? "dense" : "a grouped layout",
                               c.split_k));
  }
  if (c.block_n % 8 != 0 || c.block_n < 16 || c.block_n > 256) {
    return Legality::illegal("block_n_range",
                   fmt::format("block_n {} is not {} (wgmma N sizes: multiples of 8 in [16, 256])",
                               c.block_n, c.block_n % 8 != 0 ? "a multiple of 8" : "in [16, 256]"));
  }
  if (!block_n_fits_two_scale_blocks(c.block_n)) {
    return Legality::illegal("block_n_scale_blocks",
                   fmt::format("block_n {} lets an N tile straddle three 128-wide scale blocks "
                               "of B; the kernel selects between at most two (allowed above 128: "
                               "{})", c.block_n, scale_block_friendly_block_ns()));
  }
  if (c.stages < 2) {
    return Legality::illegal("stages", fmt::format("stages {} < 2: the TMA ring needs one stage loading "
                                         "while another is consumed", c.stages));
  }
  const SmemLayout smem = smem_layout(c);
  if (smem.total_bytes > limits.smem_per_block_bytes) {
    return Legality::illegal("smem", fmt::format("shared memory {} B > {} B limit ({})", smem.total_bytes,
                                       limits.smem_per_block_bytes, smem_breakdown(c, smem)));
  }
  const int math_warpgroups = c.math_warpgroups();
  // One tensor-core accumulator (block_n / 2 floats) shared by the warpgroup's 64-row slices in
  // turn, a second one where two K blocks are in flight (mma_ahead), plus one FP32 sum per slice
  // (kernels/sm90_fp8_gemm_1d2d.cuh).
  const int64_t slices = int64_t{c.block_m} / math_warpgroups / 64;
  const int64_t accumulators = c.mma_ahead() ? 2 : 1;
  const int64_t accum_floats = (accumulators + slices) * c.block_n / 2;
  const int accum_limit = math_warpgroups == 1 ? kMaxAccumFloats2WG
                          : math_warpgroups == 3 ? kMaxAccumFloats4WG
                          : c.split_k > 1     ? kMaxAccumFloats3WGSplitK
                                              : kMaxAccumFloats3WG;
  if (rules == RuleSet::kAll && accum_floats > accum_limit) {
    return Legality::illegal("registers",
                   fmt::format("accumulators need {} floats per math thread (({} + {} slices of 64 "
                               "rows) x block_n {} / 2) > {} budget with {} math warpgroup(s)",
                               accum_floats, accumulators, slices, c.block_n, accum_limit,
                               math_warpgroups));
  }
  if (c.num_sms < 1 || c.num_sms > limits.sm_count) {
    return Legality::illegal("num_sms", fmt::format("num_sms {} is not in [1, {}] (the device's SMs)",
                                          c.num_sms, limits.sm_count));
  }
  if (c.multicast != Multicast::kNone && c.num_sms % 2 != 0) {
    return Legality::illegal("multicast_num_sms", fmt::format("multicast runs clusters of 2 CTAs: num_sms "
                                                    "{} is odd", c.num_sms));
  }
  if (c.multicast == Multicast::kB && c.block_n % 16 != 0) {
    return Legality::illegal("multicast_b_block_n",
                   fmt::format("multicast B has each CTA load half of block_n {} rows of B: {} "
                               "rows is not a multiple of 8", c.block_n, c.block_n / 2));
  }
  if (c.group < 1 || c.group > kMaxRasterGroup) {
    return Legality::illegal("raster_group", fmt::format("raster group {} is not in [1, {}]", c.group,
                                               kMaxRasterGroup));
  }
  if (c.layout != GroupLayout::kNone && c.split_k != 1) {
    return Legality::illegal("group_split_k", fmt::format("a grouped config has split_k 1, got {}",
                                                c.split_k));
  }
  if (c.fixed_k > 0 && c.split_k > 1 && !c.splits_k_evenly()) {
    return Legality::illegal("fixed_k_split_k",
                   fmt::format("split_k {} does not divide the {} K blocks of K {}, which a "
                               "config compiled for that K splits evenly (each split's unrolled "
                               "K loop runs a constant count)",
                               c.split_k, ceil_div(c.fixed_k, 128), c.fixed_k));
  }
  // The scheduler finds a unit's MoE group from the group table, which only the contiguous
  // layout's tiles follow; a multicast B pair of m-blocks may lie in two groups.
  if (c.raster == Raster::kNGroups &&
      (c.layout != GroupLayout::kContiguous || c.multicast == Multicast::kB)) {
    return Legality::illegal("raster_group_bands",
                   fmt::format("raster G keeps each raster group of m-blocks inside one MoE group "
                               "of the contiguous layout, without multicast B; config {} is {}{}",
                               to_string(c), to_string(c.layout),
                               c.multicast == Multicast::kB ? " with multicast B" : ""));
  }
  // Measured on contiguous rows only; elsewhere it would name a kernel twice.
  if (c.b_l2_normal && c.layout != GroupLayout::kContiguous) {
    return Legality::illegal("l2_normal_layout",
                   fmt::format("B always evict-normal (_l2n) is for the contiguous layout; "
                               "config {} is {}", to_string(c), to_string(c.layout)));
  }
  // Elsewhere there is no order to leave out: it would name a kernel twice.
  if (c.no_balanced_order && !c.orders_cheap_units()) {
    return Legality::illegal("no_balanced_order",
                   fmt::format("no balanced order (_nbo) is for the members that balance cheap "
                               "units: contiguous, block_m 128, split_k 1, K at run time or of at "
                               "least {} K blocks; config {} is not one",
                               KernelConfig::kMinBalancedKBlocks, to_string(c)));
  }
  return {};
}

RuleIndex deciding_rule(const Problem& problem, const KernelConfig& config,
                        const DeviceLimits& limits, RuleIndex alone) {
  return std::min(alone, first_problem_rule(problem, config, limits, alone));
}

Legality check_legality(const Problem& problem, const KernelConfig& config,
                        const DeviceLimits& limits, RuleSet rules) {
  if (Legality verdict = check_problem(problem, limits); !verdict.legal) return verdict;
  Legality alone = check_config_alone(config, limits, rules);
  const RuleIndex alone_rule = alone.legal ? kNoRule : rule_index(alone.rule_id);
  const RuleIndex rule = first_problem_rule(problem, config, limits, alone_rule);
  return rule == kNoRule ? alone : problem_rule_verdict(rule, problem, config, limits);
}

}  // namespace gemmtune
