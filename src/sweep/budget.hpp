#pragma once
/// Which legal configs of a problem the sweep measures (src/sweep/README.md "Budgets").
///
/// The cost model (core/cost_model.hpp) orders configs, but it predicts many exact ties: stages
/// past the point where the ring covers memory latency, raster order and group size while the
/// operands fit in L2, and whole families of tiles when a problem is HBM-bound. A plain top-N
/// would spend its budget on raster/group twins of one tile. So a limited budget of N configs is
/// spent in three passes over the ranking (ties within kTieTolerance broken towards more stages,
/// then by the model's order):
///   breadth  the best variant of each of the ceil(N/2) best tiles (block_m, block_n): the model
///            is least sure about which tile wins;
///   depth    round-robin over the max(1, N/8) best tiles: each turn takes the tile's
///            best-ranked variant that is newest, i.e. a multicast not tried yet, else a new
///            stage count, else a new split-K: what the model separates least (multicast was
///            worth 1.11x at 4096x7168x16384, PERF_LOG.md). A new multicast is tried with one
///            split where the tile's whole-K tiles fill the SMs (kDepthWholeKMulticastWaves).
///            Raster order and group only matter,
///            and are only predicted to matter, when an operand outgrows L2: the ranking covers
///            them;
///   fill     the best remaining configs of the ranking, if passes 1-2 ran out.
/// Then the K-specialised twins (core/kernel_config.hpp k_specialised: the member compiled for
/// the problem's K, its K loop unrolled; for a split-K pick, that of its split-K 1 version) of
/// the first picks that have one, each measured right after its pick: up to max(1, N/8)
/// (default 3, quick 1) on top of the N, every pick's under `exhaustive`. NOTE: not in the space
/// itself: a twin is one more kernel per (config, K), and only pays where its tile already wins
/// (results/PERF_LOG.md history).
/// The picks are measured in ranking order, so the best-so-far converges early.
/// Last, before the run-off, the twins of the screening's leaders (leader_twins()): the cost
/// model's first picks are not always the configs that measure fastest.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/cost_model.hpp"
#include "core/gemm_shape.hpp"
#include "core/kernel_config.hpp"
#include "report/json_fields.hpp"
#include "sweep/runoff.hpp"

namespace gemmtune::sweep {

/// Configs per problem of `--budget quick`.
inline constexpr int64_t kQuickBudgetConfigs = 8;
/// Configs per problem of `--budget default`. NOTE: 16, not 24: a cold sweep of dsv3-quick
/// waited 32 of its 80 s for compiles (292 kernels on 16 cores); its tables stay as good as the
/// 24-config ones when both are timed beside DeepGEMM (results/PERF_LOG.md "Sweep time").
inline constexpr int64_t kDefaultBudgetConfigs = 16;
/// Configs per problem of `--budget thorough`, the previous default: within 3% of the exhaustive
/// sweep's pick on every dsv3-quick problem (src/sweep/README.md "Budgets").
inline constexpr int64_t kThoroughBudgetConfigs = 24;
/// Burst rounds of the default run-off; `thorough` and `exhaustive` time kRunoffBurstRounds.
inline constexpr int kDefaultRunoffBurstRounds = 2;
/// A limited budget of N configs adds up to max(1, N / kBudgetConfigsPerKTwin) K-specialised
/// twins.
inline constexpr int64_t kBudgetConfigsPerKTwin = 8;
/// Predictions closer than this (relative) are ties for the ranking's tie-break.
inline constexpr double kTieTolerance = 0.005;
/// Where a tile's whole-K tiles fill at least this many waves of its num_sms, the depth pass
/// tries a new multicast with one split even when the model ranks a split-K variant first.
/// NOTE: in a full dsv3 sweep (H200) no split-K config won where whole-K tiles filled
/// a wave (154 problems screened both), yet at 12288 x 7168 x 16384 the model's split-K 2
/// favourites took all of bm256_bn128's multicast turns (3187-3805 µs), and its whole-K mcA,
/// level with DeepGEMM there (1.002 by counters, 1.008 in bursts) where the pick trailed by
/// 2.4%, was never measured (7f3a7dd:results/2026-11-28-promotion-energy/).
inline constexpr int64_t kDepthWholeKMulticastWaves = 1;

/// The K-specialised twins a budget of `max_configs` adds by default: max(1, N / 8), -1 (one per
/// pick) for every legal config.
[[nodiscard]] constexpr int64_t default_k_twins(int64_t max_configs) {
  if (max_configs < 0) return -1;
  const int64_t twins = max_configs / kBudgetConfigsPerKTwin;
  return twins > 1 ? twins : 1;
}

/// Screening leaders whose twins a problem measures before its run-off (`sweep --leader-twins`).
inline constexpr int64_t kDefaultLeaderTwins = 2;
/// A screened config leads only within this fraction of the problem's fastest screening time.
/// NOTE: 25%, not the run-off's 15%: a twin measured up to 28% faster than its original (512 x
/// 2112 x 7168: bm128_bn64_s8 screened at 22.9 us, its twin 17.9 us beside DeepGEMM; the dense
/// comparison's runs in results/ at 7f3a7dd, where the first picks' twins took the slots).
inline constexpr double kLeaderTwinWithinRel = 0.25;

/// Configs per problem of `--budget fast`.
inline constexpr int64_t kFastBudgetConfigs = 12;

/// A tile whose kernel compiles more copies of the K loop than this (KernelConfig::
/// mainloop_copies: block_n 56, 80, 88, 104, 112, 120, 136, ...) is compile-heavy: up to 16
/// copies, 5-11 CPU-s a kernel where a tile in one scale block takes 0.5-1.5.
inline constexpr int kCheapMainloopCopies = 4;
/// Compile-heavy tiles a limited budget screens per problem (`Budget::heavy_tiles`).
/// NOTE: in dsv3-quick's default plan without the limit 90 of 191 kernels were compile-heavy,
/// 342 of 430 compile CPU-s, mostly depth variants (stages, multicast) of heavy tiles, yet a heavy
/// tile won 3 of 18 problems, by its first variant (src/sweep/README.md "Budgets").
inline constexpr int64_t kDefaultHeavyTiles = 2;

/// What a sweep spends per problem: one struct of knobs per budget level (src/sweep/README.md
/// "Budgets").
struct Budget {
  std::string name = "default";  ///< "quick", "default", "fast", "thorough", "exhaustive", "N"
  int64_t max_configs = kDefaultBudgetConfigs;   ///< -1: every legal config
  /// Most K-specialised twins added (`sweep --k-twins`); -1: one per pick that has one.
  int64_t k_twins = default_k_twins(kDefaultBudgetConfigs);
  /// Screening leaders whose twins are measured after the picks (`sweep --leader-twins`).
  int64_t leader_twins = kDefaultLeaderTwins;
  /// Grouped problems: each leader's K twin also brings its whole_waves_twin
  /// (`sweep --whole-waves-twins`, `--skip-whole-waves-twins`); off under `quick` and `fast`.
  /// Why on: beside DeepGEMM both MoE sets' tables gained 0.45% (rows below 0.98: 3 -> 1) for
  /// 8-14% more of a grouped sweep's time, mostly measuring the twins (each is also a compile:
  /// num_sms is compiled in; results/h200-moe-sets/README.md).
  bool whole_waves_twins = true;
  /// Contiguous problems: each leader's K twin also brings its l2_normal_twin
  /// (`sweep --l2-normal-twins`, `--skip-l2-normal-twins`); off under `quick` and `fast`.
  /// Why on: on moe-models beside DeepGEMM 11 of 68 picks are one, 2.6% faster than the picks
  /// they replace (up to 5.8%), the set 1.073 -> 1.078, for ~11% more grouped sweep time
  /// (src/sweep/README.md "Budgets").
  bool l2_normal_twins = true;
  /// Contiguous problems where few groups end in a cheap m-block: each leader's K twin (and its
  /// whole-waves twin) also without the balanced order (no_balanced_order_twin;
  /// `sweep --no-balanced-order-twins`, `--skip-no-balanced-order-twins`); off under `quick` and
  /// `fast`. Why on: results/h200-moe-sets/README.md "Changes measured into these tables".
  bool no_balanced_order_twins = true;
  /// Compile-heavy tiles (kCheapMainloopCopies) screened per problem, each by its breadth
  /// variant alone (no depth or fill variants); -1: no limit (`thorough`, `exhaustive`).
  int64_t heavy_tiles = kDefaultHeavyTiles;
  /// The run-off's rounds, candidates and close-contest pass.
  RunoffKnobs runoff{.burst_rounds = kDefaultRunoffBurstRounds};
  /// The cuBLASLt best-algorithm search (`--cublaslt-best`, `--skip-cublaslt-best`): a baseline,
  /// not the product, and a fifth of a thorough sweep's time, so only on request or `thorough`.
  bool cublaslt_best = false;
};

/// `--budget fast`: 12 configs, 1 K twin, 1 leader twin, a run-off of 2 burst rounds over at most
/// 4 candidates without a close contest's second pass, and no cuBLASLt best-algorithm search
/// (the heuristic and per-tensor baselines stay).
[[nodiscard]] Budget fast_budget();

/// "quick", "default", "fast", "thorough", "exhaustive", or a positive integer N (the default
/// level's knobs with N picks), with default_k_twins except where the level sets its own.
/// `thorough` and `exhaustive` time 4 run-off rounds and search cuBLASLt's best algorithm.
/// Throws Error(kExitUsage) otherwise.
[[nodiscard]] Budget parse_budget(const std::string& text);

/// env.json's `sweep.budget_knobs`: every knob of `budget`.
[[nodiscard]] report::Json budget_json(const Budget& budget);

/// The K-specialised twin a pick stands for at K = `k`: its own, or, for a split-K pick, its
/// whole-K version's (a twin runs K whole); none where core/kernel_config.hpp k_specialised
/// has none.
[[nodiscard]] std::optional<KernelConfig> twin_of(const KernelConfig& pick, int64_t k);

/// The twins of a problem's screening leaders: the `count` fastest configs of `passed` (a
/// config measured twice counts at its fastest) within `within_rel` of the fastest time, not
/// twins themselves and having a twin, fastest first, each twin once; then up to `count` more
/// leaders among configs screened throttled (kRunoffThrottledRel below the problem's highest
/// screening clock, as in runoff_candidates), by fewest cycles (Screened::cycles_or_estimate)
/// within `within_rel` of the fewest. A leader's twin is itself compiled for K (k_specialised: a
/// split-K leader keeps its split), else twin_of's. For the contiguous layout each leader of
/// raster N also brings that twin's raster G version (group_bands_twin).
/// NOTE: leaders never include twins (configs compiled for one K, raster G), so a resumed sweep
/// finds the same leaders, and so the same twins, whatever twins it has measured since.
[[nodiscard]] std::vector<KernelConfig> leader_twins(const std::vector<Screened>& passed,
                                                     int64_t k, GroupLayout layout, int64_t count,
                                                     double within_rel = kLeaderTwinWithinRel);

/// `config` with num_sms lowered to the fewest CTAs that still run `problem`'s tiles
/// (core/cost_model.hpp CostBreakdown::tiles) in as many waves, rounded up to whole clusters:
/// every wave then whole, as DeepGEMM sizes its grids; none where the tiles fill one wave or the
/// waves are whole already. Why: a persistent grid of 132 CTAs runs 1024 tiles in 7.76 waves;
/// on 128 they run in 8 whole ones. Measured beside each dsv3-moe pick (51 rows with a partial
/// wave, interleaved `gemmtune run`): 0.970-1.039x, geomean 1.007x, the masked decode g32 row of
/// 1291 rows 220.3 -> 212.8 µs; which rows gain, the cost model does not tell, so the run-off
/// decides (results/PERF_LOG.md).
[[nodiscard]] std::optional<KernelConfig> whole_waves_twin(const Problem& problem,
                                                           const KernelConfig& config);

/// Which twins of the leaders' K twins a grouped problem's sweep adds (the Budget knobs of the
/// same names).
struct GroupedTwins {
  bool whole_waves = false;
  bool l2_normal = false;
  bool no_balanced_order = false;
  [[nodiscard]] bool any() const { return whole_waves || l2_normal || no_balanced_order; }
};

/// The grouped twins `budget` asks for.
[[nodiscard]] GroupedTwins grouped_twins(const Budget& budget);

/// leader_twins for `problem`, then, for a grouped problem, each K-specialised twin's
/// whole_waves_twin, l2_normal_twin and no_balanced_order_twin (of the K twin and of its
/// whole-waves twin), those `kinds` asks for, each once.
/// NOTE: only K-specialised twins get them, so these twins are compiled for one K too and never
/// lead (ScreenedBest::twin), and a resumed sweep finds the same twins. Grouped problems only:
/// that is where they were measured; a dense sweep measures no more configs than before.
[[nodiscard]] std::vector<KernelConfig> problem_leader_twins(const std::vector<Screened>& passed,
                                                             const Problem& problem,
                                                             int64_t count, GroupedTwins kinds);

/// `config` with B always under the L2 evict-normal policy (KernelConfig::b_l2_normal), for a
/// contiguous problem where at least half of the non-empty groups fit one m-block of the
/// config's block_m (whose B the default rule streams under evict-first); none elsewhere, and
/// none of a config that is one already. Why a twin: on the 66 contiguous rows of <= 1024 rows a
/// group of both MoE sets, B never under evict-first ran 2.1-5.6% faster on seven rows of ~64
/// rows a group in raster G with 40-384 groups and 2.9-7.6% slower on eight others
/// (results/h200-moe-sets/README.md "Changes measured into these tables"); no rule found
/// separates them, so the run-off decides. A budget knob (Budget::l2_normal_twins): on by
/// default, off under `quick` and `fast`.
[[nodiscard]] std::optional<KernelConfig> l2_normal_twin(const Problem& problem,
                                                         const KernelConfig& config);

/// Most groups ending in a cheap m-block (64 rows or fewer into its last 128-row block) for which
/// a contiguous problem's leaders get no_balanced_order_twin.
inline constexpr int64_t kNoBalancedOrderMaxCheapGroups = 3;

/// `config` without the balanced order of cheap units (KernelConfig::no_balanced_order), for a
/// contiguous problem where at most kNoBalancedOrderMaxCheapGroups groups end in a cheap m-block;
/// none where the config does not balance them. Why a twin: on the MoE sets' 27 contiguous picks
/// that balance at K >= 4096, raster order was 1.3% slower over all (up to 6.9% where many
/// groups end cheap) but 0-1.7% faster on the 7 where fewer than 4 do; no run-time rule kept
/// that gain (results/h200-moe-sets/README.md "Tried and not kept"), so the run-off decides.
[[nodiscard]] std::optional<KernelConfig> no_balanced_order_twin(const Problem& problem,
                                                                 const KernelConfig& config);

/// The raster G version of a raster N config for the contiguous layout (Raster::kNGroups: the
/// raster's groups of m-blocks stop at the MoE groups' boundaries), multicast B made none (raster G
/// has no multicast B); none for other rasters and layouts. Why a twin, not a point of the space
/// the cost model ranks: it wins where an expert's weights outgrow what the L2 keeps between
/// raster groups (2-4% on Kimi-K2 and Qwen3-235B-A22B gate+up) and loses up to 4% where they
/// fit, which the model does not separate; measured beside its leader, the run-off decides.
[[nodiscard]] std::optional<KernelConfig> group_bands_twin(const KernelConfig& config,
                                                           GroupLayout layout);

/// A config chosen for measurement, with the cost model's prediction.
struct Candidate {
  KernelConfig config;
  double predicted_us = 0.0;
};

/// The configs of `legal` to measure for `shape` under `budget`, in measurement order (all of
/// them, ranked, when the budget allows), with their K-specialised twins.
[[nodiscard]] std::vector<Candidate> select_candidates(const GemmShape& shape,
                                                       std::span<const KernelConfig> legal,
                                                       const Budget& budget,
                                                       const DeviceModel& device = {});
/// The same for a problem: grouped problems ranked by their per-group tiles
/// (core/cost_model.hpp predict_cost(const Problem&)).
[[nodiscard]] std::vector<Candidate> select_candidates(const Problem& problem,
                                                       std::span<const KernelConfig> legal,
                                                       const Budget& budget,
                                                       const DeviceModel& device = {});

}  // namespace gemmtune::sweep
