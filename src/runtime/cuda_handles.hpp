#pragma once
/// Move-only owners of CUDA runtime handles. Constructors throw on failure (GT_CUDA_CHECK);
/// destructors release and never throw.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace gemmtune {

/// Device memory from cudaMalloc.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  /// Allocates `size_bytes` (uninitialized; 0 bytes gives a null buffer).
  explicit DeviceBuffer(size_t size_bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept { swap(other); }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    DeviceBuffer(std::move(other)).swap(*this);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  [[nodiscard]] void* get() const { return ptr_; }
  template <typename T>
  [[nodiscard]] T* as() const { return static_cast<T*>(ptr_); }
  [[nodiscard]] size_t size_bytes() const { return size_bytes_; }

  /// Copies all of `host` (at most size_bytes()) to the start of the buffer, synchronously.
  template <typename T>
  void upload(const std::vector<T>& host) { upload_bytes(host.data(), host.size() * sizeof(T)); }
  /// Copies the whole buffer to a host vector, synchronously.
  template <typename T>
  [[nodiscard]] std::vector<T> download() const {
    std::vector<T> host(size_bytes_ / sizeof(T));
    download_bytes(host.data(), host.size() * sizeof(T));
    return host;
  }
  void upload_bytes(const void* host, size_t bytes);
  void download_bytes(void* host, size_t bytes) const;

 private:
  void swap(DeviceBuffer& other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(size_bytes_, other.size_bytes_);
  }
  void* ptr_ = nullptr;
  size_t size_bytes_ = 0;
};

/// Page-locked host memory mapped into the device address space (cudaHostAllocMapped).
class MappedHostBuffer {
 public:
  MappedHostBuffer() = default;
  explicit MappedHostBuffer(size_t size_bytes);
  ~MappedHostBuffer();
  MappedHostBuffer(MappedHostBuffer&& other) noexcept { swap(other); }
  MappedHostBuffer& operator=(MappedHostBuffer&& other) noexcept {
    MappedHostBuffer(std::move(other)).swap(*this);
    return *this;
  }
  MappedHostBuffer(const MappedHostBuffer&) = delete;
  MappedHostBuffer& operator=(const MappedHostBuffer&) = delete;

  [[nodiscard]] void* host() const { return host_; }
  [[nodiscard]] void* device() const { return device_; }

 private:
  void swap(MappedHostBuffer& other) noexcept {
    std::swap(host_, other.host_);
    std::swap(device_, other.device_);
  }
  void* host_ = nullptr;
  void* device_ = nullptr;
};

/// A non-blocking stream (does not synchronize with the legacy default stream).
class CudaStream {
 public:
  CudaStream();
  ~CudaStream();
  CudaStream(CudaStream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
  CudaStream& operator=(CudaStream&& other) noexcept {
    std::swap(stream_, other.stream_);
    return *this;
  }
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  [[nodiscard]] cudaStream_t get() const { return stream_; }
  /// cudaStreamSynchronize.
  void synchronize() const;

 private:
  cudaStream_t stream_ = nullptr;
};

/// An event with timing enabled.
class CudaEvent {
 public:
  CudaEvent();
  ~CudaEvent();
  CudaEvent(CudaEvent&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  CudaEvent& operator=(CudaEvent&& other) noexcept {
    std::swap(event_, other.event_);
    return *this;
  }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;

  [[nodiscard]] cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream) const;
  void synchronize() const;
  /// Milliseconds from `start` to this event (both recorded and complete).
  [[nodiscard]] float elapsed_ms_since(const CudaEvent& start) const;

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace gemmtune
