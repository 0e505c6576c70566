// Choice of a problem's run-off candidates.
#include "sweep/runoff.hpp"

#include <algorithm>
#include <iterator>

namespace gemmtune::sweep {

namespace {

/// Appends to `out` the distinct configs of `ranked` (ascending by `cost`) that `eligible` takes
/// and whose cost is within `within_rel` of the first's, until `out` holds `limit`.
template <class Cost, class Eligible>
void take_within(const std::vector<Screened>& ranked, Cost cost, Eligible eligible,
                 double within_rel, int limit, std::vector<std::string>& out) {
  if (ranked.empty()) return;
  const double bound = cost(ranked.front()) * (1.0 + within_rel);
  for (const Screened& s : ranked) {
    if (static_cast<int>(out.size()) >= limit || cost(s) > bound) break;
    // NOTE: a config measured twice (a resumed run) is one candidate.
    if (eligible(s) && std::find(out.begin(), out.end(), s.config) == out.end()) {
      out.push_back(s.config);
    }
  }
}

}  // namespace

Screened screened_from(double median_us, std::string config, const report::RunClock& clock) {
  Screened s{.median_us = median_us, .config = std::move(config), .sm_mhz = clock.sm_mhz};
  if (clock.sample_median_mhz > 0.0 && clock.sample_median_cycles > 0.0) {
    s.sm_mhz = clock.sample_median_mhz;
    s.cycles = clock.sample_median_cycles;
  }
  return s;
}

std::vector<std::string> runoff_candidates(std::vector<Screened> passed, int max_by_time,
                                           double within_rel, int max_configs) {
  std::vector<std::string> out;
  const auto time = [](const Screened& s) { return s.median_us; };
  const auto cycles = [](const Screened& s) { return s.cycles_or_estimate(); };
  std::stable_sort(passed.begin(), passed.end(),
                   [&](const Screened& a, const Screened& b) { return time(a) < time(b); });
  take_within(passed, time, [](const Screened&) { return true; }, within_rel,
              std::min(max_by_time, max_configs), out);
  std::vector<Screened> clocked;
  std::copy_if(passed.begin(), passed.end(), std::back_inserter(clocked),
               [](const Screened& s) { return s.sm_mhz > 0.0; });
  double top_mhz = 0.0;
  for (const Screened& s : clocked) top_mhz = std::max(top_mhz, s.sm_mhz);
  const auto throttled = [&](const Screened& s) {
    return s.sm_mhz < (1.0 - kRunoffThrottledRel) * top_mhz;
  };
  std::stable_sort(clocked.begin(), clocked.end(),
                   [&](const Screened& a, const Screened& b) { return cycles(a) < cycles(b); });
  take_within(clocked, cycles, throttled, within_rel, max_configs, out);
  return out;
}

}  // namespace gemmtune::sweep
