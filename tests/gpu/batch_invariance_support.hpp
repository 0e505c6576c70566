// Shared by the BatchInvariance GPU tests (batch_invariance_test.cpp, dense entries;
// batch_invariance_grouped_test.cpp, grouped entries): the table under test, this GPU's limits,
// the bitwise row comparison, kernel builds and the report file.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/json_input.hpp"
#include "core/legality.hpp"
#include "core/number_formats.hpp"
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"

namespace gemmtune {

/// bf16 all-ones: a NaN no kernel writes for these finite inputs.
inline constexpr uint16_t kInvariancePoison = 0xffff;

inline std::string invariance_table_path() {
  const char* env = std::getenv("GEMMTUNE_INVARIANCE_TABLE");
  const std::string path = env != nullptr && *env != '\0'
                               ? std::string(env)
                               : std::string("results/h200-dense/tuning_table.json");
  return resolve_input_path(path);
}

/// This GPU's limits for the legality model.
inline DeviceLimits current_device_limits() {
  int device = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  GT_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return {.sm_count = prop.multiProcessorCount,
          .smem_per_block_bytes = static_cast<int64_t>(prop.sharedMemPerBlockOptin),
          .device_memory_bytes = static_cast<int64_t>(prop.totalGlobalMem)};
}

/// Rows of `x` and `y` (bf16 [rows][n]) whose bits differ, and the largest absolute difference.
inline std::pair<int64_t, double> compare_invariance_rows(const uint16_t* x, const uint16_t* y,
                                                          int64_t rows, int64_t n) {
  int64_t differing = 0;
  double max_diff = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    bool row_differs = false;
    for (int64_t c = 0; c < n; ++c) {
      const size_t i = static_cast<size_t>(r) * static_cast<size_t>(n) + static_cast<size_t>(c);
      if (x[i] == y[i]) continue;
      row_differs = true;
      const float a = bf16_to_float(x[i]), b = bf16_to_float(y[i]);
      const double diff = std::isnan(a) || std::isnan(b)
                              ? std::numeric_limits<double>::infinity()
                              : std::abs(static_cast<double>(a) - static_cast<double>(b));
      max_diff = std::max(max_diff, diff);
    }
    differing += row_differs ? 1 : 0;
  }
  return {differing, max_diff};
}

inline KernelConfig parse_invariance_config(const std::string& text) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
  if (!config) throw std::runtime_error(text + ": " + error);
  return *config;
}

inline void add_invariance_config(std::vector<KernelConfig>& configs, const KernelConfig& config) {
  if (std::find(configs.begin(), configs.end(), config) == configs.end()) {
    configs.push_back(config);
  }
}

/// Kernels by config name, built at once on every core (NVRTC, disk cache).
using InvarianceBuilds = std::map<std::string, jit::CompileResult>;
inline InvarianceBuilds build_invariance_kernels(const std::vector<KernelConfig>& configs) {
  std::vector<jit::CompileResult> results = jit::build_kernels(configs, 0);
  InvarianceBuilds builds;
  for (size_t i = 0; i < configs.size(); ++i) {
    builds.emplace(to_string(configs[i]), std::move(results[i]));
  }
  return builds;
}

/// Prints `text` and writes it to GEMMTUNE_INVARIANCE_REPORT when set: the process's first
/// section replaces the file, later ones are appended.
inline void write_invariance_report(const std::string& text) {
  static bool report_started = false;
  std::cout << text << std::flush;
  const char* path = std::getenv("GEMMTUNE_INVARIANCE_REPORT");
  if (path == nullptr || *path == '\0') return;
  std::ofstream(path, report_started ? std::ios::app : std::ios::trunc)
      << (report_started ? "\n" : "") << text;
  report_started = true;
}

}  // namespace gemmtune
