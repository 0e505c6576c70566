#pragma once
/// The measuring loop of one worker (one GPU): per problem handed to it, per work item, wait for
/// the kernel's compile, send the request to the worker under its watchdog, turn whatever happens
/// (a record, a crash, a hang, a malformed answer) into one runs.jsonl record, restart the worker
/// when needed, and keep the progress line current. Stops between items once interrupted, and
/// after kMaxConsecutiveWorkerFailures failures of its worker in a row when its GPU can leave
/// the pool (sweep --gpus with another GPU left; the last GPU goes on).
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/json_fields.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/interrupt.hpp"
#include "sweep/progress.hpp"
#include "sweep/sweep_ledger.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/time_breakdown.hpp"
#include "sweep/work_plan.hpp"
#include "sweep/worker_process.hpp"

namespace gemmtune::sweep {

/// Failures in a row (crash, hang, malformed answer, a fault that ends the worker) after which a
/// GPU's worker is given up; any answered measurement resets the count.
inline constexpr int kMaxConsecutiveWorkerFailures = 3;

/// What one loop works with, owned by run_sweep(); all but the worker are shared by every GPU.
struct LoopContext {
  WorkerProcess& worker;
  SweepLedger& ledger;
  CompileQueue& compiles;
  const InterruptGuard& guard;
  SweepProgress& progress;
  size_t lane = 0;        ///< this worker's index in progress
  report::Json gpu{};     ///< the "gpu" member of this worker's records; null: none
  /// GPUs still in the pool (sweep --gpus); null: a single worker, never taken out.
  std::atomic<int>* pool_gpus = nullptr;
};

/// How run_head() or run_tail() ended.
enum class ProblemEnd {
  kDone,           ///< every item is recorded
  kInterrupted,    ///< Ctrl-C
  kWorkerFailing,  ///< the worker failed kMaxConsecutiveWorkerFailures times in a row
};

/// One worker's measuring loop.
class MeasureLoop {
 public:
  MeasureLoop(const SweepOptions& options, LoopContext context);
  /// A problem's head: the items before its run-off (the budget's configs, K twins, baselines)
  /// not yet recorded; `index` (1-based) of `count` names the problem in the progress line. Once
  /// it is done, the twins of its leaders compile while the loop may measure another problem's
  /// head; run_tail finishes it.
  ProblemEnd run_head(const ProblemWork& work, int64_t index, int64_t count);
  /// A problem's tail, after its head: the leaders' twins, the run-off and what follows.
  ProblemEnd run_tail(const ProblemWork& work, int64_t index);
  /// This loop's counters (recorded, compile_failed, faulted, timed_out; interrupted).
  [[nodiscard]] const SweepOutcome& tally() const { return tally_; }
  /// The work keys of the current run of worker failures, oldest first.
  [[nodiscard]] const std::vector<std::string>& failure_streak() const { return streak_; }

 private:
  /// One item of `work`: skipped when recorded, else measured, with progress and the worker's
  /// failure streak kept. Nothing when the problem goes on.
  std::optional<ProblemEnd> step(const ProblemWork& work, const WorkItem& item);
  /// Whether the ledger holds `item` of `work` (this run's or the resumed run's record).
  [[nodiscard]] bool recorded(const ProblemWork& work, const WorkItem& item) const;
  /// The twins of `work`'s screening leaders (budget.hpp leader_twins) not yet recorded, as
  /// items counted into the progress.
  std::vector<WorkItem> leader_twin_items(const ProblemWork& work);
  /// Has the compile queue build the twins of the leaders so far, so that they are built by the
  /// time leader_twin_items() asks for them.
  void prefetch_leader_twins(const ProblemWork& work);
  /// Measures one item and records its outcome; false when interrupted before an outcome.
  bool measure(const Problem& problem, const WorkItem& item);
  /// Handles a response line to `request`, answered `measure_seconds` after it was sent;
  /// returns the seconds the worker said went to the request's parts (none when malformed).
  RequestPhases accept(const MeasureRequest& request, const std::string& line,
                       const std::optional<CompileOutcome>& compiled, double measure_seconds);
  /// Adds an exchange of `seconds` to the time breakdown: the worker's set-up (and a side by
  /// side's run-off) to their categories, the rest to `category`.
  void account(TimeCategory category, double seconds, const RequestPhases& phases);
  /// Records an outcome the parent observed (crash, hang, malformed answer, compile failure).
  void record_failure(const MeasureRequest& request, report::Disposition disposition,
                      const std::string& reason);
  /// Counts an exchange with the worker: answered (resets the streak) or a worker failure.
  void note_worker(const MeasureRequest& request, bool failed);
  /// Appends `record` and updates counters and progress.
  void append(report::Json record, const MeasureRequest& request);

  const SweepOptions& options_;
  LoopContext ctx_;
  ProgressState state_;
  std::map<int64_t, ProgressState> parked_;  // the progress of problems between head and tail
  Problem worker_problem_{};  // the problem the running worker was last asked to measure
  int64_t next_id_ = 1;
  SweepOutcome tally_;
  bool measuring_leader_twins_ = false;  // the items measured now are leader twins
  /// Takes this worker's GPU out of the pool unless it is the last one there.
  [[nodiscard]] bool leave_pool();
  std::vector<std::string> streak_;
};

}  // namespace gemmtune::sweep
