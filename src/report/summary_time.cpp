// summary.md's "Where the time went": the sweep's time breakdown (env.json `time_breakdown`,
// src/sweep/README.md "Time breakdown") as seconds and shares.
#include <string>
#include <utility>
#include <vector>

#include "report/summary_model.hpp"

namespace gemmtune::report {

std::vector<std::pair<std::string, double>> time_categories(const Json& breakdown) {
  std::vector<std::pair<std::string, double>> categories;
  if (!breakdown.is_object()) return categories;
  for (const auto& [key, value] : breakdown.items()) {
    if (!value.is_number() || key.size() < 3 || key.substr(key.size() - 2) != "_s" ||
        key == "compile_cpu_s" || key == "wall_s" || key == "gpu_s") {
      continue;
    }
    categories.emplace_back(key.substr(0, key.size() - 2), value.get<double>());
  }
  return categories;
}

std::optional<SummaryTable> time_breakdown_table(const TuningTable& table) {
  const Json& breakdown = table.time_breakdown;
  if (!breakdown.is_object()) return std::nullopt;
  std::vector<std::pair<std::string, double>> categories;
  double total_s = 0.0;
  // NOTE: the reports are written after this table, so they are no category of it.
  for (const auto& [name, seconds] : time_categories(breakdown)) {
    if (name == "reports") continue;
    total_s += seconds;
    if (seconds > 0.0) categories.emplace_back(name, seconds);
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
