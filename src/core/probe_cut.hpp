#pragma once
/// The probe cut of a screening: every candidate timed once (its probe), then only those close to
/// the fastest probe screened properly. Pure host code, no CUDA; the cuBLASLt best search
/// (runtime/gemm_bench_baselines.cpp) uses it, the sweep's values are in sweep/worker_protocol.hpp.
#include <cstddef>
#include <span>
#include <vector>

namespace gemmtune {

/// Which probed candidates a screening keeps.
struct ProbeCut {
  double margin = 0.2;   ///< kept: probe time <= (1 + margin) x the fastest probe's time
  size_t min_kept = 16;  ///< and at least this many of the fastest, whatever their times
};

/// Indices into `probe_us` that `cut` keeps, fastest first (ties in input order). A time that is
/// not finite or not positive is never kept, so a broken probe cannot set the bar.
[[nodiscard]] std::vector<size_t> probe_survivors(std::span<const double> probe_us, const ProbeCut& cut);

}  // namespace gemmtune
