// accuracy.md, and the accuracy section of summary.md / report.html.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/accuracy/accuracy_accumulation.hpp"
#include "report/accuracy_report.hpp"
#include "report/markup.hpp"

namespace gemmtune::report {
namespace {

std::string row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& c : cells) line += " " + c + " |";
  return line + "\n";
}

std::string header_row(const std::vector<std::string>& titles, size_t text_columns) {
  std::vector<std::string> rules;
  for (size_t i = 0; i < titles.size(); ++i) rules.push_back(i < text_columns ? ":--" : "--:");
  return row(titles) + row(rules);
}

std::string mean_sd(const std::map<std::string, MetricSpread>& summary, const std::string& metric) {
  const auto it = summary.find(metric);
  if (it == summary.end()) return "";
  return fmt::format("{:.3e} ± {:.1e}", it->second.mean, it->second.stddev);
}

std::string mean_only(const std::map<std::string, MetricSpread>& summary, const std::string& metric) {
  const auto it = summary.find(metric);
  return it == summary.end() ? "" : fmt::format("{:.3e}", it->second.mean);
}

std::string path_label(const AccuracyEntry& e) {
  return std::string(to_string(e.path)) + (is_emulated(e.path) ? " (emulated)" : "");
}

std::string header_value(const nlohmann::json& header, const char* key) {
  const auto it = header.find(key);
  if (it == header.end() || it->is_null()) return "n/a";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

/// The inputs in the order the run used them.
std::vector<AccuracyInput> inputs_of(const AccuracyResults& r) {
  std::vector<AccuracyInput> out;
  for (const AccuracyEntry& e : r.entries) {
    if (std::find(out.begin(), out.end(), e.input) == out.end()) out.push_back(e.input);
  }
  return out;
}

bool has_entries(const AccuracyResults& r, const std::string& section, AccuracyInput input) {
  return std::any_of(r.entries.begin(), r.entries.end(),
                     [&](const AccuracyEntry& e) { return e.section == section && e.input == input; });
}

/// One entry's vs_reference: diff, the judged max relative error (and the whole-output floor's
/// value beside it when the floor was per row), the verdict.
std::string validation_cell(const AccuracyEntry& e) {
  const AccuracyValidation& v = *e.vs_reference;
  std::string cell = fmt::format("diff {:.1e}, max rel {:.3f}", v.metrics.diff, v.metrics.max_rel_err);
  if (v.floor == RelErrFloor::kRow) cell += fmt::format(" (output floor: {:.3f})", v.max_rel_err_output_floor);
  return cell + ", " + e.vs_reference_verdict;
}

/// Per input: the floor applied to vs_reference, its range, and the worst values under it and
/// under the whole-output floor.
std::string validation_table(const AccuracyResults& r) {
  std::string md = header_row({"input", "floor", "entries", "failed", "floor range (over rows)", "worst max rel",
                               "worst max rel, output floor (not judged)"},
                              2);
  bool any = false;
  for (const AccuracyInput input : inputs_of(r)) {
    int entries = 0, failed = 0;
    double floor_min = 0.0, floor_max = 0.0, worst = 0.0, worst_output = 0.0;
    std::set<std::string> floors;
    for (const AccuracyEntry& e : r.entries) {
      if (e.input != input || !e.vs_reference) continue;
      const AccuracyValidation& v = *e.vs_reference;
      floor_min = entries == 0 ? v.floor_min : std::min(floor_min, v.floor_min);
      floor_max = entries == 0 ? v.floor_max : std::max(floor_max, v.floor_max);
      ++entries;
      failed += e.vs_reference_verdict == "passed" ? 0 : 1;
      floors.insert(v.floor == RelErrFloor::kRow ? "0.1 x row RMS" : "0.1 x output RMS");
      worst = std::max(worst, v.metrics.max_rel_err);
      worst_output = std::max(worst_output, v.max_rel_err_output_floor);
    }
    if (entries == 0) continue;
    any = true;
    std::string floor_names;
    for (const std::string& f : floors) floor_names += (floor_names.empty() ? "" : ", ") + f;
    md += row({std::string(to_string(input)), floor_names, std::to_string(entries), std::to_string(failed),
               floor_max > 0.0 ? fmt::format("{:.3g} - {:.3g}", floor_min, floor_max) : "not recorded",
               fmt::format("{:.3f}", worst),
               fmt::format("{:.3f}", worst_output)});
  }
  return any ? md : "";
}

std::string shapes_table(const AccuracyResults& r, AccuracyInput input) {
  std::string md = header_row({"M", "N", "K", "recipe", "path", "rel RMS (mean ± sd)", "MAE", "max abs",
                               "calc_diff", "off > 1%", "vs reference path"},
                              5);
  for (const AccuracyEntry& e : r.entries) {
    if (e.section != "shapes" || e.input != input) continue;
    const std::string check = e.vs_reference ? validation_cell(e) : "";
    if (!e.measured) {
      md += row({std::to_string(e.problem.m), std::to_string(e.problem.n), std::to_string(e.problem.k),
                 std::string(to_string(e.recipe)), path_label(e), "skipped: " + e.note, "", "", "", "", ""});
      continue;
    }
    md += row({std::to_string(e.problem.m), std::to_string(e.problem.n), std::to_string(e.problem.k),
               std::string(to_string(e.recipe)), path_label(e) + (e.note.empty() ? "" : " — " + e.note),
               mean_sd(e.summary, "rel_rms"), mean_only(e.summary, "mae"), mean_only(e.summary, "max_abs"),
               mean_only(e.summary, "calc_diff"), mean_only(e.summary, "frac_off_1pct"), check});
  }
  return md;
}

std::string accumulation_table(const AccuracyResults& r, AccuracyInput input) {
  std::string md = header_row({"K", "path", "rel RMS vs FP64 of inputs", "rel RMS vs exact accumulation",
                               "max abs vs exact", "calc_diff vs FP64", "note"},
                              2);
  for (const AccuracyEntry& e : r.entries) {
    if (e.section != "accumulation" || e.input != input) continue;
    md += row({std::to_string(e.problem.k), path_label(e), e.measured ? mean_sd(e.summary, "rel_rms") : "skipped",
               mean_sd(e.summary_vs_dequantized, "rel_rms"), mean_only(e.summary_vs_dequantized, "max_abs"),
               mean_only(e.summary, "calc_diff"), e.note});
  }
  return md;
}

/// Mean over the shape set's problems of each (recipe, path)'s mean rel RMS, per input.
struct Overview {
  std::vector<AccuracyInput> inputs;
  std::vector<std::pair<AccuracyRecipe, AccuracyPath>> rows;
  std::map<std::tuple<AccuracyRecipe, AccuracyPath, AccuracyInput>, std::pair<double, int>> sums;
};

Overview overview(const AccuracyResults& r) {
  Overview o;
  o.inputs = inputs_of(r);
  for (const AccuracyEntry& e : r.entries) {
    if (e.section != "shapes" || !e.measured) continue;
    const auto key = std::make_pair(e.recipe, e.path);
    if (std::find(o.rows.begin(), o.rows.end(), key) == o.rows.end()) o.rows.push_back(key);
    auto& [sum, count] = o.sums[{e.recipe, e.path, e.input}];
    sum += e.summary.at("rel_rms").mean;
    ++count;
  }
  return o;
}

std::string overview_cell(const Overview& o, AccuracyRecipe recipe, AccuracyPath path, AccuracyInput input) {
  const auto it = o.sums.find({recipe, path, input});
  return it == o.sums.end() ? "" : fmt::format("{:.3e}", it->second.first / it->second.second);
}

}  // namespace

std::string render_accuracy_md(const AccuracyDocument& d) {
  const AccuracyResults& r = d.results;
  std::string md = "# gemmtune accuracy\n\n";
  md += "- **Device**: " + r.device + "\n";
  md += "- **Shape set**: " + header_value(d.header, "shape_set") + " (`" + header_value(d.header, "shapes_file") + "`)\n";
  md += "- **Seeds**: " + header_value(d.header.value("options", nlohmann::json::object()), "seeds") + "\n";
  md += "- **Git revision**: " + header_value(d.header, "git_rev") + "\n";
  md += "- **Command**: `" + header_value(d.header, "command") + "`\n";
  for (const std::string& s : r.skipped) md += "- **Skipped**: " + s + "\n";
  if (r.validation_failed()) {
    md += "- **Validation FAILED**: a gemmtune output is off the reference path beyond the validation bar "
          "(\"Kernel vs reference path\")\n";
  }

  md += "\n## Method\n\n";
  const nlohmann::json method = accuracy_method_json();
  md += "Each recipe quantizes the same FP32 inputs, multiplies them on its path, and is compared with the " +
        method.at("reference").get<std::string>() + ". " + method.at("output").get<std::string>() + ".\n\n";
  for (const std::string_view name : accuracy_metric_names()) {
    md += "- `" + std::string(name) + "`: " + method.at("metrics").at(std::string(name)).get<std::string>() + "\n";
  }
  md += "- Spread: " + method.at("spread").get<std::string>() + ".\n";
  md += "- Emulated: " + method.at("emulated").get<std::string>() + ".\n";
  md += "- Accumulation model: " + method.at("accumulation_model").at("description").get<std::string>() + ". " +
        method.at("accumulation_model").at("caveat").get<std::string>() + ". Sources: ";
  for (const auto& s : method.at("accumulation_model").at("sources")) md += s.get<std::string>() + "; ";
  md += "\n\n## Recipes\n\n" + header_row({"recipe", "quantization"}, 2);
  for (const AccuracyRecipe recipe : all_accuracy_recipes()) md += row({std::string(to_string(recipe)), describe(recipe)});
  md += "\n## Paths\n\n" + header_row({"path", "what multiplies"}, 2);
  for (const AccuracyPath path : all_accuracy_paths()) md += row({std::string(to_string(path)), describe(path)});
  md += "\n## Inputs\n\n" + header_row({"input", "distribution"}, 2);
  for (const AccuracyInput input : inputs_of(r)) md += row({std::string(to_string(input)), describe(input)});

  md += "\n## Overview: relative RMS error, mean over the shape set\n\n" + render_accuracy_section_md(d);
  if (const std::string table = validation_table(r); !table.empty()) {
    const bool read_v1 = std::any_of(r.entries.begin(), r.entries.end(), [](const AccuracyEntry& e) {
      return e.vs_reference && e.vs_reference->floor == RelErrFloor::kOutput;
    });
    md += "\n## Kernel vs reference path: the bar per input\n\n" + method.at("vs_reference").get<std::string>() + ".";
    if (read_v1) md += " Entries with the floor \"0.1 x output RMS\" were judged by the dense bar itself (gemmtune.accuracy/1).";
    md += "\n\n" + table;
  }
  for (const AccuracyInput input : inputs_of(r)) {
    if (has_entries(r, "shapes", input)) {
      md += "\n## Shapes: " + std::string(to_string(input)) + "\n\n" + shapes_table(r, input);
    }
  }
  for (const AccuracyInput input : inputs_of(r)) {
    if (has_entries(r, "accumulation", input)) {
      md += "\n## Accumulation study: " + std::string(to_string(input)) + " (M = N = " +
            header_value(d.header.value("options", nlohmann::json::object()), "accumulation_mn") + ")\n\n" +
            accumulation_table(r, input);
    }
  }
  md += "\n![error over K](accuracy.svg)\n";
  return md;
}

std::string render_accuracy_section_md(const AccuracyDocument& d) {
  const Overview o = overview(d.results);
  std::vector<std::string> titles = {"recipe", "path"};
  for (const AccuracyInput input : o.inputs) titles.emplace_back(to_string(input));
  std::string md = header_row(titles, 2);
  for (const auto& [recipe, path] : o.rows) {
    std::vector<std::string> cells = {std::string(to_string(recipe)),
                                      std::string(to_string(path)) + (is_emulated(path) ? " (emulated)" : "")};
    for (const AccuracyInput input : o.inputs) cells.push_back(overview_cell(o, recipe, path, input));
    md += row(cells);
  }
  md += "\nRelative RMS error against the float64 product of the unquantized inputs (mean over seeds, then over "
        "problems). Device: " + d.results.device + ".";
  if (!d.results.skipped.empty()) md += " Skipped: " + d.results.skipped.front() + (d.results.skipped.size() > 1 ? " (and more, see accuracy.json)" : "") + ".";
  return md + "\n";
}

std::string render_accuracy_section_html(const AccuracyDocument& d) {
  const Overview o = overview(d.results);
  std::string html = "<h2 id=\"accuracy\">Accuracy</h2>\n<div class=\"scroll\"><table id=\"accuracy-table\">\n<thead><tr><th>recipe</th><th>path</th>";
  for (const AccuracyInput input : o.inputs) html += "<th>" + xml_escape(std::string(to_string(input))) + "</th>";
  html += "</tr></thead>\n<tbody>\n";
  for (const auto& [recipe, path] : o.rows) {
    html += "<tr><td>" + xml_escape(std::string(to_string(recipe))) + "</td><td>" +
            xml_escape(std::string(to_string(path)) + (is_emulated(path) ? " (emulated)" : "")) + "</td>";
    for (const AccuracyInput input : o.inputs) html += "<td class=\"num\">" + overview_cell(o, recipe, path, input) + "</td>";
    html += "</tr>\n";
  }
  html += "</tbody>\n</table></div>\n" + render_accuracy_svg(d);
  html += "<p class=\"note\">Relative RMS error against the float64 product of the unquantized inputs (mean over "
          "seeds, then problems); device: " + xml_escape(d.results.device) + ". Method, every metric and the "
          "emulation model: accuracy.md.</p>\n";
  return html;
}

}  // namespace gemmtune::report
