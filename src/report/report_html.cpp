// report.html (self-contained: inline CSS and SVG, no script) and the writer of the report set.
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "report/markup.hpp"
#include "report/render.hpp"
#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

constexpr const char* kCss =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1500px}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:600}"
    "dd{margin:0}table{border-collapse:collapse;font-size:13px}"
    "th,td{border:1px solid #ddd;padding:3px 7px}th{background:#f3f3f3}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}"
    "tr:nth-child(even){background:#fafafa}.note{color:#555;font-size:13px}"
    ".scroll{overflow-x:auto}td code{white-space:nowrap}";

[[nodiscard]] std::string html_row(const std::vector<SummaryCell>& cells,
                                   const std::vector<SummaryColumn>& columns, bool header) {
  const std::string tag = header ? "th" : "td";
  std::string row = "<tr>";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    std::string body = xml_escape(cells[i].text);
    if (cells[i].code && !cells[i].text.empty()) body = "<code>" + body + "</code>";
    row += "<" + tag + (columns[i].numeric ? " class=\"num\"" : "") + ">" + body + "</" + tag + ">";
  }
  return row + "</tr>\n";
}

[[nodiscard]] std::string html_table(const SummaryTable& t, const char* id) {
  std::vector<SummaryCell> titles;
  for (const SummaryColumn& c : t.columns) titles.emplace_back(c.title);
  std::string html = std::string("<div class=\"scroll\"><table id=\"") + id + "\">\n<thead>" +
                     html_row(titles, t.columns, true) + "</thead>\n<tbody>\n";
  for (const std::vector<SummaryCell>& row : t.rows) html += html_row(row, t.columns, false);
  return html + "</tbody>\n</table></div>\n";
}

/// `html` with `section` inserted before </body>.
[[nodiscard]] std::string with_section(std::string html, const std::string& section) {
  const size_t end = html.rfind("</body>");
  if (!section.empty() && end != std::string::npos) html.insert(end, section);
  return html;
}

}  // namespace

std::string render_report_html(const TuningTable& table) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<title>gemmtune report: " + xml_escape(table.env.gpu_name) + "</title>\n";
  html += std::string("<style>") + kCss + "</style>\n</head>\n<body>\n";
  html += "<h1>gemmtune tuning report</h1>\n<dl id=\"env\">\n";
  for (const auto& [key, value] : env_facts(table.env)) {
    html += "<dt>" + xml_escape(key) + "</dt><dd>" + xml_escape(value) + "</dd>\n";
  }
  html += "</dl>\n<h2>Roofline</h2>\n" + render_roofline_svg(table);
  const Roofs& roofs = table.env.roofs;
  html += "<p class=\"note\" id=\"roofs-note\">Hover a point for its shape, time and config. "
          "Roofs (env.json <code>roofs</code>): HBM, FP8 block-scaled and FP8 per-tensor " +
          xml_escape(roofs_provenance(roofs)) +
          (roofs.source == RoofSource::kMeasured
               ? std::string(". ")
               : std::string(", so they may not be this GPU's ceilings. ")) +
          "The datasheet FP8 peak is a constant.</p>\n";

  html += "<h2>Results</h2>\n" + html_table(results_table(table), "results");
  html += "<h2>Geometric mean of speedups</h2>\n" + html_table(geomean_table(table), "geomeans");
  html += "<p class=\"note\">Speedup = cuBLASLt µs / gemmtune µs (above 1: gemmtune is faster); "
          "in parentheses the rows with both measurements. TFLOPS = 2·M·N·K / time; GB/s counts "
          "A, B, D and both scale tensors once.</p>\n</body>\n</html>\n";
  return html;
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
  write_file_atomically(path, text);
}

std::vector<std::pair<std::string, std::string>> render_report_files(const TuningTable& table,
                                                                     const ReportExtras& extras) {
  return {{"tuning_table.json", to_json(table).dump(2) + "\n"},
          {"summary.md", render_summary_md(table) + extras.summary_md},
          {"roofline.svg", render_roofline_svg(table)},
          {"report.html", with_section(render_report_html(table), extras.report_html)}};
}

std::vector<std::filesystem::path> write_report_files(const TuningTable& table,
                                                      const std::filesystem::path& dir,
                                                      const ReportExtras& extras) {
  return write_text_files(dir, render_report_files(table, extras));
}

std::vector<std::filesystem::path> write_text_files(
    const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  return write_files_into(dir, "--out", files);
}

}  // namespace gemmtune::report
