#pragma once
/// The measuring loop of a sweep: per problem, per work item, wait for the kernel's compile, send
/// the request to the worker under its watchdog, turn whatever happens (a record, a crash, a hang,
/// a malformed answer) into one runs.jsonl record, restart the worker when needed, and keep the
/// progress line current. Stops between items once interrupted.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "report/json_fields.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/interrupt.hpp"
#include "sweep/progress.hpp"
#include "sweep/runs_log.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/work_plan.hpp"
#include "sweep/worker_process.hpp"

namespace gemmtune::sweep {

/// What the loop works with, owned by run_sweep().
struct LoopContext {
  WorkerProcess& worker;
  RunsLog& log;
  CompileQueue& compiles;
  const InterruptGuard& guard;
  const RecordedWork& recorded;
  SweepOutcome& outcome;
};

/// One pass over a plan.
class MeasureLoop {
 public:
  MeasureLoop(const SweepOptions& options, LoopContext context);
  /// Measures every item of `plan` not yet recorded; returns early (outcome.interrupted) on Ctrl-C.
  void run(const std::vector<ProblemWork>& plan);

 private:
  /// Measures one item and records its outcome; false when interrupted before an outcome.
  bool measure(const Problem& problem, const WorkItem& item);
  /// Handles a response line to `request`, answered `measure_seconds` after it was sent.
  void accept(const MeasureRequest& request, const std::string& line,
              const std::optional<CompileOutcome>& compiled, double measure_seconds);
  /// Records an outcome the parent observed (crash, hang, malformed answer, compile failure).
  void record_failure(const MeasureRequest& request, report::Disposition disposition,
                      const std::string& reason);
  /// Appends `record` and updates counters and progress.
  void append(const report::Json& record);

  const SweepOptions& options_;
  LoopContext ctx_;
  ProgressPrinter printer_;
  ProgressState state_;
  Problem worker_problem_{};  // the problem the running worker was last asked to measure
  int64_t next_id_ = 1;
  /// The algorithm of the passed cublaslt_best record this run appended for the current problem
  /// (null when none): side by side times it.
  report::Json best_algo_;
  /// The current problem's passed screening measurements (median µs, config): its run-off pool.
  std::vector<std::pair<double, std::string>> passed_;
  int64_t items_left_ = 0;
  int64_t items_done_ = 0;
  SteadyClock::time_point start_;
};

}  // namespace gemmtune::sweep
