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
  return md;
}

}  // namespace gemmtune::report
