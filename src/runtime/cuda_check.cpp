#include "runtime/cuda_check.hpp"

#include <string>

#include "core/error.hpp"
#include "runtime/driver_api.hpp"

namespace gemmtune::detail {

namespace {

[[noreturn]] void throw_formatted(const char* file, int line, const char* call, const std::string& what) {
  throw Error(kExitCudaError, std::string(file) + ":" + std::to_string(line) + ": " + call + ": " + what);
}

}  // namespace

void throw_cuda_error(const char* file, int line, const char* call, cudaError_t status) {
  throw_formatted(file, line, call, std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status));
}

void throw_cu_error(const char* file, int line, const char* call, CUresult status) {
  throw_formatted(file, line, call, driver_error_text(status));
}

void throw_cublas_error(const char* file, int line, const char* call, cublasStatus_t status) {
  throw_formatted(file, line, call, std::string(cublasLtGetStatusName(status)) + ": " + cublasLtGetStatusString(status));
}

}  // namespace gemmtune::detail
