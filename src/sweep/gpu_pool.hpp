#pragma once
/// `sweep --gpus` (src/sweep/README.md "Several GPUs"): one worker process per GPU, each started
/// with CUDA_VISIBLE_DEVICES naming its GPU alone, asked for its GPU at once (hello, in parallel),
/// then fed whole problems from one queue, costliest first, as each becomes free (all items of a
/// problem stay on one worker: its inputs and references live in that process). A worker that
/// fails kMaxConsecutiveWorkerFailures times in a row takes its GPU out of the pool, unless it is
/// the last one (then its failures are recorded and it goes on); its problem goes back to the
/// queue for the others. One thread per GPU drives its worker; runs.jsonl, the
/// compile queue and the progress line are shared (sweep_ledger.hpp, compile_queue.hpp).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "report/json_fields.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/interrupt.hpp"
#include "sweep/progress.hpp"
#include "sweep/sweep_ledger.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/work_plan.hpp"
#include "sweep/worker_process.hpp"

namespace gemmtune::sweep {

/// Parses `sweep --gpus`: "all" (ordinals 0..visible-1) or a comma-separated list of distinct
/// ordinals below `visible` (any ordinal when visible < 0: not known, e.g. a test worker).
/// nullopt with `error` set otherwise.
[[nodiscard]] std::optional<std::vector<int>> parse_gpu_list(const std::string& text, int visible,
                                                             std::string& error);

/// The worker of one GPU.
struct GpuWorker {
  int ordinal = 0;                          ///< index among the visible GPUs (sweep --gpus)
  std::unique_ptr<WorkerProcess> process;
  report::Json environment;                 ///< its hello answer
};

/// Starts one worker per options.gpus (one with the environment untouched when empty) and asks
/// each for its GPU, in parallel. A GPU whose hello fails is left out with a warning; when every
/// one fails, the first one's error is thrown (e.g. kExitNoGpu). Throws Error(kExitUsage) when
/// the GPUs are of different models, unless options.force (then a warning).
[[nodiscard]] std::vector<GpuWorker> start_gpu_workers(const SweepOptions& options,
                                                       const InterruptGuard& guard);

/// env.json "gpus": per worker {ordinal, cuda_visible_devices, name, pci_bus_id, ...} (its
/// hello's gpu object) and, when the worker reported them, its `roofs`.
[[nodiscard]] report::Json gpus_json(const std::vector<GpuWorker>& workers);

/// The plan's problem indices in hand-out order: plan order for one GPU (its output is that of
/// the single-worker sweep), else predicted cost descending (sweep/shard.hpp's cost; ties in plan
/// order), so that the longest problems do not start last.
[[nodiscard]] std::vector<size_t> hand_out_order(const std::vector<ProblemWork>& plan,
                                                 size_t gpus);

/// What run_on_gpus() shares between the workers.
struct PoolContext {
  SweepLedger& ledger;
  CompileQueue& compiles;
  const InterruptGuard& guard;
  SweepProgress& progress;
};

/// Measures `plan` in `order` on `workers` (one thread each) and adds their counters to
/// `outcome`. Returns how many problems were left unmeasured because every GPU left the pool
/// (0 when all were measured or on Ctrl-C). Throws the first error a worker's thread met (e.g. a
/// runs.jsonl write failure) after every thread stopped.
[[nodiscard]] size_t run_on_gpus(const SweepOptions& options, std::vector<GpuWorker>& workers,
                 const std::vector<ProblemWork>& plan, const std::vector<size_t>& order,
                 const PoolContext& pool, SweepOutcome& outcome);

}  // namespace gemmtune::sweep
