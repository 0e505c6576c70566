// The three lines an engine writes to use an exported bundle (src/report/README.md "Bundle"),
// as a program: CI compiles it against a freshly exported bundle linking nothing but libcuda.
// It expects a current CUDA context (cuInit + a context, or any CUDA runtime call before).
#include "gemmtune_bundle_cubins.h"  // or "gemmtune_bundle.h", then gemm.load_dir("DIR")

int run_gemm(int m, int n, int k, const void* a, const float* sa, const void* b, const float* sb,
             void* d, void* workspace, size_t workspace_bytes, CUstream stream) {
  static gemmtune_bundle::Bundle gemm;  // once per context
  static const CUresult loaded = gemm.load(gemmtune_bundle::kCubins);
  if (loaded != CUDA_SUCCESS) return loaded;
  return gemm.gemm(m, n, k, a, sa, b, sb, d, workspace, workspace_bytes, stream);
}

int main() {
  // Without a GPU this exits at cuInit; the point of the program is that it builds.
  if (cuInit(0) != CUDA_SUCCESS) return 0;
  CUdevice device = 0;
  CUcontext context = nullptr;
  if (cuDeviceGet(&device, 0) != CUDA_SUCCESS || cuDevicePrimaryCtxRetain(&context, device) != CUDA_SUCCESS ||
      cuCtxSetCurrent(context) != CUDA_SUCCESS) {
    return 0;
  }
  // A shape the table does not cover: the documented error code, no device memory needed.
  return run_gemm(64, 8, 16, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr) ==
                 CUDA_ERROR_NOT_FOUND
             ? 0
             : 1;
}
