// grouped_check.hpp: the bundle consumer's check of one grouped entry
// (src/report/README.md "Bundle", grouped calls). Included by consumer.cpp only.
//
// The header keeps an entry's total rows, not its group sizes, so the check spreads the rows
// evenly over the groups (masked: max_m twice the mean, a multiple of 8). Each group's operands are
// generated alone (harness.hpp) and copied into the grouped layouts (A, sA and D rows one group
// after another, or max_m apart; B and sB one group's weights after another). Then:
//   - gemm_grouped_contiguous / gemm_grouped_masked into a poisoned D (0xFF bytes, bf16 NaN),
//   - every group compared with cuBLASLt's block-scaled GEMM on that group alone (the dense bar),
//   - masked: every row past a group's masked_m still poison (neither read for results nor written),
//   - the call captured in a CUDA graph and replayed into a second poisoned D, byte for byte,
//   - the call timed with the `call` protocol.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "gemmtune_bundle.h"
#include "harness.hpp"

namespace grouped_check {

namespace launch = gemmtune::sm90_fp8_gemm_1d2d;

/// One grouped problem laid out for the bundle, from per-group operands.
struct GroupedOperands {
  int64_t groups = 0, n = 0, k = 0, m = 0, max_m = 0;
  std::vector<int64_t> rows;    ///< per group
  std::vector<int64_t> starts;  ///< first row of each group in A and D
  std::vector<std::unique_ptr<harness::Operands>> per_group;
  std::unique_ptr<harness::DeviceBytes> a, sa, b, sb, group_rows;
};

inline void lay_out(const launch::BundleGroupedEntry& e, uint64_t seed, GroupedOperands& g) {
  const bool masked = e.layout == launch::GroupLayout::kMasked;
  g.groups = e.groups;
  g.n = e.n;
  g.k = e.k;
  g.rows.assign(static_cast<size_t>(e.groups), e.rows / e.groups);
  for (int64_t i = 0; i < e.rows % e.groups; ++i) ++g.rows[static_cast<size_t>(i)];
  g.max_m = masked ? std::max<int64_t>(8, (2 * (e.rows / e.groups + 1) + 7) / 8 * 8) : 0;
  g.m = masked ? e.groups * g.max_m : e.rows;
  const int64_t m_pad4 = (g.m + 3) / 4 * 4, k_blocks = (g.k + 127) / 128,
                n_blocks = (g.n + 127) / 128, sb_ld = (k_blocks + 3) / 4 * 4;
  g.a = std::make_unique<harness::DeviceBytes>(static_cast<size_t>(m_pad4 * g.k));
  g.sa = std::make_unique<harness::DeviceBytes>(static_cast<size_t>(k_blocks * m_pad4 * 4));
  g.b = std::make_unique<harness::DeviceBytes>(static_cast<size_t>(g.groups * g.n * g.k));
  g.sb = std::make_unique<harness::DeviceBytes>(static_cast<size_t>(g.groups * n_blocks * sb_ld * 4));
  HARNESS_CUDA(cudaMemset(g.a->ptr, 0, g.a->size));
  HARNESS_CUDA(cudaMemset(g.sa->ptr, 0, g.sa->size));
  std::vector<int32_t> group_rows;
  int64_t row = 0;
  for (int64_t i = 0; i < g.groups; ++i) {
    const int64_t rows = g.rows[static_cast<size_t>(i)];
    const int64_t start = masked ? i * g.max_m : row;
    g.starts.push_back(start);
    group_rows.push_back(static_cast<int32_t>(masked ? rows : start));
    row += rows;
    g.per_group.push_back(std::make_unique<harness::Operands>());
    harness::Operands& op = *g.per_group.back();
    harness::make_operands(rows, g.n, g.k, seed + static_cast<uint64_t>(i), op);
    char* a = static_cast<char*>(g.a->ptr);
    char* sa = static_cast<char*>(g.sa->ptr);
    HARNESS_CUDA(cudaMemcpy(a + start * g.k, op.a, static_cast<size_t>(rows * g.k), cudaMemcpyDeviceToDevice));
    if (rows > 0) {
      // sA is [k_blocks][m_pad4]: each K block's row of scales holds every group's rows.
      HARNESS_CUDA(cudaMemcpy2D(sa + start * 4, static_cast<size_t>(m_pad4 * 4), op.sa,
                                static_cast<size_t>(op.m_pad4 * 4), static_cast<size_t>(rows * 4),
                                static_cast<size_t>(k_blocks), cudaMemcpyDeviceToDevice));
    }
    HARNESS_CUDA(cudaMemcpy(static_cast<char*>(g.b->ptr) + i * g.n * g.k, op.b,
                            static_cast<size_t>(g.n * g.k), cudaMemcpyDeviceToDevice));
    HARNESS_CUDA(cudaMemcpy(static_cast<char*>(g.sb->ptr) + i * n_blocks * sb_ld * 4, op.sb,
                            static_cast<size_t>(n_blocks * sb_ld * 4), cudaMemcpyDeviceToDevice));
  }
  if (!masked) group_rows.push_back(static_cast<int32_t>(row));  // offsets: G + 1 values
  g.group_rows = std::make_unique<harness::DeviceBytes>(group_rows.size() * sizeof(int32_t));
  HARNESS_CUDA(cudaMemcpy(g.group_rows->ptr, group_rows.data(), g.group_rows->size, cudaMemcpyHostToDevice));
}

/// Runs every check of one grouped entry and prints one JSON line; returns whether it passed.
inline bool check(const gemmtune_bundle::Bundle& bundle, const launch::BundleGroupedEntry& e,
                  uint64_t seed, harness::CallTimer& timer) {
  const bool masked = e.layout == launch::GroupLayout::kMasked;
  GroupedOperands g;
  lay_out(e, seed, g);
  const int64_t expected_m = e.rows / e.groups;  // masked: steers the selection only
  const auto* rows_ptr = static_cast<const int32_t*>(g.group_rows->ptr);
  const auto call = [&](void* d, cudaStream_t s) {
    return masked ? bundle.gemm_grouped_masked(g.groups, g.max_m, expected_m, g.n, g.k, rows_ptr,
                                               g.a->ptr, static_cast<const float*>(g.sa->ptr),
                                               g.b->ptr, static_cast<const float*>(g.sb->ptr), d, s)
                  : bundle.gemm_grouped_contiguous(g.groups, g.m, g.n, g.k, rows_ptr, g.a->ptr,
                                                   static_cast<const float*>(g.sa->ptr), g.b->ptr,
                                                   static_cast<const float*>(g.sb->ptr), d, s);
  };
  const int32_t selected = bundle.select_grouped(e.layout, g.groups, g.n, g.k,
                                                 masked ? expected_m * g.groups : g.m, g.m, g.max_m);
  const size_t d_bytes = static_cast<size_t>((g.m + 3) / 4 * 4 * g.n * 2);
  harness::DeviceBytes d(d_bytes), d_graph(d_bytes);
  const cudaStream_t stream = timer.stream();
  HARNESS_CUDA(cudaMemsetAsync(d.ptr, 0xff, d_bytes, stream));
  const CUresult direct = call(d.ptr, stream);
  HARNESS_CUDA(cudaStreamSynchronize(stream));
  const std::vector<uint16_t> out = harness::download_bf16(d.ptr, g.m, g.n);

  // Each group against cuBLASLt on that group alone; masked rows past masked_m untouched.
  double worst_diff = 0.0;
  int64_t nonfinite = 0, touched = 0;
  bool have_refs = true;
  for (int64_t i = 0; i < g.groups; ++i) {
    const int64_t rows = g.rows[static_cast<size_t>(i)], start = g.starts[static_cast<size_t>(i)];
    if (masked) {
      for (int64_t r = start + rows; r < start + g.max_m; ++r) {
        for (int64_t c = 0; c < g.n; ++c) touched += out[static_cast<size_t>(r * g.n + c)] != 0xffff ? 1 : 0;
      }
    }
    if (rows == 0) continue;
    const harness::Operands& op = *g.per_group[static_cast<size_t>(i)];
    harness::DeviceBytes d_ref(static_cast<size_t>(op.m_pad4 * g.n * 2));
    harness::LtBlockScaledGemm lt(op, d_ref.ptr);
    if (!lt.select_heuristic()) {
      have_refs = false;
      continue;
    }
    lt.run(stream);
    HARNESS_CUDA(cudaStreamSynchronize(stream));
    const std::vector<uint16_t> group(out.begin() + start * g.n, out.begin() + (start + rows) * g.n);
    const harness::Comparison c = harness::compare(group, harness::download_bf16(d_ref.ptr, rows, g.n));
    worst_diff = std::max(worst_diff, c.diff);
    nonfinite += c.nonfinite + c.ref_nonfinite;
  }
  const bool valid = direct == CUDA_SUCCESS && have_refs && nonfinite == 0 && touched == 0 &&
                     worst_diff <= harness::kMaxDiffVsCublaslt;

  // The same call captured in a CUDA graph, replayed into a second poisoned D.
  const harness::CapturedCall graph([&](cudaStream_t s) { return call(d_graph.ptr, s); }, stream);
  HARNESS_CUDA(cudaMemsetAsync(d_graph.ptr, 0xff, d_bytes, stream));
  graph.replay(stream);
  HARNESS_CUDA(cudaStreamSynchronize(stream));
  const bool graph_matches =
      graph.status() == CUDA_SUCCESS && harness::download_bf16(d_graph.ptr, g.m, g.n) == out;

  CUresult timed_status = CUDA_SUCCESS;
  const harness::Timing timing = timer.time([&](cudaStream_t s) {
    const CUresult r = call(d.ptr, s);
    if (r != CUDA_SUCCESS) timed_status = r;
  });
  const bool selected_ok = selected == e.kernel;
  const bool passed = valid && selected_ok && graph_matches && timed_status == CUDA_SUCCESS;
  std::printf(
      "{\"schema\": \"gemmtune.bundle_check/1\", \"label\": %s, \"layout\": \"%s\", \"groups\": %lld, "
      "\"n\": %lld, \"k\": %lld, \"rows\": %lld, \"max_m\": %lld, \"config\": \"%s\", "
      "\"selected_as_tuned\": %s, \"status\": \"%s\", \"diff_vs_cublaslt\": %.3e, \"nonfinite\": %lld, "
      "\"untouched_rows_written\": %lld, \"graph_matches\": %s, \"median_us\": %.3f, \"passed\": %s}\n",
      harness::json_string(e.label).c_str(), masked ? "grouped_masked" : "grouped_contiguous", static_cast<long long>(g.groups),
      static_cast<long long>(g.n), static_cast<long long>(g.k), static_cast<long long>(e.rows),
      static_cast<long long>(g.max_m), selected >= 0 ? gemmtune_bundle::kKernels[selected].config : "",
      selected_ok ? "true" : "false", harness::cu_name(direct != CUDA_SUCCESS ? direct : timed_status).c_str(),
      worst_diff, static_cast<long long>(nonfinite), static_cast<long long>(touched),
      graph_matches ? "true" : "false", timing.median_us, passed ? "true" : "false");
  std::fflush(stdout);
  return passed;
}

}  // namespace grouped_check
