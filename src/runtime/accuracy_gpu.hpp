#pragma once
/// The GPU side of `gemmtune accuracy` (core/accuracy/accuracy_study.hpp's AccuracyDevice): host-quantized
/// operands uploaded as they are, multiplied by
///   - cuBLASLt FP64 GEMM: the float64 reference of unquantized inputs and the reference_gpu path;
///   - cuBLASLt BF16 GEMM (FP32 compute, BF16 D): the bf16 recipe;
///   - cuBLASLt FP8 E4M3 with per-tensor scalar scales (FAST_ACCUM off, or on for the
///     accumulation study), outer-vector scales (CUBLASLT_MATMUL_MATRIX_SCALE_OUTER_VEC_32F: one
///     per row of A and of B) and the 1x128 / 128x128 block scales (runtime/cublaslt_fp8_gemm.hpp);
///   - gemmtune's kernel through `gemmtune run`'s launch path (runtime/gemm_launcher.hpp).
/// Every operand layout and cuBLASLt mapping is kernels/README.md "The operation"'s: D^T = B * A^T
/// in cuBLASLt's column-major terms, A and D allocated with roundup(M, 4) rows.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/accuracy/accuracy_study.hpp"
#include "core/kernel_config.hpp"
#include "runtime/cuda_handles.hpp"

namespace gemmtune {

/// The kernel config the gemmtune path uses unless told otherwise: a plain tile every shape can
/// run (no multicast, no split-K, so its summation order is the family's simplest).
[[nodiscard]] KernelConfig default_accuracy_config(int sm_count);

class AccuracyGpu final : public AccuracyDevice {
 public:
  /// Needs a GPU (throws Error(kExitNoGpu) otherwise). The kernel is compiled on first use.
  explicit AccuracyGpu(const KernelConfig& kernel_config);
  ~AccuracyGpu() override;
  AccuracyGpu(const AccuracyGpu&) = delete;
  AccuracyGpu& operator=(const AccuracyGpu&) = delete;

  [[nodiscard]] std::vector<double> product_f64(std::span<const double> a, std::span<const double> b, int64_t m,
                                                int64_t n, int64_t k) override;
  [[nodiscard]] std::optional<std::vector<double>> gemm_bf16(std::span<const uint16_t> a, std::span<const uint16_t> b,
                                                             int64_t m, int64_t n, int64_t k,
                                                             std::string* why) override;
  [[nodiscard]] std::optional<std::vector<double>> gemm_fp8(AccuracyPath path, const QuantizedMatrix& a,
                                                            const QuantizedMatrix& b, std::string* why) override;
  [[nodiscard]] std::string description() const override;

 private:
  [[nodiscard]] std::optional<std::vector<double>> run_gemmtune(const QuantizedMatrix& a, const QuantizedMatrix& b,
                                                                std::string* why);
  [[nodiscard]] std::optional<std::vector<double>> run_cublaslt_fp8(AccuracyPath path, const QuantizedMatrix& a,
                                                                    const QuantizedMatrix& b, std::string* why);
  struct LoadedKernel;
  KernelConfig config_;
  std::unique_ptr<LoadedKernel> kernel_;
  std::string kernel_failure_;  ///< why the kernel cannot be built (then every gemmtune entry says so)
  CudaStream stream_;
  std::string gpu_name_;
  int sm_count_ = 0;
  int64_t device_memory_bytes_ = 0;
};

/// Decodes BF16 D [rows >= m][n] to doubles, keeping the first m rows.
[[nodiscard]] std::vector<double> decode_bf16_rows(const std::vector<uint16_t>& d, int64_t m, int64_t n);

}  // namespace gemmtune
