#pragma once
// Shared by the sampled (nvrtc) and full (full) kernel-family compile tests.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "core/config_space.hpp"
#include "core/plan.hpp"
#include "core/shape_set.hpp"
#include "core/smem_layout.hpp"
#include "jit/kernel_build.hpp"
#include "jit/kernel_cache.hpp"

namespace gemmtune::test {

/// Distinct configs of configs/spaces/default.json legal for some problem of dsv3-quick.
inline std::vector<KernelConfig> legal_dsv3_quick_configs() {
  const ShapeSet shapes = load_shape_set(GEMMTUNE_SOURCE_DIR "/configs/dsv3-quick.json");
  const ConfigSpace space = load_config_space(GEMMTUNE_SOURCE_DIR "/configs/spaces/default.json");
  return legal_configs(shapes, enumerate_configs(space), DeviceLimits{});
}

/// Compiles `configs` on all cores, uncached, and checks each: compiled, no spills, no
/// serialized wgmma, dynamic + static shared memory within the H100/H200 limit.
inline void expect_compiles_cleanly(const std::vector<KernelConfig>& configs) {
  std::vector<jit::CompileRequest> requests;
  for (const KernelConfig& c : configs) requests.push_back(jit::kernel_request(c));
  const std::vector<jit::CompileResult> results = jit::compile_many(requests, 0, jit::KernelCache());
  int spilled = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const jit::CompileResult& r = results[i];
    const std::string name = to_string(configs[i]);
    EXPECT_TRUE(r.ok) << name << "\n" << r.log;
    EXPECT_FALSE(r.ptxas.spills()) << name << ": " << r.ptxas.spill_store_bytes
                                   << " B spill stores";
    spilled += r.ptxas.spills() ? 1 : 0;
    EXPECT_FALSE(r.ptxas.wgmma_serialized) << name;
    EXPECT_LE(smem_layout(configs[i]).total_bytes + r.ptxas.smem_static_bytes,
              kHopperSmemPerBlockBytes)
        << name;
  }
  std::printf("compiled %zu legal configs: %d with spills\n", results.size(), spilled);
}

}  // namespace gemmtune::test
