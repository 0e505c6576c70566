#include "runtime/cuda_handles.hpp"

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"

namespace gemmtune {

DeviceBuffer::DeviceBuffer(size_t size_bytes) : size_bytes_(size_bytes) {
  if (size_bytes == 0) return;
  void* ptr = nullptr;
  GT_CUDA_CHECK(cudaMalloc(&ptr, size_bytes));
  memory_ = OwnedHandle<void*, cudaError_t, cudaFree>(ptr);
}

void DeviceBuffer::upload_bytes(const void* host, size_t bytes) {
  GT_CHECK(bytes <= size_bytes(), kExitCudaError, "upload larger than the buffer");
  GT_CUDA_CHECK(cudaMemcpy(get(), host, bytes, cudaMemcpyHostToDevice));
}

void DeviceBuffer::download_bytes(void* host, size_t bytes) const {
  GT_CHECK(bytes <= size_bytes(), kExitCudaError, "download larger than the buffer");
  GT_CUDA_CHECK(cudaMemcpy(host, get(), bytes, cudaMemcpyDeviceToHost));
}

MappedHostBuffer::MappedHostBuffer(size_t size_bytes) {
  void* host = nullptr;
  GT_CUDA_CHECK(cudaHostAlloc(&host, size_bytes, cudaHostAllocMapped));
  memory_ = OwnedHandle<void*, cudaError_t, cudaFreeHost>(host);
  GT_CUDA_CHECK(cudaHostGetDevicePointer(&device_, host, 0));
}

CudaStream::CudaStream() {
  cudaStream_t stream = nullptr;
  GT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_ = OwnedHandle<cudaStream_t, cudaError_t, cudaStreamDestroy>(stream);
}

void CudaStream::synchronize() const { GT_CUDA_CHECK(cudaStreamSynchronize(get())); }

CudaEvent::CudaEvent() {
  cudaEvent_t event = nullptr;
  GT_CUDA_CHECK(cudaEventCreate(&event));
  event_ = OwnedHandle<cudaEvent_t, cudaError_t, cudaEventDestroy>(event);
}

void CudaEvent::record(cudaStream_t stream) const { GT_CUDA_CHECK(cudaEventRecord(get(), stream)); }

void CudaEvent::synchronize() const { GT_CUDA_CHECK(cudaEventSynchronize(get())); }

float CudaEvent::elapsed_ms_since(const CudaEvent& start) const {
  float ms = 0.0f;
  GT_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), get()));
  return ms;
}

}  // namespace gemmtune
