#pragma once
/// Building members of the sm90_fp8_gemm_1d2d family: code generation plus the cached NVRTC
/// compile, one call per config. Needs NVRTC only.
#include <string_view>
#include <vector>

#include "core/kernel_config.hpp"
#include "jit/compiler.hpp"

namespace gemmtune::jit {

/// Throws Error(kExitUsage) naming `what` where GEMMTUNE_KERNEL_DEFINES is set: tables and
/// bundles are built from the shipped kernels only (src/jit/README.md "Kernel defines").
void require_shipped_kernels(std::string_view what);

/// The generated request for `config` (kernel symbol `sm90_fp8_gemm_1d2d_<config>`).
[[nodiscard]] CompileRequest kernel_request(const KernelConfig& config);

/// Compiles (or loads from the disk cache) the kernel of `config`; failure is a value.
[[nodiscard]] CompileResult build_kernel(const KernelConfig& config);

/// Builds many configs on `jobs` threads (0 = core_count()); results in input order.
[[nodiscard]] std::vector<CompileResult> build_kernels(const std::vector<KernelConfig>& configs,
                                                       int jobs);

/// Tallies of a batch of builds, for one-line summaries.
struct BuildCounts {
  int failed = 0;       ///< did not compile
  int spilled = 0;      ///< compiled with spill stores or loads
  int advised = 0;      ///< compiled with ptxas advisories (e.g. an injected warpgroup.wait)
  int cache_hits = 0;   ///< loaded from the disk cache
};
[[nodiscard]] BuildCounts count_builds(const std::vector<CompileResult>& results);

}  // namespace gemmtune::jit
