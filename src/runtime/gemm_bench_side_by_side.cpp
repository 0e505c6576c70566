// The side-by-side measurement of a ProblemBench: the chosen config and the three cuBLASLt
// baselines interleaved in one Timer call, so that their ratios are free of clock and power drift.
#include <memory>
#include <string>
#include <vector>

#include "runtime/cuda_check.hpp"
#include "runtime/gemm_bench_state.hpp"
#include "runtime/nvtx_ranges.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {

Measurement ProblemBench::measure_side_by_side(const KernelConfig& config, const jit::CompileResult& compiled,
                                               const std::optional<AlgoRecord>& best_algo) {
  State& s = *state_;
  Measurement m;
  const std::unique_ptr<Loaded> loaded = load_and_validate(config, compiled, m);
  m.kind = MeasuredKind::kSideBySide;
  if (!loaded) return m;
  NvtxRange range("side by side " + m.config);
  // NOTE: the baselines write their own buffer: d_cublaslt holds the heuristic's output that
  // every later config of this problem is compared with.
  DeviceBuffer scratch_d(s.inputs.output_bytes());
  std::vector<TimedLaunch> launches{
      {"sm90_fp8_gemm_1d2d_" + m.config, [&](cudaStream_t st) { loaded->prepared.launch(st); }}};
  std::vector<MeasuredKind> kinds{MeasuredKind::kGemmtune};
  if (s.heuristic_algo) {
    launches.push_back({"cublaslt_heuristic", s.heuristic->launcher()});
    kinds.push_back(MeasuredKind::kCublasLtHeuristic);
  }
  std::unique_ptr<CublasLtFp8Gemm> best;
  if (best_algo) {
    best = std::make_unique<CublasLtFp8Gemm>(s.inputs.operands(), scratch_d.as<uint16_t>(), CublasLtGemmOptions{});
    std::string why;
    if (best->select(*best_algo, &why)) {
      m.algo = best->selected();
      launches.push_back({"cublaslt_best " + to_string(*best_algo), best->launcher()});
      kinds.push_back(MeasuredKind::kCublasLtBest);
    } else {
      m.reason = "cuBLASLt best " + to_string(*best_algo) + " not replayable: " + why;
    }
  }
  CublasLtFp8Gemm per_tensor(s.inputs.operands(), scratch_d.as<uint16_t>(),
                             CublasLtGemmOptions{.scaling = CublasLtScaling::kPerTensor});
  if (per_tensor.select_heuristic(nullptr)) {
    launches.push_back({"cublaslt_fp8_tensor", per_tensor.launcher()});
    kinds.push_back(MeasuredKind::kCublasLtFp8Tensor);
  }
  const std::vector<TimingStats> stats = s.timer.time_interleaved(launches);
  m.timing = stats[0];
  for (size_t i = 1; i < stats.size(); ++i) m.side_by_side[kinds[i]] = stats[i];
  return m;
}

}  // namespace gemmtune
