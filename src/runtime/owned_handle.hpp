#pragma once
/// OwnedHandle: the one move-only owner of a CUDA / cuBLASLt handle whose release function is
/// known at compile time (cudaFree, cudaStreamDestroy, cublasLtDestroy, ...). The destructor
/// releases the handle and ignores the status: destructors never throw.
#include <utility>

namespace gemmtune {

template <typename Handle, typename Status, Status (*Release)(Handle)>
class OwnedHandle {
 public:
  OwnedHandle() = default;
  explicit OwnedHandle(Handle handle) : handle_(handle) {}
  ~OwnedHandle() {
    if (handle_ != nullptr) static_cast<void>(Release(handle_));
  }
  OwnedHandle(OwnedHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;

  [[nodiscard]] Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

}  // namespace gemmtune
