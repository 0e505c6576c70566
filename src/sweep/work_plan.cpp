// The sweep's plan: legality, ranking and budget per problem; the watchdog limits.
#include "sweep/work_plan.hpp"

#include "core/gemm_shape.hpp"
#include "core/legality_table.hpp"
#include "core/timing_mode.hpp"
#include "sweep/runoff.hpp"

#include <algorithm>

namespace gemmtune::sweep {

std::vector<report::RunKind> baseline_kinds(GroupLayout layout) {
  if (layout != GroupLayout::kNone) {
    return {report::RunKind::kCublasltPerGroup, report::RunKind::kCublasltPerGroupGraph};
  }
  return {report::RunKind::kCublasltHeuristic, report::RunKind::kCublasltBest,
          report::RunKind::kCublasltFp8Tensor};
}

std::vector<WorkItem> baseline_items(GroupLayout layout, double best_us) {
  std::vector<WorkItem> items;
  for (const report::RunKind kind : baseline_kinds(layout)) {
    items.push_back({.kind = kind, .config = std::nullopt, .predicted_us = best_us});
  }
  return items;
}

void add_stream_floor_item(ProblemWork& work) {
  const auto first_other = std::find_if(work.items.begin(), work.items.end(), [](const WorkItem& item) {
    return item.kind == report::RunKind::kGemmtune || item.kind == report::RunKind::kSideBySide;
  });
  const double scale_us = work.items.empty() ? 0.0 : work.items.front().predicted_us;
  work.items.insert(first_other, {.kind = report::RunKind::kStreamFloor, .config = std::nullopt,
                                  .predicted_us = scale_us});
}

LegalConfigs::LegalConfigs(const std::vector<KernelConfig>& space_configs,
                           const DeviceLimits& limits)
    : space_configs_(space_configs), limits_(limits) {}

std::vector<KernelConfig> LegalConfigs::for_problem(const Problem& problem) {
  auto it = by_layout_.find(problem.layout);
  if (it == by_layout_.end()) {
    std::vector<KernelConfig> built = with_layout(space_configs_, problem.layout);
    ConfigListLegality legality(built, limits_);
    it = by_layout_.emplace(problem.layout, Layout{std::move(built), std::move(legality)}).first;
  }
  const Layout& layout = it->second;
  std::vector<KernelConfig> legal;
  const std::vector<RuleIndex> rules = layout.legality.deciding_rules(problem);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i] == kNoRule) legal.push_back(layout.configs[i]);
  }
  return legal;
}

DeviceModel device_model(const DeviceLimits& limits) {
  DeviceModel model;
  model.sm_count = limits.sm_count;
  return model;
}

std::vector<ProblemWork> plan_sweep(const ShapeSet& shapes,
                                    const std::vector<KernelConfig>& space_configs,
                                    const DeviceLimits& limits, const Budget& budget) {
  const DeviceModel model = device_model(limits);
  LegalConfigs legal_configs(space_configs, limits);
  std::vector<ProblemWork> plan;
  for (const Problem& problem : shapes.problems) {
    const std::vector<KernelConfig> legal = legal_configs.for_problem(problem);
    const std::vector<Candidate> candidates = select_candidates(problem, legal, budget, model);
    // NOTE: without a legal config the baselines still need a time scale for their watchdog;
    // the default config's prediction is one.
    const double best_us = candidates.empty() ? predict_cost(problem, KernelConfig{}, model).total_us
                                              : candidates.front().predicted_us;
    ProblemWork work{.problem = problem, .items = baseline_items(problem.layout, best_us),
                     .legal_configs = static_cast<int64_t>(legal.size()),
                     .leader_twins = candidates.empty() ? 0 : budget.leader_twins,
                     .grouped_twins = grouped_twins(budget)};
    for (const Candidate& c : candidates) {
      work.items.push_back({.kind = report::RunKind::kGemmtune, .config = c.config,
                            .predicted_us = c.predicted_us});
    }
    if (!candidates.empty()) work.items.push_back({.kind = report::RunKind::kSideBySide, .predicted_us = best_us});
    plan.push_back(std::move(work));
  }
  return plan;
}

namespace {

bool burst_runoff(const TimingRequest& timing) {
  return parse_runoff_regime(timing.runoff_regime) == RunoffRegime::kBurst;
}

/// The bursts of one run-off candidate of a problem predicted to take `predicted_us`.
BurstShape predicted_bursts(double predicted_us) {
  return burst_shape(kRunoffBurstRounds, kRunoffBurstSamples, kRunoffMaxBurstMs, predicted_us);
}

}  // namespace

int64_t request_launches(const WorkItem& item, const TimingRequest& timing) {
  const int64_t full = 1 + timing.warmup + timing.iters;
  // NOTE: side by side: the run-off's configs (each validated, then timed in bursts after a
  // probe sample, or interleaved; all of them twice at most, kRunoffPasses), then the winner and
  // up to three baselines (the cuBLASLt ones may be slower than the prediction, so the run-off
  // and these are counted twice).
  if (item.kind == report::RunKind::kSideBySide) {
    const BurstShape bursts = predicted_bursts(item.predicted_us);
    const int64_t runoff =
        burst_runoff(timing)
            ? 2 + int64_t{bursts.rounds} * (timing.warmup + bursts.samples)
            : 1 + timing.warmup + std::max<int64_t>(timing.iters, kRunoffMinSamples);
    return 2 * kRunoffPasses * kRunoffMaxCandidates * runoff + 6 * full;
  }
  if (item.kind != report::RunKind::kCublasltBest) return full;
  // NOTE: the per-group baselines launch once per group; the prediction covers all of them.
  // At most, each algorithm: its probe (warm-ups and a sample, twice if the host was slow),
  // then, screened, the warm-ups and the samples again (the probe cut keeps all in the worst case).
  return int64_t{kCublasLtBestMaxAlgos} * (2 * (1 + kCublasLtBestScreenWarmup) +
                                           kCublasLtBestScreenWarmup + kCublasLtBestScreenSamples) +
         int64_t{kCublasLtBestRetimed} * full;
}

double problem_setup_seconds(const Problem& p) {
  // Two reference GEMMs (dequantized and unquantized) of the problem's FLOPs each.
  const double flops = gemm_flops(p.shape());
  return 2.0 * flops / (kWatchdogReferenceTflops * 1e12);
}

double request_idle_seconds(const WorkItem& item, const TimingRequest& timing) {
  if (item.kind != report::RunKind::kSideBySide || !burst_runoff(timing)) return 0.0;
  return kRunoffPasses * kRunoffMaxCandidates * predicted_bursts(item.predicted_us).rounds *
         kRunoffMaxIdleMs * 1e-3;
}

double watchdog_seconds(const WorkItem& item, const TimingRequest& timing, double base_s,
                        double setup_s) {
  const double per_launch_us = std::max(0.0, item.predicted_us) + kWatchdogLaunchOverheadUs;
  return base_s + setup_s + request_idle_seconds(item, timing) +
         kWatchdogPredictionFactor * per_launch_us *
             static_cast<double>(request_launches(item, timing)) * 1e-6;
}

}  // namespace gemmtune::sweep
