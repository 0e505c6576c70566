#pragma once
/// `gemmtune accuracy`'s measurement loop (src/core/accuracy/README.md "The command"), host-only:
/// for every problem, input distribution and seed it generates the inputs, computes the float64
/// product of the unquantized inputs, quantizes them per recipe and multiplies them on each path,
/// and keeps the metrics per seed. GPU paths go through an AccuracyDevice
/// (runtime/accuracy_gpu.hpp); without one, recipes run on the host reference path and GPU-only
/// paths are recorded as skipped.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/accuracy/accuracy_inputs.hpp"
#include "core/accuracy/accuracy_metrics.hpp"
#include "core/accuracy/accuracy_recipes.hpp"
#include "core/accuracy/accuracy_validation.hpp"
#include "core/problem.hpp"

namespace gemmtune {

/// The GPU side of the study. Every method computes D = A * B^T ([m][n]) and returns its values
/// (BF16 outputs decoded), or nullopt with *why when the path cannot run this problem.
class AccuracyDevice {
 public:
  virtual ~AccuracyDevice() = default;
  /// float64 product (cuBLASLt FP64 GEMM); used for the unquantized reference and reference_gpu.
  [[nodiscard]] virtual std::vector<double> product_f64(std::span<const double> a, std::span<const double> b,
                                                        int64_t m, int64_t n, int64_t k) = 0;
  /// BF16 inputs (bits), FP32 accumulation, BF16 D.
  [[nodiscard]] virtual std::optional<std::vector<double>> gemm_bf16(std::span<const uint16_t> a,
                                                                     std::span<const uint16_t> b, int64_t m,
                                                                     int64_t n, int64_t k, std::string* why) = 0;
  /// FP8 on `path` (kCublasLt, kCublasLtFastAccum or kGemmtune); the scale mode follows from the
  /// operands' scale blocks.
  [[nodiscard]] virtual std::optional<std::vector<double>> gemm_fp8(AccuracyPath path, const QuantizedMatrix& a,
                                                                    const QuantizedMatrix& b, std::string* why) = 0;
  /// What the device is and how each path runs (GPU name, kernel config), for the output.
  [[nodiscard]] virtual std::string description() const = 0;
};

struct AccuracyOptions {
  std::vector<AccuracyRecipe> recipes;
  std::vector<AccuracyInput> inputs;
  int seeds = 3;            ///< seeds 1..seeds
  /// Without a GPU, problems with M*N*K above this are skipped (~0.1 s per product on one core).
  int64_t cpu_max_macs = int64_t{1} << 26;
  /// The accumulation study's K values and its M = N (host emulation, so kept small).
  std::vector<int64_t> accumulation_k = {512, 1024, 2048, 4096, 8192, 16384};
  int64_t accumulation_mn = 128;
  int threads = 0;  ///< host threads (0: all cores)
};

/// Inclusive limits of --seeds.
inline constexpr int kMaxAccuracySeeds = 100;

/// One (problem, input, recipe, path) with its metrics over seeds.
struct AccuracyEntry {
  std::string section;  ///< "shapes" (the shape set's problems) or "accumulation" (the K study)
  Problem problem;
  AccuracyInput input = AccuracyInput::kGaussian;
  AccuracyRecipe recipe = AccuracyRecipe::kBf16;
  AccuracyPath path = AccuracyPath::kReferenceCpu;
  bool measured = false;
  std::string note;  ///< why skipped, or a fallback taken (e.g. cuBLASLt refused a scale mode)
  std::vector<AccuracyMetrics> per_seed;
  std::map<std::string, MetricSpread> summary;  ///< per metric name, over seeds
  /// Kernels and the emulated accumulations: the same metrics against the float64 product of the
  /// same quantized operands, i.e. the error the path adds beyond quantization (accumulation and
  /// BF16 rounding of D). Empty for the reference paths (it would be the BF16 rounding alone).
  std::vector<AccuracyMetrics> per_seed_vs_dequantized;
  std::map<std::string, MetricSpread> summary_vs_dequantized;
  /// gemmtune / cuBLASLt FP8: worst seed against the reference path's output on the same
  /// quantized operands, judged by the dense bar with a per-row floor (accuracy_validation.hpp).
  std::optional<AccuracyValidation> vs_reference;
  std::string vs_reference_verdict;  ///< "passed" or the failed rule
};

struct AccuracyResults {
  bool gpu = false;
  std::string device;   ///< AccuracyDevice::description(), or why there is no GPU
  std::vector<AccuracyEntry> entries;
  std::vector<std::string> skipped;  ///< one sentence per kind of skip
  [[nodiscard]] bool validation_failed() const;
};

/// Runs the study. `device` may be null (no GPU): then `no_gpu_reason` says why.
[[nodiscard]] AccuracyResults run_accuracy(const std::vector<Problem>& problems, const AccuracyOptions& options,
                                           AccuracyDevice* device, const std::string& no_gpu_reason);

/// The one line the CLI prints about what was skipped (empty when nothing was).
[[nodiscard]] std::string skipped_summary(const AccuracyResults& results);

}  // namespace gemmtune
