// summary.md's "Where the time went": the sweep's time breakdown (env.json `time_breakdown`,
// src/sweep/README.md "Time breakdown") as seconds and shares.
#include <string>
#include <utility>
#include <vector>

#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

/// The members of a `time_breakdown` that are seconds but no category of the table: totals, and
/// the reports, which are written after this table.
[[nodiscard]] bool left_out_of_time_table(const std::string& key) {
  return key == "compile_cpu_s" || key == "wall_s" || key == "gpu_s" || key == "reports_s";
}

}  // namespace

std::optional<SummaryTable> time_breakdown_table(const TuningTable& table) {
  const Json& breakdown = table.time_breakdown;
  if (!breakdown.is_object()) return std::nullopt;
  std::vector<std::pair<std::string, double>> categories;
  double total_s = 0.0;
  for (const auto& [key, value] : breakdown.items()) {
    if (!value.is_number() || key.size() < 3 || key.substr(key.size() - 2) != "_s" ||
        left_out_of_time_table(key)) {
      continue;
    }
    const double seconds = value.get<double>();
    total_s += seconds;
    if (seconds > 0.0) categories.emplace_back(key.substr(0, key.size() - 2), seconds);
  }
  SummaryTable t{.columns = {{"where"}, {"seconds", true}, {"share", true}}};
  for (const auto& [name, seconds] : categories) {
    const double share = total_s > 0.0 ? 100.0 * seconds / total_s : 0.0;
    t.rows.push_back({SummaryCell(name, true), SummaryCell(fixed(seconds, 1)),
                      SummaryCell(fixed(share, 1) + "%")});
  }
  t.rows.push_back({SummaryCell("total"), SummaryCell(fixed(total_s, 1)), SummaryCell("100.0%")});
  return t;
}

}  // namespace gemmtune::report
