#pragma once
/// `gemmtune export TABLE --format bundle --out DIR`: the table's selected kernels compiled, with
/// a header-only C++17 dispatcher that needs only the CUDA driver API
/// (src/report/README.md "Bundle"). This file writes the folder's text; compiling the kernels
/// is the JIT's job (the CLI passes the cubins in), so it builds and is tested without NVRTC.
///
/// The folder:
///   gemmtune_bundle.h             generated: provenance, the kernel and entry tables, `Bundle`
///   gemmtune_bundle_cubins.h      generated: the cubins as byte arrays (`kCubins`), optional
///   sm90_fp8_gemm_1d2d_bundle.h   copied from kernels/: the dispatcher (selection, load, gemm)
///   sm90_fp8_gemm_1d2d_launch.h   copied from kernels/: tensor maps, params, workspace, launch
///   gemmtune_params.h             copied from kernels/: the kernel's parameter struct
///   manifest.json                 `gemmtune.bundle/1`: versions, GPU, per-kernel facts, hashes
///   cubins/<config>.cubin         one per kernel, for loading from the folder
///   gemmtune_bundle_capi.{h,cpp}  from src/report/bundle/: a C ABI over the dispatcher
///   build.sh                      builds it into libgemmtune_bundle.so (C++17, libcuda only)
///   gemmtune_bundle.py            the Python module over that library (ctypes), with the
///   gemmtune_bundle_*.py          modules it imports from the folder (arguments, plans, library)
#include <string>
#include <vector>

#include "core/kernel_config.hpp"
#include "report/json_fields.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::report {

/// Schema of manifest.json.
inline constexpr const char* kBundleSchema = "gemmtune.bundle/1";

/// One compiled kernel of the bundle.
struct BundleKernel {
  KernelConfig config;
  std::string symbol;          ///< the extern "C" kernel name in the cubin
  std::vector<char> cubin;
  std::string cubin_fnv1a64;   ///< 16 hex digits, the checksum the kernel cache stores
  int registers = -1;          ///< per thread, from ptxas (-1: unknown)
  int spill_bytes = -1;        ///< spill stores + loads, from ptxas (-1: unknown)
};

/// What the bundle was built with, and the kernels/ headers it carries.
struct BundleBuild {
  std::string nvrtc_version;
  std::string arch = "sm_90a";
  std::string params_header;      ///< kernels/gemmtune_params.h
  std::string launch_header;      ///< kernels/sm90_fp8_gemm_1d2d_launch.h
  std::string dispatcher_header;  ///< kernels/sm90_fp8_gemm_1d2d_bundle.h
  /// The compiled kernels/sm90_fp8_gemm_1d2d_deepgemm_layout.cuh (kDeepgemmLayoutCubin): the
  /// C library's one-launch conversion of DeepGEMM's contiguous layout; none: not in the bundle.
  std::vector<char> deepgemm_layout_cubin;
};

/// Where a bundle keeps the DeepGEMM-layout conversion's cubin (BundleBuild::deepgemm_layout_cubin),
/// and that kernel's symbol.
inline constexpr const char* kDeepgemmLayoutCubin = "cubins/deepgemm_layout.cubin";
inline constexpr const char* kDeepgemmLayoutSymbol = "gemmtune_deepgemm_contiguous_layout";

/// One file of the bundle folder, its path relative to the folder.
struct BundleFile {
  std::string path;
  std::string contents;
};

/// The distinct configs of the table's entries, sorted by name: what the bundle compiles, in
/// the order the kernels must be passed to export_bundle. Throws kExitUsage for a table with no
/// config or one that does not parse.
[[nodiscard]] std::vector<KernelConfig> bundle_configs(const TuningTable& table);

/// The grouped entries whose kernel runs on fewer SMs than the table's SM budget (its `--sms`,
/// else the tuning GPU's count), one "label, R rows: config" each: whole-waves twins, whose grid
/// fits the tiles of the rows they were tuned at (src/sweep/README.md "Budgets"). The
/// bundle serves calls of other rows from them, which can take a wave more there.
[[nodiscard]] std::vector<std::string> fitted_grid_entries(const TuningTable& table);

/// A string member of the table's raw env (tool_version, git_rev, command); "" when absent.
[[nodiscard]] std::string env_field(const TuningTable& table, const std::string& key);

/// manifest.json's object.
[[nodiscard]] Json bundle_manifest(const TuningTable& table, const std::vector<BundleKernel>& kernels,
                                   const BundleBuild& build);

/// gemmtune_bundle.h: the dispatcher's tables and `gemmtune_bundle::Bundle`.
[[nodiscard]] std::string bundle_header(const TuningTable& table,
                                        const std::vector<BundleKernel>& kernels,
                                        const BundleBuild& build);

/// gemmtune_bundle_cubins.h: every cubin as an aligned byte array, and `kCubins` in table order.
[[nodiscard]] std::string bundle_cubins_header(const std::vector<BundleKernel>& kernels);

/// Every file of the folder. `kernels` must be bundle_configs(table), in order (else throws
/// kExitUsage).
[[nodiscard]] std::vector<BundleFile> export_bundle(const TuningTable& table,
                                                    const std::vector<BundleKernel>& kernels,
                                                    const BundleBuild& build);

}  // namespace gemmtune::report
