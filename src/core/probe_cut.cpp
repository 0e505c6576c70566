#include "core/probe_cut.hpp"

#include <algorithm>
#include <cmath>

namespace gemmtune {

std::vector<size_t> probe_survivors(std::span<const double> probe_us, const ProbeCut& cut) {
  std::vector<size_t> order;
  order.reserve(probe_us.size());
  for (size_t i = 0; i < probe_us.size(); ++i) {
    if (std::isfinite(probe_us[i]) && probe_us[i] > 0.0) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return probe_us[a] < probe_us[b]; });
  if (order.empty()) return order;
  const double bar_us = probe_us[order.front()] * (1.0 + cut.margin);
  size_t kept = 0;
  while (kept < order.size() && (kept < cut.min_kept || probe_us[order[kept]] <= bar_us)) ++kept;
  order.resize(kept);
  return order;
}

}  // namespace gemmtune
