#pragma once
/// KernelConfig -> the launch facts of kernels/sm90_fp8_gemm_1d2d_launch.h. Header-only, so the
/// NVRTC tests (no runtime library) check it against exported bundles and the legality model.
#include "core/kernel_config.hpp"
#include "core/smem_layout.hpp"
#include "jit/codegen_sm90_fp8_gemm_1d2d.hpp"
#include "kernels/sm90_fp8_gemm_1d2d_launch.h"

namespace gemmtune {

static_assert(sm90_fp8_gemm_1d2d::kSbBoxFloats == kSbRunFloats,
              "the launch header's sB box differs from core/smem_layout.hpp");

/// The launch facts of `config`: its knobs plus threads, dynamic shared memory and D swizzle as
/// core/kernel_config.hpp and core/smem_layout.hpp compute them (exported bundles bake the
/// same numbers: report/export_bundle_header.cpp, checked by the NVRTC test BundleExport.*).
[[nodiscard]] inline sm90_fp8_gemm_1d2d::KernelFacts launch_facts(const KernelConfig& c) {
  using sm90_fp8_gemm_1d2d::Multicast;
  const Multicast multicast = c.multicast == gemmtune::Multicast::kA   ? Multicast::kA
                              : c.multicast == gemmtune::Multicast::kB ? Multicast::kB
                                                                       : Multicast::kNone;
  return sm90_fp8_gemm_1d2d::KernelFacts{
      .block_m = c.block_m,
      .block_n = c.block_n,
      .multicast = multicast,
      .split_k = c.split_k,
      .num_sms = c.num_sms,
      .threads = c.threads(),
      .smem_bytes = static_cast<int32_t>(smem_layout(c).total_bytes),
      .d_swizzle_bytes = d_swizzle_bytes(c.block_n),
      .layout = static_cast<sm90_fp8_gemm_1d2d::GroupLayout>(jit::group_layout_code(c.layout)),
      .fixed_k = c.fixed_k,
      .cluster_size = c.cluster_size()};
}

}  // namespace gemmtune
