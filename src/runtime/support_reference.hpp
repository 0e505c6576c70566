#pragma once
/// Host wrappers of the FP32 reference GEMMs (kernels/support_reference.cuh). Both write
/// D_ref fp32 [m][n] row-major and are asynchronous on `stream`.
#include <cuda_runtime_api.h>

#include "runtime/support_inputs.hpp"

namespace gemmtune {

/// The dequantized reference: the exact math of the tuned kernel in fp32 (validation baseline).
/// `d_ref` holds m * n floats. Runs ~2 * M * N * K / (10+ TFLOP/s) (about a second at
/// 16384 x 36864 x 7168 on an H200, not measured).
void run_reference_dequantized(const GemmOperands& operands, float* d_ref, cudaStream_t stream);

/// The unquantized reference X_A * X_B^T; needs inputs generated with keep_unquantized.
void run_reference_unquantized(const GemmInputs& inputs, float* d_ref, cudaStream_t stream);

}  // namespace gemmtune
