#pragma once
/// One GEMM problem of the fp8_gemm_nt operation (kernels/README.md "The operation"):
///   D[M,N] (bf16) = A[M,K] (e4m3, 1x128 scales) * B[N,K]^T (e4m3, 128x128 scales),
/// or of a MoE grouped GEMM (kernels/README.md "Grouped GEMMs"): G such products sharing N and K,
/// group g with its own B and group_m[g] rows of A and D.
/// Sizes are int64 so that products are computed without overflow; the legality model
/// (core/legality.hpp) bounds each of them to the kernel's 32-bit parameters.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/gemm_shape.hpp"
#include "core/kernel_config.hpp"

namespace gemmtune {

/// One (M, N, K) of a shape set.
struct Problem {
  std::string label;  ///< what the problem is (e.g. "o_proj"); may be empty
  int64_t m = 0;      ///< rows of A and D (tokens); grouped: every group's rows (contiguous: the
                      ///< sum of group_m, masked: G * max_m)
  int64_t n = 0;      ///< rows of B, columns of D (output features); grouped: per group
  int64_t k = 0;      ///< reduction length (input features)
  GroupLayout layout = GroupLayout::kNone;  ///< dense, or the grouped GEMM's layout
  std::vector<int64_t> group_m;  ///< grouped: rows per group (masked: rows used, masked_m)
  int64_t max_m = 0;             ///< masked: rows per group in A and D; otherwise 0

  /// Groups of a grouped problem, 0 for dense.
  [[nodiscard]] int64_t groups() const { return static_cast<int64_t>(group_m.size()); }
  /// Rows that carry results: M for dense, the sum of group_m for grouped (what FLOPs count).
  [[nodiscard]] int64_t useful_rows() const {
    if (layout == GroupLayout::kNone) return m;
    int64_t rows = 0;
    for (const int64_t r : group_m) rows += r;
    return rows;
  }

  /// What the problem computes and moves (core/gemm_shape.hpp's formulas): M = useful_rows(),
  /// and for grouped problems one weight matrix per group with rows.
  [[nodiscard]] GemmShape shape() const {
    if (layout == GroupLayout::kNone) return {.m = m, .n = n, .k = k};
    int64_t weights = 0;
    for (const int64_t r : group_m) weights += r > 0 ? 1 : 0;
    return {.m = useful_rows(), .n = n, .k = k, .weights = weights};
  }

  /// A grouped problem whose M follows from its groups: the rows of A and D, the sum of
  /// group_m (contiguous) or G x max_m (masked; max_m is 0 for contiguous).
  [[nodiscard]] static Problem grouped(GroupLayout layout, int64_t n, int64_t k,
                                       std::vector<int64_t> group_m, int64_t max_m = 0,
                                       std::string label = "") {
    Problem p{.label = std::move(label), .m = 0, .n = n, .k = k, .layout = layout,
              .group_m = std::move(group_m), .max_m = max_m};
    p.m = layout == GroupLayout::kMasked ? max_m * p.groups() : p.useful_rows();
    return p;
  }

  [[nodiscard]] bool operator==(const Problem&) const = default;
};

/// What makes two problems the same measurement target, as text: "MxNxK" for dense (the key
/// runs.jsonl resumes and tables use since gemmtune.run/1), "<op> G<groups> NxK rows a,b,..."
/// (masked: "max_m M" before the rows) for grouped problems. The label is not part of it.
[[nodiscard]] std::string problem_key(const Problem& p);

/// The problem's sizes for messages: "M 64 N 7168 K 2048" or
/// "grouped_contiguous G 8 N 4096 K 7168 rows 8853".
[[nodiscard]] std::string describe(const Problem& p);

}  // namespace gemmtune
