// The sweep's setup and teardown: run folder checks, the worker's hello, env.json, --resume,
// the compile queue, and the reports at the end. The measuring loop is in measure_loop.cpp.
#include "sweep/sweep_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "report/render.hpp"
#include "report/run_folder.hpp"
#include "core/nvtx_ranges.hpp"
#include "sweep/gpu_pool.hpp"
#include "sweep/interrupt.hpp"
#include "sweep/measure_loop.hpp"
#include "sweep/run_env.hpp"
#include "sweep/runs_log.hpp"

namespace gemmtune::sweep {
namespace {

using report::Json;

/// Writes env.json, or on --resume checks and extends the folder's own.
void write_env(const SweepOptions& options, const Json& env) {
  const std::filesystem::path file = options.out_dir / "env.json";
  if (options.resume && std::filesystem::exists(file)) {
    Json existing = report::read_json_file(file.string());
    const std::vector<std::string> conflicts = resume_conflicts(existing, env);
    if (!conflicts.empty() && !options.force) {
      std::string text;
      for (const std::string& c : conflicts) text += (text.empty() ? "" : "; ") + c;
      throw Error(kExitUsage, one_line("cannot resume " + options.out_dir.string() + ": " +
                                       text + " (pass --force to resume anyway)"));
    }
    for (const std::string& c : conflicts) spdlog::warn("resuming despite {} (--force)", c);
    if (!existing.contains("resumes") || !existing.at("resumes").is_array()) {
      existing["resumes"] = Json::array();
    }
    existing["resumes"].push_back({{"command", options.command},
                                   {"started_at", env.value("started_at", Json(""))}});
    report::write_text_file(file, existing.dump(2) + "\n");
    return;
  }
  report::write_text_file(file, env.dump(2) + "\n");
}

/// Builds the tuning table from the folder's env.json and the records, and writes the reports.
/// NOTE: several GPUs append records in the order they finish; the table lists problems in plan
/// order (report::sort_in_plan_order()), so that it equals a one-GPU sweep's.
void write_reports(const SweepOptions& options, const std::vector<ProblemWork>& plan,
                   SweepOutcome& outcome) {
  report::RunFolder folder;
  const std::string env_file = (options.out_dir / "env.json").string();
  folder.env = report::parse_env(report::read_json_file(env_file), report::JsonAt{env_file});
  folder.runs = report::read_runs_jsonl(outcome.runs_path, folder.warnings);
  std::vector<Problem> planned;
  for (const ProblemWork& work : plan) planned.push_back(work.problem);
  report::sort_in_plan_order(folder.runs, planned);
  outcome.table = report::build_tuning_table(folder);
  outcome.report_files = report::write_report_files(outcome.table, options.out_dir);
}

/// Rewrites env.json with `breakdown` as its time_breakdown (the folder's own, which --resume
/// extended, so only this member changes).
void write_time_breakdown(const SweepOptions& options, const Json& breakdown) {
  const std::filesystem::path file = options.out_dir / "env.json";
  Json env = report::read_json_file(file.string());
  env["time_breakdown"] = breakdown;
  report::write_text_file(file, env.dump(2) + "\n");
}

/// The gemmtune configs still to measure, in hand-out order, and how many items are left.
struct WorkLeft {
  std::vector<KernelConfig> configs;
  int64_t items = 0;
};

WorkLeft work_left(const std::vector<ProblemWork>& plan, const std::vector<size_t>& order,
                   const RecordedWork& recorded) {
  WorkLeft left;
  for (const size_t p : order) {
    for (const WorkItem& item : plan[p].items) {
      const std::string config = item.config ? to_string(*item.config) : "";
      if (recorded.keys.count(work_key(plan[p].problem, item.kind, config)) != 0) continue;
      ++left.items;
      if (item.config && item.skip_reason.empty()) left.configs.push_back(*item.config);
    }
  }
  return left;
}

}  // namespace

std::vector<std::string> default_worker_argv(const std::string& log_level) {
  if (const char* command = std::getenv("GEMMTUNE_WORKER_CMD"); command != nullptr && *command) {
    std::vector<std::string> argv;
    std::istringstream words(command);
    for (std::string word; words >> word;) argv.push_back(word);
    return argv;
  }
  std::vector<std::string> argv{"/proc/self/exe"};
  if (!log_level.empty()) argv.insert(argv.end(), {"--log-level", log_level});
  argv.push_back("__worker");
  return argv;
}

SweepOutcome run_sweep(const SweepOptions& options, const Planner& planner,
                       const CompileFn& compile) {
  NvtxRange range("sweep");
  const SteadyClock::time_point started = options.process_start.value_or(SteadyClock::now());
  SweepOutcome outcome;
  outcome.runs_path =
      options.runs_path.empty() ? options.out_dir / "runs.jsonl" : options.runs_path;
  if (!options.resume && has_records(outcome.runs_path)) {
    throw Error(kExitUsage, outcome.runs_path.string() +
                                " already holds measurements: pass --resume to continue that "
                                "sweep, or --out to write another folder");
  }
  const InterruptGuard guard;
  std::vector<GpuWorker> workers = start_gpu_workers(options, guard);
  const Json& environment = workers.front().environment;
  make_real_folder(options.out_dir, "--out");  // a link there is refused before anything is written
  const std::vector<ProblemWork> plan = planner(device_limits(environment));
  Json env = make_env_json(environment, {.command = options.command,
                                         .timing = options.timing,
                                         .seed = options.seed,
                                         .shapes = options.shapes,
                                         .settings = options.settings,
                                         .shard = options.shard});
  env["gpus"] = gpus_json(workers);
  write_env(options, env);
  RecordedWork recorded;
  if (options.resume) {
    recorded = read_recorded_work(outcome.runs_path);
    for (const std::string& warning : recorded.warnings) spdlog::warn("{}", warning);
    spdlog::info("resuming: {} measurement(s) already recorded in {}", recorded.records,
                 outcome.runs_path.string());
  }
  size_t unmeasured = 0;
  double start_up_s = 0.0;
  CompileTotals compile_totals;
  {
    const std::vector<size_t> order = hand_out_order(plan, workers.size());
    WorkLeft left = work_left(plan, order, recorded);
    RunsLog log(outcome.runs_path);
    SweepLedger ledger(log, std::move(recorded));
    // NOTE: two prefetch threads per GPU: a problem's two leader twins compile side by side.
    // With one they queued, and each cold dsv3-quick problem waited for them in turn (28 of a
    // 47 s sweep went to compile waits, results/PERF_LOG.md "Sweep time").
    CompileQueue compiles(left.configs, compile, options.compile_jobs,
                          2 * static_cast<int>(workers.size()));
    std::vector<int> ordinals;
    for (const GpuWorker& w : workers) ordinals.push_back(w.ordinal);
    SweepProgress progress(
        ProgressPrinter(options.progress_stream, options.progress_in_place, options.quiet),
        ordinals, static_cast<int64_t>(plan.size()), left.items);
    start_up_s = seconds_since(started);
    unmeasured = run_on_gpus(options, workers, plan, order,
                             {.ledger = ledger, .compiles = compiles, .guard = guard,
                              .progress = progress},
                             outcome);
    progress.break_line();
    compile_totals = compiles.totals();
  }
  for (GpuWorker& w : workers) w.process->stop(5.0);
  // NOTE: written before the reports, which show it (summary.md leaves reports_s out); the
  // reports' seconds are added after them, other_s staying as it is.
  const SteadyClock::time_point reports_started = SteadyClock::now();
  outcome.time_breakdown = time_breakdown_json(
      outcome.time, compile_totals, start_up_s,
      std::chrono::duration<double>(reports_started - started).count(),
      static_cast<int>(workers.size()));
  write_time_breakdown(options, outcome.time_breakdown);
  // NOTE: a shard with no problems (sweep --shard with N > problems) still writes empty reports,
  // so that every shard leaves a complete run folder for `gemmtune merge`.
  if (has_records(outcome.runs_path) || plan.empty()) write_reports(options, plan, outcome);
  add_reports_time(outcome.time_breakdown, seconds_since(reports_started));
  write_time_breakdown(options, outcome.time_breakdown);
  if (unmeasured > 0) {
    throw Error(kExitCudaError,
                fmt::format("every GPU's worker failed {} times in a row: stopped with {} "
                            "problem(s) not measured; what was recorded is kept in {} (--resume "
                            "continues)",
                            kMaxConsecutiveWorkerFailures, unmeasured, options.out_dir.string()));
  }
  return outcome;
}

}  // namespace gemmtune::sweep
