#pragma once
/// Order statistics of repeated measurements (timing samples). Pure host code, no CUDA.
#include <span>

namespace gemmtune {

/// Summary of a set of samples, in the samples' unit.
struct SampleStats {
  int count = 0;
  double median = 0.0;
  double p10 = 0.0;     ///< 10th percentile
  double p90 = 0.0;     ///< 90th percentile
  double min = 0.0;
  double max = 0.0;
  double mean = 0.0;
  double spread = 0.0;  ///< (p90 - p10) / median: relative noise, 0 when median is 0
};

/// Percentile q in [0, 1] of `sorted` (ascending), linear interpolation between closest ranks
/// (numpy's default). Throws on an empty input or q outside [0, 1].
[[nodiscard]] double percentile_of_sorted(std::span<const double> sorted, double q);

/// Summarizes `samples` (any order). Throws on an empty input.
[[nodiscard]] SampleStats summarize_samples(std::span<const double> samples);

}  // namespace gemmtune
