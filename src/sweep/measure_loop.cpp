// The measuring loop: compile wait, request under the watchdog, outcome to record, progress.
#include "sweep/measure_loop.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "runtime/nvtx_ranges.hpp"
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

SteadyClock::time_point after_seconds(double seconds) {
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(seconds));
}

}  // namespace

MeasureLoop::MeasureLoop(const SweepOptions& options, LoopContext context)
    : options_(options),
      ctx_(context),
      printer_(options.progress_stream, options.progress_in_place, options.quiet) {}

void MeasureLoop::run(const std::vector<ProblemWork>& plan) {
  for (const ProblemWork& work : plan) {
    for (const WorkItem& item : work.items) {
      const std::string config = item.config ? to_string(*item.config) : "";
      if (ctx_.recorded.keys.count(work_key(work.problem, item.kind, config)) == 0) {
        ++items_left_;
      }
    }
  }
  start_ = SteadyClock::now();
  for (size_t p = 0; p < plan.size(); ++p) {
    const ProblemWork& work = plan[p];
    const std::string key = problem_key(work.problem);
    NvtxRange range("problem " + key);
    best_algo_ = Json();
    passed_.clear();
    if (const auto old = ctx_.recorded.passed.find(key);
        old != ctx_.recorded.passed.end()) {
      passed_ = old->second;  // measured by the run this one resumes
    }
    state_ = {.problem_index = static_cast<int64_t>(p + 1),
              .problem_count = static_cast<int64_t>(plan.size()), .problem = work.problem};
    if (const auto best = ctx_.recorded.best_passed.find(key);
        best != ctx_.recorded.best_passed.end()) {
      state_.best_us = best->second.first;
      state_.best_config = best->second.second;
    }
    for (const WorkItem& item : work.items) {
      if (item.kind != RunKind::kGemmtune) continue;
      ++state_.configs_total;
      const bool done =
          ctx_.recorded.keys.count(work_key(work.problem, item.kind, to_string(*item.config))) != 0;
      state_.configs_done += done ? 1 : 0;
    }
    printer_.update(state_);
    for (const WorkItem& item : work.items) {
      const std::string config = item.config ? to_string(*item.config) : "";
      if (ctx_.recorded.keys.count(work_key(work.problem, item.kind, config)) != 0) {
        ++ctx_.outcome.already_recorded;
        continue;
      }
      if (ctx_.guard.interrupted() || !measure(work.problem, item)) {
        ctx_.outcome.interrupted = true;
        printer_.break_line();
        return;
      }
      ++items_done_;
      --items_left_;
      state_.eta_s = estimate_eta_s(
          std::chrono::duration<double>(SteadyClock::now() - start_).count(), items_done_,
          items_left_);
      if (item.kind == RunKind::kGemmtune) ++state_.configs_done;
      printer_.update(state_);
    }
    printer_.finish(state_);
  }
  ctx_.outcome.interrupted = ctx_.guard.interrupted();
}

bool MeasureLoop::measure(const Problem& problem, const WorkItem& item) {
  MeasureRequest request{.id = next_id_++, .kind = item.kind, .problem = problem,
                         .config = item.config ? to_string(*item.config) : "",
                         .timing = options_.timing, .seed = options_.seed};
  std::string skip_reason = item.skip_reason;
  if (item.kind == RunKind::kSideBySide) {
    const std::vector<std::string> runoff = runoff_candidates(passed_);
    request.config = runoff.empty() ? "" : runoff.front();
    request.runoff.assign(runoff.begin() + (runoff.empty() ? 0 : 1), runoff.end());
    const auto old = ctx_.recorded.cublaslt_best_algo.find(problem_key(problem));
    if (!best_algo_.is_null()) {
      request.algo = best_algo_;
    } else if (old != ctx_.recorded.cublaslt_best_algo.end()) {
      request.algo = old->second;  // measured by the run this one resumes
    }
    if (request.config.empty()) skip_reason = "no config passed: nothing to time beside the baselines";
  }
  if (!skip_reason.empty()) {
    append(make_parent_record(problem, item.kind, request.config, Disposition::kSkipped, skip_reason));
    return true;
  }
  std::optional<CompileOutcome> compiled;
  if (item.config) {
    compiled = ctx_.compiles.wait(*item.config, [this] { return ctx_.guard.interrupted(); });
    if (!compiled) return false;
    if (!compiled->ok) {
      ++ctx_.outcome.compile_failed;
      Json record = make_parent_record(problem, item.kind, request.config,
                                       Disposition::kCompileFailed,
                                       compiled->log.substr(0, kCompileLogBytes));
      record["compile_seconds"] = compiled->compile_seconds;
      record["compile_cache_hit"] = compiled->cache_hit;
      append(record);
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
  switch (ex.status) {
    case ExchangeStatus::kLine:
      accept(request, ex.line, compiled,
             std::chrono::duration<double>(SteadyClock::now() - asked).count());
      return true;
    case ExchangeStatus::kTimedOut:
      ctx_.worker.kill();
      record_failure(request, Disposition::kTimedOut,
                     fmt::format("no answer within the watchdog's {:.1f} s; worker killed and "
                                 "restarted",
                                 limit_s));
      return true;
    case ExchangeStatus::kExited:
      record_failure(request, Disposition::kFaulted, ex.exit_reason + " during the measurement");
      return true;
    case ExchangeStatus::kTooLong:
      ctx_.worker.kill();
      record_failure(request, Disposition::kFaulted,
                     "malformed worker response: a line longer than 16 MiB");
      return true;
    case ExchangeStatus::kInterrupted:
      ctx_.worker.kill();
      return false;
  }
  return false;
}

void MeasureLoop::accept(const MeasureRequest& request, const std::string& line,
                         const std::optional<CompileOutcome>& compiled, double measure_seconds) {
  const WorkerResponse response = decode_response(line, request.id);
  std::string problem = response.malformed;
  if (problem.empty() && response.error) problem = "worker error: " + *response.error;
  if (problem.empty()) problem = record_mismatch(response.record, request);
  if (!problem.empty()) {
    // NOTE: a worker that answers nonsense is not trusted with the next request either.
    ctx_.worker.kill();
    const std::string quoted = line.substr(0, kQuotedResponseBytes);
    record_failure(request, Disposition::kFaulted,
                   response.error ? problem
                                  : "malformed worker response (" + problem + "): " + quoted);
    return;
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
    ++ctx_.outcome.faulted;
  }
  append(record);
  if (response.restart) ctx_.worker.stop(kWorkerExitGraceS);
}

void MeasureLoop::record_failure(const MeasureRequest& request, Disposition disposition,
                                 const std::string& reason) {
  if (disposition == Disposition::kTimedOut) ++ctx_.outcome.timed_out;
  if (disposition == Disposition::kFaulted) ++ctx_.outcome.faulted;
  printer_.break_line();
  spdlog::warn("{} {}: {}: {}", describe(request.problem),
               request.config.empty() ? report::to_string(request.kind) : request.config,
               report::to_string(disposition), reason);
  append(make_parent_record(request.problem, request.kind, request.config, disposition, reason));
}

void MeasureLoop::append(const Json& record) {
  ctx_.log.append(record);
  ++ctx_.outcome.recorded;
  // Records are appended for the problem being measured (state_.problem).
  if (record.value("kind", Json()) == Json(report::to_string(RunKind::kCublasltBest)) &&
      record.value("disposition", Json()) == Json("passed")) {
    best_algo_ = record.value("algo", Json());
  }
  if (record.value("kind", Json()) != Json("gemmtune") ||
      record.value("disposition", Json()) != Json("passed")) {
    return;
  }
  const Json timing = record.value("timing", Json::object());
  const Json median = timing.is_object() ? timing.value("median_us", Json()) : Json();
  if (median.is_number()) {
    passed_.emplace_back(median.get<double>(), record.value("config", Json("")).get<std::string>());
  }
  if (median.is_number() && (!state_.best_us || median.get<double>() < *state_.best_us)) {
    state_.best_us = median.get<double>();
    state_.best_config = record.value("config", Json("")).get<std::string>();
  }
}

}  // namespace gemmtune::sweep
