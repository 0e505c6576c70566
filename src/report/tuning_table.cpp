// Selection of the tuning table from a run folder's measurements.
#include "report/tuning_table.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "report/serving_fields.hpp"

namespace gemmtune::report {
namespace {

/// A table problem's identity: op, G, N, K.
using ProblemKey = std::tuple<GroupLayout, int64_t, int64_t, int64_t>;

[[nodiscard]] ProblemKey key_of(const Problem& p) {
  return {p.layout, p.layout == GroupLayout::kNone ? 0 : p.groups(), p.n, p.k};
}

/// Where each problem and each entry landed while building; entries by problem_key().
struct TableBuilder {
  TuningTable table;
  std::map<ProblemKey, std::size_t> problem_index;
  std::map<std::string, std::string> first_failure;
  std::map<std::string, const RunRecord*> side_by_side;  // last passed

  TableEntry& entry_for(const RunRecord& r) {
    const Problem& q = r.problem;
    auto [it, inserted] = problem_index.try_emplace(key_of(q), table.problems.size());
    if (inserted) {
      table.problems.push_back({.label = q.label, .n = q.n, .k = q.k, .layout = q.layout,
                                .groups = q.layout == GroupLayout::kNone ? 0 : q.groups()});
    }
    std::vector<TableEntry>& entries = table.problems[it->second].entries;
    const auto found = std::find_if(entries.begin(), entries.end(), [&](const TableEntry& e) {
      return e.m == r.shape.m && e.group_m == q.group_m && e.max_m == q.max_m;
    });
    if (found != entries.end()) return *found;
    return entries.emplace_back(TableEntry{.m = r.shape.m, .group_m = q.group_m, .max_m = q.max_m});
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
  if (b.table.env.raw.is_object() && b.table.env.raw.contains("time_breakdown")) {
    b.table.time_breakdown = b.table.env.raw.at("time_breakdown");
    b.table.env.raw.erase("time_breakdown");
  }
  for (const RunRecord& r : folder.runs) {
    TableEntry& e = b.entry_for(r);
    const bool passed = r.disposition == Disposition::kPassed;
    const std::string mode =
        passed && !r.timing->mode.empty() ? r.timing->mode : folder.env.timing_mode;
    if (r.kind == RunKind::kSideBySide) {
      if (passed) b.side_by_side[problem_key(r.problem)] = &r;
      continue;
    }
    if (r.kind == RunKind::kGemmtune) {
      ++e.dispositions[std::string(to_string(r.disposition))];
      if (!passed) {
        b.first_failure.try_emplace(problem_key(r.problem),
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
    std::sort(p.entries.begin(), p.entries.end(), [](const TableEntry& x, const TableEntry& y) {
      return std::tie(x.m, x.max_m, x.group_m) < std::tie(y.m, y.max_m, y.group_m);
    });
    for (TableEntry& e : p.entries) {
      const std::string key = problem_key(problem_of(p, e));
      const auto found = b.side_by_side.find(key);
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
      const auto it = b.first_failure.find(key);
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

std::vector<RunKind> baseline_kinds(GroupLayout layout) {
  if (layout != GroupLayout::kNone) {
    return {std::begin(kGroupedBaselineKinds), std::end(kGroupedBaselineKinds)};
  }
  return {std::begin(kBaselineKinds), std::end(kBaselineKinds)};
}

Problem problem_of(const TableProblem& p, const TableEntry& e) {
  Problem q{.label = p.label, .m = e.m, .n = p.n, .k = p.k, .layout = p.layout,
            .group_m = e.group_m, .max_m = e.max_m};
  if (p.layout == GroupLayout::kMasked) q.m = e.max_m * q.groups();
  return q;
}

std::string op_text(const TableProblem& p) {
  if (p.layout == GroupLayout::kNone) return "dense";
  return std::string(to_string(p.layout)) + " G" + std::to_string(p.groups);
}

std::string reproduce_command(const TableProblem& p, const TableEntry& e) {
  if (!e.config) return "";
  std::string rows = "--m " + std::to_string(e.m);
  if (p.layout != GroupLayout::kNone) {
    rows = std::string("--layout ") + to_string(p.layout) + " --group-m ";
    for (std::size_t g = 0; g < e.group_m.size(); ++g) rows += (g ? "," : "") + std::to_string(e.group_m[g]);
    if (p.layout == GroupLayout::kMasked) rows += " --max-m " + std::to_string(e.max_m);
  }
  return "gemmtune run " + rows + " --n " + std::to_string(p.n) + " --k " + std::to_string(p.k) +
         " --config " + *e.config + " --timing " + e.timing_mode;
}

TuningTable load_tuning_table(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    TuningTable table = build_tuning_table(read_run_folder(path));
    check_table_serving(table, (path / "runs.jsonl").string());
    return table;
  }
  return parse_tuning_table(read_json_file(path.string()), path.string());
}

}  // namespace gemmtune::report
