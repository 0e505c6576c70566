// The test harness the two standalone consumers share (consumer.cpp: an exported kernel bundle;
// cublaslt_replay.cpp: exported cuBLASLt algorithm records). Not part of any bundle: it uses the
// CUDA runtime and cuBLASLt for inputs, the reference and timing, which the bundle itself never
// needs. Only the system compiler and the CUDA toolkit: no gemmtune code.
//
// Inputs are generated on the host (deterministic, any seed) in the layouts of
// kernels/README.md "The operation"; A and D get roundup(M, 4) rows because cuBLASLt's block-scaled
// mode needs M to be a multiple of 4. Timing follows gemmtune's `call` protocol
// (src/core/timing_mode.hpp): per sample a 512 MiB memset flushes the L2, the start event is
// recorded right behind it in stream order, then one call and the stop event; 3 warm-ups, the
// median of 30 samples.
#pragma once

#include <cublasLt.h>
#include <cuda.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace harness {

[[noreturn]] inline void die(const char* file, int line, const char* call, const std::string& what) {
  std::fprintf(stderr, "%s:%d: %s: %s\n", file, line, call, what.c_str());
  std::exit(4);
}

#define HARNESS_CUDA(call)                                                                     \
  do {                                                                                         \
    const cudaError_t s_ = (call);                                                             \
    if (s_ != cudaSuccess) harness::die(__FILE__, __LINE__, #call, cudaGetErrorString(s_));    \
  } while (0)
#define HARNESS_LT(call)                                                                       \
  do {                                                                                         \
    const cublasStatus_t s_ = (call);                                                          \
    if (s_ != CUBLAS_STATUS_SUCCESS) harness::die(__FILE__, __LINE__, #call, cublasLtGetStatusName(s_)); \
  } while (0)

/// Name of a driver status, e.g. "CUDA_ERROR_NOT_FOUND".
inline std::string cu_name(CUresult status) {
  const char* name = nullptr;
  return cuGetErrorName(status, &name) == CUDA_SUCCESS && name != nullptr ? name : std::to_string(status);
}

/// One problem's operands on the device (kernels/README.md "The operation"; A and D with m_pad4
/// rows).
struct Operands {
  int64_t m = 0, n = 0, k = 0, m_pad4 = 0, sb_ld = 0;
  uint8_t* a = nullptr;   // e4m3 [m_pad4][k], rows >= m zero
  uint8_t* b = nullptr;   // e4m3 [n][k]
  float* sa = nullptr;    // [ceil(k/128)][m_pad4]
  float* sb = nullptr;    // [ceil(n/128)][sb_ld]

  Operands() = default;
  Operands(const Operands&) = delete;
  Operands& operator=(const Operands&) = delete;
  ~Operands() {
    cudaFree(a);
    cudaFree(b);
    cudaFree(sa);
    cudaFree(sb);
  }
};

/// A small deterministic generator (splitmix64).
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

/// An E4M3 byte of magnitude 2^-3 .. 2^3.75, random sign; never NaN (exponent field <= 10).
inline uint8_t random_e4m3(Rng& rng) {
  const uint64_t r = rng.next();
  const uint8_t exponent = static_cast<uint8_t>(4 + r % 7);  // 2^(e - 7): 2^-3 .. 2^3
  return static_cast<uint8_t>(((r >> 8) & 1) << 7 | exponent << 3 | ((r >> 16) & 7));
}

/// A positive scale 2^-3 .. 2^3, not a power of two in general.
inline float random_scale(Rng& rng) {
  return static_cast<float>(std::ldexp(1.0 + rng.uniform(), static_cast<int>(rng.next() % 7) - 4));
}

template <typename T>
T* upload(const std::vector<T>& host) {
  void* device = nullptr;
  HARNESS_CUDA(cudaMalloc(&device, std::max<size_t>(host.size(), 1) * sizeof(T)));
  HARNESS_CUDA(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return static_cast<T*>(device);
}

/// Generates an m x n x k problem from `seed` and uploads it (synchronous).
inline void make_operands(int64_t m, int64_t n, int64_t k, uint64_t seed, Operands& op) {
  Rng rng{seed * 0x2545f4914f6cdd1dull + static_cast<uint64_t>(m * 31 + n * 17 + k)};
  op.m = m;
  op.n = n;
  op.k = k;
  op.m_pad4 = (m + 3) / 4 * 4;
  const int64_t k_blocks = (k + 127) / 128, n_blocks = (n + 127) / 128;
  op.sb_ld = (k_blocks + 3) / 4 * 4;
  std::vector<uint8_t> a(static_cast<size_t>(op.m_pad4 * k), 0), b(static_cast<size_t>(n * k));
  for (size_t i = 0; i < static_cast<size_t>(m * k); ++i) a[i] = random_e4m3(rng);
  for (uint8_t& x : b) x = random_e4m3(rng);
  std::vector<float> sa(static_cast<size_t>(k_blocks * op.m_pad4), 0.0f);
  std::vector<float> sb(static_cast<size_t>(n_blocks * op.sb_ld), 0.0f);
  for (int64_t kb = 0; kb < k_blocks; ++kb) {
    for (int64_t row = 0; row < m; ++row) sa[static_cast<size_t>(kb * op.m_pad4 + row)] = random_scale(rng);
  }
  for (int64_t nb = 0; nb < n_blocks; ++nb) {
    for (int64_t kb = 0; kb < k_blocks; ++kb) sb[static_cast<size_t>(nb * op.sb_ld + kb)] = random_scale(rng);
  }
  op.a = upload(a);
  op.b = upload(b);
  op.sa = upload(sa);
  op.sb = upload(sb);
}

/// Device memory freed on destruction.
struct DeviceBytes {
  void* ptr = nullptr;
  size_t size = 0;
  explicit DeviceBytes(size_t bytes) : size(bytes) {
    if (bytes > 0) HARNESS_CUDA(cudaMalloc(&ptr, bytes));
  }
  DeviceBytes(const DeviceBytes&) = delete;
  DeviceBytes& operator=(const DeviceBytes&) = delete;
  ~DeviceBytes() { cudaFree(ptr); }
};

/// A call captured from a stream into a CUDA graph and instantiated, so that it can be replayed:
/// `call(stream)` enqueues the work and returns its own status (a launcher's CUresult).
class CapturedCall {
 public:
  template <class Call>
  CapturedCall(Call&& call, cudaStream_t stream) {
    HARNESS_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    status_ = call(stream);
    HARNESS_CUDA(cudaStreamEndCapture(stream, &graph_));
    HARNESS_CUDA(cudaGraphGetNodes(graph_, nullptr, &nodes_));
    HARNESS_CUDA(cudaGraphInstantiate(&exec_, graph_, 0));
  }
  CapturedCall(const CapturedCall&) = delete;
  CapturedCall& operator=(const CapturedCall&) = delete;
  ~CapturedCall() {
    cudaGraphExecDestroy(exec_);
    cudaGraphDestroy(graph_);
  }

  void replay(cudaStream_t stream) const { HARNESS_CUDA(cudaGraphLaunch(exec_, stream)); }
  /// What the captured call returned.
  [[nodiscard]] CUresult status() const { return status_; }
  /// Nodes in the graph (one kernel launch: 1).
  [[nodiscard]] size_t nodes() const { return nodes_; }

 private:
  CUresult status_ = CUDA_SUCCESS;
  size_t nodes_ = 0;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

/// cuBLASLt's block-scaled FP8 GEMM on `op` writing D (bf16 [m_pad4][n]): the mapping of
/// src/runtime/cublaslt_fp8_gemm.hpp, as src/runtime/cublaslt_fp8_gemm.cpp
/// sets it up: D^T = B * A^T in cuBLASLt's column-major terms.
class LtBlockScaledGemm {
 public:
  static constexpr size_t kWorkspaceBytes = 32u << 20;

  LtBlockScaledGemm(const Operands& op, void* d) : op_(op), d_(d), workspace_(kWorkspaceBytes) {
    HARNESS_LT(cublasLtCreate(&handle_));
    HARNESS_LT(cublasLtMatmulDescCreate(&desc_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const int32_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    const int8_t fast_accum = 0;
    const int32_t a_mode = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F;
    const int32_t b_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
    set(CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof(trans_a));
    set(CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof(trans_b));
    set(CUBLASLT_MATMUL_DESC_FAST_ACCUM, &fast_accum, sizeof(fast_accum));
    set(CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &a_mode, sizeof(a_mode));
    set(CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &b_mode, sizeof(b_mode));
    const void* scale_a = op.sb;  // cuBLAS A is our B
    const void* scale_b = op.sa;
    set(CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &scale_a, sizeof(scale_a));
    set(CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &scale_b, sizeof(scale_b));
    HARNESS_LT(cublasLtMatrixLayoutCreate(&layout_a_, CUDA_R_8F_E4M3, op.k, op.n, op.k));
    HARNESS_LT(cublasLtMatrixLayoutCreate(&layout_b_, CUDA_R_8F_E4M3, op.k, op.m_pad4, op.k));
    HARNESS_LT(cublasLtMatrixLayoutCreate(&layout_d_, CUDA_R_16BF, op.n, op.m_pad4, op.n));
  }
  LtBlockScaledGemm(const LtBlockScaledGemm&) = delete;
  LtBlockScaledGemm& operator=(const LtBlockScaledGemm&) = delete;
  ~LtBlockScaledGemm() {
    cublasLtMatrixLayoutDestroy(layout_d_);
    cublasLtMatrixLayoutDestroy(layout_b_);
    cublasLtMatrixLayoutDestroy(layout_a_);
    cublasLtMatmulDescDestroy(desc_);
    cublasLtDestroy(handle_);
  }

  /// Selects the heuristic's algorithm (the only one it returns in block mode); false if none.
  bool select_heuristic() {
    cublasLtMatmulPreference_t preference = nullptr;
    HARNESS_LT(cublasLtMatmulPreferenceCreate(&preference));
    const uint64_t bytes = kWorkspaceBytes;
    HARNESS_LT(cublasLtMatmulPreferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &bytes, sizeof(bytes)));
    cublasLtMatmulHeuristicResult_t result{};
    int returned = 0;
    const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
        handle_, desc_, layout_a_, layout_b_, layout_d_, layout_d_, preference, 1, &result, &returned);
    cublasLtMatmulPreferenceDestroy(preference);
    if (status != CUBLAS_STATUS_SUCCESS || returned == 0) return false;
    algo_ = result.algo;
    return true;
  }

  /// Selects `algo` if cublasLtMatmulAlgoCheck accepts it within the workspace; else returns the
  /// reason.
  std::string select(const cublasLtMatmulAlgo_t& algo) {
    cublasLtMatmulHeuristicResult_t result{};
    const cublasStatus_t status = cublasLtMatmulAlgoCheck(handle_, desc_, layout_a_, layout_b_,
                                                          layout_d_, layout_d_, &algo, &result);
    if (status != CUBLAS_STATUS_SUCCESS) return std::string("AlgoCheck: ") + cublasLtGetStatusName(status);
    if (result.workspaceSize > kWorkspaceBytes) return "needs " + std::to_string(result.workspaceSize) + " B workspace";
    algo_ = algo;
    return {};
  }

  void run(cudaStream_t stream) const {
    const float alpha = 1.0f, beta = 0.0f;
    HARNESS_LT(cublasLtMatmul(handle_, desc_, &alpha, op_.b, layout_a_, op_.a, layout_b_, &beta, d_,
                              layout_d_, d_, layout_d_, &algo_, workspace_.ptr, kWorkspaceBytes, stream));
  }

  [[nodiscard]] cublasLtHandle_t handle() const { return handle_; }

 private:
  void set(cublasLtMatmulDescAttributes_t attribute, const void* value, size_t size) {
    HARNESS_LT(cublasLtMatmulDescSetAttribute(desc_, attribute, value, size));
  }

  const Operands& op_;
  void* d_;
  DeviceBytes workspace_;
  cublasLtHandle_t handle_ = nullptr;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t layout_a_ = nullptr, layout_b_ = nullptr, layout_d_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
};

/// Median, p10 and p90 of samples in microseconds.
struct Timing {
  double median_us = 0, p10_us = 0, p90_us = 0;
};

/// gemmtune's `call` protocol (see the top of this file) for `call` on `stream`, or with
/// `sync_after_flush` its `call_sync` protocol: the host waits for the flush before recording
/// the start event, so a sample also holds the call's host launch latency (gemmtune's `call`
/// before 2026-11-22: tables of that time that say `call` were measured this way).
class CallTimer {
 public:
  static constexpr size_t kFlushBytes = size_t{512} << 20;  // > 8x the H200's 60 MiB L2
  static constexpr int kWarmups = 3;
  static constexpr int kSamples = 30;

  CallTimer() : flush_(kFlushBytes) {
    HARNESS_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    HARNESS_CUDA(cudaEventCreate(&start_));
    HARNESS_CUDA(cudaEventCreate(&stop_));
  }
  CallTimer(const CallTimer&) = delete;
  CallTimer& operator=(const CallTimer&) = delete;
  ~CallTimer() {
    cudaEventDestroy(stop_);
    cudaEventDestroy(start_);
    cudaStreamDestroy(stream_);
  }

  [[nodiscard]] cudaStream_t stream() const { return stream_; }

  Timing time(const std::function<void(cudaStream_t)>& call, bool sync_after_flush = false) {
    std::vector<double> samples;
    for (int i = 0; i < kWarmups + kSamples; ++i) {
      HARNESS_CUDA(cudaMemsetAsync(flush_.ptr, 0, kFlushBytes, stream_));
      if (sync_after_flush) HARNESS_CUDA(cudaStreamSynchronize(stream_));
      HARNESS_CUDA(cudaEventRecord(start_, stream_));
      call(stream_);
      HARNESS_CUDA(cudaEventRecord(stop_, stream_));
      HARNESS_CUDA(cudaEventSynchronize(stop_));
      float ms = 0;
      HARNESS_CUDA(cudaEventElapsedTime(&ms, start_, stop_));
      if (i >= kWarmups) samples.push_back(1000.0 * ms);
    }
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) { return samples[static_cast<size_t>(q * (samples.size() - 1) + 0.5)]; };
    const size_t n = samples.size();
    const double median = n % 2 == 1 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
    return Timing{median, at(0.1), at(0.9)};
  }

 private:
  DeviceBytes flush_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

inline double bf16_to_double(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, sizeof(f));
  return f;
}

/// The first m x n values of a bf16 [rows][n] device buffer.
inline std::vector<uint16_t> download_bf16(const void* d, int64_t m, int64_t n) {
  std::vector<uint16_t> host(static_cast<size_t>(m * n));
  HARNESS_CUDA(cudaMemcpy(host.data(), d, host.size() * 2, cudaMemcpyDeviceToHost));
  return host;
}

/// DeepGEMM's diff 1 - 2 sum(xy) / sum(x^2 + y^2) (src/core/validation_metrics.hpp) over pairs
/// where both are finite, and the count of non-finite x (unwritten poison included).
struct Comparison {
  double diff = 0;
  int64_t nonfinite = 0, ref_nonfinite = 0;
};
inline Comparison compare(const std::vector<uint16_t>& x, const std::vector<uint16_t>& y) {
  Comparison c;
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double a = bf16_to_double(x[i]), b = bf16_to_double(y[i]);
    if (!std::isfinite(a)) ++c.nonfinite;
    if (!std::isfinite(b)) ++c.ref_nonfinite;
    if (!std::isfinite(a) || !std::isfinite(b)) continue;
    xy += a * b;
    xx += a * a;
    yy += b * b;
  }
  c.diff = xx + yy == 0 ? 0.0 : 1.0 - 2.0 * xy / (xx + yy);
  return c;
}

/// A JSON string literal for `text` (labels are plain ASCII; quotes and backslashes escaped).
inline std::string json_string(const char* text) {
  std::string out = "\"";
  for (const char* c = text; *c != '\0'; ++c) {
    if (*c == '"' || *c == '\\') out += '\\';
    out += static_cast<unsigned char>(*c) < 0x20 ? ' ' : *c;
  }
  return out + "\"";
}

/// The dense bar against cuBLASLt (src/runtime/README.md "Validation"): diff <= 1e-5, nothing
/// non-finite.
inline constexpr double kMaxDiffVsCublaslt = 1e-5;

}  // namespace harness
