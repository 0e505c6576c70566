// Selection of the tuning table from a run folder's measurements.
#include "report/tuning_table.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace gemmtune::report {
namespace {

/// Where each (N, K) and each M landed while building.
struct TableBuilder {
  TuningTable table;
  std::map<std::pair<int64_t, int64_t>, std::size_t> problem_index;
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::string> first_failure;
  std::map<std::tuple<int64_t, int64_t, int64_t>, const RunRecord*> side_by_side;  // last passed

  TableEntry& entry_for(const RunRecord& r) {
    const auto key = std::make_pair(r.shape.n, r.shape.k);
    auto [it, inserted] = problem_index.try_emplace(key, table.problems.size());
    if (inserted) table.problems.push_back({.label = r.label, .n = r.shape.n, .k = r.shape.k});
    std::vector<TableEntry>& entries = table.problems[it->second].entries;
    const auto found = std::find_if(entries.begin(), entries.end(),
                                    [&](const TableEntry& e) { return e.m == r.shape.m; });
    if (found != entries.end()) return *found;
    return entries.emplace_back(TableEntry{.m = r.shape.m});
  }
};

/// "no passing config among 3 measured (2 incorrect, 1 faulted); first failure: ..."
[[nodiscard]] std::string no_config_reason(const TableEntry& e, const std::string& first_failure) {
  int64_t measured = 0;
  std::string counts;
  for (const Disposition d : kAllDispositions) {
    const auto it = e.dispositions.find(std::string(to_string(d)));
    if (it == e.dispositions.end()) continue;
    measured += it->second;
    counts += (counts.empty() ? "" : ", ") + std::to_string(it->second) + " " + it->first;
  }
  if (measured == 0) return "no gemmtune measurement";
  std::string reason =
      "no passing config among " + std::to_string(measured) + " measured (" + counts + ")";
  if (!first_failure.empty()) reason += "; first failure: " + first_failure;
  return reason;
}

}  // namespace

TuningTable build_tuning_table(const RunFolder& folder) {
  TableBuilder b;
  b.table.env = folder.env;
  for (const RunRecord& r : folder.runs) {
    TableEntry& e = b.entry_for(r);
    const bool passed = r.disposition == Disposition::kPassed;
    const std::string mode =
        passed && !r.timing->mode.empty() ? r.timing->mode : folder.env.timing_mode;
    if (r.kind == RunKind::kSideBySide) {
      if (passed) b.side_by_side[{r.shape.n, r.shape.k, r.shape.m}] = &r;
      continue;
    }
    if (r.kind == RunKind::kGemmtune) {
      ++e.dispositions[std::string(to_string(r.disposition))];
      if (!passed) {
        b.first_failure.try_emplace({r.shape.n, r.shape.k, r.shape.m},
                                    std::string(to_string(r.disposition)) + " " + r.config +
                                        (r.reason.empty() ? "" : ": " + r.reason));
      } else if (!e.config || r.timing->median_us < e.median_us) {
        e.config = r.config;
        e.selected_by = "screening";
        e.median_us = r.timing->median_us;
        e.spread_rel = r.timing->spread_rel;
        e.timing_mode = mode;
      }
      continue;
    }
    if (!passed) continue;
    const auto it = e.baselines.find(r.kind);
    if (it == e.baselines.end() || r.timing->median_us < it->second.median_us) {
      e.baselines[r.kind] = {.median_us = r.timing->median_us,
                             .spread_rel = r.timing->spread_rel,
                             .algo = r.algo};
    }
  }
  for (TableProblem& p : b.table.problems) {
    std::sort(p.entries.begin(), p.entries.end(),
              [](const TableEntry& x, const TableEntry& y) { return x.m < y.m; });
    for (TableEntry& e : p.entries) {
      const auto found = b.side_by_side.find({p.n, p.k, e.m});
      const RunRecord* sbs = found == b.side_by_side.end() ? nullptr : found->second;
      if (e.config && sbs != nullptr && !sbs->runoff.empty()) {
        // NOTE: the run-off's candidates were timed in one interleaved call, free of the clock
        // drift between screening records (sweep/runoff.hpp): its winner is the choice.
        e.config = sbs->config;
        e.median_us = sbs->timing->median_us;
        e.spread_rel = sbs->timing->spread_rel;
        if (!sbs->timing->mode.empty()) e.timing_mode = sbs->timing->mode;
        e.selected_by = "runoff";
      }
      if (e.config && sbs != nullptr && sbs->config == *e.config) {
        SideBySide side{.median_us = sbs->timing->median_us};
        for (const auto& [kind, timing] : sbs->side_by_side) side.baseline_us[kind] = timing.median_us;
        for (const auto& [config, timing] : sbs->runoff) side.runoff_us.emplace_back(config, timing.median_us);
        e.side_by_side = std::move(side);
      }
      if (e.config) continue;
      e.timing_mode = folder.env.timing_mode;
      const auto it = b.first_failure.find({p.n, p.k, e.m});
      e.reason = no_config_reason(e, it == b.first_failure.end() ? "" : it->second);
    }
  }
  return b.table;
}

std::optional<double> speedup(const TableEntry& entry, RunKind baseline) {
  if (entry.config && entry.side_by_side) {
    const auto side = entry.side_by_side->baseline_us.find(baseline);
    if (side != entry.side_by_side->baseline_us.end()) return side->second / entry.side_by_side->median_us;
  }
  const auto it = entry.baselines.find(baseline);
  if (!entry.config || it == entry.baselines.end()) return std::nullopt;
  return it->second.median_us / entry.median_us;
}

std::string reproduce_command(const TableProblem& p, const TableEntry& e) {
  if (!e.config) return "";
  return "gemmtune run --m " + std::to_string(e.m) + " --n " + std::to_string(p.n) + " --k " +
         std::to_string(p.k) + " --config " + *e.config + " --timing " + e.timing_mode;
}

TuningTable load_tuning_table(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) return build_tuning_table(read_run_folder(path));
  return parse_tuning_table(read_json_file(path.string()), path.string());
}

}  // namespace gemmtune::report
