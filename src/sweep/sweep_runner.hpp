#pragma once
/// The orchestration of `gemmtune sweep` and `gemmtune check` (src/sweep/README.md "Sweep"): ask
/// the worker for its GPU, plan, write env.json, compile ahead on CPU threads, send each
/// measurement to the worker under a watchdog, append every outcome to runs.jsonl as it arrives,
/// show progress, and write the reports at the end or on Ctrl-C. Host code only: the GPU work
/// happens in the worker process, the compiles in the CompileFn the caller provides.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/legality.hpp"
#include "report/json_fields.hpp"
#include "report/tuning_table.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/time_breakdown.hpp"
#include "sweep/work_plan.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::sweep {

/// Everything a sweep needs besides its plan and its compiler.
struct SweepOptions {
  std::filesystem::path out_dir;            ///< the run folder
  /// Where records go; empty means out_dir/runs.jsonl. A test seam (e.g. /dev/full).
  std::filesystem::path runs_path{};
  bool resume = false;                      ///< continue a folder, skipping recorded work
  bool force = false;  ///< resume despite a different GPU/shape set/timing; mix GPU models
  TimingRequest timing{};
  /// Most configs in a problem's run-off (the budget level's RunoffKnobs::max_candidates).
  int runoff_max_candidates = kRunoffMaxCandidates;
  uint64_t seed = 1;
  std::vector<std::string> worker_argv{};   ///< the worker command (argv[0] and its arguments)
  /// sweep --gpus: one worker per ordinal (index among the visible GPUs), each started with
  /// CUDA_VISIBLE_DEVICES naming its GPU. Empty: one worker, environment untouched (ordinal 0).
  std::vector<int> gpus{};
  double watchdog_base_s = kDefaultWatchdogBaseS;
  double interrupt_grace_s = 2.0;           ///< how long an in-flight request may finish on Ctrl-C
  int compile_jobs = 0;                     ///< 0 = core_count(): the cores this process may run on
  bool quiet = false;                       ///< no progress
  bool progress_in_place = false;           ///< rewrite the progress line (stderr is a terminal)
  std::FILE* progress_stream = stderr;
  std::string command{};                    ///< the exact command line, for env.json
  report::Json shapes{};                    ///< env.json "shapes"
  report::Json settings{};                  ///< env.json "sweep"
  report::Json shard{};                     ///< env.json "shard" (sweep/shard.hpp); null: none
  /// When the process started: the time breakdown's start-up counts from it (unset: from
  /// run_sweep()'s call).
  std::optional<std::chrono::steady_clock::time_point> process_start{};
};

/// Makes the plan once the worker said which GPU it measures on.
using Planner = std::function<std::vector<ProblemWork>(const DeviceLimits&)>;

/// What a sweep did.
struct SweepOutcome {
  bool interrupted = false;
  int64_t recorded = 0;        ///< records appended by this run
  int64_t already_recorded = 0;///< items skipped because runs.jsonl had them (--resume)
  int64_t compile_failed = 0;
  int64_t faulted = 0;         ///< worker crash, CUDA fault or malformed response
  int64_t timed_out = 0;
  int worker_starts = 0;
  std::filesystem::path runs_path;
  /// The measuring loops' seconds (summed over GPUs); run_sweep() adds the rest in
  /// `time_breakdown` (env.json's, sweep/time_breakdown.hpp).
  TimeBreakdown time{};
  report::Json time_breakdown{};
  std::vector<std::filesystem::path> report_files;
  report::TuningTable table;   ///< built from the run folder at the end
};

/// Runs the sweep. Throws Error: kExitUsage (a folder with records and no --resume, a resume
/// conflict or GPUs of different models without --force), kExitNoGpu and others the worker
/// reports for its hello (every GPU's), kExitIoError (a write failed; what was written stays),
/// kExitCudaError when every GPU's worker failed kMaxConsecutiveWorkerFailures times in a row
/// (after writing the reports of what was recorded; the last GPU of a pool is never taken out,
/// so this needs GPUs retiring at once). An interrupted sweep returns normally
/// with `interrupted` set, after writing the reports.
[[nodiscard]] SweepOutcome run_sweep(const SweepOptions& options, const Planner& planner,
                                     const CompileFn& compile);

/// The worker command: $GEMMTUNE_WORKER_CMD split at spaces when set (tests), else
/// /proc/self/exe [--log-level LEVEL] __worker.
[[nodiscard]] std::vector<std::string> default_worker_argv(const std::string& log_level);

}  // namespace gemmtune::sweep
