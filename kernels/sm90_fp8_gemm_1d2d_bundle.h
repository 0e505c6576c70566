// sm90_fp8_gemm_1d2d_bundle.h: the dispatcher of a tuned kernel bundle (`gemmtune export
// --format bundle`, src/report/README.md "Bundle"). The generated gemmtune_bundle.h defines the
// table (bundled kernels and tuned (n, k, m) entries) and instantiates Dispatcher on it.
//
// Host-only C++17 over the CUDA driver API (libcuda) and nothing else: no NVRTC, no runtime, no
// exceptions, no STL. Loading (load, load_dir) happens once, in the caller's current context;
// gemm() only selects, encodes tensor maps on the host and enqueues: no allocation, no
// synchronisation, no compilation, so it can be captured in a CUDA graph.
//
// Grouped problems (gemm_grouped_contiguous, gemm_grouped_masked) select among the grouped
// entries of exactly this (layout, groups, n, k) by rows: the smallest tuned rows >= the call's,
// else the largest below; a contiguous call in DeepGEMM's layout by its padded rows, which it
// knows exactly, against each entry's rows in that layout (select_grouped_kernel).
//
// Selection rule (select_kernel), among the entries of exactly this (n, k) whose kernel can run
// the shape: at a tuned M, that M's entry; between two tuned M, the neighbour whose kernel is
// predicted faster at m: its tuned time scaled by its work waves at m over those at its tuned M
// (predicted_waves). An entry's config is tuned for its M; at another m its tiles either still
// fit the rows (a tile of 192 rows serves 333 as well as 384) or add a wave, and the scaled time
// says which neighbour wins, where "the next tuned M up" would run M = 2049 with tiles sized for
// 4096. Without both tuned times (tuned_us 0), the next tuned M up serves; beyond the tuned M,
// the nearest entry. For an (n, k) not in the table (or none that can run it) the caller's
// fallback kernel if it can, else no kernel (gemm returns CUDA_ERROR_NOT_FOUND).
// "Can run" is launch::can_run (shape rules of the family, e.g. multicast B needs two m-blocks)
// and, for split-K kernels, at most kMaxSplitKTiles tiles (the workspace's counter region).
#pragma once

#include <cuda.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "sm90_fp8_gemm_1d2d_launch.h"

/// Tile counters the split-K workspace has room for (4 bytes each, at its start). Define it
/// before including the bundle to change it, alike in every translation unit; larger split-K
/// problems select another entry.
#ifndef GEMMTUNE_BUNDLE_MAX_SPLIT_K_TILES
#define GEMMTUNE_BUNDLE_MAX_SPLIT_K_TILES 65536
#endif

namespace gemmtune::sm90_fp8_gemm_1d2d {

inline constexpr int64_t kMaxSplitKTiles = GEMMTUNE_BUNDLE_MAX_SPLIT_K_TILES;

/// One bundled kernel: its config name (also its cubin's file name), symbol and launch facts.
struct BundleKernel {
  const char* config;
  const char* symbol;
  KernelFacts facts;
};

/// One tuned (n, k, m), the index of its kernel in the table's kernels, the problem's label and
/// the kernel's tuned median time at (m, n, k) (0: unknown).
struct BundleEntry {
  int64_t n, k, m;
  int32_t kernel;
  const char* label;
  double tuned_us = 0.0;
};

/// One tuned grouped problem: its layout, group count, n, k and rows (the rows that carry
/// results: contiguous, the groups' sum; masked, the rows used), its kernel's index and label;
/// contiguous: `padded_rows`, its A's rows with each group padded to
/// kGemmtuneDeepgemmGroupRowAlign rows (0: not recorded, as in masked entries and headers
/// exported without it).
struct BundleGroupedEntry {
  GroupLayout layout;
  int64_t groups, n, k, rows;
  int32_t kernel;
  const char* label;
  int64_t padded_rows = 0;
};

/// A bundle's table: entries sorted by (n, k, m), grouped entries by (layout, groups, n, k, rows).
struct BundleTable {
  const BundleKernel* kernels;
  int32_t num_kernels;
  const BundleEntry* entries;
  int32_t num_entries;
  const BundleGroupedEntry* grouped_entries;
  int32_t num_grouped_entries;
};

/// True when `f` can run m x n x k in a bundle (can_run, and the split-K counter capacity).
[[nodiscard]] constexpr bool bundle_can_run(const KernelFacts& f, int64_t m, int64_t n, int64_t k) {
  return can_run(f, m, n, k) && (f.split_k <= 1 || tile_count(f, m, n) <= kMaxSplitKTiles);
}

/// A kernel's work waves at m rows: its work units (tiles times K splits) over its persistent
/// grid, the mean of the fractional and the whole count. The whole count is the critical path
/// of a compute-bound kernel (the busiest CTA's tiles); the fractional part keeps a partial last
/// wave from costing as much as a full one when the kernel streams memory.
[[nodiscard]] constexpr double predicted_waves(const KernelFacts& f, int64_t m, int64_t n) {
  const int64_t units = tile_count(f, m, n) * (f.split_k < 1 ? 1 : f.split_k);
  const int64_t ctas = f.num_sms < 1 ? 1 : f.num_sms;
  return 0.5 * (static_cast<double>(units) / static_cast<double>(ctas) +
                static_cast<double>(ceil_div(units, ctas)));
}

/// An entry's predicted time at m rows: its tuned time scaled by its kernel's waves.
[[nodiscard]] constexpr double predicted_us(const BundleTable& t, const BundleEntry& e, int64_t m) {
  const KernelFacts& f = t.kernels[e.kernel].facts;
  return e.tuned_us * predicted_waves(f, m, e.n) / predicted_waves(f, e.m, e.n);
}

/// The kernel index for m x n x k by the selection rule above; `fallback` (-1: none) is the
/// caller's kernel for shapes the table has no runnable entry for. -1 when there is none.
[[nodiscard]] constexpr int32_t select_kernel(const BundleTable& t, int64_t m, int64_t n, int64_t k,
                                              int32_t fallback = -1) {
  int32_t below = -1;  // the runnable entry with the largest tuned M < m
  int32_t above = -1;  // the runnable entry with the smallest tuned M > m
  for (int32_t i = 0; i < t.num_entries && above < 0; ++i) {
    const BundleEntry& e = t.entries[i];
    if (e.n != n || e.k != k || !bundle_can_run(t.kernels[e.kernel].facts, m, n, k)) continue;
    if (e.m == m) return e.kernel;
    if (e.m < m) below = i;
    else above = i;
  }
  if (below >= 0 && above >= 0) {
    const BundleEntry& lo = t.entries[below];
    const BundleEntry& hi = t.entries[above];
    // NOTE: only the two neighbours compete: the prediction is a short extrapolation from each,
    // and a far entry's time carries another clock (power cap) and other fixed costs.
    if (lo.tuned_us > 0.0 && hi.tuned_us > 0.0 && predicted_us(t, lo, m) < predicted_us(t, hi, m)) {
      return lo.kernel;
    }
    return hi.kernel;
  }
  if (above >= 0) return t.entries[above].kernel;
  if (below >= 0) return t.entries[below].kernel;
  if (fallback >= 0 && fallback < t.num_kernels && bundle_can_run(t.kernels[fallback].facts, m, n, k)) {
    return fallback;
  }
  return -1;
}

/// A contiguous call padded to kGemmtuneDeepgemmGroupRowAlign rows a group (DeepGEMM's
/// layout), among the runnable entries of (groups, n, k) that record padded rows: the smallest
/// padded rows >= m, else the largest below; -1 when no entry records them. Why by padded rows:
/// the host knows a padded call's m exactly but not its real rows, and two problems of about the
/// same real rows can pad to other tile counts (Qwen3-30B-A3B gate+up, 32 experts: 8352 balanced
/// rows pad to 10624, 8815 skewed ones to 10368). By real rows less the most padding, the
/// 8815-row call took the 8352-row entry's config: 63.9 us through Python against 55.8 for its
/// own config in `gemmtune run` (H200).
[[nodiscard]] constexpr int32_t select_padded_contiguous_kernel(const BundleTable& t,
                                                                int64_t groups, int64_t n,
                                                                int64_t k, int64_t m) {
  int32_t above = -1, below = -1;
  int64_t above_rows = 0, below_rows = 0;
  for (int32_t i = 0; i < t.num_grouped_entries; ++i) {
    const BundleGroupedEntry& e = t.grouped_entries[i];
    if (e.layout != GroupLayout::kContiguous || e.groups != groups || e.n != n || e.k != k ||
        e.padded_rows <= 0 || !can_run_grouped(t.kernels[e.kernel].facts, m, n, k, groups, 0)) {
      continue;
    }
    if (e.padded_rows >= m && (above < 0 || e.padded_rows < above_rows)) {
      above = e.kernel;
      above_rows = e.padded_rows;
    } else if (e.padded_rows < m && (below < 0 || e.padded_rows > below_rows)) {
      below = e.kernel;
      below_rows = e.padded_rows;
    }
  }
  return above >= 0 ? above : below;
}

/// The kernel index for a grouped problem, over the entries of exactly this (layout, groups, n, k) ordered by rows: the smallest tuned rows >= `rows` whose
/// kernel can run it (can_run_grouped with A's `m` rows and `max_m`), else the largest below
/// that can; -1 when none can (no fallback: a grouped kernel is built for its layout). A
/// contiguous call with its groups padded to `row_align` = kGemmtuneDeepgemmGroupRowAlign rows
/// selects by its m (select_padded_contiguous_kernel) where the entries record padded rows.
[[nodiscard]] constexpr int32_t select_grouped_kernel(const BundleTable& t, GroupLayout layout,
                                                      int64_t groups, int64_t n, int64_t k,
                                                      int64_t rows, int64_t m, int64_t max_m,
                                                      int64_t row_align = 1) {
  if (layout == GroupLayout::kContiguous && row_align == kGemmtuneDeepgemmGroupRowAlign) {
    const int32_t padded = select_padded_contiguous_kernel(t, groups, n, k, m);
    if (padded >= 0) return padded;
  }
  int32_t below = -1;
  for (int32_t i = 0; i < t.num_grouped_entries; ++i) {
    const BundleGroupedEntry& e = t.grouped_entries[i];
    if (e.layout != layout || e.groups != groups || e.n != n || e.k != k) continue;
    if (!can_run_grouped(t.kernels[e.kernel].facts, m, n, k, groups, max_m)) continue;
    if (e.rows >= rows) return e.kernel;
    below = e.kernel;
  }
  return below;
}

/// The rows a contiguous call of `groups` groups, m rows in all, each group padded up to a
/// multiple of `row_align` rows, selects by (Dispatcher::gemm_grouped_contiguous_padded): m less
/// the most padding its groups can hold, at least 0. The real rows lie in [that, m], so the entry
/// tuned for them, the smallest tuned rows at or above, is the one chosen.
[[nodiscard]] constexpr int64_t padded_selection_rows(int64_t groups, int64_t m, int64_t row_align) {
  const int64_t most_padding = groups * (row_align - 1);
  return m > most_padding ? m - most_padding : 0;
}

/// Loads a bundle's kernels and runs GEMMs with them. One per context (device); not copyable.
/// gemm() and the queries are const and thread-safe once loaded.
template <const BundleTable& kTable>
class Dispatcher {
 public:
  static constexpr int32_t kNumKernels = kTable.num_kernels;

  Dispatcher() = default;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  /// Unloads the modules (errors ignored: at process exit the context may be gone).
  ~Dispatcher() { unload(); }

  /// Loads every kernel from in-memory cubin images (gemmtune_bundle_cubins.h's kCubins, in
  /// table order) into the current context and sets its shared-memory limit.
  [[nodiscard]] CUresult load(const void* const* images) {
    unload();
    for (int32_t i = 0; i < kNumKernels; ++i) {
      const CUresult status = cuModuleLoadData(&modules_[i], images[i]);
      if (status != CUDA_SUCCESS) return fail(status);
      if (const CUresult s = finish_load(i); s != CUDA_SUCCESS) return fail(s);
    }
    loaded_ = true;
    return CUDA_SUCCESS;
  }

  /// Loads every kernel from `dir`/cubins/<config>.cubin (the export's folder) instead.
  [[nodiscard]] CUresult load_dir(const char* dir) {
    unload();
    for (int32_t i = 0; i < kNumKernels; ++i) {
      char path[4096];
      const int length = std::snprintf(path, sizeof(path), "%s/cubins/%s.cubin", dir,
                                       kTable.kernels[i].config);
      if (length < 0 || length >= static_cast<int>(sizeof(path))) return fail(CUDA_ERROR_INVALID_VALUE);
      const CUresult status = cuModuleLoad(&modules_[i], path);
      if (status != CUDA_SUCCESS) return fail(status);
      if (const CUresult s = finish_load(i); s != CUDA_SUCCESS) return fail(s);
    }
    loaded_ = true;
    return CUDA_SUCCESS;
  }

  /// Unloads the modules; load() may be called again.
  void unload() {
    for (int32_t i = 0; i < kNumKernels; ++i) {
      if (modules_[i] != nullptr) static_cast<void>(cuModuleUnload(modules_[i]));
      modules_[i] = nullptr;
      functions_[i] = nullptr;
    }
    loaded_ = false;
  }

  /// Makes the bundled kernel named `config` the fallback for shapes the table does not cover
  /// (nullptr: none, the default). CUDA_ERROR_NOT_FOUND if the bundle has no such kernel,
  /// CUDA_ERROR_INVALID_VALUE if it is built for a grouped layout (it cannot run a dense GEMM);
  /// either way the fallback stays as it was.
  [[nodiscard]] CUresult set_fallback(const char* config) {
    if (config == nullptr) {
      fallback_ = -1;
      return CUDA_SUCCESS;
    }
    for (int32_t i = 0; i < kNumKernels; ++i) {
      if (std::strcmp(kTable.kernels[i].config, config) == 0) {
        if (kTable.kernels[i].facts.layout != GroupLayout::kNone) {
          return CUDA_ERROR_INVALID_VALUE;
        }
        fallback_ = i;
        return CUDA_SUCCESS;
      }
    }
    return CUDA_ERROR_NOT_FOUND;
  }

  /// How the GEMMs enqueued after this call start (every call of this object): kAfterPrevious
  /// (the default) when the kernel before them on the stream has finished; kOverlapPrevious with
  /// programmatic dependent launch: scheduled while that kernel ends, the prologue overlapping its
  /// tail, global memory touched only after it finished (kernels/README.md "Overlapped launches").
  void set_launch_order(LaunchOrder order) { order_ = order; }

  /// The kernel index gemm() would use for m x n x k, -1 for none.
  [[nodiscard]] int32_t select(int64_t m, int64_t n, int64_t k) const {
    return select_kernel(kTable, m, n, k, fallback_);
  }

  /// Bytes of split-K workspace gemm() needs for m x n x k: 0 when its kernel has no split-K
  /// (or there is none), else the counter region (kMaxSplitKTiles x 4 bytes) plus split_k x m x
  /// n fp32 partials. Zero the workspace once before its first use; the kernel leaves the
  /// counters at zero, so one buffer serves every later call (any shape it is large enough for)
  /// on one stream at a time.
  [[nodiscard]] size_t workspace_bytes(int64_t m, int64_t n, int64_t k) const {
    const int32_t i = select(m, n, k);
    if (i < 0) return 0;
    return static_cast<size_t>(workspace_layout(kTable.kernels[i].facts, m, n, kMaxSplitKTiles).total_bytes);
  }

  /// D[m][n] (bf16) = A[m][k] (e4m3) x B[n][k]^T (e4m3) with 1x128 scales sA
  /// [ceil(k/128)][roundup(m, 4)] and 128x128 scales sB [ceil(n/128)][roundup(ceil(k/128), 4)],
  /// all row-major device pointers, enqueued on `stream`. Returns CUDA_ERROR_NOT_INITIALIZED
  /// before load, CUDA_ERROR_INVALID_VALUE for a shape outside problem_ok or a workspace smaller
  /// than workspace_bytes(m, n, k), CUDA_ERROR_NOT_FOUND when no kernel is selected (see
  /// select); otherwise
  /// what cuTensorMapEncodeTiled or cuLaunchKernelEx returned.
  /// `order`: this launch's order (null: the object's, set_launch_order).
  [[nodiscard]] CUresult gemm(int64_t m, int64_t n, int64_t k, const void* a, const float* sa,
                              const void* b, const float* sb, void* d, void* workspace,
                              size_t workspace_size_bytes, CUstream stream,
                              const LaunchOrder* order = nullptr) const {
    if (!loaded_) return CUDA_ERROR_NOT_INITIALIZED;
    if (!problem_ok(m, n, k)) return CUDA_ERROR_INVALID_VALUE;
    const int32_t i = select(m, n, k);
    if (i < 0) return CUDA_ERROR_NOT_FOUND;
    const KernelFacts& f = kTable.kernels[i].facts;
    const WorkspaceLayout layout = workspace_layout(f, m, n, kMaxSplitKTiles);
    if (layout.total_bytes > 0 && (workspace == nullptr || workspace_size_bytes < layout.total_bytes)) {
      return CUDA_ERROR_INVALID_VALUE;
    }
    const Problem problem = make_problem(m, n, k, a, sa, b, sb, d, 0, 0, nullptr);
    EncodedLaunch args;
    const CUresult status = encode_launch(
        plan_launch(f, problem, workspace, layout.partials_offset_bytes), &::cuTensorMapEncodeTiled, &args);
    if (status != CUDA_SUCCESS) return status;
    return launch(functions_[i], f, args, stream, &::cuLaunchKernelEx, order != nullptr ? *order : order_);
  }

  /// The kernel index gemm_grouped_contiguous (rows = m, max_m = 0), its padded form (rows =
  /// padded_selection_rows(groups, m, row_align), and row_align) or gemm_grouped_masked (rows =
  /// expected_m x groups, m = groups x max_m) would use, -1 for none.
  [[nodiscard]] int32_t select_grouped(GroupLayout layout, int64_t groups, int64_t n, int64_t k,
                                       int64_t rows, int64_t m, int64_t max_m,
                                       int64_t row_align = 1) const {
    return select_grouped_kernel(kTable, layout, groups, n, k, rows, m, max_m, row_align);
  }

  /// Contiguous grouped GEMM (kernels/README.md "Grouped GEMMs"): group g owns rows [offsets[g],
  /// offsets[g + 1]) of A [m][k] e4m3, sA [ceil(k/128)][roundup(m, 4)] and D [m][n] bf16, and
  /// uses B [groups * n][k] e4m3 with sB [groups * ceil(n/128)][roundup(ceil(k/128), 4)] (its
  /// group's n rows). `offsets` (int32, groups + 1 values) is read by the kernel only, so the
  /// call can be captured in a CUDA graph; the selection uses m. Errors as gemm(); no workspace.
  [[nodiscard]] CUresult gemm_grouped_contiguous(int64_t groups, int64_t m, int64_t n, int64_t k,
                                                 const int32_t* offsets, const void* a,
                                                 const float* sa, const void* b, const float* sb,
                                                 void* d, CUstream stream) const {
    return gemm_grouped_contiguous_padded(groups, m, 1, n, k, offsets, nullptr, a, sa, b, sb, d,
                                          stream);
  }

  /// gemm_grouped_contiguous where every group's rows are padded up to a multiple of
  /// `row_align` (DeepGEMM's contiguous layout: 128). `group_ends` (device int32 [groups], or
  /// null): where each group's real rows end, so that the padding is not computed (D's padding
  /// rows are left as they are); null computes it with the group before it. The selection, at
  /// row_align kGemmtuneDeepgemmGroupRowAlign, is by m against the entries' padded rows
  /// (select_grouped_kernel); otherwise, and for a table without them, by padded_selection_rows:
  /// m counts up to row_align - 1 padding rows a group, so "the smallest tuned rows >= m" picked
  /// the entry of the next larger tuned problem for the very problem an entry was tuned for (8
  /// groups of 7168 x 2048 tuned at 3962 rows, 4096 padded: the 15550-row entry's 256-row tiles
  /// ran 164 us against 113 us for its own, H200).
  [[nodiscard]] CUresult gemm_grouped_contiguous_padded(int64_t groups, int64_t m,
                                                        int64_t row_align, int64_t n, int64_t k,
                                                        const int32_t* offsets,
                                                        const int32_t* group_ends, const void* a,
                                                        const float* sa, const void* b,
                                                        const float* sb, void* d,
                                                        CUstream stream,
                                                        const LaunchOrder* order = nullptr) const {
    if (row_align < 1) return CUDA_ERROR_INVALID_VALUE;
    return gemm_grouped(GroupLayout::kContiguous, groups, m, 0,
                        padded_selection_rows(groups, m, row_align), n, k, offsets, a, sa, b, sb,
                        d, stream, group_ends, order, row_align);
  }

  /// Masked grouped GEMM: group g owns rows [g * max_m, g * max_m + masked_m[g]) of A
  /// [groups * max_m][k], sA and D; rows past masked_m[g] are neither read for results nor
  /// written. `masked_m` (int32, groups values) is read by the kernel only; `expected_m` (rows per
  /// group the caller expects) steers the selection and never the results.
  [[nodiscard]] CUresult gemm_grouped_masked(int64_t groups, int64_t max_m, int64_t expected_m,
                                             int64_t n, int64_t k, const int32_t* masked_m,
                                             const void* a, const float* sa, const void* b,
                                             const float* sb, void* d, CUstream stream,
                                             const LaunchOrder* order = nullptr) const {
    return gemm_grouped(GroupLayout::kMasked, groups, groups * max_m, max_m, expected_m * groups,
                        n, k, masked_m, a, sa, b, sb, d, stream, nullptr, order);
  }

 private:
  /// The launch header's Problem: sA's and sB's leading dimensions padded to 4 as the operation
  /// requires; `groups` 0 (with max_m 0, no group_rows) for a dense problem.
  [[nodiscard]] static Problem make_problem(int64_t m, int64_t n, int64_t k, const void* a,
                                            const float* sa, const void* b, const float* sb, void* d,
                                            int64_t groups, int64_t max_m, const int32_t* group_rows,
                                            const int32_t* group_ends = nullptr) {
    return Problem{static_cast<int32_t>(m), static_cast<int32_t>(n), static_cast<int32_t>(k),
                   a, b, sa, sb,
                   static_cast<int32_t>((m + 3) / 4 * 4),
                   static_cast<int32_t>((k_blocks(k) + 3) / 4 * 4),
                   d, static_cast<int32_t>(groups), static_cast<int32_t>(max_m), group_rows,
                   group_ends};
  }

  [[nodiscard]] CUresult gemm_grouped(GroupLayout layout, int64_t groups, int64_t m, int64_t max_m,
                                      int64_t rows, int64_t n, int64_t k, const int32_t* group_rows,
                                      const void* a, const float* sa, const void* b,
                                      const float* sb, void* d, CUstream stream,
                                      const int32_t* group_ends = nullptr,
                                      const LaunchOrder* order = nullptr,
                                      int64_t row_align = 1) const {
    if (!loaded_) return CUDA_ERROR_NOT_INITIALIZED;
    if (groups < 1 || groups > kGemmtuneMaxGroups || m < 0 || m > INT32_MAX || n < 1 || k < 1 ||
        n % 8 != 0 || k % 16 != 0 || n * groups > INT32_MAX || group_rows == nullptr ||
        (layout == GroupLayout::kMasked && max_m < 1)) {
      return CUDA_ERROR_INVALID_VALUE;
    }
    if (m == 0) return CUDA_SUCCESS;  // every contiguous group empty: D has no rows
    const int32_t i = select_grouped(layout, groups, n, k, rows, m, max_m, row_align);
    if (i < 0) return CUDA_ERROR_NOT_FOUND;
    const KernelFacts& f = kTable.kernels[i].facts;
    const Problem problem =
        make_problem(m, n, k, a, sa, b, sb, d, groups, max_m, group_rows, group_ends);
    EncodedLaunch args;
    const CUresult status =
        encode_launch(plan_launch(f, problem, nullptr, 0), &::cuTensorMapEncodeTiled, &args);
    if (status != CUDA_SUCCESS) return status;
    return launch(functions_[i], f, args, stream, &::cuLaunchKernelEx, order != nullptr ? *order : order_);
  }

  [[nodiscard]] CUresult finish_load(int32_t i) {
    const CUresult status = cuModuleGetFunction(&functions_[i], modules_[i], kTable.kernels[i].symbol);
    if (status != CUDA_SUCCESS) return status;
    return configure_function(functions_[i], kTable.kernels[i].facts, &::cuFuncSetAttribute);
  }
  [[nodiscard]] CUresult fail(CUresult status) {
    unload();
    return status;
  }

  CUmodule modules_[kNumKernels] = {};
  CUfunction functions_[kNumKernels] = {};
  int32_t fallback_ = -1;
  LaunchOrder order_ = LaunchOrder::kAfterPrevious;
  bool loaded_ = false;
};

}  // namespace gemmtune::sm90_fp8_gemm_1d2d
