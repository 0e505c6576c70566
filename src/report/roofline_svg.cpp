// roofline.svg, hand-written: log-log axes, the run's roofs (labelled measured or constant, from
// their source), one point per (M, N, K) and kind.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "report/markup.hpp"
#include "report/render.hpp"
#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

// Plot area in SVG pixels; the legend sits to the right of it.
constexpr double kRooflineWidthPx = 960, kRooflineHeightPx = 580;
constexpr double kRooflineLeftPx = 80, kRooflineRightPx = 700, kRooflineTopPx = 50, kRooflineBottomPx = 510;

/// A logarithmic axis from `lo` to `hi` mapped onto pixels `px_lo`..`px_hi`.
struct LogAxis {
  double lo, hi, px_lo, px_hi;
  [[nodiscard]] double px(double v) const {
    return px_lo + (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) *
                       (px_hi - px_lo);
  }
  [[nodiscard]] double px_per_decade() const {
    return std::abs(px_hi - px_lo) / (std::log10(hi) - std::log10(lo));
  }
};

/// The nearest of 1, 2, 3, 5 x 10^k below (round_up false) or above `v`.
[[nodiscard]] double nice_bound(double v, bool round_up) {
  const double decade = std::pow(10.0, std::floor(std::log10(v)));
  const double steps[] = {1, 2, 3, 5, 10};
  if (round_up) {
    for (const double s : steps) {
      if (s * decade >= v * (1 - 1e-9)) return s * decade;
    }
  }
  for (int i = 4; i >= 0; --i) {
    if (steps[i] * decade <= v * (1 + 1e-9)) return steps[i] * decade;
  }
  return decade;
}

/// One plotted measurement.
struct Point {
  RunKind kind;
  const TableProblem* problem;
  const TableEntry* entry;
  double median_us, intensity, tflops;
  std::string detail;  ///< config or algo
};

[[nodiscard]] std::vector<Point> collect_points(const TuningTable& table) {
  std::vector<Point> points;
  for (const TableProblem& p : table.problems) {
    for (const TableEntry& e : p.entries) {
      const GemmShape shape = shape_of(p, e);
      const double ai = gemm_intensity_flop_per_byte(shape);
      if (e.config) {
        points.push_back({RunKind::kGemmtune, &p, &e, e.median_us, ai,
                          gemm_tflops(shape, e.median_us), *e.config});
      }
      // NOTE: the cuBLASLt point is its best algorithm for dense problems and, for grouped ones,
      // its per-group launches replayed from one CUDA graph; both draw as the cuBLASLt marker.
      const RunKind baseline =
          p.layout == GroupLayout::kNone ? RunKind::kCublasltBest : RunKind::kCublasltPerGroupGraph;
      const auto best = e.baselines.find(baseline);
      if (best != e.baselines.end()) {
        points.push_back({baseline, &p, &e, best->second.median_us, ai,
                          gemm_tflops(shape, best->second.median_us),
                          best->second.algo.is_null() ? "" : best->second.algo.dump()});
      }
    }
  }
  return points;
}

[[nodiscard]] std::string tick_text(double v) { return fmt::format("{:g}", v); }

/// Grid lines and labels at 1, 2, 5 x 10^k (only 10^k when the axis spans many decades).
void draw_ticks(std::string& svg, const LogAxis& axis, bool horizontal) {
  const bool sparse = std::log10(axis.hi / axis.lo) > 4.5;
  for (double decade = std::pow(10.0, std::floor(std::log10(axis.lo))); decade <= axis.hi;
       decade *= 10) {
    for (const double step : {1.0, 2.0, 5.0}) {
      const double v = step * decade;
      if (v < axis.lo * (1 - 1e-9) || v > axis.hi * (1 + 1e-9) || (sparse && step != 1.0)) continue;
      const double p = axis.px(v);
      const char* cls = step == 1.0 ? "grid major" : "grid";
      if (horizontal) {
        svg += fmt::format(R"(<line class="{}" x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/>)"
                           "\n<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                           cls, p, kRooflineTopPx, p, kRooflineBottomPx, p, kRooflineBottomPx + 18, tick_text(v));
      } else {
        svg += fmt::format(R"(<line class="{}" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>)"
                           "\n<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                           cls, kRooflineLeftPx, p, kRooflineRightPx, p, kRooflineLeftPx - 6, p + 4, tick_text(v));
      }
    }
  }
}

void draw_point(std::string& svg, const Point& pt, const LogAxis& x, const LogAxis& y) {
  // NOTE: grouped points share the cuBLASLt class with dense ones (one legend) and carry their
  // op, G and group sizes in the id, the data attributes and the title.
  const std::string kind(pt.kind == RunKind::kGemmtune ? "gemmtune" : "cublaslt_best");
  const int64_t m = pt.entry->m, n = pt.problem->n, k = pt.problem->k;
  const Problem problem = problem_of(*pt.problem, *pt.entry);
  std::string id_suffix;
  if (problem.layout != GroupLayout::kNone) {
    uint32_t h = 2166136261u;  // FNV-1a of problem_key(): grouped entries may share M, N, K
    for (const char c : problem_key(problem)) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    id_suffix = fmt::format("-g{:08x}", h);
  }
  const double cx = x.px(pt.intensity), cy = y.px(pt.tflops);
  const std::string attrs = fmt::format(
      R"(class="pt {0}" id="pt-{0}-m{1}-n{2}-k{3}{8}" data-kind="{0}" data-m="{1}" data-n="{2}" )"
      R"(data-k="{3}" data-label="{4}" data-us="{5:.2f}" data-tflops="{6:.1f}" data-ai="{7:.2f}")",
      kind, m, n, k, xml_escape(pt.problem->label), pt.median_us, pt.tflops, pt.intensity,
      id_suffix);
  const std::string sizes = problem.layout == GroupLayout::kNone
                                ? fmt::format("M={} N={} K={}", m, n, k)
                                : fmt::format("{}, rows={} N={} K={}", op_text(*pt.problem), m, n, k);
  const std::string title = xml_escape(fmt::format(
      "{}: {} {}\n{:.2f} µs, {:.0f} TFLOPS, {:.1f} FLOP/byte\n{}",
      pt.kind == RunKind::kGemmtune ? "gemmtune" : baseline_title(pt.kind), sizes,
      pt.problem->label, pt.median_us, pt.tflops, pt.intensity, pt.detail));
  if (pt.kind == RunKind::kGemmtune) {
    svg += fmt::format(R"(<circle {} cx="{:.1f}" cy="{:.1f}" r="5"><title>{}</title></circle>)",
                       attrs, cx, cy, title);
  } else {
    svg += fmt::format(
        R"(<rect {} x="{:.1f}" y="{:.1f}" width="11" height="11"><title>{}</title></rect>)", attrs,
        cx - 5.5, cy - 5.5, title);
  }
  svg += "\n";
}

void draw_legend(std::string& svg, const Roofs& roofs) {
  const double x = kRooflineRightPx + 24;
  double y = kRooflineTopPx + 10;
  const auto line_item = [&](const char* cls, const std::string& text) {
    svg += fmt::format(R"(<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}"/>)", cls, x, y, x + 28, y);
    svg += fmt::format("<text class=\"legend\" x=\"{}\" y=\"{}\">{}</text>\n", x + 36, y + 4, text);
    y += 24;
  };
  svg += "<g id=\"legend\">\n";
  svg += fmt::format(R"(<circle class="legend-pt gemmtune" cx="{}" cy="{}" r="5"/>)", x + 14, y);
  svg += fmt::format("<text class=\"legend\" x=\"{}\" y=\"{}\">gemmtune (best config)</text>\n",
                     x + 36, y + 4);
  y += 24;
  svg += fmt::format(R"(<rect class="legend-pt cublaslt_best" x="{}" y="{}" width="11" height="11"/>)",
                     x + 8.5, y - 5.5);
  svg += fmt::format("<text class=\"legend\" x=\"{}\" y=\"{}\">cuBLASLt best enumerated</text>\n",
                     x + 36, y + 4);
  y += 30;
  const std::string source(to_string(roofs.source));
  line_item("roof", source + " roof: HBM, FP8 block");
  line_item("roof tensor", "FP8 per-tensor (" + source + ")");
  line_item("roof datasheet", "datasheet FP8 peak (constant)");
  svg += "</g>\n";
}

}  // namespace

std::string render_roofline_svg(const TuningTable& table) {
  const Roofs& roofs = table.env.roofs;
  const std::vector<Point> points = collect_points(table);
  const double ridge = roofs.fp8_block_tflops * 1e3 / roofs.hbm_gbps;  // FLOP/byte
  double x_min = ridge, x_max = ridge, y_min = roofs.fp8_block_tflops;
  double y_max = roofs.fp8_datasheet_tflops;
  for (const Point& p : points) {
    x_min = std::min(x_min, p.intensity);
    x_max = std::max(x_max, p.intensity);
    y_min = std::min(y_min, p.tflops);
    y_max = std::max(y_max, p.tflops);
  }
  const LogAxis x{nice_bound(x_min / 1.3, false), nice_bound(x_max * 1.3, true), kRooflineLeftPx, kRooflineRightPx};
  const LogAxis y{nice_bound(y_min / 1.3, false),
                  nice_bound(y_max * 1.15, true), kRooflineBottomPx, kRooflineTopPx};

  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" id="roofline" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="sans-serif" font-size="12">)"
      "\n<style>.grid{{stroke:#e4e4e4}} .grid.major{{stroke:#c8c8c8}} .axis{{stroke:#333}} "
      ".tick{{fill:#333}} .roof{{stroke:#222;stroke-width:2;fill:none}} "
      ".roof.tensor{{stroke:#777;stroke-dasharray:2 3}} .roof.datasheet{{stroke:#b00;stroke-dasharray:8 5}} "
      ".gemmtune{{fill:#1f77b4;stroke:#fff;stroke-width:1}} .cublaslt_best{{fill:none;stroke:#e8590c;stroke-width:2}} "
      ".pt:hover{{stroke:#000}} .label{{fill:#222}} .title{{font-size:15px;font-weight:bold}}</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
      kRooflineWidthPx, kRooflineHeightPx);
  svg += fmt::format("<text class=\"title\" x=\"{}\" y=\"28\">Roofline: FP8 block-scaled GEMM on {} "
                     "(timing: {})</text>\n",
                     kRooflineLeftPx, xml_escape(table.env.gpu_name), xml_escape(table.env.timing_mode));
  svg += fmt::format("<text id=\"roofs-source\" class=\"label\" data-source=\"{}\" x=\"{}\" "
                     "y=\"44\" font-size=\"11\">Roofs: {}</text>\n",
                     to_string(roofs.source), kRooflineLeftPx, xml_escape(roofs_provenance(roofs)));
  draw_ticks(svg, x, true);
  draw_ticks(svg, y, false);
  svg += fmt::format(R"(<rect class="axis" x="{}" y="{}" width="{}" height="{}" fill="none"/>)",
                     kRooflineLeftPx, kRooflineTopPx, kRooflineRightPx - kRooflineLeftPx, kRooflineBottomPx - kRooflineTopPx);
  svg += fmt::format(
      "\n<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">arithmetic intensity "
      "(FLOP/byte; A, B, D and scales each counted once)</text>\n",
      (kRooflineLeftPx + kRooflineRightPx) / 2, kRooflineBottomPx + 42);
  svg += fmt::format(
      "<text class=\"label\" transform=\"translate(24 {}) rotate(-90)\" text-anchor=\"middle\">"
      "TFLOPS (2·M·N·K / time)</text>\n",
      (kRooflineTopPx + kRooflineBottomPx) / 2);

  // Memory roof min(x * hbm, peak): starts where it enters the plot, bends at the ridge.
  const double hbm_tflops_per_ai = roofs.hbm_gbps / 1e3;
  const double x_start = std::max(x.lo, y.lo / hbm_tflops_per_ai);
  svg += fmt::format(
      "<polyline id=\"roof-device\" class=\"roof\" points=\"{:.1f},{:.1f} {:.1f},{:.1f} "
      "{:.1f},{:.1f}\"/>\n",
      x.px(x_start), y.px(x_start * hbm_tflops_per_ai), x.px(ridge), y.px(roofs.fp8_block_tflops),
      kRooflineRightPx, y.px(roofs.fp8_block_tflops));
  const double slope_deg = -std::atan(y.px_per_decade() / x.px_per_decade()) * 180 / M_PI;
  // The HBM label sits at the middle (in log space) of the sloped segment, just above it.
  const double label_ai = std::sqrt(x_start * ridge);
  svg += fmt::format(
      "<text class=\"label\" transform=\"translate({:.1f} {:.1f}) rotate({:.1f})\" y=\"-7\" "
      "text-anchor=\"middle\">HBM {:.0f} GB/s ({})</text>\n",
      x.px(label_ai), y.px(label_ai * hbm_tflops_per_ai), slope_deg, roofs.hbm_gbps,
      roofs.source == RoofSource::kMeasured ? "measured copy" : "constant, not measured here");
  const auto flat_roof = [&](const char* id, const char* cls, double tflops, const std::string& text) {
    svg += fmt::format(R"(<line id="{}" class="{}" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>)", id,
                       cls, kRooflineLeftPx, y.px(tflops), kRooflineRightPx, y.px(tflops));
    svg += fmt::format("\n<text class=\"label\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       kRooflineRightPx - 6, y.px(tflops) - 5, text);
  };
  flat_roof("roof-datasheet", "roof datasheet", roofs.fp8_datasheet_tflops,
            fmt::format("datasheet FP8 {:.0f} TFLOPS (constant)", roofs.fp8_datasheet_tflops));
  flat_roof("roof-tensor", "roof tensor", roofs.fp8_tensor_tflops,
            fmt::format("cuBLASLt FP8 per-tensor {:.0f} ({})", roofs.fp8_tensor_tflops,
                        to_string(roofs.source)));
  svg += fmt::format("<text class=\"label\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">cuBLASLt FP8 "
                     "block-scaled {:.0f} ({})</text>\n",
                     kRooflineRightPx - 6, y.px(roofs.fp8_block_tflops) + 15, roofs.fp8_block_tflops,
                     to_string(roofs.source));

  svg += "<g id=\"points\">\n";
  // cuBLASLt's hollow squares first, so that gemmtune's dots stay visible inside them.
  for (const Point& p : points) {
    if (p.kind != RunKind::kGemmtune) draw_point(svg, p, x, y);
  }
  for (const Point& p : points) {
    if (p.kind == RunKind::kGemmtune) draw_point(svg, p, x, y);
  }
  svg += "</g>\n";
  draw_legend(svg, roofs);
  return svg + "</svg>\n";
}

}  // namespace gemmtune::report
