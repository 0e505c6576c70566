// A ProblemBench's chains of calls (`gemmtune run --chain N`, kernels/README.md "Overlapped
// launches"): one config's call repeated back to back, its launches after the first either in plain
// stream order or overlapping the call before them (programmatic dependent launch), timed
// interleaved chain by chain with the Timer's protocol. What a model's sequence of kernels sees,
// where the call protocol's per-call L2 flush (a memset, which no launch overlaps) hides the
// difference.
#include <fmt/format.h>

#include "runtime/cuda_check.hpp"
#include "runtime/gemm_bench_state.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/support_compare.hpp"

namespace gemmtune {

ChainTiming ProblemBench::time_chain(const KernelConfig& config, const jit::CompileResult& compiled,
                                     int calls) {
  State& s = *state_;
  ChainTiming out;
  out.calls = calls;
  const std::unique_ptr<Loaded> loaded = load_and_validate(config, compiled, out.validation);
  if (!loaded) return out;
  using sm90_fp8_gemm_1d2d::LaunchOrder;
  const auto chain = [&loaded, calls](LaunchOrder order) {
    return [&loaded, calls, order](cudaStream_t stream) {
      loaded->prepared.launch(stream);  // after the flush: a memset, nothing to overlap
      for (int i = 1; i < calls; ++i) loaded->prepared.launch(stream, order);
    };
  };
  NvtxRange range("chain " + out.validation.config);
  const std::vector<TimingStats> stats = s.timer.time_interleaved(
      {{fmt::format("{} x{}", out.validation.config, calls), chain(LaunchOrder::kAfterPrevious)},
       {fmt::format("{} x{} overlapped", out.validation.config, calls),
        chain(LaunchOrder::kOverlapPrevious)}});
  out.after_previous = stats[0];
  out.overlap_previous = stats[1];
  // The overlapped chain's D, checked as every result is: poisoned, one chain, the reference.
  // (Every call of the chain writes the same D, so this checks the overlapped launches compute,
  // not that they wait; the GPU test Pdl.* shows the wait with a kernel writing another D first.)
  const cudaStream_t stream = s.timer.stream();
  poison_output(s.d.get(), s.d.size_bytes(), stream);
  chain(LaunchOrder::kOverlapPrevious)(stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  out.overlapped_vs_reference = compare_output(s.d.as<uint16_t>(), s.reference.as<float>(),
                                               problem_.m, problem_.n, stream);
  (void)judge("dequantized reference, overlapped chain", *out.overlapped_vs_reference,
              kDequantizedReferenceThresholds, out.validation);
  return out;
}

}  // namespace gemmtune
