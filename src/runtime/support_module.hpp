#pragma once
/// The support kernels (kernels/support_*.cuh: input generation, FP32 references, comparison,
/// timing spin, stream floor), compiled once per process through jit::compile and loaded once per device.
#include "runtime/module.hpp"

namespace gemmtune {

struct SupportKernels {
  Module module;
  Kernel quantize;
  Kernel reference_dequantized;
  Kernel reference_f32;
  Kernel compare;
  Kernel to_bf16;
  Kernel spin;
  Kernel clock_probe;
  Kernel stream_read_ldg;
  Kernel stream_read_bulk;
};

/// The support kernels of cudart's current device (compiled and loaded on first use; thread-safe).
/// Throws Error(kExitCudaError) with the compiler log if they do not compile (a bug).
[[nodiscard]] const SupportKernels& support_kernels();

}  // namespace gemmtune
