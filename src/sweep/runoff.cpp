// Choice of a problem's run-off candidates.
#include "sweep/runoff.hpp"

#include <algorithm>
#include <iterator>

namespace gemmtune::sweep {

namespace {

/// Appends to `out` the distinct configs of `ranked` (ascending by `cost`) whose cost is within
/// `within_rel` of the first's, until `out` holds `limit`.
template <class Cost>
void take_within(const std::vector<Screened>& ranked, Cost cost, double within_rel, int limit,
                 std::vector<std::string>& out) {
  if (ranked.empty()) return;
  const double bound = cost(ranked.front()) * (1.0 + within_rel);
  for (const Screened& s : ranked) {
    if (static_cast<int>(out.size()) >= limit || cost(s) > bound) break;
    // NOTE: a config measured twice (a resumed run) is one candidate.
    if (std::find(out.begin(), out.end(), s.config) == out.end()) out.push_back(s.config);
  }
}

}  // namespace

std::vector<std::string> runoff_candidates(std::vector<Screened> passed, int max_by_time,
                                           double within_rel, int max_configs) {
  std::vector<std::string> out;
  const auto time = [](const Screened& s) { return s.median_us; };
  const auto cycles = [](const Screened& s) { return s.median_us * s.sm_mhz; };
  std::stable_sort(passed.begin(), passed.end(),
                   [&](const Screened& a, const Screened& b) { return time(a) < time(b); });
  take_within(passed, time, within_rel, std::min(max_by_time, max_configs), out);
  std::vector<Screened> clocked;
  std::copy_if(passed.begin(), passed.end(), std::back_inserter(clocked),
               [](const Screened& s) { return s.sm_mhz > 0.0; });
  std::stable_sort(clocked.begin(), clocked.end(),
                   [&](const Screened& a, const Screened& b) { return cycles(a) < cycles(b); });
  take_within(clocked, cycles, within_rel, max_configs, out);
  return out;
}

}  // namespace gemmtune::sweep
