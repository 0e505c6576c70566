#pragma once
/// The kernel family descriptor: the one place that names a family's files and symbols, so that
/// one grep of its stem finds every layer that is specific to it (STYLE.md "One name per
/// family"). The family's legality is core/legality.*, its cost model core/cost_model.*, its code
/// generation jit/codegen_<stem>.*, its launcher kernels/<stem>_launch.h (used by runtime and
/// exported bundles alike); each of those files carries the stem in its name.
#include <string>
#include <string_view>

#include "core/kernel_config.hpp"

namespace gemmtune {

/// What identifies one kernel family in every layer.
struct KernelFamily {
  std::string_view stem;              ///< kernel symbol prefix, NVTX names, bundle "family"
  std::string_view kernel_header;     ///< kernels/: the kernel template NVRTC compiles
  std::string_view launch_header;     ///< kernels/: the host launcher the runtime and bundles use
  std::string_view bundle_header;     ///< kernels/: the exported bundle's dispatcher

  /// The extern "C" symbol of `config`'s kernel: `<stem>_<config text>`, what Nsight shows.
  [[nodiscard]] std::string kernel_name(const KernelConfig& config) const {
    return std::string(stem) + "_" + to_string(config);
  }
  /// The same from a config's canonical text.
  [[nodiscard]] std::string kernel_name(std::string_view config_text) const {
    return std::string(stem) + "_" + std::string(config_text);
  }
};

/// gemmtune's FP8 block-scaled GEMM family for Hopper (kernels/README.md "The kernel family").
inline constexpr KernelFamily kSm90Fp8Gemm1d2d{
    .stem = "sm90_fp8_gemm_1d2d",
    .kernel_header = "sm90_fp8_gemm_1d2d.cuh",
    .launch_header = "sm90_fp8_gemm_1d2d_launch.h",
    .bundle_header = "sm90_fp8_gemm_1d2d_bundle.h",
};

}  // namespace gemmtune
