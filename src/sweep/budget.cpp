// Candidate selection of the sweep: ranking with tie-breaks, then breadth, depth and fill.
#include "sweep/budget.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "core/error.hpp"

namespace gemmtune::sweep {
namespace {

/// One legal config in ranking order.
struct Ranked {
  size_t index = 0;      // into `legal`
  double predicted_us = 0.0;
  int64_t bucket = 0;    // predictions in one bucket are ties
  size_t model_rank = 0; // position in rank_configs()
  bool fills_sms_whole_k = false;  // its tile's whole-K tiles fill kDepthWholeKMulticastWaves
};

using Tile = std::pair<int, int>;  // block_m, block_n

[[nodiscard]] Tile tile_of(const KernelConfig& c) { return {c.block_m, c.block_n}; }

/// What the depth pass has tried of one tile.
struct Tried {
  std::set<Multicast> multicast;
  std::set<std::pair<Multicast, int>> multicast_stages;
  std::set<std::tuple<Multicast, int, int>> variants;  // multicast, stages, split_k

  void add(const KernelConfig& c) {
    multicast.insert(c.multicast);
    multicast_stages.insert({c.multicast, c.stages});
    variants.insert({c.multicast, c.stages, c.split_k});
  }
  /// 0: a multicast not tried yet; 1: a new stage count; 2: a new split-K; 3: nothing new.
  [[nodiscard]] int novelty(const KernelConfig& c) const {
    if (multicast.count(c.multicast) == 0) return 0;
    if (multicast_stages.count({c.multicast, c.stages}) == 0) return 1;
    return variants.count({c.multicast, c.stages, c.split_k}) == 0 ? 2 : 3;
  }
};

[[nodiscard]] std::vector<Ranked> rank_with_tie_breaks(const Problem& problem,
                                                       std::span<const KernelConfig> legal,
                                                       const DeviceModel& device) {
  const std::vector<RankedConfig> model = rank_configs(problem, legal, device);
  std::vector<Ranked> ranked;
  ranked.reserve(model.size());
  const double log_step = std::log1p(kTieTolerance);
  for (size_t i = 0; i < model.size(); ++i) {
    const double us = model[i].cost.total_us;
    const KernelConfig& c = legal[model[i].index];
    ranked.push_back({.index = model[i].index, .predicted_us = us,
                      .bucket = static_cast<int64_t>(std::floor(std::log(us) / log_step)),
                      .model_rank = i,
                      .fills_sms_whole_k = model[i].cost.tiles / c.split_k >=
                                           kDepthWholeKMulticastWaves * c.num_sms});
  }
  // NOTE: within a tie, more stages first: the model stops crediting stages once the ring covers
  // its assumed memory latency, and a deeper ring hides latency the model does not see.
  std::sort(ranked.begin(), ranked.end(), [&](const Ranked& a, const Ranked& b) {
    return std::make_tuple(a.bucket, -legal[a.index].stages, a.model_rank) <
           std::make_tuple(b.bucket, -legal[b.index].stages, b.model_rank);
  });
  return ranked;
}

/// `picks` (ranking order) with the K-specialised twins of the first that have one (twin_of),
/// each after its pick; a twin two picks share is measured once.
[[nodiscard]] std::vector<Candidate> with_k_twins(const Problem& problem,
                                                  const std::vector<Candidate>& picks,
                                                  const Budget& budget,
                                                  const DeviceModel& device) {
  const size_t want = budget.k_twins < 0 ? picks.size() : static_cast<size_t>(budget.k_twins);
  std::vector<Candidate> out;
  std::set<std::string> twins;
  for (const Candidate& c : picks) {
    out.push_back(c);
    if (twins.size() == want) continue;
    const std::optional<KernelConfig> twin = twin_of(c.config, problem.k);
    if (twin && twins.insert(to_string(*twin)).second) {
      out.push_back({.config = *twin,
                     .predicted_us = predict_cost(problem, *twin, device).total_us});
    }
  }
  return out;
}

/// One config's screening for leader_twins: the config (none where its text does not parse), its
/// fastest median, and the fewest cycles (Screened::cycles_or_estimate) among its measurements
/// with a clock, at that measurement's clock.
struct ScreenedBest {
  std::optional<KernelConfig> config;
  double median_us = 0.0, cycles = 0.0, cycles_mhz = 0.0;

  /// Compiled for one K, raster G, B evict-normal or without the balanced order: a twin never
  /// leads, nor sets leader_twins' bounds.
  [[nodiscard]] bool twin() const {
    return config &&
           (config->fixed_k > 0 || config->raster == Raster::kNGroups || config->b_l2_normal ||
            config->no_balanced_order);
  }
};

std::map<std::string, ScreenedBest> best_per_config(const std::vector<Screened>& passed) {
  std::map<std::string, ScreenedBest> best;
  for (const Screened& s : passed) {
    const auto [it, added] = best.try_emplace(s.config, ScreenedBest{.median_us = s.median_us});
    ScreenedBest& b = it->second;
    if (added) {
      std::string error;
      b.config = parse_kernel_config(s.config, &error);
    }
    b.median_us = std::min(b.median_us, s.median_us);
    if (s.sm_mhz > 0.0 && (b.cycles == 0.0 || s.cycles_or_estimate() < b.cycles)) {
      b.cycles = s.cycles_or_estimate();
      b.cycles_mhz = s.sm_mhz;
    }
  }
  return best;
}

}  // namespace

// NOTE: a split-K pick stands for its whole-K twin: at 12288 x 7168 x 16384 the budget picked
// bm256_bn128 with split-K 2 only, so no bm256_bn128 twin was measured and the row trailed
// DeepGEMM by 10% (7f3a7dd:results/2026-11-23-dense-vs-deepgemm/0922-…).
std::optional<KernelConfig> twin_of(const KernelConfig& pick, int64_t k) {
  KernelConfig whole_k = pick;
  whole_k.split_k = 1;
  return k_specialised(whole_k, k);
}

std::optional<KernelConfig> group_bands_twin(const KernelConfig& config, GroupLayout layout) {
  if (layout != GroupLayout::kContiguous || config.raster != Raster::kN) return std::nullopt;
  KernelConfig twin = config;
  twin.raster = Raster::kNGroups;
  if (twin.multicast == Multicast::kB) twin.multicast = Multicast::kNone;
  return twin;
}

std::vector<KernelConfig> leader_twins(const std::vector<Screened>& passed, int64_t k,
                                       GroupLayout layout, int64_t count, double within_rel) {
  const std::map<std::string, ScreenedBest> best = best_per_config(passed);
  std::vector<KernelConfig> twins;
  std::set<std::string> seen, leading;
  // Takes `text` as a leader: the leader itself compiled for K (a split-K leader keeps its split:
  // that is what measured fast), else its whole-K twin (a split that does not divide the K
  // blocks). NOTE: a twin has no twin of its own (k_specialised), so it never leads.
  const auto lead = [&](const std::string& text) {
    const std::optional<KernelConfig>& config = best.at(text).config;
    if (!config || best.at(text).twin()) return false;
    std::optional<KernelConfig> twin = k_specialised(*config, k);
    if (!twin) twin = twin_of(*config, k);
    const std::optional<KernelConfig> bands = group_bands_twin(twin ? *twin : *config, layout);
    if (!twin && !bands) return false;
    leading.insert(text);
    for (const std::optional<KernelConfig>& t : {twin, bands}) {
      if (t && seen.insert(to_string(*t)).second) twins.push_back(*t);
    }
    return true;
  };
  std::vector<std::pair<double, std::string>> by_time;
  for (const auto& [config, b] : best) by_time.emplace_back(b.median_us, config);
  std::sort(by_time.begin(), by_time.end());
  int64_t leaders = 0;
  for (const auto& [median_us, text] : by_time) {
    if (leaders == count || median_us > by_time.front().first * (1.0 + within_rel)) break;
    if (lead(text)) ++leaders;
  }
  // Then up to `count` more among the configs screened throttled, fewest cycles first, within
  // `within_rel` of the fewest cycles: a leader the card's heat hid. As in runoff_candidates,
  // only throttled measurements (kRunoffThrottledRel below the highest clock): where the clock
  // held, time and cycles differ by noise alone. NOTE: seen on the masked 32 x ~192 rows at
  // 6144 x 7168 (7f3a7dd:results/2026-11-24-l2-evict-first/0444-…): the screening ran at 1470-1935 MHz;
  // bm128_bn192_s4_mcB, screened at 1695, ranked 10th by time and 3rd by cycles, and without
  // its twin the pick ran 581-586 us where that twin ran 551 (2312). The clock and cycle bounds
  // come from configs that are not twins, so a resumed sweep, which has measured twins since,
  // finds the same leaders.
  double top_mhz = 0.0, fewest_cycles = 0.0;
  for (const auto& [config, b] : best) {
    if (b.twin() || b.cycles == 0.0) continue;
    top_mhz = std::max(top_mhz, b.cycles_mhz);
    if (fewest_cycles == 0.0 || b.cycles < fewest_cycles) fewest_cycles = b.cycles;
  }
  std::vector<std::pair<double, std::string>> by_cycles;
  for (const auto& [config, b] : best) {
    if (!b.twin() && b.cycles > 0.0 && b.cycles_mhz < (1.0 - kRunoffThrottledRel) * top_mhz) {
      by_cycles.emplace_back(b.cycles, config);
    }
  }
  std::sort(by_cycles.begin(), by_cycles.end());
  int64_t extra = 0;
  for (const auto& [cycles, text] : by_cycles) {
    if (extra == count || cycles > fewest_cycles * (1.0 + within_rel)) break;
    if (leading.count(text) == 0 && lead(text)) ++extra;
  }
  return twins;
}

std::optional<KernelConfig> whole_waves_twin(const Problem& problem, const KernelConfig& config) {
  const int64_t tiles = predict_cost(problem, config).tiles;
  if (tiles <= config.num_sms) return std::nullopt;
  const int64_t waves = (tiles + config.num_sms - 1) / config.num_sms;
  const int64_t cluster = config.cluster_size();
  int64_t ctas = (tiles + waves - 1) / waves;
  ctas = (ctas + cluster - 1) / cluster * cluster;
  if (ctas >= config.num_sms) return std::nullopt;
  KernelConfig twin = config;
  twin.num_sms = static_cast<int>(ctas);
  return twin;
}

GroupedTwins grouped_twins(const Budget& budget) {
  return {.whole_waves = budget.whole_waves_twins,
          .l2_normal = budget.l2_normal_twins,
          .no_balanced_order = budget.no_balanced_order_twins};
}

std::vector<KernelConfig> problem_leader_twins(const std::vector<Screened>& passed,
                                               const Problem& problem, int64_t count,
                                               GroupedTwins kinds) {
  std::vector<KernelConfig> twins = leader_twins(passed, problem.k, problem.layout, count);
  if (!kinds.any() || problem.layout == GroupLayout::kNone) return twins;
  std::set<std::string> seen;
  for (const KernelConfig& t : twins) seen.insert(to_string(t));
  const auto add = [&](const std::optional<KernelConfig>& twin) {
    if (twin && seen.insert(to_string(*twin)).second) twins.push_back(*twin);
  };
  const size_t leaders_twins = twins.size();
  for (size_t i = 0; i < leaders_twins; ++i) {
    const KernelConfig k_twin = twins[i];  // a copy: add() grows `twins`
    if (k_twin.fixed_k == 0) continue;
    const std::optional<KernelConfig> whole = whole_waves_twin(problem, k_twin);
    if (kinds.whole_waves) add(whole);
    if (kinds.l2_normal) add(l2_normal_twin(problem, k_twin));
    if (kinds.no_balanced_order) {
      add(no_balanced_order_twin(problem, k_twin));
      if (kinds.whole_waves && whole) add(no_balanced_order_twin(problem, *whole));
    }
  }
  return twins;
}

std::optional<KernelConfig> no_balanced_order_twin(const Problem& problem,
                                                   const KernelConfig& config) {
  if (problem.layout != GroupLayout::kContiguous || !config.balances_cheap_units()) {
    return std::nullopt;
  }
  // The kernel's test (build_balanced_order): the group's last m-block holds half a tile or less.
  const int64_t half = config.block_m / 2;
  int64_t cheap_groups = 0;
  for (const int64_t rows : problem.group_m) {
    if (rows <= 0) continue;
    const int64_t last_rows = rows - (rows - 1) / config.block_m * config.block_m;
    cheap_groups += last_rows <= half ? 1 : 0;
  }
  if (cheap_groups > kNoBalancedOrderMaxCheapGroups) return std::nullopt;
  KernelConfig twin = config;
  twin.no_balanced_order = true;
  return twin;
}

std::optional<KernelConfig> l2_normal_twin(const Problem& problem, const KernelConfig& config) {
  if (problem.layout != GroupLayout::kContiguous || config.layout != GroupLayout::kContiguous ||
      config.b_l2_normal) {
    return std::nullopt;
  }
  int64_t groups = 0, one_m_block = 0;
  for (const int64_t rows : problem.group_m) {
    if (rows <= 0) continue;
    ++groups;
    one_m_block += rows <= config.block_m ? 1 : 0;
  }
  if (groups == 0 || 2 * one_m_block < groups) return std::nullopt;
  KernelConfig twin = config;
  twin.b_l2_normal = true;
  return twin;
}

Budget fast_budget() {
  // NOTE: what it gives up, each a knob: half the default's configs, one twin of each kind and no
  // whole-waves or evict-normal twin, half the run-off's rounds and candidates, no second pass of
  // a close contest, and the cuBLASLt best search, a third of a default sweep's measuring time
  // (src/sweep/README.md "Sweep").
  return Budget{.name = "fast",
                .max_configs = kFastBudgetConfigs,
                .k_twins = 1,
                .leader_twins = 1,
                .whole_waves_twins = false,
                .l2_normal_twins = false,
                .no_balanced_order_twins = false,
                .runoff = {.burst_rounds = 2, .max_candidates = 4, .confirm_close_contests = false},
                .cublaslt_best = false};
}

report::Json budget_json(const Budget& budget) {
  return {{"name", budget.name},
          {"max_configs", budget.max_configs},
          {"k_twins", budget.k_twins},
          {"leader_twins", budget.leader_twins},
          {"whole_waves_twins", budget.whole_waves_twins},
          {"l2_normal_twins", budget.l2_normal_twins},
          {"no_balanced_order_twins", budget.no_balanced_order_twins},
          {"heavy_tiles", budget.heavy_tiles},
          {"runoff_burst_rounds", budget.runoff.burst_rounds},
          {"runoff_max_candidates", budget.runoff.max_candidates},
          {"runoff_close_contest_pass", budget.runoff.confirm_close_contests},
          {"cublaslt_best", budget.cublaslt_best}};
}

Budget parse_budget(const std::string& text) {
  const auto named = [&](int64_t max_configs) {
    return Budget{.name = text, .max_configs = max_configs,
                  .k_twins = default_k_twins(max_configs)};
  };
  const auto thorough = [&](int64_t max_configs) {
    Budget budget = named(max_configs);
    budget.runoff.burst_rounds = kRunoffBurstRounds;
    budget.cublaslt_best = true;
    budget.heavy_tiles = -1;
    return budget;
  };
  if (text == "quick") {
    Budget quick = named(kQuickBudgetConfigs);
    quick.whole_waves_twins = false;
    quick.l2_normal_twins = false;
    quick.no_balanced_order_twins = false;
    return quick;
  }
  if (text == "default") return named(kDefaultBudgetConfigs);
  if (text == "fast") return fast_budget();
  if (text == "thorough") return thorough(kThoroughBudgetConfigs);
  if (text == "exhaustive") return thorough(-1);
  int64_t n = 0;
  size_t used = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || n <= 0) {
    throw Error(kExitUsage, one_line("--budget: expected quick, default, fast, thorough, exhaustive or a "
                                     "positive number of configs, got \"" + text + "\""));
  }
  return named(n);
}

std::vector<Candidate> select_candidates(const GemmShape& shape,
                                         std::span<const KernelConfig> legal, const Budget& budget,
                                         const DeviceModel& device) {
  return select_candidates(Problem{.m = shape.m, .n = shape.n, .k = shape.k}, legal, budget, device);
}

std::vector<Candidate> select_candidates(const Problem& problem,
                                         std::span<const KernelConfig> legal, const Budget& budget,
                                         const DeviceModel& device) {
  const std::vector<Ranked> ranked = rank_with_tie_breaks(problem, legal, device);
  const auto want = static_cast<size_t>(budget.max_configs);
  std::vector<bool> picked(ranked.size(), budget.max_configs < 0 || ranked.size() <= want);
  if (budget.max_configs >= 0 && ranked.size() > want) {
    // Tiles in ranking order, each with its members' positions in `ranked`.
    std::vector<Tile> tiles;
    std::map<Tile, std::vector<size_t>> members;
    for (size_t pos = 0; pos < ranked.size(); ++pos) {
      const Tile t = tile_of(legal[ranked[pos].index]);
      if (members[t].empty()) tiles.push_back(t);
      members[t].push_back(pos);
    }
    // NOTE: the breadth pass takes each tile's best variant without multicast: the model credits
    // multicast with halving a load that small-M tiles do not wait on (exhaustive dsv3-quick:
    // multicast variants measured 2-7% slower there); the depth pass still tries multicast.
    const auto first_plain = [&](const std::vector<size_t>& positions) {
      for (const size_t pos : positions) {
        if (legal[ranked[pos].index].multicast == Multicast::kNone) return pos;
      }
      return positions.front();
    };
    size_t count = 0;
    const auto pick = [&](size_t pos) {
      if (!picked[pos] && count < want) {
        picked[pos] = true;
        ++count;
      }
    };
    // Compile-heavy tiles (kCheapMainloopCopies): the first budget.heavy_tiles of them in ranking
    // order take part in the breadth pass, the rest not at all; cheap tiles take every pass.
    std::vector<Tile> breadth_tiles, cheap_tiles;
    std::set<Tile> heavy;
    for (const Tile& t : tiles) {
      if (budget.heavy_tiles < 0 ||
          legal[ranked[members[t].front()].index].mainloop_copies() <= kCheapMainloopCopies) {
        breadth_tiles.push_back(t);
        cheap_tiles.push_back(t);
        continue;
      }
      if (static_cast<int64_t>(heavy.size()) < budget.heavy_tiles) breadth_tiles.push_back(t);
      heavy.insert(t);
    }
    const size_t breadth = std::min(breadth_tiles.size(), (want + 1) / 2);
    for (size_t t = 0; t < breadth; ++t) pick(first_plain(members[breadth_tiles[t]]));
    // Depth: round-robin over the best cheap tiles; each turn takes the tile's best-ranked variant
    // that is newest (a multicast not tried, else a stage count, else a split-K).
    const size_t deep = std::min(cheap_tiles.size(), std::max<size_t>(1, want / 8));
    std::vector<Tried> tried(deep);
    for (size_t t = 0; t < deep; ++t) {
      tried[t].add(legal[ranked[first_plain(members[cheap_tiles[t]])].index]);
    }
    for (bool progress = true; progress && count < want;) {
      progress = false;
      for (size_t t = 0; t < deep && count < want; ++t) {
        std::optional<size_t> best;
        int best_novelty = 3;
        for (const size_t pos : members[cheap_tiles[t]]) {
          const int novelty = tried[t].novelty(legal[ranked[pos].index]);
          if (!picked[pos] && novelty < best_novelty) {
            best = pos;
            best_novelty = novelty;
          }
        }
        if (!best) continue;
        // A new multicast is tried whole-K where the tile's whole-K tiles fill the SMs
        // (kDepthWholeKMulticastWaves): the best-ranked unpicked variant with that multicast and
        // one split, if there is one.
        if (best_novelty == 0 && legal[ranked[*best].index].split_k > 1 &&
            ranked[*best].fills_sms_whole_k) {
          const Multicast mc = legal[ranked[*best].index].multicast;
          for (const size_t pos : members[cheap_tiles[t]]) {
            const KernelConfig& c = legal[ranked[pos].index];
            if (!picked[pos] && c.multicast == mc && c.split_k == 1) {
              best = pos;
              break;
            }
          }
        }
        tried[t].add(legal[ranked[*best].index]);
        pick(*best);
        progress = true;
      }
    }
    for (size_t pos = 0; pos < ranked.size() && count < want; ++pos) {
      if (heavy.count(tile_of(legal[ranked[pos].index])) == 0) pick(pos);
    }
  }
  std::vector<Candidate> candidates;
  for (size_t pos = 0; pos < ranked.size(); ++pos) {
    if (picked[pos]) {
      candidates.push_back({.config = legal[ranked[pos].index],
                            .predicted_us = ranked[pos].predicted_us});
    }
  }
  return with_k_twins(problem, candidates, budget, device);
}

}  // namespace gemmtune::sweep
