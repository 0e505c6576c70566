// export --format bundle: which configs a bundle carries, its manifest and its file list.
#include "report/export_bundle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/kernel_family.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/smem_layout.hpp"
#include "report/export.hpp"
#include "report/serving_fields.hpp"
#include "report/bundle/embedded_bundle_files.hpp"

namespace gemmtune::report {
namespace {

/// The selection rule, stated once for the manifest (the dispatcher header states it in code).
constexpr const char* kSelectionRule =
    "exact (n, k), among the entries whose kernel can run the shape: at a tuned m, its entry; "
    "between two tuned m, the neighbour with the smaller predicted time (its tuned median_us x "
    "its kernel's waves at M / its waves at its tuned m; waves: tiles x split_k over num_sms, the "
    "mean of the fractional and the whole count), the upper one without both tuned times; below "
    "or above every tuned m, the nearest; (n, k) not in the table, or no entry that can run it: "
    "the caller's fallback kernel (Bundle::set_fallback) if it can, else CUDA_ERROR_NOT_FOUND";

/// The grouped entries' rule (select_grouped_kernel in the dispatcher header).
constexpr const char* kGroupedSelectionRule =
    "exact (layout, groups, n, k): the entry with the smallest tuned rows >= the call's rows "
    "(contiguous: m; masked: expected_m x groups) whose kernel can run it, else the one with the "
    "largest tuned rows below that can; a contiguous call in DeepGEMM's layout (each group padded "
    "to 128 rows) the same by its m against each entry's rows so padded; none: "
    "CUDA_ERROR_NOT_FOUND";

constexpr const char* kWorkspaceRule =
    "split-K kernels need Bundle::workspace_bytes(m, n, k): tile counters (first 256 KiB, 65536 "
    "tiles) then fp32 partials; zero the buffer once before first use, the kernel leaves the "
    "counters at zero, one buffer serves any shape it is large enough for, one stream at a time";

[[nodiscard]] std::string cubin_path(const KernelConfig& config) {
  return "cubins/" + to_string(config) + ".cubin";
}

}  // namespace

std::vector<std::string> fitted_grid_entries(const TuningTable& table) {
  std::vector<std::string> fitted;
  const std::optional<int> budget = effective_sm_budget(table.env.raw);
  if (!budget) return fitted;
  for (const TunedEntry& e : tuned_grouped_entries(table)) {
    if (e.config.num_sms < *budget) {
      fitted.push_back(
          fmt::format("{}, {} rows: {}", e.problem->label, e.entry->m, to_string(e.config)));
    }
  }
  return fitted;
}

std::string env_field(const TuningTable& table, const std::string& key) {
  const Json& raw = table.env.raw;
  if (!raw.is_object()) return "";
  const auto it = raw.find(key);
  return it != raw.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<KernelConfig> bundle_configs(const TuningTable& table) {
  std::vector<KernelConfig> configs;
  std::vector<TunedEntry> entries = tuned_entries(table);
  const std::vector<TunedEntry> grouped = tuned_grouped_entries(table);
  entries.insert(entries.end(), grouped.begin(), grouped.end());
  for (const TunedEntry& e : entries) {
    if (std::find(configs.begin(), configs.end(), e.config) == configs.end()) {
      configs.push_back(e.config);
    }
  }
  if (configs.empty()) throw Error(kExitUsage, "the table has no entry with a config: nothing to bundle");
  std::sort(configs.begin(), configs.end(), [](const KernelConfig& a, const KernelConfig& b) {
    return to_string(a) < to_string(b);
  });
  return configs;
}

Json bundle_manifest(const TuningTable& table, const std::vector<BundleKernel>& kernels,
                     const BundleBuild& build) {
  Json kernel_list = Json::array();
  for (const BundleKernel& k : kernels) {
    const KernelConfig& c = k.config;
    kernel_list.push_back({{"config", to_string(c)},
                           {"symbol", k.symbol},
                           {"cubin", cubin_path(c)},
                           {"cubin_bytes", k.cubin.size()},
                           {"cubin_fnv1a64", k.cubin_fnv1a64},
                           {"smem_bytes", smem_layout(c).total_bytes},
                           {"threads", c.threads()},
                           {"cluster_size", c.cluster_size()},
                           {"num_sms", c.num_sms},
                           {"split_k", c.split_k},
                           {"registers", k.registers},
                           {"spill_bytes", k.spill_bytes}});
  }
  Json entry_list = Json::array();
  for (const TunedEntry& e : tuned_entries(table)) {
    entry_list.push_back({{"label", e.problem->label},
                          {"n", e.problem->n},
                          {"k", e.problem->k},
                          {"m", e.entry->m},
                          {"config", to_string(e.config)},
                          {"median_us", e.entry->median_us},
                          {"reproduce", reproduce_command(*e.problem, *e.entry)}});
  }
  Json grouped_list = Json::array();
  for (const TunedEntry& e : tuned_grouped_entries(table)) {
    grouped_list.push_back({{"label", e.problem->label},
                            {"layout", to_string(e.problem->layout)},
                            {"groups", e.problem->groups},
                            {"n", e.problem->n},
                            {"k", e.problem->k},
                            {"rows", e.entry->m},
                            {"group_m", e.entry->group_m},
                            {"config", to_string(e.config)},
                            {"median_us", e.entry->median_us}});
  }
  return Json{{"schema", kBundleSchema},
              {"family", kSm90Fp8Gemm1d2d.stem},
              {"tool_version", GEMMTUNE_VERSION},
              {"git_rev", build_git_rev()},
              {"nvrtc_version", build.nvrtc_version},
              {"arch", build.arch},
              // NOTE: the serving constraints (src/sweep/README.md "Serving"): every kernel's
              // num_sms is at most `sms` (null: the tuning GPU's count), and a batch-invariant
              // bundle holds only kernels that keep each row of D independent of M and config.
              {"sms", table.env.serving.sms ? Json(*table.env.serving.sms) : Json()},
              {"batch_invariant", table.env.serving.batch_invariant},
              {"table",
               {{"tool_version", env_field(table, "tool_version")},
                {"git_rev", env_field(table, "git_rev")},
                {"command", env_field(table, "command")},
                {"gpu", table.env.gpu_name},
                {"driver", table.env.driver},
                {"cuda_runtime", table.env.cuda_runtime},
                {"nvrtc", table.env.nvrtc},
                {"timing_mode", table.env.timing_mode}}},
              {"selection_rule", kSelectionRule},
              {"workspace_rule", kWorkspaceRule},
              {"headers", Json::array({"gemmtune_bundle.h", "gemmtune_bundle_cubins.h",
                                       kSm90Fp8Gemm1d2d.bundle_header, kSm90Fp8Gemm1d2d.launch_header,
                                       "gemmtune_params.h"})},
              {"kernels", std::move(kernel_list)},
              // The C library's conversion of DeepGEMM's contiguous layout (null: not bundled).
              {"deepgemm_layout_cubin",
               build.deepgemm_layout_cubin.empty() ? Json() : Json(kDeepgemmLayoutCubin)},
              {"entries", std::move(entry_list)},
              {"grouped_selection_rule", kGroupedSelectionRule},
              {"grouped_entries", std::move(grouped_list)}};
}

std::vector<BundleFile> export_bundle(const TuningTable& table, const std::vector<BundleKernel>& kernels,
                                      const BundleBuild& build) {
  const std::vector<KernelConfig> configs = bundle_configs(table);
  GT_CHECK(kernels.size() == configs.size(), kExitUsage,
           fmt::format("bundle: {} kernels for {} configs", kernels.size(), configs.size()));
  for (size_t i = 0; i < configs.size(); ++i) {
    GT_CHECK(kernels[i].config == configs[i] && !kernels[i].cubin.empty(), kExitUsage,
             "bundle: kernel " + std::to_string(i) + " is not a compiled " + to_string(configs[i]));
  }
  std::vector<BundleFile> files = {
      {"gemmtune_bundle.h", bundle_header(table, kernels, build)},
      {"gemmtune_bundle_cubins.h", bundle_cubins_header(kernels)},
      {std::string(kSm90Fp8Gemm1d2d.bundle_header), build.dispatcher_header},
      {std::string(kSm90Fp8Gemm1d2d.launch_header), build.launch_header},
      {"gemmtune_params.h", build.params_header},
      {"manifest.json",
       bundle_manifest(table, kernels, build).dump(2, ' ', false, Json::error_handler_t::replace) + "\n"},
  };
  for (const BundleKernel& k : kernels) {
    files.push_back({cubin_path(k.config), std::string(k.cubin.begin(), k.cubin.end())});
  }
  if (!build.deepgemm_layout_cubin.empty()) {
    files.push_back({kDeepgemmLayoutCubin, std::string(build.deepgemm_layout_cubin.begin(),
                                                       build.deepgemm_layout_cubin.end())});
  }
  // What a Python or C caller builds the bundle's shared library from, and the Python module
  // (src/report/README.md "From Python").
  for (const EmbeddedFile& f : embedded_bundle_files()) {
    files.push_back({std::string(f.name), std::string(f.contents)});
  }
  return files;
}

}  // namespace gemmtune::report
