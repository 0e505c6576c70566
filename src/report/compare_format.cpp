// The three outputs of `gemmtune compare`: markdown, gemmtune.compare/1 JSON and
// github-action-benchmark's customSmallerIsBetter array.
#include <fmt/format.h>

#include "report/compare.hpp"
#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

constexpr CompareStatus kAllStatuses[] = {
    CompareStatus::kSlower,      CompareStatus::kFailedInNew, CompareStatus::kNoisy,
    CompareStatus::kFaster,      CompareStatus::kSame,        CompareStatus::kMissingInNew,
    CompareStatus::kNewOnly,     CompareStatus::kUntimed};

[[nodiscard]] std::string us_text(std::optional<double> us) { return us ? fixed(*us, 2) : "–"; }

[[nodiscard]] std::string percent(double rel) { return fmt::format("{:.1f}%", 100.0 * rel); }

[[nodiscard]] std::string shape_name(const Problem& p) {
  if (p.layout == GroupLayout::kNone) return fmt::format("M={} N={} K={}", p.m, p.n, p.k);
  return fmt::format("{} G={} rows={} N={} K={}", to_string(p.layout), p.groups(), p.useful_rows(),
                     p.n, p.k);
}

/// The M column: M, or for grouped problems the op, G and the rows that carry results.
[[nodiscard]] std::string m_text(const CompareRow& row) {
  if (row.problem.layout == GroupLayout::kNone) return std::to_string(row.shape.m);
  return fmt::format("{} G{} {} rows", to_string(row.problem.layout), row.problem.groups(),
                     row.shape.m);
}

[[nodiscard]] Json optional_json(std::optional<double> v) {
  return v ? Json(*v) : Json();
}

[[nodiscard]] std::string verdict(const CompareResult& r) {
  if (!r.regression()) return "OK: no regression";
  return fmt::format("REGRESSION: {} slower, {} failed in NEW", r.count(CompareStatus::kSlower),
                     r.count(CompareStatus::kFailedInNew));
}

}  // namespace

std::string render_compare_md(const CompareResult& r) {
  std::string md = "# gemmtune compare\n\n- **BASE**: " + r.base_source + "\n- **NEW**: " +
                   r.new_source + "\n- **Rule**: threshold " + percent(r.threshold) +
                   "; SLOWER needs the slowdown above the threshold and above the noise, the mean "
                   "of the two runs' p10–p90 spreads\n";
  for (const std::string& d : r.env_differences) md += "- **Environment differs**: " + d + "\n";
  SummaryTable t;
  t.columns = {{"status"},       {"M", true},        {"N", true},     {"K", true},
               {"label"},        {"base µs", true},  {"new µs", true}, {"new/base", true},
               {"noise", true},  {"base config"},    {"new config"},  {"note"}};
  for (const CompareRow& row : r.rows) {
    t.rows.push_back({std::string(to_string(row.status)), m_text(row),
                      std::to_string(row.shape.n), std::to_string(row.shape.k), row.label,
                      us_text(row.base_us), us_text(row.new_us),
                      row.ratio ? fixed(*row.ratio, 3) : "–",
                      row.ratio ? percent(row.noise_rel) : "–", {row.base_config, true},
                      {row.new_config, true}, row.note});
  }
  md += "\n" + md_table(t) + "\n";
  std::string counts;
  for (const CompareStatus s : kAllStatuses) {
    if (const int64_t c = r.count(s); c > 0) {
      counts += (counts.empty() ? "" : ", ") + std::string(to_string(s)) + " " + std::to_string(c);
    }
  }
  md += "Geometric mean new/base: " +
        (r.geomean_ratio ? fixed(*r.geomean_ratio, 3) + " over " + std::to_string(r.timed_pairs) +
                               " shapes (speedup " + fixed(1.0 / *r.geomean_ratio, 3) + "x)"
                         : std::string("– (no shape timed in both)")) +
        ". " + (counts.empty() ? "No shapes." : counts + ".") + "\n\n**" + verdict(r) + "**\n";
  return md;
}

Json compare_json(const CompareResult& r) {
  Json rows = Json::array();
  for (const CompareRow& row : r.rows) {
    Json j = {{"label", row.label}, {"m", row.shape.m}, {"n", row.shape.n}, {"k", row.shape.k}};
    if (row.problem.layout != GroupLayout::kNone) {
      j["op"] = to_string(row.problem.layout);
      j["groups"] = row.problem.groups();
      j["group_m"] = row.problem.group_m;
      if (row.problem.layout == GroupLayout::kMasked) j["max_m"] = row.problem.max_m;
    }
    j.update(Json{{"status", to_string(row.status)},
                    {"base_us", optional_json(row.base_us)},
                    {"new_us", optional_json(row.new_us)},
                    {"ratio", optional_json(row.ratio)},
                    {"base_spread_rel", row.base_spread_rel},
                    {"new_spread_rel", row.new_spread_rel},
                    {"noise_rel", row.noise_rel},
                    {"base_config", row.base_config},
                    {"new_config", row.new_config},
                    {"note", row.note}});
    rows.push_back(std::move(j));
  }
  Json counts = Json::object();
  for (const CompareStatus s : kAllStatuses) counts[std::string(to_string(s))] = r.count(s);
  return {{"schema", "gemmtune.compare/1"},
          {"base", r.base_source},
          {"new", r.new_source},
          {"threshold", r.threshold},
          {"noise_rule", "noise_rel = (base_spread_rel + new_spread_rel) / 2"},
          {"env_differences", r.env_differences},
          {"rows", std::move(rows)},
          {"counts", std::move(counts)},
          {"geomean_ratio", optional_json(r.geomean_ratio)},
          {"timed_pairs", r.timed_pairs},
          {"regression", r.regression()},
          {"verdict", verdict(r)}};
}

Json compare_gab(const CompareResult& r) {
  Json out = Json::array();
  for (const CompareRow& row : r.rows) {
    if (!row.new_us) continue;
    std::string extra = "config " + row.new_config + "\nstatus " + std::string(to_string(row.status));
    if (!row.label.empty()) extra += "\nlabel " + row.label;
    if (row.ratio) extra += "\nnew/base " + fixed(*row.ratio, 3) + " (base " + row.base_config + ")";
    out.push_back({{"name", "gemmtune " + shape_name(row.problem)},
                   {"unit", "us"},
                   {"value", *row.new_us},
                   {"range", "± " + fixed(*row.new_us * row.new_spread_rel / 2.0, 2)},
                   {"extra", extra}});
  }
  return out;
}

}  // namespace gemmtune::report
