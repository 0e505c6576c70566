#pragma once
/// The measurements of one worker process, on one GPU (the sweep's pool starts one worker per
/// GPU: sweep/gpu_pool.hpp). A request of the worker protocol (sweep/worker_protocol.hpp) becomes
/// one Measurement; the current problem's inputs and references stay on the GPU between requests
/// of the same problem, timing and seed, and are freed before another problem's are made.
#include <memory>
#include <string>
#include <vector>

#include "core/problem.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/grouped_bench.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::worker {

/// Measures requests for the GPU this process sees as device 0.
class WorkerService {
 public:
  /// Measures one request. A config that fails is a Measurement with its disposition; a CUDA
  /// failure or a request it cannot serve (a config that does not parse, a dense baseline asked
  /// of a grouped problem) throws.
  [[nodiscard]] Measurement measure(const sweep::MeasureRequest& r);
  /// The seconds the last measure() spent on its problem's set-up and its run-off, for the
  /// sweep's time breakdown (sweep/time_breakdown.hpp).
  [[nodiscard]] const sweep::RequestPhases& phases() const { return phases_; }

 private:
  Measurement measure_dense(const sweep::MeasureRequest& r);
  /// A grouped problem (kernels/README.md "Grouped GEMMs"): a config is validated group by group
  /// and timed alone; a baseline is one of the per-group cuBLASLt launches; side by side times the
  /// run-off's configs together, then both baselines, in one call.
  Measurement measure_grouped(const sweep::MeasureRequest& r);
  /// The run-off's candidates timed together as the request's run-off regime says, then both
  /// per-group baselines, each in a block of its own; the record names the fastest candidate
  /// that passed (sweep/runoff.hpp).
  Measurement grouped_side_by_side(GroupedBench& bench, const sweep::MeasureRequest& r);
  /// The bench of the request's problem, made (after freeing the previous one) when the problem,
  /// timing or seed changed.
  ProblemBench& bench_for(const sweep::MeasureRequest& r);
  GroupedBench& grouped_bench_for(const sweep::MeasureRequest& r);
  /// True when the benches hold `r`'s problem, timing and seed; else frees them and notes `r`'s.
  bool keep_benches(const sweep::MeasureRequest& r);
  /// The timing settings of request `r` on `bench`: a screening's per-sample clock and settle.
  template <class Bench>
  void set_timing(Bench& bench, const sweep::MeasureRequest& r) const;

  std::unique_ptr<ProblemBench> bench_;
  std::unique_ptr<GroupedBench> grouped_;
  Problem problem_;
  sweep::TimingRequest timing_;
  uint64_t seed_ = 0;
  /// The median of the current problem's last screening (0: none yet): what decides whether the
  /// next one settles first (sweep/runoff.hpp screening_settle_ms).
  double last_screen_us_ = 0.0;
  sweep::RequestPhases phases_;
};

/// The record of a measurement that threw (kind, problem and config of the request, disposition
/// faulted, the exception's text): the worker's context may be broken, so it restarts.
[[nodiscard]] Measurement thrown_measurement(const sweep::MeasureRequest& r,
                                             const std::string& what);

}  // namespace gemmtune::worker
