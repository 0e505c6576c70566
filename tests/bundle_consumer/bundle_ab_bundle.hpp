#pragma once
// The exported bundle behind plain functions (bundle_ab_bundle.cpp), for gemmtune_bundle_ab.
#include <cuda.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bundle_ab {

/// One tuned row of the bundle's table.
struct Entry {
  int64_t m, n, k;
  int32_t kernel;      ///< index of the tuned kernel
  std::string config;  ///< its config text
};

[[nodiscard]] CUresult load();
[[nodiscard]] std::vector<Entry> entries();
[[nodiscard]] int32_t select(int64_t m, int64_t n, int64_t k);
[[nodiscard]] size_t workspace_bytes(int64_t m, int64_t n, int64_t k);
[[nodiscard]] CUresult gemm(int64_t m, int64_t n, int64_t k, const void* a, const float* sa,
                            const void* b, const float* sb, void* d, void* workspace,
                            size_t workspace_size_bytes, CUstream stream);

}  // namespace bundle_ab
