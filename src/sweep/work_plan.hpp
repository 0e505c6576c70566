#pragma once
/// The measurements a sweep (or a check) makes, per problem, and the watchdog limit of each
/// (README "sweep: fault isolation").
#include <optional>
#include <string>
#include <vector>

#include "core/config_space.hpp"
#include "core/cost_model.hpp"
#include "core/kernel_config.hpp"
#include "core/legality.hpp"
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

/// The measurements of one problem: cuBLASLt baselines first, then configs in ranking order.
struct ProblemWork {
  Problem problem;
  std::vector<WorkItem> items;
  int64_t legal_configs = 0;  ///< configs of the space legal for the problem
};

/// The three cuBLASLt baselines of a problem whose best predicted config takes `best_us`.
[[nodiscard]] std::vector<WorkItem> baseline_items(double best_us);

/// The sweep's plan: per problem of `shapes`, the configs of `space_configs` that pass
/// check_legality() under `limits`, ranked and cut by `budget`, after the three baselines.
[[nodiscard]] std::vector<ProblemWork> plan_sweep(const ShapeSet& shapes,
                                                  const std::vector<KernelConfig>& space_configs,
                                                  const DeviceLimits& limits,
                                                  const Budget& budget);

/// The cost model's device for `limits` (its SM count; the rest is the H200 model).
[[nodiscard]] DeviceModel device_model(const DeviceLimits& limits);

// NOTE: the watchdog must never fire on a healthy measurement, only on a hang, so it is generous:
// a fixed allowance (worker start, CUDA context, support-kernel JIT, inputs and references of a
// new problem: `--watchdog-s`, default 20 s) plus 50x the predicted time of every launch the
// request makes, each launch counted with kWatchdogLaunchOverheadUs for the L2 flush (a 512 MiB
// memset), the spin kernel and the event synchronization around it.
/// Multiple of the predicted launch time the watchdog allows.
inline constexpr double kWatchdogPredictionFactor = 50.0;
/// Per-launch time added to the prediction (flush, spin kernel, synchronization).
inline constexpr double kWatchdogLaunchOverheadUs = 1000.0;
/// Default fixed allowance of every request (`--watchdog-s`).
inline constexpr double kDefaultWatchdogBaseS = 20.0;

/// Launches one request of `item` makes: validation plus warm-up plus samples; for
/// cublaslt_best the screening of up to kCublasLtBestMaxAlgos algorithms and the re-timing.
[[nodiscard]] int64_t request_launches(const WorkItem& item, const TimingRequest& timing);

/// Seconds the parent waits for the answer to `item` before it kills the worker:
/// base_s + kWatchdogPredictionFactor * (predicted_us + kWatchdogLaunchOverheadUs) * launches.
[[nodiscard]] double watchdog_seconds(const WorkItem& item, const TimingRequest& timing,
                                      double base_s);

}  // namespace gemmtune::sweep
