// `gemmtune run`: compile (or load from cache), validate and time one config on one problem,
// side by side with cuBLASLt's block-scaled heuristic algorithm; one line or one JSON record.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/number_checks.hpp"
#include "core/config_space.hpp"
#include "core/error.hpp"
#include "core/gemm_shape.hpp"
#include "core/json_input.hpp"
#include "core/legality.hpp"
#include "core/legality_table.hpp"
#include "core/timing_mode.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/grouped_bench.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/stream_floor.hpp"
#include "sweep/budget.hpp"

namespace gemmtune::cli {
namespace {

struct RunOptions {
  int64_t m = 0, n = 0, k = 0;
  std::string layout = "dense";
  std::string group_m_list;  ///< --group-m as given; parsed into group_m
  std::vector<int64_t> group_m;
  int64_t max_m = 0;
  std::string config;
  std::string space = "configs/spaces/default.json";
  std::string timing = "kernel";
  int iters = 30;
  int warmup = 3;
  int settle_ms = 0;
  bool clock_per_sample = false;
  int sample_gap_us = 0;
  std::string flush = to_string(FlushKind::kWrite);
  uint64_t seed = 1;
  std::string inputs = to_string(kDefaultInputDistribution);
  std::string baseline_timing = "separate";
  bool json = false;
  bool profile = false;
  int profile_launches = 1;  ///< --profile: launches inside the profiled range
  bool stream_floor = false;
  int chain = 0;  ///< > 0: time chains of this many calls, plain and overlapped (run_chain)
};

/// The timing and input options of `o` (CLI11 checked every name).
BenchOptions bench_options(const RunOptions& o) {
  TimingOptions timing;
  timing.mode = *parse_timing_mode(o.timing);
  timing.sample_count = o.iters;
  timing.warmup_count = o.warmup;
  timing.settle_ms = o.settle_ms;
  timing.clock_per_sample = o.clock_per_sample;
  timing.sample_gap_us = o.sample_gap_us;
  timing.flush_kind = *parse_flush_kind(o.flush);
  return BenchOptions{.timing = timing, .seed = o.seed,
                      .inputs = *parse_input_distribution(o.inputs)};
}

/// What `run --json` says of its own settings besides the environment: inputs, baseline timing.
void add_run_settings(nlohmann::json& j, const RunOptions& o) {
  j["inputs"] = {{"distribution", o.inputs}, {"seed", o.seed}};
  j["baseline_timing"] = o.baseline_timing;
}

std::string format_line(const Measurement& m, const Measurement* baseline) {
  const double speedup =
      baseline && baseline->timing ? baseline->timing->median_us / m.timing->median_us : 0.0;
  return fmt::format(
      "{} {}x{}x{}: {:.2f} us (spread {:.1f}%) {:.0f} TFLOPS {:.0f} GB/s | cuBLASLt heuristic "
      "{:.2f} us, speedup {:.3f}x | diff ref {:.2e} unquant {} cublaslt {} | regs {} spill {} "
      "smem {} B",
      m.config, m.problem.m, m.problem.n, m.problem.k, m.timing->median_us,
      100 * m.timing->spread, m.tflops(), m.gbps(),
      baseline && baseline->timing ? baseline->timing->median_us : 0.0, speedup,
      m.vs_reference->diff,
      m.vs_unquantized ? fmt::format("{:.2e}", m.vs_unquantized->diff) : std::string("n/a"),
      m.vs_cublaslt ? fmt::format("{:.2e}", m.vs_cublaslt->diff) : std::string("n/a"),
      m.ptxas.registers, m.ptxas.spill_store_bytes + m.ptxas.spill_load_bytes, m.smem_bytes);
}

/// `--stream-floor`: the floor of reading `problem`'s bytes once (runtime/stream_floor.hpp), timed
/// after the configs and baselines with the same protocol; nothing without the flag.
std::optional<StreamFloor> stream_floor_if_asked(const RunOptions& o, const Problem& problem) {
  if (!o.stream_floor) return std::nullopt;
  return measure_stream_floor(problem, bench_options(o).timing);
}

/// The text line of a stream floor beside the fastest config's time `config_us` (0: none passed).
std::string format_floor_line(const StreamFloor& f, double config_us) {
  std::string variants;
  for (const StreamFloorVariant& v : f.variants) {
    variants += fmt::format("{}{} {:.2f}", variants.empty() ? "" : ", ", to_string(v.plan.variant),
                            v.timing.median_us);
  }
  return fmt::format(
      "stream floor: {:.1f} MB read once in {:.2f} us ({:.2f} TB/s, {}; {} us; empty launch "
      "{:.2f} us){}",
      static_cast<double>(f.bytes) / 1e6, f.floor_us(), f.tbps(),
      to_string(f.variants[f.fastest].plan.variant), variants, f.empty_call.median_us,
      config_us > 0 ? fmt::format(" | the config takes {:.3f}x the floor", config_us / f.floor_us())
                    : std::string());
}

/// Throws Error(kExitUsage) naming the violated legality rule.
void check_runnable(const Problem& problem, const KernelConfig& config,
                    const DeviceLimits& limits) {
  const Legality legality = check_legality(problem, config, limits);
  if (!legality.legal) {
    const std::string what =
        problem.layout == GroupLayout::kNone
            ? fmt::format("{}x{}x{}", problem.m, problem.n, problem.k)
            : fmt::format("{} G{} {}x{}", to_string(problem.layout), problem.groups(), problem.n,
                          problem.k);
    throw Error(kExitUsage, one_line(fmt::format("--config {} cannot run {}: {}: {}",
                                                 to_string(config), what, legality.rule_id,
                                                 legality.reason)));
  }
}

/// Splits a comma-separated config list and parses each (exit 2 on the first bad one).
std::vector<KernelConfig> parse_config_list(const std::string& text) {
  std::vector<KernelConfig> configs;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t cut = std::min(text.find(',', start), text.size());
    std::string error;
    const std::optional<KernelConfig> config = parse_kernel_config(text.substr(start, cut - start), &error);
    if (!config) throw Error(kExitUsage, "--config: " + error);
    configs.push_back(*config);
    start = cut + 1;
  }
  return configs;
}

/// Device limits of the GPU found (H200 defaults for what it does not report).
DeviceLimits found_device_limits(const EnvironmentInfo& env) {
  DeviceLimits limits;
  if (!env.devices.empty()) {
    limits.sm_count = env.devices[0].sm_count;
    limits.smem_per_block_bytes = env.devices[0].smem_per_block_optin_bytes;
    limits.device_memory_bytes = env.devices[0].global_mem_bytes;
  }
  return limits;
}

std::string format_grouped_line(const Problem& p, const GroupedMeasurement& m) {
  const std::string name = m.kind == "gemmtune" ? m.config : m.kind;
  if (m.disposition != Disposition::kPassed) {
    return fmt::format("{} {} G{} {}x{}: {}: {}", name, to_string(p.layout), p.groups(), p.n,
                       p.k, to_string(m.disposition), m.reason);
  }
  if (m.kind != "gemmtune") {
    return fmt::format("{} {} G{} {}x{} ({} rows): {:.2f} us (spread {:.1f}%) {:.0f} TFLOPS | "
                       "worst group {} diff ref {:.2e} | {}",
                       name, to_string(p.layout), p.groups(), p.n, p.k, p.useful_rows(),
                       m.timing->median_us, 100 * m.timing->spread, m.useful_tflops(p),
                       m.validation.worst_group, m.validation.worst.diff, m.config);
  }
  return fmt::format(
      "{} {} G{} {}x{} ({} rows): {:.2f} us (spread {:.1f}%) {:.0f} TFLOPS {:.0f} GB/s (real "
      "rows) | worst group {} diff ref {:.2e} cublaslt {}, {} unowned rows untouched | regs {} "
      "spill {} smem {} B",
      m.config, to_string(p.layout), p.groups(), p.n, p.k, p.useful_rows(), m.timing->median_us,
      100 * m.timing->spread, m.useful_tflops(p), m.useful_gbps(p), m.validation.worst_group,
      m.validation.worst.diff,
      m.validation.worst_vs_cublaslt ? fmt::format("{:.2e}", m.validation.worst_vs_cublaslt->diff)
                                     : std::string("n/a"),
      m.validation.unowned_rows, m.ptxas.registers,
      m.ptxas.spill_store_bytes + m.ptxas.spill_load_bytes, m.smem_bytes);
}

/// `--config auto[:N]`: the N configs (default the sweep's default budget) of the config space,
/// built for the problem's layout and legal for it, that the sweep's cost model ranks first
/// (sweep/budget.hpp), counting each group's tiles (core/cost_model.hpp).
std::vector<KernelConfig> auto_candidates(const Problem& problem, const std::string& request,
                                          const std::string& space_path,
                                          const DeviceLimits& limits) {
  const std::string count = request.size() > 5 ? request.substr(5) : "default";
  const sweep::Budget budget = sweep::parse_budget(count);
  const ConfigSpace space = load_config_space(resolve_input_path(space_path), limits.sm_count);
  const std::vector<KernelConfig> all = with_layout(enumerate_configs(space), problem.layout);
  const ConfigListLegality legality(all, limits);
  const std::vector<RuleIndex> rules = legality.deciding_rules(problem);
  std::vector<KernelConfig> legal;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i] == kNoRule) legal.push_back(all[i]);
  }
  DeviceModel model;
  model.sm_count = limits.sm_count;
  std::vector<KernelConfig> picked;
  for (const sweep::Candidate& c : sweep::select_candidates(problem, legal, budget, model)) {
    picked.push_back(c.config);
  }
  if (picked.empty()) {
    throw Error(kExitUsage, fmt::format("--config auto: no config of {} is legal for this problem",
                                        space_path));
  }
  spdlog::info("--config auto: {} of {} legal configs of {}, ranked by the cost model", picked.size(),
               legal.size(), space_path);
  return picked;
}

/// `run --layout grouped_*`: one grouped problem, one or more configs validated and timed
/// interleaved (kernels/README.md "Grouped GEMMs").
int run_grouped(const RunOptions& o, GroupLayout layout) {
  if (o.group_m.empty()) throw Error(kExitUsage, "--group-m: a grouped layout needs the rows of each group");
  if (layout == GroupLayout::kContiguous && o.max_m != 0) {
    throw Error(kExitUsage, "--max-m: only the masked layout has a row stride per group");
  }
  if (o.m != 0) throw Error(kExitUsage, "--m: a grouped problem's rows come from --group-m (and --max-m)");
  if (layout == GroupLayout::kMasked && o.max_m == 0) {
    throw Error(kExitUsage, "--max-m: the masked layout needs the rows per group of A and D");
  }
  if (layout == GroupLayout::kContiguous &&
      std::all_of(o.group_m.begin(), o.group_m.end(), [](int64_t rows) { return rows == 0; })) {
    throw Error(kExitUsage, "--group-m: every group is empty, there is nothing to compute");
  }
  const Problem problem = Problem::grouped(layout, o.n, o.k, o.group_m, o.max_m);
  // `auto[:N]` may lead the list: the cost model's candidates, then the explicit ones.
  std::string explicit_list = o.config;
  std::string automatic;
  if (o.config == "auto" || o.config.starts_with("auto:") || o.config.starts_with("auto,")) {
    const size_t cut = o.config.find(',');
    automatic = o.config.substr(0, cut);
    explicit_list = cut == std::string::npos ? "" : o.config.substr(cut + 1);
  }
  // NOTE: every input is checked before require_gpu(), so bad input gets exit 2 on any machine.
  if (!automatic.empty()) {
    const std::string count = automatic.size() > 5 ? automatic.substr(5) : "default";
    try {
      static_cast<void>(sweep::parse_budget(count));
    } catch (const Error&) {
      throw Error(kExitUsage, one_line("--config " + automatic + ": expected auto or auto:N, N a "
                                       "positive number of configs, quick, default or exhaustive"));
    }
  }
  std::vector<KernelConfig> configs =
      explicit_list.empty() ? std::vector<KernelConfig>{} : parse_config_list(explicit_list);
  for (const KernelConfig& c : configs) check_runnable(problem, c, DeviceLimits{});
  if (const Legality verdict = check_problem(problem, DeviceLimits{}); !verdict.legal) {
    throw Error(kExitUsage, verdict.rule_id + ": " + verdict.reason);
  }
  require_gpu();
  const EnvironmentInfo env = gather_environment();
  const DeviceLimits limits = found_device_limits(env);
  for (const KernelConfig& c : configs) check_runnable(problem, c, limits);
  if (!automatic.empty()) {
    std::vector<KernelConfig> picked = auto_candidates(problem, automatic, o.space, limits);
    for (const KernelConfig& c : configs) {
      if (std::find(picked.begin(), picked.end(), c) == picked.end()) picked.push_back(c);
    }
    configs = std::move(picked);
  }
  NvtxRange top("run grouped " + o.config);
  std::vector<RunoffCandidate> candidates;
  const std::vector<jit::CompileResult> built = jit::build_kernels(configs, 0);
  for (size_t i = 0; i < configs.size(); ++i) {
    candidates.push_back({.config = configs[i], .compiled = built[i]});
    spdlog::info("compiled {} in {:.2f} s ({}), {} registers, {} spill bytes",
                 built[i].kernel_name, built[i].compile_seconds,
                 built[i].cache_hit ? "cache hit" : "cache miss", built[i].ptxas.registers,
                 built[i].ptxas.spill_store_bytes + built[i].ptxas.spill_load_bytes);
  }
  GroupedBench bench(problem, bench_options(o));
  const std::vector<GroupedMeasurement> results =
      bench.measure(candidates, {kGroupedBaselineLoop, kGroupedBaselineGraph},
                    *parse_baseline_timing(o.baseline_timing));
  bool all_passed = true;
  double fastest_us = 0.0;
  for (const GroupedMeasurement& m : results) {
    all_passed &= m.disposition == Disposition::kPassed;
    if (m.kind == "gemmtune" && m.timing && (fastest_us == 0.0 || m.timing->median_us < fastest_us)) {
      fastest_us = m.timing->median_us;
    }
  }
  const std::optional<StreamFloor> floor = stream_floor_if_asked(o, problem);
  if (o.json) {
    nlohmann::json j;
    j["schema"] = "gemmtune.grouped_run/1";
    j["environment"] = env;
    j["problem"] = grouped_problem_json(problem);
    add_run_settings(j, o);
    j["measurements"] = results;
    if (floor) j["stream_floor"] = *floor;
    std::cout << j.dump(2) << "\n";
  } else {
    for (const GroupedMeasurement& m : results) std::cout << format_grouped_line(problem, m) << "\n";
    if (floor) std::cout << format_floor_line(*floor, fastest_us) << "\n";
  }
  return all_passed ? kExitOk : kExitFailed;
}

/// `run --chain N`: the config's chains of N back-to-back calls, launched in stream order and
/// overlapping the call before (kernels/README.md "Overlapped launches"), timed interleaved; the
/// overlapped chain's output validated. Exit 0 when both the config and that output pass.
int run_chain(const RunOptions& o, const KernelConfig& config, const jit::CompileResult& compiled,
              ProblemBench& bench, const EnvironmentInfo& env) {
  const ChainTiming chain = bench.time_chain(config, compiled, o.chain);
  const Measurement& v = chain.validation;
  const bool passed = v.disposition == Disposition::kPassed;
  if (o.json) {
    nlohmann::json j;
    j["schema"] = "gemmtune.run_chain/1";
    j["environment"] = env;
    add_run_settings(j, o);
    j["validation"] = to_run_record(v);
    j["calls"] = chain.calls;
    j["after_previous"] = chain.after_previous ? nlohmann::json(*chain.after_previous) : nlohmann::json();
    j["overlap_previous"] =
        chain.overlap_previous ? nlohmann::json(*chain.overlap_previous) : nlohmann::json();
    j["overlapped_vs_reference"] = chain.overlapped_vs_reference
                                       ? nlohmann::json{{"diff", chain.overlapped_vs_reference->diff},
                                                        {"max_rel_err", chain.overlapped_vs_reference->max_rel_err}}
                                       : nlohmann::json();
    j["saved_us_per_launch"] = chain.saved_us_per_launch();
    std::cout << j.dump(2) << "\n";
  } else if (chain.after_previous && chain.overlap_previous) {
    std::cout << fmt::format(
        "{} {}x{}x{}, chains of {} calls: in stream order {:.2f} us ({:.2f} a call, spread "
        "{:.1f}%), overlapped {:.2f} us ({:.2f} a call, spread {:.1f}%): {:.2f} us saved an "
        "overlapped launch | overlapped output diff {:.2e}{}\n",
        v.config, o.m, o.n, o.k, chain.calls, chain.after_previous->median_us,
        chain.after_previous->median_us / chain.calls, 100 * chain.after_previous->spread,
        chain.overlap_previous->median_us, chain.overlap_previous->median_us / chain.calls,
        100 * chain.overlap_previous->spread, chain.saved_us_per_launch(),
        chain.overlapped_vs_reference->diff, passed ? "" : " (" + v.reason + ")");
  } else {
    std::cout << fmt::format("{} {}x{}x{}: {}: {}\n", v.config, o.m, o.n, o.k,
                             to_string(v.disposition), v.reason);
  }
  return passed ? kExitOk : kExitFailed;
}

int run_run(const RunOptions& o) {
  if (*parse_flush_kind(o.flush) != FlushKind::kWrite) {
    spdlog::warn("--flush {}: every sample flushes the L2 by reading, not by the comparison "
                 "protocol's memset; these times do not compare with DeepGEMM's or a sweep's", o.flush);
  }
  const std::optional<GroupLayout> layout = parse_group_layout(o.layout);
  if (!layout) throw Error(kExitUsage, "--layout: '" + o.layout + "' is not dense, grouped_contiguous or grouped_masked");
  if (o.chain > 0 && (*layout != GroupLayout::kNone || o.profile || o.stream_floor)) {
    throw Error(kExitUsage, "--chain: dense problems only, without --profile or --stream-floor");
  }
  if (o.profile_launches != 1 && (!o.profile || *layout != GroupLayout::kNone)) {
    throw Error(kExitUsage, "--profile-launches: dense problems with --profile only");
  }
  if (*layout != GroupLayout::kNone) return run_grouped(o, *layout);
  if (o.m == 0) throw Error(kExitUsage, "--m: required for a dense problem");
  if (!o.group_m.empty() || o.max_m != 0) {
    throw Error(kExitUsage, "--group-m/--max-m: only for --layout grouped_contiguous or grouped_masked");
  }
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(o.config, &error);
  if (!config) throw Error(kExitUsage, "--config: " + error);
  const Problem problem{.label = "", .m = o.m, .n = o.n, .k = o.k};
  // NOTE: legality first, against an H200's limits, so an impossible request gets its reason
  // (exit 2) on any machine; then again with the limits of the GPU actually found.
  check_runnable(problem, *config, DeviceLimits{});
  require_gpu();
  const EnvironmentInfo env = gather_environment();
  check_runnable(problem, *config, found_device_limits(env));
  NvtxRange top("run " + o.config);
  jit::CompileResult compiled;
  {
    NvtxRange range("compile " + o.config);
    compiled = jit::build_kernel(*config);
  }
  spdlog::info("compiled {} in {:.2f} s ({}), {} registers, {} spill bytes", compiled.kernel_name,
               compiled.compile_seconds, compiled.cache_hit ? "cache hit" : "cache miss",
               compiled.ptxas.registers,
               compiled.ptxas.spill_store_bytes + compiled.ptxas.spill_load_bytes);
  ProblemBench bench(problem, bench_options(o));
  if (o.profile) {
    bench.profile(*config, compiled, o.profile_launches);
    std::cout << fmt::format(
        "profiled {} launch(es) of {} between cudaProfilerStart/Stop. To collect it with Nsight "
        "Compute (the trailing '/' selects a push/pop range):\n  ncu --profile-from-start off --nvtx --nvtx-include \"gemmtune@profile {}/\" "
        "--clock-control none --set full -o {} gemmtune run --m {} --n {} --k {} --config {} "
        "--profile{}\n",
        o.profile_launches, compiled.kernel_name, o.config, compiled.kernel_name, o.m, o.n, o.k,
        o.config,
        o.profile_launches > 1 ? fmt::format(" --profile-launches {}", o.profile_launches) : "");
    return kExitOk;
  }
  if (o.chain > 0) return run_chain(o, *config, compiled, bench, env);
  const std::vector<Measurement> results =
      bench.measure(*config, compiled, *parse_baseline_timing(o.baseline_timing));
  const Measurement& ours = results[0];
  const Measurement* baseline = results.size() > 1 ? &results[1] : nullptr;
  const std::optional<StreamFloor> floor = stream_floor_if_asked(o, problem);
  if (o.json) {
    nlohmann::json j;
    j["schema"] = "gemmtune.run_result/1";
    j["environment"] = env;
    add_run_settings(j, o);
    j["measurements"] = nlohmann::json::array();
    for (const Measurement& m : results) j["measurements"].push_back(to_run_record(m));
    if (floor) j["stream_floor"] = *floor;
    std::cout << j.dump(2) << "\n";
  } else if (ours.disposition == Disposition::kPassed) {
    std::cout << format_line(ours, baseline) << "\n";
    if (floor) std::cout << format_floor_line(*floor, ours.timing->median_us) << "\n";
  } else {
    std::cout << fmt::format("{} {}x{}x{}: {}: {}\n", ours.config, o.m, o.n, o.k,
                             to_string(ours.disposition), ours.reason);
  }
  return ours.disposition == Disposition::kPassed ? kExitOk : kExitFailed;
}

}  // namespace

void register_run(CLI::App& root, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = root.add_subcommand(
      "run", "Compile, validate and time one config on one problem against cuBLASLt, or grouped "
             "configs on one grouped problem (needs a GPU)");
  cmd->add_option("--m", options->m, "rows of A and D (dense)")->check(integer_in(1, kMaxDimension));
  cmd->add_option("--layout", options->layout,
                  "dense (default), grouped_contiguous or grouped_masked (kernels/README.md \"Grouped GEMMs\")");
  cmd->add_option("--group-m", options->group_m_list,
                  "grouped: rows of each group, comma-separated (masked: rows used, <= --max-m)");
  cmd->add_option("--max-m", options->max_m, "grouped_masked: rows per group in A and D")
      ->check(integer_in(1, kMaxDimension));
  cmd->add_option("--n", options->n, "rows of B, columns of D (multiple of 8)")
      ->required()->check(integer_in(1, kMaxDimension));
  cmd->add_option("--k", options->k, "reduction length (multiple of 16)")
      ->required()->check(integer_in(1, kMaxDimension));
  cmd->add_option("--config", options->config,
                  "e.g. bm128_bn128_s5_mcB_sm132_rN8_sk1; grouped: one or more configs with the "
                  "layout's suffix (_gC, _gM), comma-separated, validated each and timed "
                  "interleaved; a leading auto[:N] adds the cost model's first N legal configs of "
                  "--space (e.g. auto:16,bm128_bn192_s4_mcA_sm132_rN8_sk1_gC)")
      ->required();
  cmd->add_option("--space", options->space,
                  "grouped --config auto: the config space the candidates come from");
  cmd->add_option("--timing", options->timing,
                  "call: events around one call behind an L2 flush in stream order (the "
                  "anchors' DeepGEMM protocol); call_sync: the same with the host waiting for "
                  "the flush (adds host launch latency); kernel: queued behind a spin kernel")
      ->check(CLI::IsMember(timing_mode_names()));
  cmd->add_option("--iters", options->iters, "timed samples (median reported)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", options->warmup, "untimed warm-up samples")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--settle-ms", options->settle_ms,
                  "idle this long (stream drained) before the warm-ups, so that timing starts from "
                  "the power state of an idle card, as a freshly started process does; default 0")
      ->check(CLI::Range(0, 60000));
  cmd->add_flag("--clock-per-sample", options->clock_per_sample,
               "read the SM clock after every timed sample (a 20 µs probe kernel queued behind "
               "the stop event, outside the timed span): the card's clock between kernels, "
               "not the lower one inside a heavy kernel (src/runtime/README.md \"Timing methodology\"); "
               "--json then lists samples_us, samples_sm_mhz and samples_end_ns (GPU ns) per "
               "measurement");
  cmd->add_option("--sample-gap-us", options->sample_gap_us,
                  "idle the GPU this long after every sample (host spin, stream drained), to give "
                  "two sides compared the same idle per sample (the anchors' DeepGEMM loop idles "
                  "~100 µs more than run); default 0")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--flush", options->flush,
                  "how each sample evicts the L2 first: write (a 512 MiB memset, as the anchors' "
                  "DeepGEMM harness does: the comparison protocol) or read (a read-only kernel over "
                  "the same bytes, leaving the L2 clean: an experiment measuring what the write "
                  "flush's dirty lines cost a memory-bound call; the timing JSON says which)")
      ->check(CLI::IsMember(flush_kind_names()))
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "input seed");
  cmd->add_option("--inputs", options->inputs,
                  "input distribution: uniform (u in [-1, 1)) or normal (N(0, 1), as DeepGEMM's "
                  "tests); both scaled per block and cast to e4m3 the same way. At the power cap "
                  "the tensor cores' power, and so the time, depends on the data")
      ->check(CLI::IsMember(input_distribution_names()))
      ->capture_default_str();
  cmd->add_option("--baseline-timing", options->baseline_timing,
                  "separate: the configs interleaved among themselves, then each cuBLASLt "
                  "baseline in its own block (at the power cap a sample's clock depends on the "
                  "kernel before it); interleaved: all sample by sample; none: no baseline")
      ->check(CLI::IsMember(baseline_timing_names()))
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "print one JSON document (schema gemmtune.run_result/1)");
  cmd->add_flag("--stream-floor", options->stream_floor,
                "also time the stream floor: the fastest of four read-only kernels reading the "
                "problem's bytes once (A, B, D, scales), in the same protocol, after the configs "
                "(src/runtime/README.md \"The stream floor\"); --json adds stream_floor");
  cmd->add_option("--chain", options->chain,
                  "dense: instead of the single-call timing, time chains of N back-to-back calls "
                  "(one sample: the flush, then the chain), the launches after the first in "
                  "stream order and overlapping the call before (programmatic dependent launch), "
                  "interleaved; prints both and the time an overlapped launch saves, and "
                  "validates the overlapped chain's output (kernels/README.md \"Overlapped launches\")")
      ->check(CLI::Range(2, 1000));
  cmd->add_flag("--profile", options->profile,
                "one warm-up and one launch inside cudaProfilerStart/Stop; prints the ncu command");
  cmd->add_option("--profile-launches", options->profile_launches,
                  "--profile: this many launches inside the profiled range, each behind the L2 "
                  "flush as a timed call is (the spread of a burst under Nsight; the only way to "
                  "read a diagnostic hook whose output fails validation); default 1")
      ->check(CLI::Range(1, 1000));
  cmd->callback([options, &exit_code] {
    if (!options->group_m_list.empty()) {
      options->group_m = parse_integer_list("--group-m", options->group_m_list, 0, kMaxDimension);
    }
    exit_code = run_run(*options);
  });
}

}  // namespace gemmtune::cli
