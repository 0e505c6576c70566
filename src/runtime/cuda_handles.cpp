#include "runtime/cuda_handles.hpp"

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"

namespace gemmtune {

DeviceBuffer::DeviceBuffer(size_t size_bytes) : size_bytes_(size_bytes) {
  if (size_bytes > 0) GT_CUDA_CHECK(cudaMalloc(&ptr_, size_bytes));
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) cudaFree(ptr_);
}

void DeviceBuffer::upload_bytes(const void* host, size_t bytes) {
  GT_CHECK(bytes <= size_bytes_, kExitCudaError, "upload larger than the buffer");
  GT_CUDA_CHECK(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice));
}

void DeviceBuffer::download_bytes(void* host, size_t bytes) const {
  GT_CHECK(bytes <= size_bytes_, kExitCudaError, "download larger than the buffer");
  GT_CUDA_CHECK(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost));
}

MappedHostBuffer::MappedHostBuffer(size_t size_bytes) {
  GT_CUDA_CHECK(cudaHostAlloc(&host_, size_bytes, cudaHostAllocMapped));
  GT_CUDA_CHECK(cudaHostGetDevicePointer(&device_, host_, 0));
}

MappedHostBuffer::~MappedHostBuffer() {
  if (host_ != nullptr) cudaFreeHost(host_);
}

CudaStream::CudaStream() { GT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }

CudaStream::~CudaStream() {
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

void CudaStream::synchronize() const { GT_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

CudaEvent::CudaEvent() { GT_CUDA_CHECK(cudaEventCreate(&event_)); }

CudaEvent::~CudaEvent() {
  if (event_ != nullptr) cudaEventDestroy(event_);
}

void CudaEvent::record(cudaStream_t stream) const { GT_CUDA_CHECK(cudaEventRecord(event_, stream)); }

void CudaEvent::synchronize() const { GT_CUDA_CHECK(cudaEventSynchronize(event_)); }

float CudaEvent::elapsed_ms_since(const CudaEvent& start) const {
  float ms = 0.0f;
  GT_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
  return ms;
}

}  // namespace gemmtune
