// `gemmtune run`: compile (or load from cache), validate and time one config on one problem,
// side by side with cuBLASLt's block-scaled heuristic algorithm; one line or one JSON record.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/legality.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/nvtx_ranges.hpp"

namespace gemmtune::cli {
namespace {

struct RunOptions {
  int64_t m = 0, n = 0, k = 0;
  std::string config;
  std::string timing = "kernel";
  int iters = 30;
  int warmup = 3;
  uint64_t seed = 1;
  bool json = false;
  bool profile = false;
};

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

/// Throws Error(kExitUsage) naming the violated legality rule.
void check_runnable(const Problem& problem, const KernelConfig& config,
                    const DeviceLimits& limits) {
  const Legality legality = check_legality(problem, config, limits);
  if (!legality.legal) {
    throw Error(kExitUsage, one_line(fmt::format("--config {} cannot run {}x{}x{}: {}: {}",
                                                 to_string(config), problem.m, problem.n,
                                                 problem.k, legality.rule_id, legality.reason)));
  }
}

int run_run(const RunOptions& o) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(o.config, &error);
  if (!config) throw Error(kExitUsage, "--config: " + error);
  const Problem problem{.label = "", .m = o.m, .n = o.n, .k = o.k};
  // NOTE: legality first, against an H200's limits, so an impossible request gets its reason
  // (exit 2) on any machine; then again with the limits of the GPU actually found.
  check_runnable(problem, *config, DeviceLimits{});
  require_gpu();
  const EnvironmentInfo env = gather_environment();
  DeviceLimits limits;
  if (!env.devices.empty()) {
    limits.sm_count = env.devices[0].sm_count;
    limits.smem_per_block_bytes = env.devices[0].smem_per_block_optin_bytes;
    limits.device_memory_bytes = env.devices[0].global_mem_bytes;
  }
  check_runnable(problem, *config, limits);
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
  TimingOptions timing;
  timing.mode = *parse_timing_mode(o.timing);  // CLI11 checked the name
  timing.sample_count = o.iters;
  timing.warmup_count = o.warmup;
  ProblemBench bench(problem, BenchOptions{.timing = timing, .seed = o.seed});
  if (o.profile) {
    bench.profile(*config, compiled);
    std::cout << fmt::format(
        "profiled one launch of {} between cudaProfilerStart/Stop. To collect it with Nsight "
        "Compute (the trailing '/' selects a push/pop range):\n  ncu --profile-from-start off --nvtx --nvtx-include \"gemmtune@profile {}/\" "
        "--clock-control none --set full -o {} gemmtune run --m {} --n {} --k {} --config {} "
        "--profile\n",
        compiled.kernel_name, o.config, compiled.kernel_name, o.m, o.n, o.k, o.config);
    return kExitOk;
  }
  const std::vector<Measurement> results = bench.measure(*config, compiled, true);
  const Measurement& ours = results[0];
  const Measurement* baseline = results.size() > 1 ? &results[1] : nullptr;
  if (o.json) {
    nlohmann::json j;
    j["schema"] = "gemmtune.run_result/1";
    j["environment"] = env;
    j["measurements"] = nlohmann::json::array();
    for (const Measurement& m : results) j["measurements"].push_back(to_run_record(m));
    std::cout << j.dump(2) << "\n";
  } else if (ours.disposition == Disposition::kPassed) {
    std::cout << format_line(ours, baseline) << "\n";
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
      "run", "Compile, validate and time one config on one problem against cuBLASLt (needs a GPU)");
  cmd->add_option("--m", options->m, "rows of A and D")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--n", options->n, "rows of B, columns of D (multiple of 8)")
      ->required()->check(CLI::PositiveNumber);
  cmd->add_option("--k", options->k, "reduction length (multiple of 16)")
      ->required()->check(CLI::PositiveNumber);
  cmd->add_option("--config", options->config, "e.g. bm128_bn128_s5_mcB_sm132_rN8_sk1")
      ->required();
  cmd->add_option("--timing", options->timing,
                  "call: events around one call behind an L2 flush in stream order (the "
                  "anchors' DeepGEMM protocol); call_sync: the same with the host waiting for "
                  "the flush (adds host launch latency); kernel: queued behind a spin kernel")
      ->check(CLI::IsMember(timing_mode_names()));
  cmd->add_option("--iters", options->iters, "timed samples (median reported)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", options->warmup, "untimed warm-up samples")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", options->seed, "input seed");
  cmd->add_flag("--json", options->json, "print one JSON document (schema gemmtune.run_result/1)");
  cmd->add_flag("--profile", options->profile,
                "one warm-up and one launch inside cudaProfilerStart/Stop; prints the ncu command");
  cmd->callback([options, &exit_code] { exit_code = run_run(*options); });
}

}  // namespace gemmtune::cli
