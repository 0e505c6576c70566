// Choice of a problem's run-off candidates.
#include "sweep/runoff.hpp"

#include <algorithm>

namespace gemmtune::sweep {

std::vector<std::string> runoff_candidates(std::vector<std::pair<double, std::string>> passed,
                                           int max_configs, double within_rel) {
  std::vector<std::string> out;
  if (passed.empty()) return out;
  std::stable_sort(passed.begin(), passed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const double limit_us = passed.front().first * (1.0 + within_rel);
  for (const auto& [median_us, config] : passed) {
    if (static_cast<int>(out.size()) >= max_configs || median_us > limit_us) break;
    // NOTE: a config measured twice (a resumed run) is one candidate.
    if (std::find(out.begin(), out.end(), config) == out.end()) out.push_back(config);
  }
  return out;
}

}  // namespace gemmtune::sweep
