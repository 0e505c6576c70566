#pragma once
/// Output poisoning and the device comparison of an output with a reference
/// (kernels/support_compare.cuh); the metrics and pass rules are in core/validation_metrics.hpp.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/validation_metrics.hpp"

namespace gemmtune {

/// Fills `bytes` of an output with 0xFF (every bf16 becomes kGemmtunePoisonBf16, a NaN), so that
/// elements a kernel fails to write are counted as non-finite. Do it before every validated launch.
void poison_output(void* d, size_t bytes, cudaStream_t stream);

/// Compares D (bf16 bits, [m][n] row-major) with an fp32 reference [m][n] in two device passes
/// (sums, then max relative error against the floor they give). Synchronizes `stream`.
[[nodiscard]] ValidationMetrics compare_output(const uint16_t* d, const float* reference, int64_t m, int64_t n,
                                               cudaStream_t stream);
/// Same with a bf16 reference (e.g. another implementation's output).
[[nodiscard]] ValidationMetrics compare_output_bf16(const uint16_t* d, const uint16_t* reference, int64_t m,
                                                    int64_t n, cudaStream_t stream);

/// dst[i] = bf16_rn(src[i]) for i < count, asynchronous.
void round_to_bf16(const float* src, uint16_t* dst, int64_t count, cudaStream_t stream);

}  // namespace gemmtune
