// The measuring loop: compile wait, request under the watchdog, outcome to record, progress.
#include "sweep/measure_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/nvtx_ranges.hpp"
#include "core/stopwatch.hpp"
#include "sweep/budget.hpp"
#include "sweep/runoff.hpp"

namespace gemmtune::sweep {

using report::Disposition;
using report::Json;
using report::RunKind;

namespace {

/// Longest part of a malformed response quoted in its record.
constexpr size_t kQuotedResponseBytes = 200;
/// Longest compiler log kept in a compile_failed record.
constexpr size_t kCompileLogBytes = 2000;
/// How long a worker that announced its exit (restart: true) gets before it is killed.
constexpr double kWorkerExitGraceS = 5.0;

}  // namespace

MeasureLoop::MeasureLoop(const SweepOptions& options, LoopContext context)
    : options_(options), ctx_(std::move(context)) {}

namespace {

/// Where a problem's tail starts: its first side by side (the run-off, which may take the
/// leaders' twins), or its end.
size_t tail_start(const ProblemWork& work) {
  for (size_t i = 0; i < work.items.size(); ++i) {
    if (work.items[i].kind == RunKind::kSideBySide) return i;
  }
  return work.items.size();
}

}  // namespace

ProblemEnd MeasureLoop::run_head(const ProblemWork& work, int64_t index, int64_t count) {
  const std::string key = problem_key(work.problem);
  NvtxRange range("problem " + key);
  state_ = {.problem_index = index, .problem_count = count, .problem = work.problem};
  if (const auto best = ctx_.ledger.best_passed(key)) {
    state_.best_us = best->first;
    state_.best_config = best->second;
  }
  for (const WorkItem& item : work.items) {
    state_.items_left += recorded(work, item) ? 0 : 1;
    if (item.kind != RunKind::kGemmtune) continue;
    ++state_.configs_total;
    state_.configs_done += recorded(work, item) ? 1 : 0;
  }
  state_.eta_s = ctx_.progress.eta_s();
  ctx_.progress.update(ctx_.lane, state_);
  const size_t tail = tail_start(work);
  for (size_t i = 0; i < tail; ++i) {
    if (const std::optional<ProblemEnd> end = step(work, work.items[i])) return *end;
  }
  parked_[index] = state_;
  return ProblemEnd::kDone;
}

ProblemEnd MeasureLoop::run_tail(const ProblemWork& work, int64_t index) {
  NvtxRange range("problem " + problem_key(work.problem) + " (tail)");
  if (const auto parked = parked_.find(index); parked != parked_.end()) {
    state_ = parked->second;
    parked_.erase(parked);
  }
  ctx_.progress.update(ctx_.lane, state_);
  // NOTE: the leaders' twins come after the configs and before the run-off, which may then take
  // them; a problem whose run-off is recorded (a folder resumed) has chosen already.
  bool twins_due = work.leader_twins > 0;
  const auto run_twins = [&]() -> std::optional<ProblemEnd> {
    std::optional<ProblemEnd> end;
    measuring_leader_twins_ = true;
    for (const WorkItem& twin : leader_twin_items(work)) {
      end = step(work, twin);
      if (end) break;
    }
    measuring_leader_twins_ = false;
    return end;
  };
  for (size_t i = tail_start(work); i < work.items.size(); ++i) {
    const WorkItem& item = work.items[i];
    if (twins_due && item.kind == RunKind::kSideBySide) {
      twins_due = false;
      if (!recorded(work, item)) {
        if (const std::optional<ProblemEnd> end = run_twins()) return *end;
      }
    }
    if (const std::optional<ProblemEnd> end = step(work, item)) return *end;
  }
  if (twins_due) {
    if (const std::optional<ProblemEnd> end = run_twins()) return *end;
  }
  ctx_.progress.finish(ctx_.lane, state_);
  return ProblemEnd::kDone;
}

bool MeasureLoop::recorded(const ProblemWork& work, const WorkItem& item) const {
  return ctx_.ledger.is_recorded(
      work_key(work.problem, item.kind, item.config ? to_string(*item.config) : ""));
}

std::optional<ProblemEnd> MeasureLoop::step(const ProblemWork& work, const WorkItem& item) {
  if (recorded(work, item)) {
    ++tally_.already_recorded;
    return std::nullopt;
  }
  if (ctx_.guard.interrupted() || !measure(work.problem, item)) {
    tally_.interrupted = true;
    ctx_.progress.break_line();
    return ProblemEnd::kInterrupted;
  }
  state_.eta_s = ctx_.progress.item_done(ctx_.lane);
  --state_.items_left;
  if (item.kind == RunKind::kGemmtune) {
    ++state_.configs_done;
    prefetch_leader_twins(work);
  }
  ctx_.progress.update(ctx_.lane, state_);
  if (streak_.size() >= static_cast<size_t>(kMaxConsecutiveWorkerFailures)) {
    if (leave_pool()) {
      ctx_.progress.break_line();
      return ProblemEnd::kWorkerFailing;
    }
    // NOTE: the last GPU of the pool is never taken out: with nowhere else to measure, its
    // failures are recorded and the sweep goes on, as one bad config never stops a sweep.
    streak_.clear();
  }
  return std::nullopt;
}

std::vector<WorkItem> MeasureLoop::leader_twin_items(const ProblemWork& work) {
  std::vector<WorkItem> items;
  if (work.leader_twins <= 0) return items;
  const std::vector<KernelConfig> twins =
      problem_leader_twins(ctx_.ledger.passed(problem_key(work.problem)), work.problem,
                           work.leader_twins, work.grouped_twins);
  // NOTE: a twin runs faster than its pick, so the problem's slowest prediction bounds its
  // watchdog.
  double predicted_us = 0.0;
  for (const WorkItem& item : work.items) {
    if (item.kind == RunKind::kGemmtune) predicted_us = std::max(predicted_us, item.predicted_us);
  }
  for (const KernelConfig& twin : twins) {
    WorkItem item{.kind = RunKind::kGemmtune, .config = twin, .predicted_us = predicted_us};
    if (recorded(work, item)) continue;
    ++state_.items_left;
    ++state_.configs_total;
    items.push_back(std::move(item));
  }
  return items;
}

void MeasureLoop::prefetch_leader_twins(const ProblemWork& work) {
  if (work.leader_twins <= 0) return;
  for (const KernelConfig& twin :
       problem_leader_twins(ctx_.ledger.passed(problem_key(work.problem)), work.problem,
                            work.leader_twins, work.grouped_twins)) {
    ctx_.compiles.prefetch(twin);
  }
}

bool MeasureLoop::measure(const Problem& problem, const WorkItem& item) {
  MeasureRequest request{.id = next_id_++, .kind = item.kind, .problem = problem,
                         .config = item.config ? to_string(*item.config) : "",
                         .timing = options_.timing, .seed = options_.seed};
  std::string skip_reason = item.skip_reason;
  if (item.kind == RunKind::kSideBySide) {
    // NOTE: the ledger holds this problem's records of this run and of the run it resumes.
    const int max_candidates = options_.runoff_max_candidates;
    const std::vector<std::string> runoff =
        runoff_candidates(ctx_.ledger.passed(problem_key(problem)),
                          std::min(kRunoffMaxConfigs, max_candidates), kRunoffWithinRel,
                          max_candidates);
    request.config = runoff.empty() ? "" : runoff.front();
    request.runoff.assign(runoff.begin() + (runoff.empty() ? 0 : 1), runoff.end());
    request.algo = ctx_.ledger.cublaslt_best_algo(problem_key(problem));
    if (request.config.empty()) skip_reason = "no config passed: nothing to time beside the baselines";
  }
  if (!skip_reason.empty()) {
    append(make_parent_record(problem, item.kind, request.config, Disposition::kSkipped, skip_reason),
           request);
    return true;
  }
  std::optional<CompileOutcome> compiled;
  const TimeCategory category = request_category(
      item.kind, item.config ? &*item.config : nullptr, measuring_leader_twins_);
  if (item.config) {
    const SteadyClock::time_point waited = SteadyClock::now();
    compiled = ctx_.compiles.wait(*item.config, [this] { return ctx_.guard.interrupted(); });
    tally_.time.add_compile_wait(category, seconds_since(waited));
    if (!compiled) return false;
    if (!compiled->ok) {
      ++tally_.compile_failed;
      Json record = make_parent_record(problem, item.kind, request.config,
                                       Disposition::kCompileFailed,
                                       compiled->log.substr(0, kCompileLogBytes));
      record["compile_seconds"] = compiled->compile_seconds;
      record["compile_cache_hit"] = compiled->cache_hit;
      append(std::move(record), request);
      return true;
    }
  }
  NvtxRange range(item.config ? "config " + request.config
                              : std::string(report::to_string(item.kind)) + " " + request.config);
  // NOTE: a worker that is not running yet, or last measured another problem, sets this one up.
  const bool setup = !ctx_.worker.running() || !(worker_problem_ == problem);
  worker_problem_ = problem;
  const double limit_s = watchdog_seconds(item, options_.timing, options_.watchdog_base_s,
                                          setup ? problem_setup_seconds(problem) : 0.0);
  const SteadyClock::time_point asked = SteadyClock::now();
  const Exchange ex = ctx_.worker.exchange(
      encode_measure(request), after_seconds(limit_s),
      {.interrupt_fd = ctx_.guard.fd(), .interrupt_grace_s = options_.interrupt_grace_s});
  if (ex.status != ExchangeStatus::kLine) account(category, seconds_since(asked), {});
  switch (ex.status) {
    case ExchangeStatus::kLine: {
      const double measure_seconds = seconds_since(asked);
      account(category, measure_seconds, accept(request, ex.line, compiled, measure_seconds));
      return true;
    }
    case ExchangeStatus::kTimedOut:
      ctx_.worker.kill();
      note_worker(request, true);
      record_failure(request, Disposition::kTimedOut,
                     fmt::format("no answer within the watchdog's {:.1f} s; worker killed and "
                                 "restarted",
                                 limit_s));
      return true;
    case ExchangeStatus::kExited:
      note_worker(request, true);
      record_failure(request, Disposition::kFaulted, ex.exit_reason + " during the measurement");
      return true;
    case ExchangeStatus::kTooLong:
      ctx_.worker.kill();
      note_worker(request, true);
      record_failure(request, Disposition::kFaulted,
                     "malformed worker response: a line longer than 16 MiB");
      return true;
    case ExchangeStatus::kInterrupted:
      ctx_.worker.kill();
      return false;
  }
  return false;
}

void MeasureLoop::account(TimeCategory category, double seconds, const RequestPhases& phases) {
  // NOTE: the worker's own clock splits its part off the parent's; each part is capped by what
  // is left, so the parts never sum past the exchange.
  const double set_up_s = std::min(phases.set_up_s, seconds);
  tally_.time.add(TimeCategory::kProblemSetUp, set_up_s);
  double rest_s = seconds - set_up_s;
  if (category == TimeCategory::kSideBySide && phases.runoff_s > 0.0) {
    const double runoff_s = std::min(phases.runoff_s, rest_s);
    tally_.time.add(TimeCategory::kRunoff, runoff_s);
    tally_.time.count(TimeCategory::kRunoff);
    rest_s -= runoff_s;
  }
  tally_.time.add(category, rest_s);
  tally_.time.count(category);
}

RequestPhases MeasureLoop::accept(const MeasureRequest& request, const std::string& line,
                                  const std::optional<CompileOutcome>& compiled,
                                  double measure_seconds) {
  const WorkerResponse response = decode_response(line, request.id);
  std::string problem = response.malformed;
  if (problem.empty() && response.error) problem = "worker error: " + *response.error;
  if (problem.empty()) problem = record_mismatch(response.record, request);
  if (!problem.empty()) {
    // NOTE: a worker that answers nonsense is not trusted with the next request either.
    ctx_.worker.kill();
    note_worker(request, true);
    const std::string quoted = line.substr(0, kQuotedResponseBytes);
    record_failure(request, Disposition::kFaulted,
                   response.error ? problem
                                  : "malformed worker response (" + problem + "): " + quoted);
    return {};
  }
  Json record = in_schema_order(response.record);
  if (compiled) {
    // NOTE: the worker found the kernel in the disk cache; the compile that cost time was ours.
    record["compile_seconds"] = compiled->compile_seconds;
    record["compile_cache_hit"] = compiled->cache_hit;
  }
  // The worker's wall time for this request, problem setup included: where the sweep's time goes.
  record["measure_seconds"] = measure_seconds;
  if (record.value("disposition", Json()) == Json(report::to_string(Disposition::kFaulted))) {
    ++tally_.faulted;
  }
  note_worker(request, response.restart);
  append(std::move(record), request);
  if (response.restart) ctx_.worker.stop(kWorkerExitGraceS);
  return response.phases;
}

bool MeasureLoop::leave_pool() {
  if (ctx_.pool_gpus == nullptr) return false;
  int left = ctx_.pool_gpus->load();
  while (left > 1) {
    if (ctx_.pool_gpus->compare_exchange_weak(left, left - 1)) return true;
  }
  return false;
}

void MeasureLoop::note_worker(const MeasureRequest& request, bool failed) {
  if (!failed) {
    streak_.clear();
    return;
  }
  const std::string key = work_key(request.problem, request.kind, request.config);
  // NOTE: an item that failed on another GPU's worker before fails here again: the config, not
  // this GPU, is the likely cause, so it does not count against this GPU.
  if (!ctx_.ledger.given_back(key)) streak_.push_back(key);
}

void MeasureLoop::record_failure(const MeasureRequest& request, Disposition disposition,
                                 const std::string& reason) {
  if (disposition == Disposition::kTimedOut) ++tally_.timed_out;
  if (disposition == Disposition::kFaulted) ++tally_.faulted;
  ctx_.progress.break_line();
  spdlog::warn("{} {}: {}: {}", describe(request.problem),
               request.config.empty() ? report::to_string(request.kind) : request.config,
               report::to_string(disposition), reason);
  append(make_parent_record(request.problem, request.kind, request.config, disposition, reason),
         request);
}

void MeasureLoop::append(Json record, const MeasureRequest& request) {
  if (!ctx_.gpu.is_null()) record["gpu"] = ctx_.gpu;
  const NotedRecord noted =
      ctx_.ledger.append(record, problem_key(request.problem),
                         work_key(request.problem, request.kind, request.config));
  ++tally_.recorded;
  if (noted.passed_median_us && (!state_.best_us || *noted.passed_median_us < *state_.best_us)) {
    state_.best_us = noted.passed_median_us;
    state_.best_config = noted.config;
  }
}

}  // namespace gemmtune::sweep
