#pragma once
/// Move-only owners of CUDA runtime resources. Constructors throw on failure (GT_CUDA_CHECK);
/// destructors release and never throw. A moved-from object is empty.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/owned_handle.hpp"

namespace gemmtune {

/// Device memory from cudaMalloc.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  /// Allocates `size_bytes` (uninitialized; 0 bytes gives a null buffer).
  explicit DeviceBuffer(size_t size_bytes);

  [[nodiscard]] void* get() const { return memory_.get(); }
  template <typename T>
  [[nodiscard]] T* as() const { return static_cast<T*>(memory_.get()); }
  [[nodiscard]] size_t size_bytes() const { return memory_.get() != nullptr ? size_bytes_ : 0; }

  /// Copies all of `host` (at most size_bytes()) to the start of the buffer, synchronously.
  template <typename T>
  void upload(const std::vector<T>& host) { upload_bytes(host.data(), host.size() * sizeof(T)); }
  /// Copies the whole buffer to a host vector, synchronously.
  template <typename T>
  [[nodiscard]] std::vector<T> download() const {
    std::vector<T> host(size_bytes() / sizeof(T));
    download_bytes(host.data(), host.size() * sizeof(T));
    return host;
  }
  void upload_bytes(const void* host, size_t bytes);
  void download_bytes(void* host, size_t bytes) const;

 private:
  OwnedHandle<void*, cudaError_t, cudaFree> memory_;
  size_t size_bytes_ = 0;
};

/// Page-locked host memory mapped into the device address space (cudaHostAllocMapped).
class MappedHostBuffer {
 public:
  MappedHostBuffer() = default;
  explicit MappedHostBuffer(size_t size_bytes);

  [[nodiscard]] void* host() const { return memory_.get(); }
  [[nodiscard]] void* device() const { return memory_.get() != nullptr ? device_ : nullptr; }

 private:
  OwnedHandle<void*, cudaError_t, cudaFreeHost> memory_;
  void* device_ = nullptr;
};

/// A non-blocking stream (does not synchronize with the legacy default stream).
class CudaStream {
 public:
  CudaStream();
  [[nodiscard]] cudaStream_t get() const { return stream_.get(); }
  /// cudaStreamSynchronize.
  void synchronize() const;

 private:
  OwnedHandle<cudaStream_t, cudaError_t, cudaStreamDestroy> stream_;
};

/// An event with timing enabled.
class CudaEvent {
 public:
  CudaEvent();
  [[nodiscard]] cudaEvent_t get() const { return event_.get(); }
  void record(cudaStream_t stream) const;
  void synchronize() const;
  /// Milliseconds from `start` to this event (both recorded and complete).
  [[nodiscard]] float elapsed_ms_since(const CudaEvent& start) const;

 private:
  OwnedHandle<cudaEvent_t, cudaError_t, cudaEventDestroy> event_;
};

}  // namespace gemmtune
