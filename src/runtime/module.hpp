#pragma once
/// A cubin loaded with the driver API (cuModuleLoadData) and launches of its kernels
/// (cuLaunchKernelEx, with thread-block clusters when asked).
#include <cuda.h>
#include <cuda_runtime_api.h>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gemmtune {

/// One __global__ function of a loaded Module (valid while the Module lives).
struct Kernel {
  CUfunction function = nullptr;
  std::string name;

  /// Allows up to `smem_bytes` of dynamic shared memory (needed above 48 KiB).
  void set_max_dynamic_smem(int smem_bytes) const;
  /// cuFuncGetAttribute, e.g. CU_FUNC_ATTRIBUTE_NUM_REGS.
  [[nodiscard]] int attribute(CUfunction_attribute attribute) const;
};

/// Grid, block, dynamic shared memory and cluster size of one launch.
struct LaunchShape {
  dim3 grid{1, 1, 1};
  dim3 block{1, 1, 1};
  unsigned int smem_bytes = 0;
  unsigned int cluster_x = 1;  ///< CTAs per cluster along x; 1 launches without clusters
};

/// Launches `kernel` with cuLaunchKernelEx; `args` points to one pointer per kernel parameter.
/// Logs the kernel name at trace level first, so a hang names its culprit.
void launch_kernel_args(const Kernel& kernel, const LaunchShape& shape, cudaStream_t stream, void** args);

/// Launches a kernel taking one by-value struct `params` (every gemmtune kernel does).
template <typename Params>
void launch_kernel(const Kernel& kernel, const LaunchShape& shape, cudaStream_t stream, const Params& params) {
  static_assert(!std::is_pointer_v<Params>, "pass the parameter struct itself, not its address");
  void* args[] = {const_cast<void*>(static_cast<const void*>(&params))};
  launch_kernel_args(kernel, shape, stream, args);
}

/// A loaded module. Move-only; the destructor unloads it and never throws.
class Module {
 public:
  Module() = default;
  /// Loads `cubin` into the primary context of cudart's current device. `name` is for messages.
  Module(const std::vector<char>& cubin, std::string name);
  ~Module();
  Module(Module&& other) noexcept
      : module_(std::exchange(other.module_, nullptr)), name_(std::move(other.name_)) {}
  Module& operator=(Module&& other) noexcept {
    std::swap(module_, other.module_);
    std::swap(name_, other.name_);
    return *this;
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The kernel called `kernel_name` (extern "C" symbol). Throws if the module has none.
  [[nodiscard]] Kernel kernel(const std::string& kernel_name) const;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  CUmodule module_ = nullptr;
  std::string name_;
};

}  // namespace gemmtune
