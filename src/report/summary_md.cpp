// summary.md, laid out like the performance table of DeepGEMM's README.
#include <string>

#include "report/markup.hpp"
#include "report/render.hpp"
#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

[[nodiscard]] std::string md_cell(const SummaryCell& cell) {
  if (cell.text.empty()) return "";
  return cell.code ? markdown_code(cell.text) : markdown_text(cell.text);
}

[[nodiscard]] std::string md_row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& cell : cells) line += " " + cell + " |";
  return line + "\n";
}

}  // namespace

std::string md_table(const SummaryTable& t) {
  std::vector<std::string> titles;
  std::vector<std::string> rules;
  for (const SummaryColumn& c : t.columns) {
    titles.push_back(markdown_text(c.title));
    rules.push_back(c.numeric ? "--:" : ":--");
  }
  std::string md = md_row(titles) + md_row(rules);
  for (const std::vector<SummaryCell>& row : t.rows) {
    std::vector<std::string> cells;
    for (const SummaryCell& cell : row) cells.push_back(md_cell(cell));
    md += md_row(cells);
  }
  return md;
}

std::string render_summary_md(const TuningTable& table) {
  std::string md = "# gemmtune tuning summary\n\n";
  for (const auto& [key, value] : env_facts(table.env)) {
    md += "- **" + markdown_text(key) + "**: " +
          (key == "Command" ? markdown_code(value) : markdown_text(value)) + "\n";
  }
  md += "\n## Results\n\n" + md_table(results_table(table));
  md += "\n## Geometric mean of speedups\n\n" + md_table(geomean_table(table));
  md += "\nSpeedup = cuBLASLt µs / gemmtune µs (above 1: gemmtune is faster); in parentheses the "
        "number of rows with both measurements. TFLOPS = 2·M·N·K / time. GB/s counts A, B, D and "
        "both scale tensors once. Rows with no passing config show why.\n";
  if (const std::optional<SummaryTable> time = time_breakdown_table(table)) {
    const Json gpus_value = table.time_breakdown.value("gpus", Json(1));
    const int64_t gpus = gpus_value.is_number_integer() ? gpus_value.get<int64_t>() : 1;
    const std::string per_gpu =
        gpus > 1 ? "; with " + std::to_string(gpus) + " GPUs, seconds are summed over them" : "";
    md += "\n## Where the time went\n\n" + md_table(*time) +
          "\nSeconds of the sweep by its host's clock until its reports (env.json "
          "`time_breakdown` adds them" + per_gpu + ").\n";
  }
  return md;
}

}  // namespace gemmtune::report
