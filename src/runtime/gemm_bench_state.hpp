#pragma once
// The state of a ProblemBench (runtime/gemm_bench.hpp), shared by gemm_bench.cpp (inputs,
// references, gemmtune configs), gemm_bench_baselines.cpp (the cuBLASLt baselines) and
// gemm_bench_side_by_side.cpp. Internal: include it from those files only.
#include <memory>
#include <optional>
#include <string>

#include "core/cublaslt_algo_record.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/gemm_launcher.hpp"
#include "runtime/support_inputs.hpp"
#include "runtime/timing.hpp"

namespace gemmtune {

struct ProblemBench::State {
  GemmInputs inputs;
  DeviceBuffer d;           // ours, bf16 [m_pad4][n]
  DeviceBuffer d_cublaslt;  // cuBLASLt heuristic output, bf16 [m_pad4][n]
  DeviceBuffer reference;   // dequantized fp32 [m][n]
  DeviceBuffer unquantized; // unquantized fp32 [m][n], empty when too large
  std::unique_ptr<CublasLtFp8Gemm> heuristic;
  std::optional<AlgoRecord> heuristic_algo;
  std::string heuristic_failure;
  Timer timer;
  explicit State(const TimingOptions& timing) : timer(timing) {}
};

/// A compiled config loaded and bound to the problem's buffers.
struct ProblemBench::Loaded {
  GemmKernel kernel;
  PreparedGemm prepared;
  Loaded(const KernelConfig& config, const jit::CompileResult& compiled, const GemmOperands& ops,
         void* d)
      : kernel(config, compiled.cubin, compiled.kernel_name), prepared(kernel, ops, d) {}
};

/// Applies one threshold set to `metrics`, compared against `what`; on failure records the
/// disposition (kIncorrect) and the named reason in `m`.
bool judge(const char* what, const ValidationMetrics& metrics, const ValidationThresholds& limits,
           Measurement& m);

}  // namespace gemmtune
