// The bundle side of gemmtune_bundle_ab (bundle_ab.cpp), in its own translation unit: the
// bundle's copies of the launch headers must not meet gemmtune's own (same declarations from two
// files). It exposes the bundle through the plain functions of bundle_ab_bundle.hpp.
#include "bundle_ab_bundle.hpp"

#include "gemmtune_bundle_cubins.h"

namespace bundle_ab {
namespace {
gemmtune_bundle::Bundle& the_bundle() {
  static gemmtune_bundle::Bundle bundle;
  return bundle;
}
}  // namespace

CUresult load() { return the_bundle().load(gemmtune_bundle::kCubins); }

std::vector<Entry> entries() {
  std::vector<Entry> out;
  // NOTE: kNumEntries, not the array: a bundle without dense entries holds one placeholder.
  for (int32_t i = 0; i < gemmtune_bundle::kNumEntries; ++i) {
    const auto& e = gemmtune_bundle::kEntries[i];
    out.push_back({e.m, e.n, e.k, e.kernel, gemmtune_bundle::kKernels[e.kernel].config});
  }
  return out;
}

int32_t select(int64_t m, int64_t n, int64_t k) { return the_bundle().select(m, n, k); }

size_t workspace_bytes(int64_t m, int64_t n, int64_t k) {
  return the_bundle().workspace_bytes(m, n, k);
}

CUresult gemm(int64_t m, int64_t n, int64_t k, const void* a, const float* sa, const void* b,
              const float* sb, void* d, void* workspace, size_t workspace_size_bytes,
              CUstream stream) {
  return the_bundle().gemm(m, n, k, a, sa, b, sb, d, workspace, workspace_size_bytes, stream);
}

}  // namespace bundle_ab
