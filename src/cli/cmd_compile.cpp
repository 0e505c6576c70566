// `gemmtune compile`: builds (or finds in the cache) the kernels a shape set and a space call
// legal, or one --config, on all CPU cores; no GPU needed. Prints per kernel registers, spills,
// shared memory, compile time, cache hit/miss and ptxas' advisories; --cubin-out also writes
// each cubin, the exact binary `run` and `sweep` launch, for SASS tools (scripts/lab/sass_kloop.py).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/config_space.hpp"
#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/legality.hpp"
#include "core/legality_entry.hpp"
#include "core/plan.hpp"
#include "core/serving.hpp"
#include "core/shape_set.hpp"
#include "core/smem_layout.hpp"
#include "core/stopwatch.hpp"
#include "jit/kernel_build.hpp"
#include "jit/kernel_cache.hpp"

namespace gemmtune::cli {
namespace {

struct CompileOptions {
  std::string shapes_path;
  std::string space_path = "configs/spaces/default.json";
  std::string config;
  int jobs = 0;
  int sm_count = kH200SmCount;
  bool json = false;
  bool batch_invariant = false;  ///< with --shapes: the space's split_k 1 configs only
  std::string cubin_out;  ///< folder for <config>.cubin of every kernel built, or empty
};

/// The --config to compile: canonical and legal by the rules about the config alone (split-K
/// range and a `_k` member's own K included); with --shapes, legal for at least one problem of
/// the set, else refused with the first problem's rule.
KernelConfig config_to_compile(const CompileOptions& o) {
  const DeviceLimits limits{.sm_count = o.sm_count};
  const ConfigSource source{.file = "--config", .entry = ""};
  const KernelConfig config = require_legal_config_alone(o.config, source, limits);
  if (o.shapes_path.empty()) return config;
  const ShapeSet shapes = load_shape_set(resolve_input_path(o.shapes_path));
  for (const Problem& problem : shapes.problems) {
    if (check_legality(problem, config, limits).legal) return config;
  }
  // NOTE: load_shape_set() refuses an empty set, so the first problem exists.
  const ConfigSource first{.file = "--config",
                           .entry = "illegal for every problem of " + o.shapes_path + ", the first"};
  static_cast<void>(require_legal_config(o.config, first, shapes.problems.front(), limits));
  return config;
}

int run_compile(const CompileOptions& o) {
  std::vector<KernelConfig> configs;
  if (!o.config.empty()) {
    configs.push_back(config_to_compile(o));
  } else {
    if (o.shapes_path.empty()) throw Error(kExitUsage, "compile needs --shapes or --config");
    const ShapeSet shapes = load_shape_set(resolve_input_path(o.shapes_path));
    const ConfigSpace space = load_config_space(resolve_input_path(o.space_path), o.sm_count);
    configs = legal_configs(
        shapes, allowed_configs(enumerate_configs(space), {.batch_invariant = o.batch_invariant}),
        DeviceLimits{.sm_count = o.sm_count});
  }
  spdlog::info("compiling {} kernel(s) on {} thread(s), cache {}", configs.size(),
               o.jobs == 0 ? std::string("all") : std::to_string(o.jobs),
               jit::cache_dir().string());
  // NOTE: --cubin-out is checked before compiling and appears whole (core/atomic_file.hpp).
  std::optional<StagedFolder> cubin_folder;
  if (!o.cubin_out.empty()) cubin_folder.emplace(o.cubin_out, "cubins", "--cubin-out");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<jit::CompileResult> results = jit::build_kernels(configs, o.jobs);
  const double wall_s =
      seconds_since(start);
  const jit::BuildCounts counts = jit::count_builds(results);
  std::vector<std::string> cubin_paths(results.size());
  if (cubin_folder) {
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok) continue;
      cubin_paths[i] = cubin_folder->write(to_string(configs[i]) + ".cubin",
                                           std::string_view(results[i].cubin.data(), results[i].cubin.size()))
                           .string();
    }
    cubin_folder->commit();
  }
  std::vector<double> miss_seconds;
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const jit::CompileResult& r = results[i];
    const int64_t smem = smem_layout(configs[i]).total_bytes;
    const int spill = r.ptxas.spill_store_bytes + r.ptxas.spill_load_bytes;
    if (!r.cache_hit) miss_seconds.push_back(r.compile_seconds);
    if (o.json) {
      rows.push_back({{"config", to_string(configs[i])}, {"kernel", r.kernel_name},
                      {"ok", r.ok}, {"registers", r.ptxas.registers}, {"spill_bytes", spill},
                      {"stack_frame_bytes", r.ptxas.stack_frame_bytes},
                      {"smem_bytes", smem}, {"compile_seconds", r.compile_seconds},
                      {"cache_hit", r.cache_hit}, {"cache_key", r.cache_key},
                      {"wgmma_serialized", r.ptxas.wgmma_serialized},
                      {"ptxas_advisories", r.ptxas.advisories},
                      {"log", r.ok ? std::string() : r.log}});
      if (!cubin_paths[i].empty()) rows.back()["cubin"] = cubin_paths[i];
    } else {
      std::cout << fmt::format("{:<40} {:<6} regs {:>3} spill {:>4} B smem {:>6} B {:>6.2f} s {}\n",
                               to_string(configs[i]), r.ok ? "ok" : "FAILED", r.ptxas.registers,
                               spill, smem, r.compile_seconds, r.cache_hit ? "hit" : "miss");
      if (!r.ok) std::cout << r.log << "\n";
      // NOTE: e.g. "(C7517) warpgroup.wait is injected": ptxas waits for the wgmma there, which
      // undoes any overlap a kernel change meant (an epilogue overlap timed 5-22% slower
      // for it; PERF_LOG history). No member of the default family has one.
      for (const std::string& advisory : r.ptxas.advisories) {
        std::cout << "    ptxas: " << advisory << "\n";
      }
    }
  }
  std::sort(miss_seconds.begin(), miss_seconds.end());
  const double median_s = miss_seconds.empty() ? 0.0 : miss_seconds[miss_seconds.size() / 2];
  if (o.json) {
    std::cout << nlohmann::json{{"schema", "gemmtune.compile/1"}, {"kernels", rows},
                                {"failed", counts.failed}, {"spilled", counts.spilled},
                                {"with_ptxas_advisories", counts.advised},
                                {"cache_hits", counts.cache_hits},
                                {"median_compile_seconds", median_s}, {"wall_seconds", wall_s}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << fmt::format("{} kernels, {} failed, {} with spills, {} with ptxas advisories, "
                             "{} cache hits; median compile {:.2f} s per miss; {:.1f} s wall\n",
                             results.size(), counts.failed, counts.spilled, counts.advised,
                             counts.cache_hits, median_s, wall_s);
  }
  // A kernel that does not compile is an NVRTC error (exit 4), as in `sweep` without a GPU.
  return counts.failed == 0 ? kExitOk : kExitCudaError;
}

}  // namespace

void register_compile(CLI::App& root, int& exit_code) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* cmd = root.add_subcommand(
      "compile", "Build the kernels a shape set needs (or one --config) with NVRTC; no GPU needed");
  cmd->add_option("--shapes", options->shapes_path, "shape set JSON (configs/*.json)");
  cmd->add_option("--space", options->space_path, "config space JSON")->capture_default_str();
  cmd->add_option("--config", options->config, "one config, e.g. bm128_bn128_s5_mcB_sm132_rN8_sk1 (with --shapes: legal for at "
                  "least one of its problems)");
  cmd->add_option("-j,--jobs", options->jobs,
                  "compile threads (0 = every core this process may run on: its affinity mask, "
                  "e.g. taskset or a Slurm allocation)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--sms", options->sm_count, "SM count for 'all' and legality")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--batch-invariant", options->batch_invariant,
                "with --shapes: as sweep --batch-invariant, only the space's configs that keep "
                "each row of D independent of M and of the config (split_k 1)");
  cmd->add_flag("--json", options->json, "print JSON (schema gemmtune.compile/1)");
  cmd->add_option("--cubin-out", options->cubin_out,
                  "also write each kernel built to DIR/<config>.cubin, the binary run and sweep "
                  "launch, for nvdisasm / cuobjdump -sass; DIR is new, empty, or an earlier "
                  "--cubin-out (replaced whole)");
  cmd->callback([options, &exit_code] { exit_code = run_compile(*options); });
}

}  // namespace gemmtune::cli
