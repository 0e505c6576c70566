#pragma once
// Shared by the GPU tests: the skip rule and small helpers. Every GPU test starts with
// GT_SKIP_WITHOUT_GPU(), so ctest reports it Skipped (never Passed) on machines without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/support_inputs.hpp"
#include "runtime/support_reference.hpp"

#define GT_SKIP_WITHOUT_GPU()                                                      \
  do {                                                                             \
    std::string gt_why_;                                                           \
    if (!::gemmtune::gpu_available(&gt_why_)) GTEST_SKIP() << "no CUDA GPU: " << gt_why_; \
  } while (0)

namespace gemmtune::testing {

/// Generated inputs, an output buffer D ([m_pad4][n] bf16) and the dequantized FP32 reference.
struct Problem {
  GemmInputs inputs;
  DeviceBuffer d;
  DeviceBuffer reference;  // fp32 [m][n]
};

inline Problem make_problem(int m, int n, int k, uint64_t seed, cudaStream_t stream, bool keep_unquantized = false) {
  Problem p{.inputs = generate_inputs(m, n, k, InputOptions{.seed = seed, .keep_unquantized = keep_unquantized}, stream),
            .d = {}, .reference = {}};
  p.d = DeviceBuffer(p.inputs.output_bytes());
  p.reference = DeviceBuffer(static_cast<size_t>(m) * n * sizeof(float));
  run_reference_dequantized(p.inputs.operands(), p.reference.as<float>(), stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return p;
}

/// diff (DeepGEMM's metric) and max relative error (floored at 0.1 x RMS) of fp32 values
/// against float64 ones.
struct FloatComparison {
  double diff = 0.0;
  double max_rel_err = 0.0;
};

inline FloatComparison compare_floats(const std::vector<float>& x, const std::vector<double>& y) {
  double xy = 0.0, xx = 0.0, yy = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    xy += x[i] * y[i];
    xx += static_cast<double>(x[i]) * x[i];
    yy += y[i] * y[i];
  }
  const double floor = 0.1 * std::sqrt(yy / static_cast<double>(y.size()));
  FloatComparison c{.diff = 1.0 - 2.0 * xy / (xx + yy), .max_rel_err = 0.0};
  for (size_t i = 0; i < y.size(); ++i) {
    c.max_rel_err = std::max(c.max_rel_err, std::abs(x[i] - y[i]) / std::max(std::abs(y[i]), floor));
  }
  return c;
}

}  // namespace gemmtune::testing
