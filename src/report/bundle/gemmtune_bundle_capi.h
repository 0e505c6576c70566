/* gemmtune_bundle_capi.h: a C ABI over an exported bundle's dispatcher (gemmtune_bundle.h), for
 * callers that cannot include C++ headers: ctypes (gemmtune_bundle.py), cffi, Rust, Go.
 * build.sh compiles gemmtune_bundle_capi.cpp in the bundle folder into libgemmtune_bundle.so,
 * which exports these functions and nothing else and needs only libcuda.
 *
 * Every function returns a CUresult (0: success) unless it says otherwise. Layouts are those of
 * Bundle::gemm (sm90_fp8_gemm_1d2d_bundle.h): A e4m3 [m][k], sA fp32 [ceil(k/128)][roundup(m, 4)],
 * B e4m3 [n][k], sB fp32 [ceil(n/128)][roundup(ceil(k/128), 4)], D bf16 [m][n], device pointers.
 * A handle owns one device's kernels, loaded into that device's primary context (the one the
 * CUDA runtime and PyTorch use). The GEMM calls only enqueue on `stream` (0: the legacy default
 * stream): no allocation, no synchronisation, capturable in a CUDA graph, thread-safe. */
#ifndef GEMMTUNE_BUNDLE_CAPI_H
#define GEMMTUNE_BUNDLE_CAPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GEMMTUNE_BUNDLE_API __attribute__((visibility("default")))
#else
#define GEMMTUNE_BUNDLE_API
#endif

/** The version of this ABI; a caller checks it before anything else. */
#define GEMMTUNE_BUNDLE_ABI_VERSION 3

typedef struct gemmtune_bundle_handle gemmtune_bundle_handle;

/** Returns GEMMTUNE_BUNDLE_ABI_VERSION as compiled into the library (not a CUresult). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_abi_version(void);

/** The CUresult's name, e.g. "CUDA_ERROR_NO_BINARY_FOR_GPU" (never NULL; not a CUresult). */
GEMMTUNE_BUNDLE_API const char* gemmtune_bundle_error_name(int status);

/** The device's compute capability and the driver's CUDA version (e.g. 12080). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_device_info(int device, int* cc_major, int* cc_minor,
                                                    int* driver_version);

/** The number of bundled kernels and the config name of kernel `index` (NULL when out of range;
 * not CUresults). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_num_kernels(void);
GEMMTUNE_BUNDLE_API const char* gemmtune_bundle_kernel_config(int index);

/** Loads `dir`/cubins/<config>.cubin for every kernel into `device`'s primary context and
 * stores a new handle in *handle. A cubin the GPU or driver cannot run fails here
 * (CUDA_ERROR_NO_BINARY_FOR_GPU, CUDA_ERROR_UNSUPPORTED_PTX_VERSION, CUDA_ERROR_INVALID_IMAGE). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_create(const char* dir, int device,
                                               gemmtune_bundle_handle** handle);

/** Unloads the kernels and frees the handle (NULL: nothing); errors are ignored. */
GEMMTUNE_BUNDLE_API void gemmtune_bundle_destroy(gemmtune_bundle_handle* handle);

/** Bundle::set_fallback: the bundled dense kernel named `config` serves the shapes the table
 * does not cover (NULL: none). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_set_fallback(gemmtune_bundle_handle* handle,
                                                     const char* config);

/** The kernel index gemm would use for m x n x k, -1 for none (not a CUresult). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_select(const gemmtune_bundle_handle* handle, int64_t m,
                                               int64_t n, int64_t k);

/** The kernel index a grouped call would use (layout 1: contiguous, rows = m, max_m = 0, and
 * the groups' row_align: 1 unpadded, 128 DeepGEMM's layout, where rows is m less the most
 * padding; 2: masked, rows = expected_m x groups, m = groups x max_m, row_align 1), -1 for none
 * (not a CUresult). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_select_grouped(const gemmtune_bundle_handle* handle,
                                                       int layout, int64_t groups, int64_t n,
                                                       int64_t k, int64_t rows, int64_t m,
                                                       int64_t max_m, int64_t row_align);

/** Bytes of split-K workspace gemm needs for m x n x k (0: none; not a CUresult). Zero it once
 * before first use; one buffer serves one stream at a time. */
GEMMTUNE_BUNDLE_API size_t gemmtune_bundle_workspace_bytes(const gemmtune_bundle_handle* handle,
                                                           int64_t m, int64_t n, int64_t k);

/** Bundle::gemm: D = A x B^T with the scales, enqueued on `stream` (a CUstream). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm(const gemmtune_bundle_handle* handle, int64_t m,
                                             int64_t n, int64_t k, const void* a, const float* sa,
                                             const void* b, const float* sb, void* d,
                                             void* workspace, size_t workspace_bytes,
                                             void* stream);

/** Bundle::gemm_grouped_contiguous: group g owns rows [offsets[g], offsets[g + 1]) of A, sA, D;
 * B is [groups * n][k], sB [groups * ceil(n/128)][roundup(ceil(k/128), 4)]; offsets is int32
 * on the device, groups + 1 values. */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm_grouped_contiguous(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t m, int64_t n, int64_t k,
    const int32_t* offsets, const void* a, const float* sa, const void* b, const float* sb,
    void* d, void* stream);

/** gemmtune_bundle_gemm_grouped_contiguous where every group is padded up to a multiple of
 * row_align rows (DeepGEMM's layout: 128): the selection allows for the padding, so a problem
 * keeps the entry tuned for its real rows; group_ends (int32 on the device, groups values, or
 * null) says where each group's real rows end, and the rows after it are neither computed nor
 * written (Bundle::gemm_grouped_contiguous_padded). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm_grouped_contiguous_padded(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t m, int64_t row_align, int64_t n,
    int64_t k, const int32_t* offsets, const int32_t* group_ends, const void* a, const float* sa,
    const void* b, const float* sb, void* d, void* stream);

/** Whether the bundle carries the DeepGEMM-layout conversion kernel (cubins/deepgemm_layout.cubin,
 * loaded by gemmtune_bundle_create): 1 yes, 0 no (not a CUresult). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_has_deepgemm_layout(const gemmtune_bundle_handle* handle);

/** Bytes of device scratch gemmtune_bundle_gemm_grouped_contiguous_deepgemm needs for `groups`
 * groups, m rows and K = k: the offsets (groups + 1 int32), the groups' ends (groups int32) and
 * the conversion's own summary (2 groups + 2 int32), rounded up to 256 bytes, then the MN-major
 * sA [ceil(k/128)][roundup(m, 4)] floats (not a CUresult). */
GEMMTUNE_BUNDLE_API size_t gemmtune_bundle_deepgemm_contiguous_scratch_bytes(int64_t groups,
                                                                            int64_t m, int64_t k);

/** The conversion alone (one launch on `stream`, after a memset above 16384 rows): offsets
 * [groups + 1] int32 at the start of `scratch` (offsets[g]: the first row whose index is >= g,
 * at most one past the last row with an index), the groups' ends [groups] int32 right after them
 * (one past each group's last row with its index; 0 for none), and, when sfa_row_stride > 0, the
 * MN-major sA after those (gemmtune_bundle_deepgemm_contiguous_scratch_bytes); see below. At most
 * 512 groups. A caller whose GEMMs share one m_indices (gate_up and down of one MoE layer)
 * converts once and calls gemmtune_bundle_gemm_grouped_contiguous_padded with the offsets, the
 * ends and row_align 128. */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_deepgemm_contiguous_layout(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t m, int64_t k,
    const int32_t* m_indices, const float* sfa, int64_t sfa_row_stride, void* scratch,
    size_t scratch_bytes, void* stream);

/** gemmtune_bundle_gemm_grouped_contiguous from DeepGEMM's contiguous layout, in two launches on
 * `stream` (the GEMM overlapping the conversion's end; a memset before them above 16384 rows):
 * the conversion kernel turns m_indices (int32 [m] on the device, the group of each row in
 * ascending groups, -1 for padding; group g owns its first row to its last row with index g) into
 * offsets and ends in `scratch` and, when sfa_row_stride > 0, sfa from K-major fp32
 * [m][ceil(k/128)] (row stride sfa_row_stride floats) into the kernels' MN-major layout in
 * `scratch`; sfa_row_stride 0 takes sfa as the kernels' layout already. Then the GEMM, as
 * gemmtune_bundle_gemm_grouped_contiguous_padded with row_align 128 and those ends: D's padding
 * rows are neither computed nor written, as in DeepGEMM. No allocation, no synchronisation: the
 * call can be captured in a CUDA graph. CUDA_ERROR_NOT_SUPPORTED when the bundle has no
 * conversion kernel; CUDA_ERROR_INVALID_VALUE for scratch smaller than
 * gemmtune_bundle_deepgemm_contiguous_scratch_bytes. */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm_grouped_contiguous_deepgemm(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t m, int64_t n, int64_t k,
    const int32_t* m_indices, const void* a, const float* sfa, int64_t sfa_row_stride,
    const void* b, const float* sb, void* d, void* scratch, size_t scratch_bytes, void* stream);

/** Bytes of scratch the dense and masked *_deepgemm calls need for m rows (masked: groups x
 * max_m) and K = k: 256, then the MN-major sA (not a CUresult). */
GEMMTUNE_BUNDLE_API size_t gemmtune_bundle_deepgemm_scratch_bytes(int64_t m, int64_t k);

/** gemmtune_bundle_gemm with DeepGEMM's sfa: K-major fp32 [m][ceil(k/128)] (row stride
 * sfa_row_stride floats) transposed into `scratch` by the conversion kernel, then the GEMM; 0:
 * sfa is the kernels' layout already. Errors as gemmtune_bundle_gemm_grouped_contiguous_deepgemm. */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm_deepgemm(
    const gemmtune_bundle_handle* handle, int64_t m, int64_t n, int64_t k, const void* a,
    const float* sfa, int64_t sfa_row_stride, const void* b, const float* sb, void* d,
    void* workspace, size_t workspace_bytes, void* scratch, size_t scratch_bytes, void* stream);

/** gemmtune_bundle_gemm_grouped_masked with DeepGEMM's sfa [groups][max_m][ceil(k/128)] as
 * groups x max_m K-major rows (row stride sfa_row_stride floats), transposed as above: only each
 * group's first masked_m[g] rows, the rows the GEMM reads (the others' sA stays unwritten). */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm_grouped_masked_deepgemm(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t max_m, int64_t expected_m,
    int64_t n, int64_t k, const int32_t* masked_m, const void* a, const float* sfa,
    int64_t sfa_row_stride, const void* b, const float* sb, void* d, void* scratch,
    size_t scratch_bytes, void* stream);

/** Bundle::gemm_grouped_masked: group g owns rows [g * max_m, g * max_m + masked_m[g]) of A
 * [groups * max_m][k], sA and D; masked_m is int32 on the device; expected_m steers the
 * selection only. */
GEMMTUNE_BUNDLE_API int gemmtune_bundle_gemm_grouped_masked(
    const gemmtune_bundle_handle* handle, int64_t groups, int64_t max_m, int64_t expected_m,
    int64_t n, int64_t k, const int32_t* masked_m, const void* a, const float* sa, const void* b,
    const float* sb, void* d, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* GEMMTUNE_BUNDLE_CAPI_H */
