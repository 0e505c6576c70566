#pragma once
/// The translation unit of the support kernels (kernels/support_*.cuh) as a JIT request. Header
/// only and free of CUDA runtime dependencies, so the NVRTC tests compile exactly what the
/// runtime loads.
#include <string>

#include "jit/compiler.hpp"

namespace gemmtune {

/// Symbols of the support module, one per extern "C" __global__ function.
inline constexpr const char* kSupportQuantizeKernel = "support_inputs_quantize";
inline constexpr const char* kSupportReferenceDequantizedKernel = "support_reference_gemm_dequantized";
inline constexpr const char* kSupportReferenceF32Kernel = "support_reference_gemm_f32";
inline constexpr const char* kSupportCompareKernel = "support_compare";
inline constexpr const char* kSupportToBf16Kernel = "support_compare_to_bf16";
inline constexpr const char* kSupportSpinKernel = "support_timing_spin";
inline constexpr const char* kSupportClockProbeKernel = "support_timing_clock_probe";
inline constexpr const char* kSupportStreamReadLdgKernel = "support_stream_read_ldg";
inline constexpr const char* kSupportStreamReadBulkKernel = "support_stream_read_bulk";

/// The request compiling every support kernel into one module for `arch` (e.g. "sm_90").
/// The ptxas report names the reference GEMM, the only support kernel whose speed matters.
[[nodiscard]] inline jit::CompileRequest support_compile_request(const std::string& arch) {
  return jit::CompileRequest{.kernel_name = kSupportReferenceDequantizedKernel,
                             .source = "// gemmtune support kernels: inputs, references, comparison, timing, streams.\n"
                                       "#include \"support_inputs.cuh\"\n"
                                       "#include \"support_reference.cuh\"\n"
                                       "#include \"support_compare.cuh\"\n"
                                       "#include \"support_timing.cuh\"\n"
                                       "#include \"support_stream.cuh\"\n",
                             .arch = arch,
                             .extra_options = {}};
}

}  // namespace gemmtune
