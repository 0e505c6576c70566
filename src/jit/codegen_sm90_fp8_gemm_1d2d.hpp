#pragma once
/// Code generation for the sm90_fp8_gemm_1d2d kernel family: one small translation unit per
/// KernelConfig that instantiates kernels/sm90_fp8_gemm_1d2d.cuh. Needs no CUDA library.
#include <string>

#include "core/kernel_config.hpp"
#include "core/kernel_family.hpp"

namespace gemmtune::jit {

/// The kernel's kGroupLayout for `layout` (0 dense, 1 contiguous, 2 masked): the values of the
/// launch header's GroupLayout too (runtime/launch_facts.hpp).
[[nodiscard]] constexpr int group_layout_code(GroupLayout layout) {
  return layout == GroupLayout::kContiguous ? 1 : layout == GroupLayout::kMasked ? 2 : 0;
}

/// A generated source and the extern "C" symbol of its kernel.
struct GeneratedKernel {
  std::string kernel_name;  ///< `sm90_fp8_gemm_1d2d_<config string>`, what Nsight shows
  std::string source;
};

/// Generates the translation unit for `config`. The config must be legal (core/legality).
[[nodiscard]] GeneratedKernel generate_sm90_fp8_gemm_1d2d(const KernelConfig& config);

/// The inline-PTX wrapper of `wgmma.mma_async m64n{block_n}k32 f32.e4m3.e4m3` as source text.
/// Generated because the instruction takes block_n / 2 accumulator registers as operands.
[[nodiscard]] std::string generate_wgmma_wrapper(int block_n);

}  // namespace gemmtune::jit
