#pragma once
/// Loading and launching one compiled member of the sm90_fp8_gemm_1d2d family: tensor maps
/// (cuTensorMapEncodeTiled), split-K workspace, cuLaunchKernelEx with the cluster dimension.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/kernel_config.hpp"
#include "core/smem_layout.hpp"
#include "kernels/gemmtune_params.h"

namespace gemmtune::runtime {

/// Device pointers of one problem, in the layouts of README "The operation".
struct GemmOperands {
  const void* a = nullptr;   ///< e4m3 [m][k]
  const void* b = nullptr;   ///< e4m3 [n][k]
  const float* sa = nullptr; ///< fp32 [ceil(k/128)][roundup(m, 4)]
  const float* sb = nullptr; ///< fp32 [ceil(n/128)][sb_leading_dim(k)]
  void* d = nullptr;         ///< bf16 [m][n]
  int64_t m = 0, n = 0, k = 0;
};

/// A CUtensorMap's bytes (the driver type is 64 B aligned, 128 B large).
struct alignas(64) TensorMapBytes {
  uint64_t opaque[16];
};

/// A kernel module loaded into the current context. Move-only; unloads in the destructor.
class GemmKernel {
 public:
  /// Loads `cubin` and looks up `kernel_name`; sets the dynamic shared-memory limit.
  GemmKernel(const KernelConfig& config, const std::vector<char>& cubin,
             const std::string& kernel_name);
  ~GemmKernel();
  GemmKernel(GemmKernel&&) noexcept;
  GemmKernel& operator=(GemmKernel&&) = delete;
  GemmKernel(const GemmKernel&) = delete;
  GemmKernel& operator=(const GemmKernel&) = delete;

  [[nodiscard]] const KernelConfig& config() const { return config_; }
  [[nodiscard]] void* function() const { return function_; }
  /// Clusters of this kernel that can be resident at once (cuOccupancyMaxActiveClusters); a
  /// persistent grid larger than twice this runs in two waves.
  [[nodiscard]] int max_active_clusters() const;

 private:
  KernelConfig config_;
  void* module_ = nullptr;    // CUmodule
  void* function_ = nullptr;  // CUfunction
};

/// Everything one launch needs, prepared once per problem so timed launches only enqueue.
class PreparedGemm {
 public:
  /// Encodes the tensor maps and allocates the split-K workspace (counters zeroed).
  PreparedGemm(const GemmKernel& kernel, const GemmOperands& operands);
  ~PreparedGemm();
  PreparedGemm(const PreparedGemm&) = delete;
  PreparedGemm& operator=(const PreparedGemm&) = delete;

  /// Enqueues the kernel on `stream`. Throws gemmtune::Error on a launch error.
  void launch(cudaStream_t stream) const;

 private:
  const GemmKernel& kernel_;
  TensorMapBytes tmap_a_{}, tmap_b_{}, tmap_sa_{}, tmap_d_{};
  GemmtuneGemmParams params_{};
  void* workspace_ = nullptr;  // split-K partials then tile counters
};

}  // namespace gemmtune::runtime
