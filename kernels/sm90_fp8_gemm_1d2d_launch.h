// sm90_fp8_gemm_1d2d_launch.h: how one compiled member of the sm90_fp8_gemm_1d2d family is
// launched with the CUDA driver API: its five tensor maps (A, B, sA, sB, D), its parameter struct,
// its split-K workspace, its launch shape, and which shapes it can run.
//
// The one owner of that logic: gemmtune's runtime (src/runtime/gemm_launcher.cpp) and every
// bundle `gemmtune export --format bundle` writes (a copy of this file) both launch through it, so
// the two cannot diverge. Host-only C++17, no exceptions, no allocation, no STL: it needs
// <cuda.h> and gemmtune_params.h only. Driver entry points are passed in (gemmtune resolves them
// at run time; a bundle takes libcuda's), and failures are returned as CUresult.
//
// Layouts (kernels/README.md "The operation"): A e4m3 [M][K], B e4m3 [N][K], sA fp32
// [ceil(K/128)][sa_ld] with sa_ld = roundup(M, 4), sB fp32 [ceil(N/128)][sb_ld] with sb_ld =
// roundup(ceil(K/128), 4), D bf16 [M][N], all row-major. The box shapes below must match what
// kernels/sm90_fp8_gemm_1d2d.cuh loads and stores per stage.
//
// NOTE: nothing here allocates, synchronises or compiles: encoding a tensor map is host-only
// work, and kernel parameters are copied at launch, so a launch can be captured in a CUDA graph.
#pragma once

#include <cuda.h>

#include <cstddef>
#include <cstdint>

#include "gemmtune_params.h"

namespace gemmtune::sm90_fp8_gemm_1d2d {

/// The operand a cluster of two CTAs multicasts with TMA (the config's `mc` field).
enum class Multicast : int32_t { kNone = 0, kA = 1, kB = 2 };
/// The GEMM a member computes (the config's `_gC` / `_gM` suffix; gemmtune_params.h has the
/// grouped layouts). The values are the kernel's kGroupLayout.
enum class GroupLayout : int32_t { kNone = 0, kContiguous = 1, kMasked = 2 };

/// What a launch of one compiled config needs. The first five are the config's knobs; the rest
/// are derived by gemmtune's own code (KernelConfig::threads(), smem_layout(),
/// d_swizzle_bytes() in src/core/smem_layout.hpp), and exported bundles bake them in.
struct KernelFacts {
  int32_t block_m;          ///< rows of D per CTA tile
  int32_t block_n;          ///< columns of D per CTA tile
  Multicast multicast;      ///< operand shared by a cluster of 2 CTAs, or none
  int32_t split_k;          ///< K split across CTAs (1: no workspace)
  int32_t num_sms;          ///< CTAs of the persistent grid
  int32_t threads;          ///< threads per CTA
  int32_t smem_bytes;       ///< dynamic shared memory per CTA
  int32_t d_swizzle_bytes;  ///< swizzle span of the D tile's column chunks: 128, 64, 32 or 0
  GroupLayout layout;       ///< dense, or the grouped layout the member is built for
  int32_t fixed_k;          ///< the K compiled into the member (the config's `_k`), 0: any K
  int32_t cluster_size;     ///< CTAs per cluster: 2 with multicast or with the K splits summed
                            ///< in a cluster (KernelConfig::split_k_in_cluster), else 1
};

/// Weight-scale floats one sB box holds per row: the aligned run of 4 K blocks (a TMA box row
/// must be a multiple of 16 bytes). Equal to kSbRunFloats in src/core/smem_layout.hpp.
inline constexpr uint32_t kSbBoxFloats = 4;

/// Device pointers and sizes of one problem (kernels/README.md "The operation" for the layouts).
struct Problem {
  int32_t m, n, k;
  const void* a;   ///< e4m3 [m][k]
  const void* b;   ///< e4m3 [n][k]
  const float* sa; ///< fp32 [ceil(k/128)][sa_ld]
  const float* sb; ///< fp32 [ceil(n/128)][sb_ld]
  int32_t sa_ld;   ///< >= m, a multiple of 4: roundup(m, 4)
  int32_t sb_ld;   ///< >= ceil(k/128), a multiple of 4: roundup(ceil(k/128), 4)
  void* d;         ///< bf16 [m][n]
  // Grouped layouts only (0, 0, null for dense): m counts every group's rows (contiguous: their
  // sum; masked: num_groups * max_m), b is [num_groups * n][k], sb [num_groups * ceil(n/128)][sb_ld].
  int32_t num_groups;           ///< 1..kGemmtuneMaxGroups
  int32_t max_m;                ///< masked: rows per group in A and D; contiguous: 0
  const int32_t* group_rows;    ///< device: contiguous offsets [num_groups + 1], masked masked_m
  /// device, contiguous, optional: where each group's rows end (GemmtuneGemmParams::group_ends)
  const int32_t* group_ends = nullptr;
};

/// CTAs per cluster: the member's (multicast pairs, or a tile's two K splits summed in a cluster).
[[nodiscard]] constexpr int32_t cluster_size(const KernelFacts& f) { return f.cluster_size; }

[[nodiscard]] constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// 128-wide K blocks of K.
[[nodiscard]] constexpr int64_t k_blocks(int64_t k) { return ceil_div(k, 128); }

/// Output tiles of an m x n problem.
[[nodiscard]] constexpr int64_t tile_count(const KernelFacts& f, int64_t m, int64_t n) {
  return ceil_div(m, f.block_m) * ceil_div(n, f.block_n);
}

/// True when m x n x k satisfies the problem rules of kernels/README.md "The operation": 1 <= M, N,
/// K <= 2^31 - 1, N % 8 == 0 and K % 16 == 0 (16-byte TMA row strides of D, A and B).
[[nodiscard]] constexpr bool problem_ok(int64_t m, int64_t n, int64_t k) {
  if (m < 1 || n < 1 || k < 1 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) return false;
  return n % 8 == 0 && k % 16 == 0;
}

/// True when `f` (a grouped member) can run `num_groups` groups of n x k with `m` rows in all
/// (masked: num_groups * max_m): the grouped rules of src/core/legality.cpp (no split-K,
/// 1..kGemmtuneMaxGroups groups, the member's fixed K if it has one).
[[nodiscard]] constexpr bool can_run_grouped(const KernelFacts& f, int64_t m, int64_t n, int64_t k,
                                             int64_t num_groups, int64_t max_m) {
  if (f.layout == GroupLayout::kNone || f.split_k != 1) return false;
  if (f.fixed_k != 0 && k != f.fixed_k) return false;
  if (num_groups < 1 || num_groups > kGemmtuneMaxGroups) return false;
  if (n < 1 || k < 1 || n % 8 != 0 || k % 16 != 0 || n * num_groups > INT32_MAX) return false;
  if (f.multicast == Multicast::kA && ceil_div(n, f.block_n) < 2) return false;
  if (f.layout == GroupLayout::kMasked) {
    return max_m >= 1 && m == num_groups * max_m && m <= INT32_MAX;
  }
  return m >= 0 && m <= INT32_MAX && max_m == 0;
}

/// True when `f` can run an m x n x k problem: problem_ok and the shape-dependent rules of the
/// family (a member compiled for one K runs that K, multicast needs two tiles to share, every K
/// split gets a K block).
/// NOTE: a mirror of src/core/legality.cpp's shape-dependent rules; the NVRTC test
/// SharedLaunch.CanRunAgreesWithLegality keeps the two equal.
[[nodiscard]] constexpr bool can_run(const KernelFacts& f, int64_t m, int64_t n, int64_t k) {
  if (!problem_ok(m, n, k) || f.layout != GroupLayout::kNone) return false;
  const int64_t blocks = k_blocks(k);
  // A member compiled for one K runs that K, split evenly (rules fixed_k, fixed_k_split_k).
  if (f.fixed_k != 0 && (k != f.fixed_k || f.split_k < 1 || blocks % f.split_k != 0)) return false;
  if (f.multicast == Multicast::kA && ceil_div(n, f.block_n) < 2) return false;
  if (f.multicast == Multicast::kB && ceil_div(m, f.block_m) < 2) return false;
  if (f.split_k < 1 || f.split_k > blocks) return false;
  return (f.split_k - 1) * ceil_div(blocks, f.split_k) < blocks;  // no empty last split
}

/// Where the split-K workspace keeps what: [tile counters][fp32 partials: split_k x m x n].
/// The kernel returns every counter it uses to zero, so a workspace zeroed once stays ready.
/// NOTE: counters first, in a region sized by the caller's tile capacity, so that partials of one
/// shape never land on the counters of another: a buffer can serve many shapes.
struct WorkspaceLayout {
  uint64_t counter_bytes;          ///< zero before first use; 4 bytes per tile of capacity
  uint64_t partials_offset_bytes;  ///< counter_bytes rounded up to 256 bytes
  uint64_t total_bytes;            ///< 0 without split-K
};

/// The layout for an m x n problem with room for `counter_capacity_tiles` tile counters
/// (>= tile_count(f, m, n)).
[[nodiscard]] constexpr WorkspaceLayout workspace_layout(const KernelFacts& f, int64_t m, int64_t n,
                                                         int64_t counter_capacity_tiles) {
  if (f.split_k <= 1) return WorkspaceLayout{0, 0, 0};
  const uint64_t counters = uint64_t{4} * static_cast<uint64_t>(counter_capacity_tiles);
  const uint64_t offset = (counters + 255) / 256 * 256;
  const uint64_t partials = uint64_t{4} * static_cast<uint64_t>(f.split_k) *
                            static_cast<uint64_t>(m) * static_cast<uint64_t>(n);
  return WorkspaceLayout{counters, offset, offset + partials};
}

/// Rows of A (and sA) one stage loads per CTA.
/// NOTE: with fewer rows than a tile, A and sA boxes of block_m rows are mostly out of bounds,
/// and TMA's zero fill is not free: bm64_bn56_s10 at 1 x 7168 x 18432 took 61 us against 45 us
/// at M = 64. So such a problem loads M rows rounded up to 8
/// (whole 128-byte swizzle atoms). With multicast the CTA of rank 0 loads the whole box into both
/// CTAs (the kernel's load_operand_block), so the rule holds there too.
[[nodiscard]] constexpr uint32_t a_rows(const KernelFacts& f, int64_t m) {
  return m < f.block_m ? static_cast<uint32_t>((m + 7) / 8 * 8) : static_cast<uint32_t>(f.block_m);
}

/// Rows of D one TMA store writes: a tile's, or where each math warpgroup stores its own rows
/// (the kernel's wg_epilogue: two or three math warpgroups, compiled for a K of at least 6 K
/// blocks) block_m / warpgroups. The two rules must agree.
[[nodiscard]] constexpr uint32_t d_box_rows(const KernelFacts& f) {
  const int32_t math_warpgroups = (f.threads - 128) / 128;
  const bool wg_epilogue = math_warpgroups >= 2 && f.fixed_k / 128 >= 6;
  return static_cast<uint32_t>(wg_epilogue ? f.block_m / math_warpgroups : f.block_m);
}

/// The arguments of one cuTensorMapEncodeTiled call for a 2-D row-major tensor.
struct TensorMapSpec {
  CUtensorMapDataType type;
  const void* base;
  uint64_t inner, outer;  ///< elements per row, rows
  uint64_t row_bytes;     ///< stride between rows
  uint32_t box_inner, box_outer;
  CUtensorMapSwizzle swizzle;
};

/// The five tensor maps in kernel parameter order (A, B, sA, sB, D) and the parameter struct.
struct LaunchPlan {
  TensorMapSpec maps[5];
  GemmtuneGemmParams params;
};

/// The tensor maps and parameters of `p` under `f`. `workspace` (null without split-K) is laid
/// out by workspace_layout(f, p.m, p.n, capacity); `partials_offset_bytes` is that layout's.
[[nodiscard]] inline LaunchPlan plan_launch(const KernelFacts& f, const Problem& p, void* workspace,
                                            uint64_t partials_offset_bytes) {
  const uint64_t m = static_cast<uint64_t>(p.m), n = static_cast<uint64_t>(p.n),
                 k = static_cast<uint64_t>(p.k);
  // NOTE: grouped layouts load whole tiles: the rows of a group are not known on the host.
  const bool grouped = f.layout != GroupLayout::kNone;
  const uint32_t rows = grouped ? static_cast<uint32_t>(f.block_m) : a_rows(f, p.m);
  const uint32_t a_box_rows = rows;
  const uint64_t groups = grouped ? static_cast<uint64_t>(p.num_groups) : 1;
  const uint32_t b_box_rows = static_cast<uint32_t>(f.block_n);
  const uint64_t sa_ld = static_cast<uint64_t>(p.sa_ld), sb_ld = static_cast<uint64_t>(p.sb_ld);
  // D is stored in column chunks of d_swizzle_bytes, one TMA store each.
  const int32_t span = f.d_swizzle_bytes;
  const CUtensorMapSwizzle d_swizzle = span == 128  ? CU_TENSOR_MAP_SWIZZLE_128B
                                       : span == 64 ? CU_TENSOR_MAP_SWIZZLE_64B
                                       : span == 32 ? CU_TENSOR_MAP_SWIZZLE_32B
                                                    : CU_TENSOR_MAP_SWIZZLE_NONE;
  const uint32_t d_box_cols = span == 0 ? static_cast<uint32_t>(f.block_n) : static_cast<uint32_t>(span) / 2;
  LaunchPlan plan{};
  plan.maps[0] = {CU_TENSOR_MAP_DATA_TYPE_UINT8, p.a, k, m, k, 128, a_box_rows,
                  CU_TENSOR_MAP_SWIZZLE_128B};
  plan.maps[1] = {CU_TENSOR_MAP_DATA_TYPE_UINT8, p.b, k, groups * n, k, 128, b_box_rows,
                  CU_TENSOR_MAP_SWIZZLE_128B};
  const uint32_t sa_box_rows =
      grouped ? static_cast<uint32_t>(gemmtune_grouped_sa_box_rows(f.block_m)) : rows;
  plan.maps[2] = {CU_TENSOR_MAP_DATA_TYPE_FLOAT32, p.sa, sa_ld, static_cast<uint64_t>(k_blocks(p.k)),
                  4 * sa_ld, sa_box_rows, 1, CU_TENSOR_MAP_SWIZZLE_NONE};
  // One box per stage: kSbBoxFloats K blocks of the tile's two 128-row scale blocks of B.
  plan.maps[3] = {CU_TENSOR_MAP_DATA_TYPE_FLOAT32, p.sb, sb_ld, groups * ((n + 127) / 128),
                  4 * sb_ld, kSbBoxFloats, 2, CU_TENSOR_MAP_SWIZZLE_NONE};
  plan.maps[4] = {CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, p.d, n, m, n * 2, d_box_cols,
                  d_box_rows(f), d_swizzle};
  GemmtuneGemmParams& q = plan.params;
  q.m = p.m;
  q.n = p.n;
  q.k = p.k;
  q.sb_ld = p.sb_ld;
  q.a_box_rows = static_cast<int>(rows);
  q.sb = p.sb;
  q.d = static_cast<unsigned short*>(p.d);
  if (grouped) {
    q.num_groups = p.num_groups;
    q.max_m = p.max_m;
    q.group_rows = p.group_rows;
    q.group_ends = p.group_ends;
  }
  if (f.split_k > 1 && workspace != nullptr) {
    q.tile_counters = static_cast<unsigned int*>(workspace);
    q.workspace = reinterpret_cast<float*>(static_cast<char*>(workspace) + partials_offset_bytes);
  }
  return plan;
}

/// cuTensorMapEncodeTiled's type (gemmtune resolves it at run time, a bundle links libcuda's).
using EncodeTiledFn = decltype(&::cuTensorMapEncodeTiled);
/// cuLaunchKernelEx's type.
using LaunchKernelExFn = decltype(&::cuLaunchKernelEx);
/// cuFuncSetAttribute's type.
using FuncSetAttributeFn = decltype(&::cuFuncSetAttribute);

/// A CUtensorMap's storage (the driver type is 64-byte aligned, 128 bytes large).
using TensorMap = CUtensorMap;

/// Encodes one map.
/// NOTE: out-of-bounds elements are filled with zeros (FLOAT_OOB_FILL_NONE), which is what makes
/// ragged M, N and K tiles correct: zero rows and columns add nothing to the dot products.
[[nodiscard]] inline CUresult encode_tensor_map(const TensorMapSpec& s, EncodeTiledFn encode,
                                                TensorMap* out) {
  const cuuint64_t dims[2] = {s.inner, s.outer};
  const cuuint64_t strides[1] = {s.row_bytes};
  const cuuint32_t box[2] = {s.box_inner, s.box_outer};
  const cuuint32_t element_strides[2] = {1, 1};
  return encode(out, s.type, 2, const_cast<void*>(s.base), dims, strides, box, element_strides,
                CU_TENSOR_MAP_INTERLEAVE_NONE, s.swizzle, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}

/// The kernel arguments of one launch: encoded tensor maps and the parameter struct.
struct EncodedLaunch {
  TensorMap maps[5];
  GemmtuneGemmParams params;
};

/// Encodes every map of `plan` into `out` (host-only work); the first failure is returned.
[[nodiscard]] inline CUresult encode_launch(const LaunchPlan& plan, EncodeTiledFn encode,
                                            EncodedLaunch* out) {
  for (int i = 0; i < 5; ++i) {
    const CUresult status = encode_tensor_map(plan.maps[i], encode, &out->maps[i]);
    if (status != CUDA_SUCCESS) return status;
  }
  out->params = plan.params;
  return CUDA_SUCCESS;
}

/// Grid, block, dynamic shared memory and cluster of every launch of `f`: one CTA per SM of the
/// persistent grid (num_sms), clusters as cluster_size says.
struct LaunchDims {
  uint32_t grid_x, block_x, smem_bytes, cluster_x;
};
[[nodiscard]] constexpr LaunchDims launch_dims(const KernelFacts& f) {
  return LaunchDims{static_cast<uint32_t>(f.num_sms), static_cast<uint32_t>(f.threads),
                    static_cast<uint32_t>(f.smem_bytes), static_cast<uint32_t>(cluster_size(f))};
}

/// Allows `function` the dynamic shared memory of `f` (needed above 48 KiB); once per load.
[[nodiscard]] inline CUresult configure_function(CUfunction function, const KernelFacts& f,
                                                 FuncSetAttributeFn set_attribute) {
  return set_attribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f.smem_bytes);
}

/// How a launch starts relative to the kernel before it on its stream:
///   kAfterPrevious: when that kernel has finished (stream order; the default).
///   kOverlapPrevious: programmatic dependent launch. The grid may be scheduled once the kernel
///     before it has signalled (a family kernel's producer does so after its last load) and runs
///     its prologue (barrier init, descriptor prefetch) while that kernel's last tiles run; it waits
///     for that kernel to finish before it reads or writes global memory. For chains of GEMMs
///     and other kernels in a model; the timing protocols flush the L2 with a memset between
///     calls, which no launch overlaps, so tables are timed with kAfterPrevious.
enum class LaunchOrder { kAfterPrevious, kOverlapPrevious };

/// Most launch attributes a launch carries: the cluster's and the launch order's.
inline constexpr int kMaxLaunchAttributes = 2;

/// The driver's launch configuration of every launch of `f` on `stream` (also what an occupancy
/// query takes); `attrs` (kMaxLaunchAttributes entries) receives the attributes the configuration points to, so it
/// must outlive the configuration's use.
[[nodiscard]] inline CUlaunchConfig launch_config(const KernelFacts& f, CUstream stream,
                                                  CUlaunchAttribute* attrs,
                                                  LaunchOrder order = LaunchOrder::kAfterPrevious) {
  const LaunchDims dims = launch_dims(f);
  unsigned count = 0;
  if (dims.cluster_x > 1) {
    CUlaunchAttribute& cluster = attrs[count++];
    cluster = CUlaunchAttribute{};
    cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    cluster.value.clusterDim.x = dims.cluster_x;
    cluster.value.clusterDim.y = 1;
    cluster.value.clusterDim.z = 1;
  }
  if (order == LaunchOrder::kOverlapPrevious) {
    CUlaunchAttribute& overlap = attrs[count++];
    overlap = CUlaunchAttribute{};
    overlap.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    overlap.value.programmaticStreamSerializationAllowed = 1;
  }
  CUlaunchConfig config{};
  config.gridDimX = dims.grid_x;
  config.gridDimY = 1;
  config.gridDimZ = 1;
  config.blockDimX = dims.block_x;
  config.blockDimY = 1;
  config.blockDimZ = 1;
  config.sharedMemBytes = dims.smem_bytes;
  config.hStream = stream;
  config.attrs = count > 0 ? attrs : nullptr;
  config.numAttrs = count;
  return config;
}

/// Enqueues `function` (a member compiled for `f`) with `args` on `stream` (cudaStream_t and
/// CUstream are the same type), started as `order` says. Asynchronous: no allocation, no
/// synchronisation.
[[nodiscard]] inline CUresult launch(CUfunction function, const KernelFacts& f,
                                     const EncodedLaunch& args, CUstream stream,
                                     LaunchKernelExFn launch_kernel_ex,
                                     LaunchOrder order = LaunchOrder::kAfterPrevious) {
  CUlaunchAttribute attrs[kMaxLaunchAttributes];
  CUlaunchConfig config = launch_config(f, stream, attrs, order);
  void* kernel_args[6] = {const_cast<TensorMap*>(&args.maps[0]), const_cast<TensorMap*>(&args.maps[1]),
                          const_cast<TensorMap*>(&args.maps[2]), const_cast<TensorMap*>(&args.maps[3]),
                          const_cast<TensorMap*>(&args.maps[4]),
                          const_cast<GemmtuneGemmParams*>(&args.params)};
  return launch_kernel_ex(&config, function, kernel_args, nullptr);
}

}  // namespace gemmtune::sm90_fp8_gemm_1d2d
