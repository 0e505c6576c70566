#pragma once
/// Loading and launching one compiled member of the sm90_fp8_gemm_1d2d family. Tensor maps,
/// parameters, split-K workspace layout and launch shape come from
/// kernels/sm90_fp8_gemm_1d2d_launch.h, the header exported bundles launch through too.
#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "core/kernel_config.hpp"
#include "kernels/sm90_fp8_gemm_1d2d_launch.h"
#include "runtime/cuda_handles.hpp"
#include "runtime/launch_facts.hpp"
#include "runtime/module.hpp"
#include "runtime/support_inputs.hpp"

namespace gemmtune {

/// One config's kernel, loaded into the current context with its shared-memory limit set.
class GemmKernel {
 public:
  GemmKernel(const KernelConfig& config, const std::vector<char>& cubin,
             const std::string& kernel_name);

  [[nodiscard]] const KernelConfig& config() const { return config_; }
  [[nodiscard]] const sm90_fp8_gemm_1d2d::KernelFacts& facts() const { return facts_; }
  [[nodiscard]] const Kernel& kernel() const { return kernel_; }
  /// Grid, block, dynamic shared memory and cluster size of every launch of this config.
  [[nodiscard]] LaunchShape launch_shape() const;

 private:
  KernelConfig config_;
  sm90_fp8_gemm_1d2d::KernelFacts facts_;
  Module module_;
  Kernel kernel_;
};

/// Everything one launch needs, prepared once per problem so timed launches only enqueue.
class PreparedGemm {
 public:
  /// Encodes the tensor maps for `operands` writing bf16 D (`d`, [m_pad4][n]) and allocates the
  /// split-K workspace with its tile counters zeroed. `kernel` must outlive this object.
  PreparedGemm(const GemmKernel& kernel, const GemmOperands& operands, void* d);
  /// The same for a problem given in the launch header's terms (grouped problems: group fields
  /// set, kernels/README.md "Grouped GEMMs").
  PreparedGemm(const GemmKernel& kernel, const sm90_fp8_gemm_1d2d::Problem& problem);

  /// Enqueues the kernel on `stream`, started as `order` says (kOverlapPrevious: programmatic
  /// dependent launch, kernels/README.md "Overlapped launches"). Throws gemmtune::Error on a launch
  /// error.
  void launch(cudaStream_t stream, sm90_fp8_gemm_1d2d::LaunchOrder order =
                                       sm90_fp8_gemm_1d2d::LaunchOrder::kAfterPrevious) const;

 private:
  const GemmKernel& kernel_;
  sm90_fp8_gemm_1d2d::EncodedLaunch args_{};
  DeviceBuffer workspace_;  // split-K: tile counters, then partials (workspace_layout)
};

}  // namespace gemmtune
