// The sweep's setup and teardown: run folder checks, the worker's hello, env.json, --resume,
// the compile queue, and the reports at the end. The measuring loop is in measure_loop.cpp.
#include "sweep/sweep_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "core/error.hpp"
#include "report/render.hpp"
#include "report/run_folder.hpp"
#include "runtime/nvtx_ranges.hpp"
#include "sweep/interrupt.hpp"
#include "sweep/measure_loop.hpp"
#include "sweep/run_env.hpp"
#include "sweep/runs_log.hpp"

namespace gemmtune::sweep {
namespace {

using report::Json;

// NOTE: the hello also pays for the worker's CUDA context and the first JIT build of the support
// kernels (several seconds on a cold cache), once per sweep: it gets at least this long.
constexpr double kHelloTimeoutS = 120.0;

/// Asks the worker which GPU it measures on; its error (no GPU) becomes this sweep's error.
Json hello(WorkerProcess& worker, const SweepOptions& options, const InterruptGuard& guard) {
  const auto deadline =
      SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(
                                   std::max(kHelloTimeoutS, options.watchdog_base_s)));
  const Exchange ex = worker.exchange(encode_hello(0), deadline, {.interrupt_fd = guard.fd()});
  const std::string command = "`" + worker.command() + "`";
  switch (ex.status) {
    case ExchangeStatus::kLine: break;
    case ExchangeStatus::kInterrupted: throw Error(kExitInterrupted, "interrupted");
    case ExchangeStatus::kExited:
      throw Error(kExitCudaError, "the worker " + command + " did not start: " + ex.exit_reason);
    default:
      throw Error(kExitCudaError, "the worker " + command + " did not answer its hello");
  }
  const WorkerResponse response = decode_response(ex.line, 0);
  if (response.error) {
    throw Error(static_cast<ExitCode>(response.exit_code), *response.error);
  }
  if (!response.malformed.empty() || !response.environment.is_object()) {
    throw Error(kExitCudaError, "the worker " + command + " answered its hello with " +
                                    (response.malformed.empty() ? "no environment"
                                                                : response.malformed));
  }
  return response.environment;
}

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
void write_reports(const SweepOptions& options, SweepOutcome& outcome) {
  std::vector<std::string> warnings;
  report::RunFolder folder;
  const std::string env_file = (options.out_dir / "env.json").string();
  folder.env = report::parse_env(report::read_json_file(env_file), report::JsonAt{env_file});
  folder.runs = report::read_runs_jsonl(outcome.runs_path, warnings);
  outcome.table = report::build_tuning_table(folder);
  outcome.report_files = report::write_report_files(outcome.table, options.out_dir);
}

/// The gemmtune configs still to measure, in measuring order.
std::vector<KernelConfig> configs_to_build(const std::vector<ProblemWork>& plan,
                                           const RecordedWork& recorded) {
  std::vector<KernelConfig> configs;
  for (const ProblemWork& work : plan) {
    for (const WorkItem& item : work.items) {
      if (!item.config || !item.skip_reason.empty()) continue;
      if (recorded.keys.count(work_key(work.problem, item.kind, to_string(*item.config))) != 0) continue;
      configs.push_back(*item.config);
    }
  }
  return configs;
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
  SweepOutcome outcome;
  outcome.runs_path =
      options.runs_path.empty() ? options.out_dir / "runs.jsonl" : options.runs_path;
  if (!options.resume && has_records(outcome.runs_path)) {
    throw Error(kExitUsage, outcome.runs_path.string() +
                                " already holds measurements: pass --resume to continue that "
                                "sweep, or --out to write another folder");
  }
  const InterruptGuard guard;
  WorkerProcess worker(options.worker_argv);
  const Json environment = hello(worker, options, guard);
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    throw Error(kExitIoError, "cannot create " + options.out_dir.string() + ": " + ec.message());
  }
  const std::vector<ProblemWork> plan = planner(device_limits(environment));
  write_env(options, make_env_json(environment, {.command = options.command,
                                                 .timing = options.timing,
                                                 .seed = options.seed,
                                                 .shapes = options.shapes,
                                                 .settings = options.settings,
                                                 .shard = options.shard}));
  RecordedWork recorded;
  if (options.resume) {
    recorded = read_recorded_work(outcome.runs_path);
    for (const std::string& warning : recorded.warnings) spdlog::warn("{}", warning);
    spdlog::info("resuming: {} measurement(s) already recorded in {}", recorded.records,
                 outcome.runs_path.string());
  }
  {
    RunsLog log(outcome.runs_path);
    CompileQueue compiles(configs_to_build(plan, recorded), compile, options.compile_jobs);
    MeasureLoop loop(options, {.worker = worker, .log = log, .compiles = compiles,
                               .guard = guard, .recorded = recorded, .outcome = outcome});
    loop.run(plan);
  }
  worker.stop(5.0);
  outcome.worker_starts = worker.starts();
  // NOTE: a shard with no problems (sweep --shard with N > problems) still writes empty reports,
  // so that every shard leaves a complete run folder for `gemmtune merge`.
  if (has_records(outcome.runs_path) || plan.empty()) write_reports(options, outcome);
  return outcome;
}

}  // namespace gemmtune::sweep
