#include "core/sample_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.hpp"

namespace gemmtune {

double percentile_of_sorted(std::span<const double> sorted, double q) {
  GT_CHECK(!sorted.empty(), kExitUsage, "percentile of no samples");
  GT_CHECK(q >= 0.0 && q <= 1.0, kExitUsage, "percentile outside [0, 1]");
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

SampleStats summarize_samples(std::span<const double> samples) {
  GT_CHECK(!samples.empty(), kExitUsage, "summary of no samples");
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  SampleStats s;
  s.count = static_cast<int>(sorted.size());
  s.median = percentile_of_sorted(sorted, 0.5);
  s.p10 = percentile_of_sorted(sorted, 0.1);
  s.p90 = percentile_of_sorted(sorted, 0.9);
  s.min = sorted.front();
  s.max = sorted.back();
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  s.spread = s.median != 0.0 ? (s.p90 - s.p10) / s.median : 0.0;
  return s;
}

}  // namespace gemmtune
