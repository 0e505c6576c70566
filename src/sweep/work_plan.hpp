#pragma once
/// The measurements a sweep (or a check) makes, per problem, and the watchdog limit of each
/// (src/sweep/README.md "Fault isolation").
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_space.hpp"
#include "core/cost_model.hpp"
#include "core/kernel_config.hpp"
#include "core/legality.hpp"
#include "core/legality_table.hpp"
#include "core/problem.hpp"
#include "core/shape_set.hpp"
#include "report/run_folder.hpp"
#include "sweep/budget.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::sweep {

/// One measurement to make.
struct WorkItem {
  report::RunKind kind = report::RunKind::kGemmtune;
  std::optional<KernelConfig> config{};  ///< gemmtune kind only
  /// The cost model's prediction; for cuBLASLt kinds the problem's best prediction.
  double predicted_us = 0.0;
  /// When set, the item is recorded as `skipped` with this reason instead of being measured.
  std::string skip_reason{};
};

/// The measurements of one problem: cuBLASLt baselines first, then configs in ranking order, then
/// side_by_side (the fastest passed config re-timed interleaved with the baselines).
struct ProblemWork {
  Problem problem;
  std::vector<WorkItem> items;
  int64_t legal_configs = 0;  ///< configs of the space legal for the problem
  /// After the configs, before side_by_side: the twins of this many screening leaders
  /// (budget.hpp leader_twins), chosen from what the configs measured, so not among `items`.
  int64_t leader_twins = 0;
  /// With them, grouped problems' twins of their K twins (budget.hpp problem_leader_twins).
  GroupedTwins grouped_twins;
};

/// The cuBLASLt baselines of a problem of `layout`: heuristic, best and per-tensor for dense
/// problems; one block-scaled call per group, looped and graph-replayed, for grouped ones.
[[nodiscard]] std::vector<report::RunKind> baseline_kinds(GroupLayout layout);

/// The baselines of a problem whose best predicted config takes `best_us`.
[[nodiscard]] std::vector<WorkItem> baseline_items(GroupLayout layout, double best_us);

/// `sweep --stream-floor`: adds the problem's stream floor (kind stream_floor) after its
/// baselines, before the first config, with the baselines' time scale for the watchdog.
void add_stream_floor_item(ProblemWork& work);

/// The configs of a space legal for a problem, built for its layout (core/config_space.hpp
/// with_layout); the legality table of each layout is built once.
class LegalConfigs {
 public:
  LegalConfigs(const std::vector<KernelConfig>& space_configs, const DeviceLimits& limits);
  /// The legal configs for `problem`, in the space's order.
  [[nodiscard]] std::vector<KernelConfig> for_problem(const Problem& problem);

 private:
  struct Layout {
    std::vector<KernelConfig> configs;
    ConfigListLegality legality;
  };
  std::vector<KernelConfig> space_configs_;
  DeviceLimits limits_;
  std::map<GroupLayout, Layout> by_layout_;
};


/// The sweep's plan: per problem of `shapes`, the configs of `space_configs` that pass
/// check_legality() under `limits`, ranked and cut by `budget`, after the three baselines.
[[nodiscard]] std::vector<ProblemWork> plan_sweep(const ShapeSet& shapes,
                                                  const std::vector<KernelConfig>& space_configs,
                                                  const DeviceLimits& limits,
                                                  const Budget& budget);

/// The cost model's device for `limits` (its SM count; the rest is the H200 model).
[[nodiscard]] DeviceModel device_model(const DeviceLimits& limits);

// NOTE: the watchdog must never fire on a healthy measurement, only on a hang, so it is generous:
// a fixed allowance (a restarted worker's CUDA context and module loads, input generation:
// `--watchdog-s`, default 20 s), the references of a problem the worker sets up (below), and 50x
// the predicted time of every launch the request makes, each launch counted with
// kWatchdogLaunchOverheadUs for the L2 flush (a 512 MiB memset), the spin kernel and the event
// synchronization around it.
/// Multiple of the predicted launch time the watchdog allows.
inline constexpr double kWatchdogPredictionFactor = 50.0;
/// Per-launch time added to the prediction (flush, spin kernel, synchronization).
inline constexpr double kWatchdogLaunchOverheadUs = 1000.0;
/// Default fixed allowance of every request (`--watchdog-s`).
inline constexpr double kDefaultWatchdogBaseS = 20.0;

// NOTE: before its first measurement of a problem a worker generates the inputs and computes two
// FP32 reference GEMMs on the GPU; they took < 10 s at 16384x36864x7168 (8.7 TFLOP each,
// tests/gpu/cublaslt_test.cpp), i.e. >= 0.87 TFLOPS each. The watchdog allows them at a quarter
// of that rate, on top of the fixed allowance.
/// Rate (TFLOPS) at which the watchdog allows a worker to compute a new problem's references.
inline constexpr double kWatchdogReferenceTflops = 0.25;

/// Seconds the watchdog adds when a request makes the worker set up `problem` (a new problem, or
/// a fresh worker): both references of 2*M*N*K FLOPs at kWatchdogReferenceTflops.
[[nodiscard]] double problem_setup_seconds(const Problem& problem);

/// Launches one request of `item` makes: validation plus warm-up plus samples; for
/// cublaslt_best the screening of up to kCublasLtBestMaxAlgos algorithms and the re-timing; for
/// side_by_side the run-off in `timing.runoff_regime` (a burst run-off's rounds of warm-ups and
/// samples, or the sustained one's >= kRunoffMinSamples) and the baselines.
[[nodiscard]] int64_t request_launches(const WorkItem& item, const TimingRequest& timing);

/// Seconds one request of `item` spends idle on purpose: a burst run-off's gaps, at most
/// kRunoffMaxIdleMs before each burst (burst_shape's rounds at the predicted time) of up to
/// kRunoffMaxCandidates candidates; 0 for anything else.
[[nodiscard]] double request_idle_seconds(const WorkItem& item, const TimingRequest& timing);

/// Seconds the parent waits for the answer to `item` before it kills the worker:
/// base_s + setup_s + request_idle_seconds() + kWatchdogPredictionFactor * (predicted_us +
/// kWatchdogLaunchOverheadUs) * launches, where setup_s is problem_setup_seconds() when the
/// worker sets the problem up, else 0.
[[nodiscard]] double watchdog_seconds(const WorkItem& item, const TimingRequest& timing,
                                      double base_s, double setup_s);

}  // namespace gemmtune::sweep
