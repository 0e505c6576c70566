// `gemmtune export TABLE --format json|csv|cpp|cublaslt [-o FILE]` and
// `gemmtune export TABLE --format bundle --out DIR [-j N]`.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/exit_codes.hpp"
#include "core/kernel_family.hpp"
#include "jit/embedded_files.hpp"
#include "jit/compiler.hpp"
#include "jit/fnv1a.hpp"
#include "jit/kernel_build.hpp"
#include "jit/kernel_cache.hpp"
#include "report/export.hpp"
#include "report/export_bundle.hpp"

namespace gemmtune::cli {
namespace {

/// The embedded copy of kernels/`name` (the bundle carries three of them).
std::string kernel_file(std::string_view name) {
  for (const jit::EmbeddedFile& file : jit::embedded_kernel_files()) {
    if (file.name == name) return std::string(file.contents);
  }
  throw Error(kExitUsage, "kernels/" + std::string(name) + " is not embedded in this binary");
}

/// The DeepGEMM-layout conversion kernel (kernels/sm90_fp8_gemm_1d2d_deepgemm_layout.cuh)
/// compiled for sm_90a, or found in the kernel cache.
std::vector<char> deepgemm_layout_cubin() {
  const jit::CompileResult r = jit::compile(
      {.kernel_name = report::kDeepgemmLayoutSymbol,
       .source = "#include \"sm90_fp8_gemm_1d2d_deepgemm_layout.cuh\"\n"});
  if (!r.ok) {
    throw Error(kExitCudaError, "bundle: the DeepGEMM-layout conversion did not compile:\n" + r.log);
  }
  return r.cubin;
}

/// Compiles the table's configs (or finds them in the cache) and writes the bundle into `dir`,
/// which appears whole or not at all (core/atomic_file.hpp).
void export_bundle_folder(const report::TuningTable& table, const std::filesystem::path& dir,
                          int jobs) {
  // NOTE: the output folder is checked before anything is compiled; cubins of an earlier bundle
  // never mix with these, since the folder is replaced whole.
  jit::require_shipped_kernels("export --format bundle");
  StagedFolder out(dir, "bundle", "--out");
  const std::vector<KernelConfig> configs = report::bundle_configs(table);
  // NOTE: a warning, not an error: at their tuned rows these entries measured fastest; only
  // calls at other rows risk the extra wave (src/sweep/README.md "Budgets").
  if (const std::vector<std::string> fitted = report::fitted_grid_entries(table); !fitted.empty()) {
    spdlog::warn("bundle: {} grouped entr{} run on fewer SMs than the table's budget (first: {}): "
                 "grids fitted to the tiles of their tuned rows, so calls at other rows can take "
                 "a wave more; for a bundle that serves many row counts, sweep with "
                 "--skip-whole-waves-twins",
                 fitted.size(), fitted.size() == 1 ? "y" : "ies", one_line(fitted.front()));
  }
  spdlog::info("bundle: compiling {} kernel(s), cache {}", configs.size(), jit::cache_dir().string());
  const std::vector<jit::CompileResult> results = jit::build_kernels(configs, jobs);
  std::vector<report::BundleKernel> kernels;
  for (size_t i = 0; i < results.size(); ++i) {
    const jit::CompileResult& r = results[i];
    if (!r.ok) {
      throw Error(kExitCudaError, "bundle: " + to_string(configs[i]) + " did not compile:\n" + r.log);
    }
    const bool ptxas = r.ptxas.found();
    kernels.push_back({.config = configs[i],
                       .symbol = r.kernel_name,
                       .cubin = r.cubin,
                       .cubin_fnv1a64 = jit::fnv1a64_hex(std::string_view(r.cubin.data(), r.cubin.size())),
                       .registers = ptxas ? r.ptxas.registers : -1,
                       .spill_bytes = ptxas ? r.ptxas.spill_store_bytes + r.ptxas.spill_load_bytes : -1});
  }
  const report::BundleBuild build{.nvrtc_version = jit::nvrtc_version(),
                                  .params_header = kernel_file("gemmtune_params.h"),
                                  .launch_header = kernel_file(kSm90Fp8Gemm1d2d.launch_header),
                                  .dispatcher_header = kernel_file(kSm90Fp8Gemm1d2d.bundle_header),
                                  .deepgemm_layout_cubin = deepgemm_layout_cubin()};
  const std::vector<report::BundleFile> files = report::export_bundle(table, kernels, build);
  for (const report::BundleFile& file : files) (void)out.write(file.path, file.contents);
  out.commit();
  spdlog::info("bundle: {} kernel(s), {} file(s) in {}", kernels.size(), files.size(), dir.string());
}

}  // namespace

void register_export(CLI::App& root, int& exit_code) {
  struct ExportArgs {
    std::string table, format, out, out_dir;
    int jobs = 0;
  };
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = root.add_subcommand(
      "export", "Write a tuning table as JSON, CSV, a C++17 header, cuBLASLt algorithm records or "
                "a bundle of compiled kernels with a driver-API dispatcher");
  cmd->add_option("TABLE", args->table, "tuning_table.json or run folder")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--format", args->format,
                  "json (canonical table), csv (a row per N,K,M), cpp (header with select(m, n, "
                  "k)), cublaslt (best cuBLASLt algorithm per shape), bundle (cubins, manifest and "
                  "a header-only dispatcher needing only libcuda; needs --out DIR)")
      ->required()
      ->check(CLI::IsMember({"json", "csv", "cpp", "cublaslt", "bundle"}));
  cmd->add_option("-o,--output", args->out, "write to FILE instead of stdout (not with bundle)");
  cmd->add_option("--out", args->out_dir, "bundle: the folder to write: new, empty, or an earlier bundle's (replaced whole)");
  cmd->add_option("-j,--jobs", args->jobs,
                  "bundle: compile threads (0 = every core this process may run on)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &exit_code] {
    const report::TuningTable table = report::load_tuning_table(args->table);
    if (args->format == "bundle") {
      if (args->out_dir.empty()) throw Error(kExitUsage, "--format bundle needs --out DIR");
      if (!args->out.empty()) throw Error(kExitUsage, "--format bundle writes a folder: use --out DIR, not -o");
      export_bundle_folder(table, args->out_dir, args->jobs);
    } else {
      if (!args->out_dir.empty()) throw Error(kExitUsage, "--out DIR is for --format bundle; use -o FILE");
      emit_output(report::export_table(table, *report::parse_export_format(args->format)), args->out);
    }
    exit_code = kExitOk;
  });
}

}  // namespace gemmtune::cli
