// `gemmtune sweep`: tunes every problem of a shape set. Per problem the legal configs of a space
// are ranked by the cost model and the budget's pick is compiled ahead on CPU threads, validated
// and timed in a restartable worker process, beside three cuBLASLt baselines; every outcome is
// appended to OUT/runs.jsonl and the reports are written at the end (src/sweep/README.md "Sweep").
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "cli/commands.hpp"
#include "cli/serving_flags.hpp"
#include "cli/sweep_cli.hpp"
#include "core/config_space.hpp"
#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "core/stopwatch.hpp"
#include "core/timing_mode.hpp"
#include "jit/kernel_build.hpp"
#include "jit/kernel_cache.hpp"
#include "report/serving_fields.hpp"
#include "report/tuning_table.hpp"
#include "runtime/driver_api.hpp"
#include "sweep/budget.hpp"
#include "sweep/gpu_pool.hpp"
#include "sweep/run_env.hpp"
#include "sweep/shard.hpp"
#include "sweep/work_plan.hpp"

namespace gemmtune::cli {
namespace {

/// About when the process started (static initialisation): where the sweep's time breakdown
/// starts counting its start-up.
const std::chrono::steady_clock::time_point kSweepProcessStart = std::chrono::steady_clock::now();

/// How much of its CPU half a sweep does without a GPU (`--no-gpu-compile`).
enum class NoGpuCompile { kFirst, kAll, kNone };

/// Most problems one sweep takes. Why a bound: planning ranks the space for each problem (~2 ms
/// each) before anything is measured, and each then takes seconds of GPU time, so a 29 MB set of
/// 4.8 million problems ran for minutes and GBs without a line of output. The shipped sets hold
/// 5-198; `plan` reads 200,000 in seconds.
constexpr size_t kMaxSweepProblems = 20000;

/// `--no-gpu-compile`'s word (checked by the option: first, all or none) as its scope.
NoGpuCompile no_gpu_compile_scope(const std::string& word) {
  return word == "all" ? NoGpuCompile::kAll : word == "none" ? NoGpuCompile::kNone
                                                             : NoGpuCompile::kFirst;
}

/// A budget knob's flags `--X` and `--skip-X` (add_flag_pair, apply_flag_pair).
struct FlagPair {
  bool on = false;
  bool skip = false;
};

struct SweepFlags {
  std::string shapes_path;
  std::string space_path = "configs/spaces/default.json";
  std::string budget = "default";
  std::optional<int64_t> k_twins;  ///< --k-twins; unset: the budget's default
  std::optional<int64_t> leader_twins;  ///< --leader-twins; unset: the budget's
  FlagPair whole_waves_twins;           ///< --whole-waves-twins, --skip-whole-waves-twins
  FlagPair l2_normal_twins;             ///< --l2-normal-twins, --skip-l2-normal-twins
  FlagPair no_balanced_order_twins;  ///< --no-balanced-order-twins, --skip-no-balanced-order-twins
  std::optional<int64_t> heavy_tiles;   ///< --heavy-tiles; unset: the budget's
  std::string shard;  ///< "I/N", empty: the whole shape set
  std::string gpus = "all";
  bool resume = false;
  bool force = false;
  FlagPair cublaslt_best;  ///< --cublaslt-best, --skip-cublaslt-best
  bool stream_floor = false;  ///< --stream-floor
  std::string no_gpu_compile = "first";  ///< --no-gpu-compile: first, all or none (NoGpuCompile)
  MeasureFlags measure;
  ServingFlags serving;  ///< --sms, --batch-invariant
};

/// The kernels the no-GPU path builds: each problem's first planned config (kFirst: a bounded
/// check that the toolchain and every problem's kernel family compile here), every config the
/// sweep would measure (kAll: a warm cache for a GPU run that shares this machine's cache), or
/// none.
std::vector<KernelConfig> kernels_to_build(const std::vector<sweep::ProblemWork>& plan,
                                           NoGpuCompile scope) {
  std::set<std::string> seen;
  std::vector<KernelConfig> configs;
  for (const sweep::ProblemWork& work : plan) {
    for (const sweep::WorkItem& item : work.items) {
      if (scope == NoGpuCompile::kNone || !item.config) continue;
      if (seen.insert(to_string(*item.config)).second) configs.push_back(*item.config);
      if (scope == NoGpuCompile::kFirst) break;
    }
  }
  return configs;
}

/// Builds `configs` in batches of `jobs`, a progress line on stderr after each batch.
jit::BuildCounts build_with_progress(const std::vector<KernelConfig>& configs, int jobs) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<jit::CompileResult> results;
  const size_t batch = static_cast<size_t>(std::max(1, jobs));
  for (size_t first = 0; first < configs.size(); first += batch) {
    const std::vector<KernelConfig> part(
        configs.begin() + static_cast<std::ptrdiff_t>(first),
        configs.begin() + static_cast<std::ptrdiff_t>(std::min(configs.size(), first + batch)));
    std::vector<jit::CompileResult> built = jit::build_kernels(part, jobs);
    results.insert(results.end(), std::make_move_iterator(built.begin()),
                   std::make_move_iterator(built.end()));
    std::fprintf(stderr, "gemmtune: compiled %zu/%zu kernel(s), %.0f s\n", results.size(),
                 configs.size(), seconds_since(start));
  }
  return jit::count_builds(results);
}

/// Refuses an --out that a sweep could not make its run folder: a link, or not a folder.
void check_out_path(const std::string& out) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::symlink_status(out, ec);
  if (std::filesystem::is_symlink(st)) {
    throw Error(kExitUsage, one_line("--out " + out + ": is a symbolic link"));
  }
  if (std::filesystem::exists(st) && !std::filesystem::is_directory(st)) {
    throw Error(kExitUsage, one_line("--out " + out + ": exists and is not a folder"));
  }
}

/// Without a GPU the sweep does bounded CPU work (the plan with an H200's limits, then the
/// NVRTC builds `scope` selects, into the disk cache a later GPU run reuses) and says exactly
/// what to run on a GPU machine. Returns kExitNoGpu.
int plan_and_compile_without_gpu(const sweep::Planner& planner, int jobs, NoGpuCompile scope,
                                 const std::string& why) {
  const std::vector<sweep::ProblemWork> plan = planner(DeviceLimits{});
  const int64_t without_configs = std::count_if(plan.begin(), plan.end(), [](const auto& work) {
    return std::none_of(work.items.begin(), work.items.end(),
                        [](const sweep::WorkItem& item) { return item.config.has_value(); });
  });
  if (without_configs > 0) {
    spdlog::warn("{} problem(s) of {} have no legal config in the space: the GPU run would "
                 "measure only their baselines (gemmtune plan --verbose says why)",
                 without_configs, plan.size());
  }
  const std::vector<KernelConfig> configs = kernels_to_build(plan, scope);
  spdlog::info("no CUDA GPU: building {} kernel(s) for {} problem(s) (cache {})", configs.size(),
               plan.size(), jit::cache_dir().string());
  const jit::BuildCounts built = build_with_progress(configs, jobs);
  std::fprintf(stderr,
               "gemmtune: error: no CUDA GPU found (%s): planned %zu problem(s), compiled %zu "
               "kernel(s) (%d cache hits, %d failed, %d with spills); validation, timing, "
               "baselines and the run folder need a GPU. On a machine with an H100 or H200 run: "
               "%s\n",
               why.c_str(), plan.size(), configs.size(), built.cache_hits, built.failed,
               built.spilled, command_line().c_str());
  // NOTE: a kernel that does not compile here will not compile on the GPU machine either: the
  // toolchain is broken, which is worth more than "no GPU".
  return built.failed > 0 ? kExitCudaError : kExitNoGpu;
}

/// The GPUs this process sees (after gpu_available()).
int visible_gpu_count() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

/// How many GPUs a GEMMTUNE_WORKER_CMD worker stands for without CUDA being asked: as many as
/// CUDA_VISIBLE_DEVICES lists, else 1 (`--gpus all`); an explicit list names any ordinals.
int test_worker_gpus() {
  const char* listed = std::getenv("CUDA_VISIBLE_DEVICES");
  if (listed == nullptr || *listed == '\0') return 1;
  return 1 + static_cast<int>(std::count(listed, listed + std::strlen(listed), ','));
}

/// Throws a usage error, one line listing the names, unless `name` is a run-off regime.
void check_runoff_regime(const std::string& name) {
  if (parse_runoff_regime(name)) return;
  std::string names;
  for (const std::string& n : runoff_regime_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error(kExitUsage, one_line("--runoff \"" + name + "\": expected one of " + names));
}

std::string skip_flag_of(const std::string& on_flag) { return "--skip-" + on_flag.substr(2); }

/// A budget knob's flag pair `on_flag` / `--skip-...`: one given sets `knob`, none leaves the
/// level's value, both is a usage error.
void apply_flag_pair(const FlagPair& pair, const std::string& on_flag, bool& knob) {
  if (pair.on && pair.skip) {
    throw Error(kExitUsage, on_flag + " and " + skip_flag_of(on_flag) + " contradict each other");
  }
  if (pair.on) knob = true;
  if (pair.skip) knob = false;
}

void add_flag_pair(CLI::App* cmd, const std::string& on_flag, FlagPair& pair,
                   const std::string& on_help, const std::string& skip_help) {
  cmd->add_flag(on_flag, pair.on, on_help);
  cmd->add_flag(skip_flag_of(on_flag), pair.skip, skip_help);
}

int run_sweep_command(SweepFlags f) {
  jit::require_shipped_kernels("sweep");
  check_runoff_regime(f.measure.runoff_regime);
  check_sm_budget_floor(f.serving);
  const std::string shapes_file = resolve_input_path(f.shapes_path);
  const std::string space_file = resolve_input_path(f.space_path);
  const ShapeSet shapes = load_shape_set(shapes_file);
  if (shapes.problems.size() > kMaxSweepProblems) {
    throw Error(kExitUsage,
                fmt::format("{}: {} problems, more than a sweep takes ({}): split the set "
                            "(`gemmtune plan` reads any number)",
                            shapes_file, shapes.problems.size(), kMaxSweepProblems));
  }
  (void)load_config_space(space_file);  // NOTE: fail on a bad file before starting the worker
  sweep::Budget budget = sweep::parse_budget(f.budget);
  if (f.k_twins) {
    if (*f.k_twins < -1) {
      throw Error(kExitUsage, fmt::format("--k-twins: expected -1 (one per pick) or a count >= 0, "
                                          "got {}", *f.k_twins));
    }
    budget.k_twins = *f.k_twins;
  }
  if (f.leader_twins) {
    if (*f.leader_twins < 0) {
      throw Error(kExitUsage, fmt::format("--leader-twins: expected a count >= 0, got {}",
                                          *f.leader_twins));
    }
    budget.leader_twins = *f.leader_twins;
  }
  apply_flag_pair(f.whole_waves_twins, "--whole-waves-twins", budget.whole_waves_twins);
  apply_flag_pair(f.l2_normal_twins, "--l2-normal-twins", budget.l2_normal_twins);
  apply_flag_pair(f.no_balanced_order_twins, "--no-balanced-order-twins",
                  budget.no_balanced_order_twins);
  if (f.heavy_tiles) {
    if (*f.heavy_tiles < -1) {
      throw Error(kExitUsage, fmt::format("--heavy-tiles: expected -1 (no limit) or a count >= 0, "
                                          "got {}", *f.heavy_tiles));
    }
    budget.heavy_tiles = *f.heavy_tiles;
  }
  apply_flag_pair(f.cublaslt_best, "--cublaslt-best", budget.cublaslt_best);
  std::optional<sweep::ShardSpec> shard;
  if (!f.shard.empty()) {
    std::string error;
    shard = sweep::parse_shard_spec(f.shard, error);
    if (!shard) throw Error(kExitUsage, error);
  }
  if (f.measure.out.empty()) {
    f.measure.out = "runs/" + shapes.name +
                    (shard ? fmt::format("-shard-{}-of-{}", shard->index, shard->count) : "");
  }
  sweep::SweepOptions options =
      sweep_options(f.measure, f.measure.timing.empty() ? "kernel" : f.measure.timing);
  options.resume = f.resume;
  options.force = f.force;
  options.process_start = kSweepProcessStart;
  options.timing.runoff_rounds = budget.runoff.burst_rounds;
  options.timing.runoff_confirm = budget.runoff.confirm_close_contests;
  options.runoff_max_candidates = budget.runoff.max_candidates;
  options.shapes = sweep::shapes_json(shapes);
  options.settings = {{"space", space_file},
                      {"budget", budget.name},
                      {"max_configs_per_problem", budget.max_configs},
                      {"k_twins_per_problem", budget.k_twins},
                      {"leader_twins_per_problem", budget.leader_twins},
                      {"whole_waves_twins", budget.whole_waves_twins},
                      {"l2_normal_twins", budget.l2_normal_twins},
                      {"no_balanced_order_twins", budget.no_balanced_order_twins},
                      {"watchdog_s", f.measure.watchdog_s},
                      {"cublaslt_best", budget.cublaslt_best},
                      {"stream_floor", f.stream_floor},
                      {"budget_knobs", sweep::budget_json(budget)}};
  report::write_serving_fields(options.settings, f.serving.constraints());
  const sweep::Planner planner = [&](const DeviceLimits& device_limits) {
    // NOTE: under --sms N "all" is N and no config's grid is larger, so legality and the cost
    // model judge its waves with N (src/sweep/README.md "Serving").
    const ServingSpace expanded =
        serving_space(space_file, device_limits, f.serving.constraints());
    const DeviceLimits& limits = expanded.limits;
    const ConfigSpace& space = expanded.space;
    std::vector<sweep::ProblemWork> plan =
        sweep::plan_sweep(shapes, expanded.configs, limits, budget);
    int64_t configs = 0, baselines = 0;
    for (sweep::ProblemWork& w : plan) {
      if (!budget.cublaslt_best) {
        std::erase_if(w.items, [](const sweep::WorkItem& item) {
          return item.kind == report::RunKind::kCublasltBest;
        });
      }
      if (f.stream_floor) sweep::add_stream_floor_item(w);
      for (const sweep::WorkItem& item : w.items) {
        configs += item.config ? 1 : 0;
        baselines += item.kind == report::RunKind::kCublasltHeuristic ||
                     item.kind == report::RunKind::kCublasltBest ||
                     item.kind == report::RunKind::kCublasltFp8Tensor;
      }
    }
    spdlog::info("{} problem(s), {} config measurement(s) and {} cuBLASLt baseline(s) "
                 "(budget {}, space {}, {} SMs)",
                 plan.size(), configs, baselines, budget.name, space.name, expanded.sm_budget);
    return plan;
  };
  sweep::Planner measured_planner = planner;
  if (shard) {
    // NOTE: the split is planned with the no-GPU path's limits (an H200's), not the worker's, so
    // that every shard of an array computes the same split whatever GPU it runs on.
    const std::vector<sweep::ProblemWork> split_plan = planner(DeviceLimits{});
    const sweep::ShardSplit split = sweep::split_into_shards(split_plan, shard->count);
    options.shard = sweep::shard_json(*shard, split_plan, split, shapes.name, shapes.path);
    measured_planner = sweep::shard_planner(planner, *shard, split_plan, split);
  }
  // NOTE: only the default worker needs this machine's GPU; GEMMTUNE_WORKER_CMD replaces it
  // (tests drive the sweep with a fake worker, src/sweep/README.md "Sweep").
  std::string no_gpu_reason;
  const bool own_worker = std::getenv("GEMMTUNE_WORKER_CMD") == nullptr;
  if (own_worker && !gpu_available(&no_gpu_reason)) {
    // What the GPU run would refuse, refused here: the GPU list's form and the output path.
    std::string gpus_error;
    if (!sweep::parse_gpu_list(f.gpus, -1, gpus_error)) throw Error(kExitUsage, gpus_error);
    check_out_path(f.measure.out);
    return plan_and_compile_without_gpu(measured_planner, f.measure.jobs,
                                        no_gpu_compile_scope(f.no_gpu_compile),
                                        no_gpu_reason);
  }
  std::string gpus_error;
  const std::optional<std::vector<int>> gpus =
      sweep::parse_gpu_list(f.gpus, own_worker ? visible_gpu_count() : f.gpus == "all" ? test_worker_gpus() : -1,
      gpus_error);
  if (!gpus) throw Error(kExitUsage, gpus_error);
  options.gpus = *gpus;
  sweep::CompilerPool compilers(sweep::default_compiler_argv("error"));
  const sweep::SweepOutcome outcome =
      sweep::run_sweep(options, measured_planner, compile_in_processes(compilers));
  log_outcome(outcome);
  if (const std::string largest = sweep::largest_time_categories(outcome.time_breakdown);
      !largest.empty()) {
    const int gpus = outcome.time_breakdown.value("gpus", 1);
    spdlog::info("where the time went: {} of {:.1f} s{} (env.json time_breakdown)", largest,
                 outcome.time_breakdown.value("gpu_s", 0.0),
                 gpus > 1 ? fmt::format(", summed over {} GPUs", gpus) : "");
  }
  if (f.measure.json && !outcome.report_files.empty()) {
    std::cout << report::to_json(outcome.table).dump(2) << "\n";
  }
  return outcome.interrupted ? kExitInterrupted : kExitOk;
}

}  // namespace

void register_sweep(CLI::App& root, int& exit_code) {
  auto flags = std::make_shared<SweepFlags>();
  CLI::App* cmd = root.add_subcommand(
      "sweep", "Tune every problem of a shape set: rank, compile, validate and time configs "
               "against cuBLASLt in a restartable worker; write a run folder (needs a GPU)");
  cmd->add_option("--shapes", flags->shapes_path, "shape-set JSON file (configs/README.md \"Shape sets\")")
      ->required();
  cmd->add_option("--space", flags->space_path, "config-space JSON file")->capture_default_str();
  cmd->add_option("--out", flags->measure.out, "run folder (default: runs/<shape set name>)");
  cmd->add_option("--budget", flags->budget,
                  "what each problem gets: default (16 configs, a run-off of 2 burst rounds over "
                  "at most 8 candidates, close contests timed twice; the cuBLASLt heuristic and "
                  "per-tensor baselines), quick (the same with 8 configs), fast (12 configs, 1 K "
                  "twin, 1 leader twin, 2 rounds over at most 4 candidates, no second pass: fewer "
                  "measurements for a warm kernel cache; cold, compiles bound it as they do "
                  "default), "
                  "thorough (24 configs, 4 rounds, and the cuBLASLt best-algorithm search: the "
                  "slowest, for reference tables), exhaustive (every legal config, as thorough), "
                  "or a number of configs with the default's other knobs")
      ->capture_default_str();
  cmd->add_option("--k-twins", flags->k_twins,
                  "K-specialised twins per problem on top of the budget "
                  "(src/sweep/README.md \"Budgets\"): the picks' members compiled for the "
                  "problem's K with an unrolled K loop; default max(1, budget / 8), -1 under "
                  "exhaustive (one per pick); 0: none");
  cmd->add_option("--leader-twins", flags->leader_twins,
                  "after a problem's configs, the K-specialised twins of this many of its "
                  "fastest screened configs (within 25% of the fastest) not measured yet, before "
                  "its run-off; 0: none; default 2 (1 under --budget fast)");
  add_flag_pair(cmd, "--whole-waves-twins", flags->whole_waves_twins,
                "grouped problems: each leader's K twin also on the fewest SMs that run the "
                "problem's tiles in as many waves, every wave whole, as DeepGEMM sizes its grids "
                "(src/sweep/README.md \"Budgets\"); the run-off decides; on by default, off under "
                "quick and fast",
                "no whole-waves twins, on any budget: for a table whose bundle serves many row "
                "counts (a twin's grid fits its tuned rows; src/sweep/README.md \"Budgets\")");
  add_flag_pair(cmd, "--l2-normal-twins", flags->l2_normal_twins,
                "contiguous problems where at least half the groups fit one m-block: each "
                "leader's K twin also with B always evict-normal in the L2 (_l2n), not streamed "
                "under evict-first (src/sweep/README.md \"Budgets\"); the run-off decides; on by "
                "default, off under quick and fast",
                "no B evict-normal (_l2n) twins, on any budget");
  add_flag_pair(cmd, "--no-balanced-order-twins", flags->no_balanced_order_twins,
                "contiguous problems where at most 3 groups end in a cheap m-block (64 rows or "
                "fewer into it): each leader's K twin, and its whole-waves twin, also without the "
                "balanced order of cheap units (_nbo), each wave's units in raster order "
                "(src/sweep/README.md \"Budgets\"); the run-off decides; on by default, off under "
                "quick and fast",
                "no twins without the balanced order (_nbo), on any budget");
  cmd->add_option("--heavy-tiles", flags->heavy_tiles,
                  "compile-heavy tiles (block_n 56, 80, 88, 104, 112, 120, 136, ...: up to 16 "
                  "copies of the K loop, 5-11 CPU-s a kernel) screened per problem, each by one "
                  "variant (src/sweep/README.md \"Budgets\"); default 2, -1 (no limit) under "
                  "thorough and exhaustive");
  cmd->add_option("--shard", flags->shard,
                  "I/N: measure only shard I of N (1 <= I <= N <= 4096), a split of the planned "
                  "problems balanced by predicted cost and the same on every machine; default "
                  "--out runs/<shape set name>-shard-I-of-N; join the folders with `gemmtune "
                  "merge`");
  cmd->add_option("--gpus", flags->gpus,
                  "all, or a comma-separated list of GPU ordinals: one worker per GPU "
                  "(CUDA_VISIBLE_DEVICES), problems handed out costliest first to whichever is "
                  "free; GPUs of different models are refused unless --force")
      ->capture_default_str();
  cmd->add_flag("--resume", flags->resume,
                "continue the run folder: skip measurements runs.jsonl already holds");
  cmd->add_flag("--force", flags->force,
                "with --resume: continue even if the GPU, shape set, timing mode, run-off regime "
                "or shard differ; with --gpus: measure on GPUs of different models");
  add_flag_pair(cmd, "--cublaslt-best", flags->cublaslt_best,
                "also search every cuBLASLt block-scaled algorithm for the strongest cuBLASLt "
                "baseline (on by default only with --budget thorough or exhaustive; about a "
                "second per problem)",
                "leave out the cuBLASLt best-algorithm search even where the budget has it; "
                "its speedup column stays empty");
  cmd->add_flag("--stream-floor", flags->stream_floor,
                "also measure each problem's stream floor (src/runtime/README.md \"The stream floor\"): the "
                "fastest read of its bytes in the same protocol, a record of kind stream_floor; "
                "the summary then shows each config's share of it");
  cmd->add_option("--runoff", flags->measure.runoff_regime,
                  "how the run-off that ends each problem times its fastest configs: burst (each "
                  "in turn after an idle gap, --warmup warm-ups + 30 samples, 4 rounds: what a "
                  "call after idle sees, as the DeepGEMM comparison times) or sustained (all "
                  "interleaved sample by sample, >= 100 samples each: a GPU under continuous "
                  "load)")
      ->capture_default_str();
  cmd->add_option("--no-gpu-compile", flags->no_gpu_compile,
                  "on a machine without a GPU: first (each problem's first planned kernel: a "
                  "quick check that everything compiles), all (every kernel the sweep would "
                  "measure, cached for a GPU run on this machine) or none; then exit 3")
      ->transform(CLI::IsMember({"first", "all", "none"}, CLI::ignore_case))
      ->capture_default_str();
  add_measure_flags(cmd, flags->measure);
  add_serving_flags(cmd, flags->serving);
  cmd->add_flag("--json", flags->measure.json,
                "print the tuning table (gemmtune.tuning_table/2) on stdout at the end");
  cmd->callback([flags, &exit_code] { exit_code = run_sweep_command(*flags); });
}

}  // namespace gemmtune::cli
