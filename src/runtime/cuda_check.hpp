#pragma once
/// Check macros for the CUDA runtime, the driver API (resolved at run time, driver_api.hpp) and
/// cuBLASLt. A failed call throws gemmtune::Error(kExitCudaError) with
/// "file:line: call text: ERROR_NAME: message".
#include <cublasLt.h>
#include <cuda.h>
#include <cuda_runtime_api.h>

namespace gemmtune::detail {

[[noreturn]] void throw_cuda_error(const char* file, int line, const char* call, cudaError_t status);
[[noreturn]] void throw_cu_error(const char* file, int line, const char* call, CUresult status);
[[noreturn]] void throw_cublas_error(const char* file, int line, const char* call, cublasStatus_t status);

}  // namespace gemmtune::detail

/// Checks a CUDA runtime call.
#define GT_CUDA_CHECK(call)                                                                 \
  do {                                                                                      \
    const cudaError_t gt_status_ = (call);                                                  \
    if (gt_status_ != cudaSuccess) ::gemmtune::detail::throw_cuda_error(__FILE__, __LINE__, #call, gt_status_); \
  } while (0)

/// Checks a driver API call made through gemmtune::driver_api().
#define GT_CU_CHECK(call)                                                                   \
  do {                                                                                      \
    const CUresult gt_status_ = (call);                                                     \
    if (gt_status_ != CUDA_SUCCESS) ::gemmtune::detail::throw_cu_error(__FILE__, __LINE__, #call, gt_status_); \
  } while (0)

/// Checks a cuBLASLt call.
#define GT_CUBLAS_CHECK(call)                                                               \
  do {                                                                                      \
    const cublasStatus_t gt_status_ = (call);                                               \
    if (gt_status_ != CUBLAS_STATUS_SUCCESS)                                                \
      ::gemmtune::detail::throw_cublas_error(__FILE__, __LINE__, #call, gt_status_);        \
  } while (0)
