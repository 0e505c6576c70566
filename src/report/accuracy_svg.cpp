// accuracy.svg, hand-written in roofline.svg's style: two panels over K (log2 axis), relative RMS
// error (log10 axis). Left: every recipe and path on the shape set's problems, against the
// float64 product of the unquantized inputs. Right: the accumulation study, against the exact
// accumulation of the same quantized operands (the error the accumulation adds).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/accuracy_report.hpp"
#include "report/markup.hpp"

namespace gemmtune::report {
namespace {

constexpr double kAccuracyWidthPx = 1200, kAccuracyHeightPx = 560;
constexpr double kPanelWidthPx = 420, kAccuracyTopPx = 76, kAccuracyBottomPx = 436;
constexpr double kPanelLeftPx[2] = {80, 660};
constexpr const char* kColors[] = {"#1f77b4", "#e8590c", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aa3377"};

struct SeriesPoint {
  double k = 0, y = 0, lo = 0, hi = 0;
};

struct Series {
  std::string name;
  bool emulated = false;
  std::vector<SeriesPoint> points;  ///< sorted by K
};

/// Series of one section for one input: mean over problems of equal K of the metric's mean
/// (lo/hi: the smallest min and largest max over seeds).
std::vector<Series> collect(const AccuracyResults& r, const std::string& section, AccuracyInput input,
                            bool vs_dequantized) {
  std::map<std::string, std::map<int64_t, std::vector<MetricSpread>>> grouped;
  std::map<std::string, bool> emulated;
  std::vector<std::string> order;
  for (const AccuracyEntry& e : r.entries) {
    if (e.section != section || e.input != input || !e.measured) continue;
    const auto& summary = vs_dequantized ? e.summary_vs_dequantized : e.summary;
    const auto it = summary.find("rel_rms");
    if (it == summary.end()) continue;
    const std::string name = section == "accumulation" ? std::string(to_string(e.path))
                                                       : std::string(to_string(e.recipe)) + " / " + std::string(to_string(e.path));
    if (!grouped.contains(name)) order.push_back(name);
    grouped[name][e.problem.k].push_back(it->second);
    emulated[name] = is_emulated(e.path);
  }
  std::vector<Series> out;
  for (const std::string& name : order) {
    Series s{.name = name, .emulated = emulated[name], .points = {}};
    for (const auto& [k, spreads] : grouped[name]) {
      SeriesPoint p{.k = static_cast<double>(k), .y = 0, .lo = spreads[0].min, .hi = spreads[0].max};
      for (const MetricSpread& m : spreads) {
        p.y += m.mean / static_cast<double>(spreads.size());
        p.lo = std::min(p.lo, m.min);
        p.hi = std::max(p.hi, m.max);
      }
      if (p.y > 0) s.points.push_back(p);
    }
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

struct Axes {
  double x0, x1, k_lo, k_hi, y_lo, y_hi;  // pixels x0..x1; K and y ranges (log)
  [[nodiscard]] double px(double k) const {
    return k_hi > k_lo ? x0 + (std::log2(k) - std::log2(k_lo)) / (std::log2(k_hi) - std::log2(k_lo)) * (x1 - x0)
                       : (x0 + x1) / 2;
  }
  [[nodiscard]] double py(double y) const {
    return kAccuracyBottomPx - (std::log10(y) - std::log10(y_lo)) / (std::log10(y_hi) - std::log10(y_lo)) * (kAccuracyBottomPx - kAccuracyTopPx);
  }
};

void draw_panel(std::string& svg, int panel, const std::string& title, const std::string& y_label,
                const std::vector<Series>& series, size_t color_offset) {
  const double x0 = kPanelLeftPx[panel], x1 = x0 + kPanelWidthPx;
  svg += fmt::format("<g id=\"panel-{}\">\n<text class=\"title\" x=\"{}\" y=\"{}\">{}</text>\n", panel, x0,
                     kAccuracyTopPx - 16, xml_escape(title));
  if (series.empty()) {
    svg += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\">nothing measured</text>\n</g>\n", x0 + 20,
                       (kAccuracyTopPx + kAccuracyBottomPx) / 2);
    return;
  }
  double k_lo = 1e300, k_hi = 0, y_lo = 1e300, y_hi = 0;
  for (const Series& s : series) {
    for (const SeriesPoint& p : s.points) {
      k_lo = std::min(k_lo, p.k);
      k_hi = std::max(k_hi, p.k);
      y_lo = std::min(y_lo, p.lo > 0 ? p.lo : p.y);
      y_hi = std::max(y_hi, p.hi);
    }
  }
  const Axes ax{x0, x1, k_lo / 1.4, k_hi * 1.4, std::pow(10.0, std::floor(std::log10(y_lo))),
                std::pow(10.0, std::ceil(std::log10(y_hi * 1.01)))};
  for (double y = ax.y_lo; y <= ax.y_hi * 1.0001; y *= 10) {
    svg += fmt::format("<line class=\"grid major\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\"/>"
                       "<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n",
                       x0, ax.py(y), x1, ax.py(y), x0 - 6, ax.py(y) + 4, y);
  }
  for (double k = std::exp2(std::ceil(std::log2(ax.k_lo))); k <= ax.k_hi; k *= 2) {
    svg += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\"/>"
                       "<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>\n",
                       ax.px(k), kAccuracyTopPx, ax.px(k), kAccuracyBottomPx, ax.px(k), kAccuracyBottomPx + 18, k);
  }
  svg += fmt::format("<rect class=\"axis\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\"/>\n", x0, kAccuracyTopPx,
                     kPanelWidthPx, kAccuracyBottomPx - kAccuracyTopPx);
  svg += fmt::format("<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">K (reduction length)</text>\n",
                     (x0 + x1) / 2, kAccuracyBottomPx + 40);
  svg += fmt::format("<text class=\"label\" transform=\"translate({} {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     x0 - 52, (kAccuracyTopPx + kAccuracyBottomPx) / 2, xml_escape(y_label));
  double legend_y = kAccuracyBottomPx + 62;
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const char* color = kColors[(i + color_offset) % std::size(kColors)];
    const std::string dash = s.emulated ? " stroke-dasharray=\"6 4\"" : "";
    std::string points;
    for (const SeriesPoint& p : s.points) points += fmt::format("{:.1f},{:.1f} ", ax.px(p.k), ax.py(p.y));
    svg += fmt::format("<g class=\"series\" data-name=\"{}\">\n<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>\n",
                       xml_escape(s.name), color, dash, points);
    for (const SeriesPoint& p : s.points) {
      if (p.hi > p.lo && p.lo > 0) {
        svg += fmt::format("<line stroke=\"{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", color,
                           ax.px(p.k), ax.py(p.lo), ax.px(p.k), ax.py(p.hi));
      }
      svg += fmt::format("<circle class=\"pt\" fill=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\"><title>{}: K={:g} "
                         "rel RMS {:.3e} (seeds {:.3e}..{:.3e})</title></circle>\n",
                         color, ax.px(p.k), ax.py(p.y), xml_escape(s.name), p.k, p.y, p.lo, p.hi);
    }
    const double lx = x0;
    svg += fmt::format("<line stroke=\"{}\" stroke-width=\"2\"{} x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
                       "<text class=\"legend\" x=\"{}\" y=\"{}\">{}</text>\n</g>\n",
                       color, dash, lx, legend_y, lx + 22, legend_y, lx + 28, legend_y + 4,
                       xml_escape(s.name + (s.emulated ? " (emulated)" : "")));
    legend_y += 16;
  }
  svg += "</g>\n";
}

}  // namespace

std::string render_accuracy_svg(const AccuracyDocument& d) {
  const AccuracyResults& r = d.results;
  const AccuracyInput input = r.entries.empty() ? AccuracyInput::kGaussian : r.entries.front().input;
  const std::vector<Series> recipes = collect(r, "shapes", input, false);
  const std::vector<Series> accumulation = collect(r, "accumulation", input, true);
  const size_t rows = std::max(recipes.size(), accumulation.size());
  const double height = std::max(kAccuracyHeightPx, kAccuracyBottomPx + 80 + 16.0 * static_cast<double>(rows));
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" id="accuracy" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="sans-serif" font-size="12">)"
      "\n<style>.grid{{stroke:#e4e4e4}} .grid.major{{stroke:#c8c8c8}} .axis{{stroke:#333}} .tick{{fill:#333}} "
      ".label{{fill:#222}} .legend{{fill:#222;font-size:11px}} .title{{font-size:14px;font-weight:bold}} "
      ".pt:hover{{stroke:#000}}</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
      kAccuracyWidthPx, height);
  svg += fmt::format("<text class=\"title\" x=\"80\" y=\"22\">Accuracy of FP8 scaling recipes, input {} "
                     "(dashed: emulated)</text>\n<text class=\"label\" x=\"80\" y=\"40\">{}</text>\n",
                     xml_escape(std::string(to_string(input))), xml_escape(r.device));
  draw_panel(svg, 0, "Recipes on the shape set (mean over problems of equal K)",
             "relative RMS error vs FP64 of unquantized inputs", recipes, 0);
  draw_panel(svg, 1, "Accumulation study (per-tensor E4M3)", "relative RMS error vs exact accumulation",
             accumulation, recipes.size());
  return svg + "</svg>\n";
}

}  // namespace gemmtune::report
