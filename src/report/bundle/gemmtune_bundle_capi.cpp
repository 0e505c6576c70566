// gemmtune_bundle_capi.cpp: the C ABI of gemmtune_bundle_capi.h over the bundle's Dispatcher.
// Compiled in the bundle folder (build.sh), next to gemmtune_bundle.h. C++17, libcuda only.
#include "gemmtune_bundle_capi.h"

#include <cuda.h>

#include <new>

#include "gemmtune_bundle.h"

struct gemmtune_bundle_handle {
  CUdevice device = 0;
  CUcontext context = nullptr;  ///< the device's primary context, retained
  gemmtune_bundle::Bundle bundle;
};

namespace {

namespace launch = gemmtune::sm90_fp8_gemm_1d2d;

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
                                   int64_t n, int64_t k, int64_t rows, int64_t m, int64_t max_m) {
  if (handle == nullptr || (layout != 1 && layout != 2)) return -1;
  return handle->bundle.select_grouped(static_cast<launch::GroupLayout>(layout), groups, n, k, rows,
                                       m, max_m);
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
