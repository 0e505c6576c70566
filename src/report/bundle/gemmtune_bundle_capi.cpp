// gemmtune_bundle_capi.cpp: the C ABI of gemmtune_bundle_capi.h over the bundle's Dispatcher.
// Compiled in the bundle folder (build.sh), next to gemmtune_bundle.h. C++17, libcuda only.
#include "gemmtune_bundle_capi.h"

#include <cuda.h>

#include <cstdio>
#include <new>

#include "gemmtune_bundle.h"

struct gemmtune_bundle_handle {
  CUdevice device = 0;
  CUcontext context = nullptr;  ///< the device's primary context, retained
  gemmtune_bundle::Bundle bundle;
  /// The DeepGEMM-layout conversion (cubins/deepgemm_layout.cubin); null when not bundled.
  CUmodule layout_module = nullptr;
  CUfunction layout_function = nullptr;
  int sm_count = 1;  ///< the device's SMs: the conversion's transpose blocks, two per SM
};

namespace {

namespace launch = gemmtune::sm90_fp8_gemm_1d2d;

/// Threads per block, blocks per SM, rows per scan block and pass, and the transpose tile of the
/// conversion kernel (kernels/sm90_fp8_gemm_1d2d_deepgemm_layout.cuh kThreads, kBlocksPerSm,
/// kRowsPerThread, kTileRows, kTileKBlocks).
constexpr unsigned kLayoutThreads = 1024;
constexpr int64_t kLayoutBlocksPerSm = 2;
constexpr int64_t kLayoutScanRows = 1024 * 8;
constexpr int64_t kLayoutTileRows = 128;
constexpr int64_t kLayoutTileKBlocks = 32;
/// Scan blocks at most: they loop over the rows beyond (64 cover 512k rows in one pass).
constexpr int64_t kLayoutMaxScanBlocks = 64;
/// Rows up to which one scan block takes them all, in passes of kLayoutScanRows. Why: a single
/// block needs no summary in global memory, so no memset before it and no three dependent round
/// trips to L2 after its rows (~3 µs); a second pass costs one memory latency (~1 µs).
constexpr int64_t kLayoutSingleScanRows = 2 * kLayoutScanRows;
/// The GEMM after the conversion kernel starts as a programmatic dependent launch: the conversion
/// signals at its start, so the GEMM's CTAs are scheduled as its last blocks run and wait on the
/// device for its results (griddepcontrol.wait), instead of a launch after it ends.
/// Only after a conversion this library launched: a caller's kernel before a plain call may not
/// signal, and a GEMM that overlaps it is the caller's choice (Bundle::set_launch_order).
/// Measured with the conversion's other changes, not alone: a masked call of 256 rows a group
/// pays 2.1 µs for its conversion (3.7 before), a dense one 2.4 (3.2), H200
/// (results/h200-python/README.md).
constexpr launch::LaunchOrder kAfterLayout = launch::LaunchOrder::kOverlapPrevious;

/// The launch order of the GEMM after launch_layout: overlapped when the conversion ran.
[[nodiscard]] const launch::LaunchOrder* order_after(bool converted) {
  return converted ? &kAfterLayout : nullptr;
}

/// Where the MN-major sA starts in the scratch: after the offsets, 256-byte aligned (the sA
/// tensor map needs 16).
constexpr size_t kLayoutScratchAlignBytes = 256;

/// Ints at the scratch's start: the offsets [groups + 1] and ends [groups] the conversion writes,
/// then its scan's summary [2 groups + 2] (zeroed before each launch).
[[nodiscard]] int64_t layout_index_ints(int64_t groups) { return 2 * groups + 1; }
[[nodiscard]] int64_t layout_summary_ints(int64_t groups) { return groups > 0 ? 2 * groups + 2 : 0; }
[[nodiscard]] size_t layout_offsets_bytes(int64_t groups) {
  const size_t bytes =
      static_cast<size_t>(layout_index_ints(groups) + layout_summary_ints(groups)) * sizeof(int32_t);
  return (bytes + kLayoutScratchAlignBytes - 1) / kLayoutScratchAlignBytes * kLayoutScratchAlignBytes;
}

/// Loads `dir`/cubins/deepgemm_layout.cubin when the bundle has it (NOTE: the path and symbol are
/// report::kDeepgemmLayoutCubin and kDeepgemmLayoutSymbol, spelled out: this file builds from the
/// bundle folder alone); a bundle without it (or one
/// whose conversion cannot load) keeps the PyTorch conversion of the Python module.
void load_layout(const char* dir, gemmtune_bundle_handle* h) {
  char path[4096];
  const int length = std::snprintf(path, sizeof(path), "%s/cubins/deepgemm_layout.cubin", dir);
  if (length < 0 || length >= static_cast<int>(sizeof(path))) return;
  if (cuModuleLoad(&h->layout_module, path) != CUDA_SUCCESS) {
    h->layout_module = nullptr;
    return;
  }
  if (cuModuleGetFunction(&h->layout_function, h->layout_module,
                          "gemmtune_deepgemm_contiguous_layout") != CUDA_SUCCESS) {
    static_cast<void>(cuModuleUnload(h->layout_module));
    h->layout_module = nullptr;
    h->layout_function = nullptr;
  }
}

/// Makes `context` current for the scope when it is not already (the common case under the CUDA
/// runtime, whose threads use the primary context), restoring the caller's context afterwards.
/// NOTE: a push rather than a set, so a thread whose current device is another GPU keeps it.
class ScopedContext {
 public:
  explicit ScopedContext(CUcontext context) {
    CUcontext current = nullptr;
    if (cuCtxGetCurrent(&current) == CUDA_SUCCESS && current == context) return;
    status_ = cuCtxPushCurrent(context);
    pushed_ = status_ == CUDA_SUCCESS;
  }
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;
  ~ScopedContext() {
    if (pushed_) {
      CUcontext popped = nullptr;
      static_cast<void>(cuCtxPopCurrent(&popped));
    }
  }
  [[nodiscard]] CUresult status() const { return status_; }

 private:
  CUresult status_ = CUDA_SUCCESS;
  bool pushed_ = false;
};

}  // namespace

extern "C" {

int gemmtune_bundle_abi_version(void) { return GEMMTUNE_BUNDLE_ABI_VERSION; }

const char* gemmtune_bundle_error_name(int status) {
  const char* name = nullptr;
  if (cuGetErrorName(static_cast<CUresult>(status), &name) == CUDA_SUCCESS && name != nullptr) {
    return name;
  }
  // NOTE: the toolkit's stub libcuda (a machine without a driver) names no error.
  return status == CUDA_ERROR_STUB_LIBRARY ? "CUDA_ERROR_STUB_LIBRARY" : "CUDA_ERROR_UNKNOWN";
}

int gemmtune_bundle_device_info(int device, int* cc_major, int* cc_minor, int* driver_version) {
  if (cc_major == nullptr || cc_minor == nullptr || driver_version == nullptr) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  CUresult status = cuInit(0);
  CUdevice handle = 0;
  if (status == CUDA_SUCCESS) status = cuDeviceGet(&handle, device);
  if (status == CUDA_SUCCESS) {
    status = cuDeviceGetAttribute(cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle);
  }
  if (status == CUDA_SUCCESS) {
    status = cuDeviceGetAttribute(cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle);
  }
  if (status == CUDA_SUCCESS) status = cuDriverGetVersion(driver_version);
  return status;
}

int gemmtune_bundle_num_kernels(void) { return gemmtune_bundle::kNumKernels; }

const char* gemmtune_bundle_kernel_config(int index) {
  if (index < 0 || index >= gemmtune_bundle::kNumKernels) return nullptr;
  return gemmtune_bundle::kKernels[index].config;
}

int gemmtune_bundle_create(const char* dir, int device, gemmtune_bundle_handle** handle) {
  if (dir == nullptr || handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *handle = nullptr;
  CUresult status = cuInit(0);
  if (status != CUDA_SUCCESS) return status;
  auto* h = new (std::nothrow) gemmtune_bundle_handle;
  if (h == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
  status = cuDeviceGet(&h->device, device);
  if (status == CUDA_SUCCESS) status = cuDevicePrimaryCtxRetain(&h->context, h->device);
  if (status != CUDA_SUCCESS) {
    h->context = nullptr;
    gemmtune_bundle_destroy(h);
    return status;
  }
  {
    const ScopedContext scope(h->context);
    status = scope.status();
    if (status == CUDA_SUCCESS) status = h->bundle.load_dir(dir);
    if (status == CUDA_SUCCESS) load_layout(dir, h);
    if (status == CUDA_SUCCESS) {
      status = cuDeviceGetAttribute(&h->sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                    h->device);
    }
  }
  if (status != CUDA_SUCCESS) {
    gemmtune_bundle_destroy(h);
    return status;
  }
  *handle = h;
  return CUDA_SUCCESS;
}

void gemmtune_bundle_destroy(gemmtune_bundle_handle* handle) {
  if (handle == nullptr) return;
  if (handle->context != nullptr) {
    {
      const ScopedContext scope(handle->context);
      handle->bundle.unload();
      if (handle->layout_module != nullptr) static_cast<void>(cuModuleUnload(handle->layout_module));
    }
    static_cast<void>(cuDevicePrimaryCtxRelease(handle->device));
  }
  delete handle;
}

int gemmtune_bundle_set_fallback(gemmtune_bundle_handle* handle, const char* config) {
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  return handle->bundle.set_fallback(config);
}

int gemmtune_bundle_select(const gemmtune_bundle_handle* handle, int64_t m, int64_t n, int64_t k) {
  return handle == nullptr ? -1 : handle->bundle.select(m, n, k);
}

int gemmtune_bundle_select_grouped(const gemmtune_bundle_handle* handle, int layout, int64_t groups,
                                   int64_t n, int64_t k, int64_t rows, int64_t m, int64_t max_m,
                                   int64_t row_align) {
  if (handle == nullptr || (layout != 1 && layout != 2) || row_align < 1) return -1;
  return handle->bundle.select_grouped(static_cast<launch::GroupLayout>(layout), groups, n, k, rows,
                                       m, max_m, row_align);
}

size_t gemmtune_bundle_workspace_bytes(const gemmtune_bundle_handle* handle, int64_t m, int64_t n,
                                       int64_t k) {
  return handle == nullptr ? 0 : handle->bundle.workspace_bytes(m, n, k);
}

int gemmtune_bundle_gemm(const gemmtune_bundle_handle* handle, int64_t m, int64_t n, int64_t k,
                         const void* a, const float* sa, const void* b, const float* sb, void* d,
                         void* workspace, size_t workspace_bytes, void* stream) {
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  return handle->bundle.gemm(m, n, k, a, sa, b, sb, d, workspace, workspace_bytes,
                             static_cast<CUstream>(stream));
}

int gemmtune_bundle_gemm_grouped_contiguous(const gemmtune_bundle_handle* handle, int64_t groups,
                                            int64_t m, int64_t n, int64_t k, const int32_t* offsets,
                                            const void* a, const float* sa, const void* b,
                                            const float* sb, void* d, void* stream) {
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  return handle->bundle.gemm_grouped_contiguous(groups, m, n, k, offsets, a, sa, b, sb, d,
                                                static_cast<CUstream>(stream));
}

int gemmtune_bundle_gemm_grouped_contiguous_padded(const gemmtune_bundle_handle* handle,
                                                   int64_t groups, int64_t m, int64_t row_align,
                                                   int64_t n, int64_t k, const int32_t* offsets,
                                                   const int32_t* group_ends, const void* a,
                                                   const float* sa, const void* b, const float* sb,
                                                   void* d, void* stream) {
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  return handle->bundle.gemm_grouped_contiguous_padded(groups, m, row_align, n, k, offsets,
                                                       group_ends, a, sa, b, sb, d,
                                                       static_cast<CUstream>(stream));
}

int gemmtune_bundle_has_deepgemm_layout(const gemmtune_bundle_handle* handle) {
  return handle != nullptr && handle->layout_function != nullptr ? 1 : 0;
}

size_t gemmtune_bundle_deepgemm_contiguous_scratch_bytes(int64_t groups, int64_t m, int64_t k) {
  if (groups < 0 || m < 0 || k < 1) return 0;
  const int64_t k_blocks = (k + 127) / 128, rows = (m + 3) / 4 * 4;
  return layout_offsets_bytes(groups) + static_cast<size_t>(k_blocks * rows) * sizeof(float);
}

size_t gemmtune_bundle_deepgemm_scratch_bytes(int64_t m, int64_t k) {
  return gemmtune_bundle_deepgemm_contiguous_scratch_bytes(0, m, k);
}

}  // extern "C"

namespace {

/// The conversion kernel's blocks: the index scan's (none without groups), then the transpose's.
struct LayoutGrid {
  int64_t scan_blocks = 0;
  int64_t transpose_blocks = 0;
};

/// Scan blocks: one up to kLayoutSingleScanRows rows (also for none, so that an empty call still
/// writes its offsets), else one per kLayoutScanRows rows, at most kLayoutMaxScanBlocks.
/// Transpose blocks (`transposes`): one per tile of segment_rows-row segments, at most one wave
/// of resident blocks; they loop over the tiles beyond, and a masked call's tiles past masked_m
/// cost each a cached load.
[[nodiscard]] LayoutGrid layout_grid(int sm_count, int64_t groups, int64_t rows, int64_t k_blocks,
                                     bool transposes, int64_t segment_rows) {
  LayoutGrid grid;
  if (groups > 0) {
    grid.scan_blocks =
        rows <= kLayoutSingleScanRows ? 1 : (rows + kLayoutScanRows - 1) / kLayoutScanRows;
    if (grid.scan_blocks > kLayoutMaxScanBlocks) grid.scan_blocks = kLayoutMaxScanBlocks;
  }
  if (transposes) {
    const int64_t segments = (rows + segment_rows - 1) / segment_rows;
    grid.transpose_blocks = segments * ((segment_rows + kLayoutTileRows - 1) / kLayoutTileRows) *
                            ((k_blocks + kLayoutTileKBlocks - 1) / kLayoutTileKBlocks);
    const int64_t resident_blocks = kLayoutBlocksPerSm * sm_count;
    if (grid.transpose_blocks > resident_blocks) grid.transpose_blocks = resident_blocks;
  }
  return grid;
}

/// The conversion kernel on `stream`: offsets of `groups` groups from m_indices (none when
/// groups is 0) at the start of `scratch`, and sfa's `rows` K-major rows (row stride
/// `row_stride` floats; 0: sfa is MN-major already) into the MN-major sA after them.
/// `*sa` is where the GEMM reads sA. A masked call passes masked_m and max_m: only the rows the
/// GEMM reads are transposed (null masked_m: every row). `*launched`: whether a kernel was
/// launched (the GEMM after it then overlaps its end, kAfterLayout).
CUresult launch_layout(const gemmtune_bundle_handle* handle, int64_t groups, int64_t rows,
                       int64_t k, const int32_t* m_indices, const float* sfa, int64_t row_stride,
                       void* scratch, size_t scratch_bytes, CUstream stream, const float** sa,
                       bool* launched, const int32_t* masked_m = nullptr, int64_t max_m = 1) {
  *launched = false;
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  if (handle->layout_function == nullptr) return CUDA_ERROR_NOT_SUPPORTED;
  const int64_t k_blocks = (k + 127) / 128;
  if (groups < 0 || groups > kGemmtuneMaxGroups || rows < 0 || rows > INT32_MAX || k < 1 ||
      (groups > 0) != (m_indices != nullptr) || row_stride < 0 ||
      (row_stride > 0 && row_stride < k_blocks) || sfa == nullptr || scratch == nullptr ||
      max_m < 1 || max_m > INT32_MAX ||
      scratch_bytes < gemmtune_bundle_deepgemm_contiguous_scratch_bytes(groups, rows, k)) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  float* converted =
      reinterpret_cast<float*>(static_cast<char*>(scratch) + layout_offsets_bytes(groups));
  *sa = row_stride > 0 ? converted : sfa;
  if (groups == 0 && row_stride == 0) return CUDA_SUCCESS;  // nothing to convert
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  auto* offsets = static_cast<int32_t*>(scratch);
  int32_t* ends = offsets + groups + 1;
  int32_t* summary = offsets + layout_index_ints(groups);
  const float* source = row_stride > 0 ? sfa : nullptr;
  // Masked: tiles inside each group's max_m rows, only the first masked_m[g] transposed.
  const int64_t segment_rows = masked_m != nullptr ? max_m : (rows > 0 ? rows : 1);
  const LayoutGrid grid = layout_grid(handle->sm_count, groups, rows, k_blocks, source != nullptr,
                                      segment_rows);
  // Only scan blocks that meet in global memory read the summary; a single one finishes alone.
  if (grid.scan_blocks > 1) {
    const CUresult zeroed = cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(summary), 0,
                                             static_cast<size_t>(layout_summary_ints(groups)), stream);
    if (zeroed != CUDA_SUCCESS) return zeroed;
  }
  int row_count = static_cast<int>(rows), group_count = static_cast<int>(groups);
  int scan_count = static_cast<int>(grid.scan_blocks), kb = static_cast<int>(k_blocks);
  int stride = static_cast<int>(row_stride), mn_stride = static_cast<int>((rows + 3) / 4 * 4);
  int segment = static_cast<int>(segment_rows);
  void* params[] = {&m_indices, &row_count, &group_count, &scan_count, &summary, &offsets,
                    &ends,      &source,    &kb,          &stride,     &converted, &mn_stride,
                    &segment,   &masked_m};
  const CUresult status = cuLaunchKernel(
      handle->layout_function, static_cast<unsigned>(grid.scan_blocks + grid.transpose_blocks), 1,
      1, kLayoutThreads, 1, 1, 0, stream, params, nullptr);
  *launched = status == CUDA_SUCCESS;
  return status;
}

}  // namespace

extern "C" {

int gemmtune_bundle_deepgemm_contiguous_layout(const gemmtune_bundle_handle* handle,
                                                int64_t groups, int64_t m, int64_t k,
                                                const int32_t* m_indices, const float* sfa,
                                                int64_t sfa_row_stride, void* scratch,
                                                size_t scratch_bytes, void* stream) {
  if (groups < 1) return CUDA_ERROR_INVALID_VALUE;
  const float* sa = nullptr;
  // NOTE: without scales to convert the kernel reads none; a non-null pointer keeps the checks.
  static const float kNoScales = 0.0f;
  bool launched = false;
  return launch_layout(handle, groups, m, k, m_indices, sfa != nullptr ? sfa : &kNoScales,
                       sfa_row_stride, scratch, scratch_bytes, static_cast<CUstream>(stream),
                       &sa, &launched);
}

int gemmtune_bundle_gemm_grouped_contiguous_deepgemm(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t m, int64_t n, int64_t k,
    const int32_t* m_indices, const void* a, const float* sfa, int64_t sfa_row_stride,
    const void* b, const float* sb, void* d, void* scratch, size_t scratch_bytes, void* stream) {
  if (handle == nullptr || groups < 1) return CUDA_ERROR_INVALID_VALUE;
  if (m == 0) return CUDA_SUCCESS;  // every group empty: D has no rows
  const float* sa = nullptr;
  bool launched = false;
  const CUresult status = launch_layout(handle, groups, m, k, m_indices, sfa, sfa_row_stride,
                                        scratch, scratch_bytes, static_cast<CUstream>(stream), &sa,
                                        &launched);
  if (status != CUDA_SUCCESS) return status;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  // The conversion wrote the offsets and then the groups' ends: the padding is not computed.
  const auto* offsets = static_cast<const int32_t*>(scratch);
  return handle->bundle.gemm_grouped_contiguous_padded(groups, m, kGemmtuneDeepgemmGroupRowAlign,
                                                       n, k, offsets, offsets + groups + 1, a, sa,
                                                       b, sb, d, static_cast<CUstream>(stream),
                                                       order_after(launched));
}

int gemmtune_bundle_gemm_deepgemm(const gemmtune_bundle_handle* handle, int64_t m, int64_t n,
                                  int64_t k, const void* a, const float* sfa,
                                  int64_t sfa_row_stride, const void* b, const float* sb, void* d,
                                  void* workspace, size_t workspace_bytes, void* scratch,
                                  size_t scratch_bytes, void* stream) {
  const float* sa = nullptr;
  bool launched = false;
  const CUresult status = launch_layout(handle, 0, m, k, nullptr, sfa, sfa_row_stride, scratch,
                                        scratch_bytes, static_cast<CUstream>(stream), &sa,
                                        &launched);
  if (status != CUDA_SUCCESS) return status;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  return handle->bundle.gemm(m, n, k, a, sa, b, sb, d, workspace, workspace_bytes,
                             static_cast<CUstream>(stream), order_after(launched));
}

int gemmtune_bundle_gemm_grouped_masked_deepgemm(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t max_m, int64_t expected_m,
    int64_t n, int64_t k, const int32_t* masked_m, const void* a, const float* sfa,
    int64_t sfa_row_stride, const void* b, const float* sb, void* d, void* scratch,
    size_t scratch_bytes, void* stream) {
  if (handle == nullptr || groups < 1 || max_m < 1 || groups * max_m > INT32_MAX) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  const float* sa = nullptr;
  bool launched = false;
  const CUresult status = launch_layout(handle, 0, groups * max_m, k, nullptr, sfa,
                                        sfa_row_stride, scratch, scratch_bytes,
                                        static_cast<CUstream>(stream), &sa, &launched, masked_m,
                                        max_m);
  if (status != CUDA_SUCCESS) return status;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  return handle->bundle.gemm_grouped_masked(groups, max_m, expected_m, n, k, masked_m, a, sa, b,
                                            sb, d, static_cast<CUstream>(stream),
                                            order_after(launched));
}

int gemmtune_bundle_gemm_grouped_masked(const gemmtune_bundle_handle* handle, int64_t groups,
                                        int64_t max_m, int64_t expected_m, int64_t n, int64_t k,
                                        const int32_t* masked_m, const void* a, const float* sa,
                                        const void* b, const float* sb, void* d, void* stream) {
  if (handle == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const ScopedContext scope(handle->context);
  if (scope.status() != CUDA_SUCCESS) return scope.status();
  return handle->bundle.gemm_grouped_masked(groups, max_m, expected_m, n, k, masked_m, a, sa, b,
                                            sb, d, static_cast<CUstream>(stream));
}

}  // extern "C"
