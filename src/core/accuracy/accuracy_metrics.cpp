#include "core/accuracy/accuracy_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/validation_metrics.hpp"

namespace gemmtune {

AccuracyMetrics compute_accuracy_metrics(std::span<const double> x, std::span<const double> y) {
  GT_CHECK(x.size() == y.size() && !y.empty(), kExitUsage, "output and reference sizes differ or are empty");
  AccuracyMetrics m;
  double sum_abs = 0.0, sum_abs_y = 0.0, sum_sq = 0.0, sum_xy = 0.0, sum_xx = 0.0, sum_yy = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      ++m.nonfinite;
      continue;
    }
    const double e = x[i] - y[i];
    sum_abs += std::abs(e);
    sum_abs_y += std::abs(y[i]);
    sum_sq += e * e;
    sum_xy += x[i] * y[i];
    sum_xx += x[i] * x[i];
    sum_yy += y[i] * y[i];
    m.max_abs = std::max(m.max_abs, std::abs(e));
  }
  m.count = static_cast<int64_t>(y.size()) - m.nonfinite;
  if (m.count == 0) return m;
  const auto n = static_cast<double>(m.count);
  m.mae = sum_abs / n;
  m.mae_rel = sum_abs_y > 0.0 ? sum_abs / sum_abs_y : 0.0;
  m.ref_rms = std::sqrt(sum_yy / n);
  m.rel_rms = sum_yy > 0.0 ? std::sqrt(sum_sq / sum_yy) : 0.0;
  m.calc_diff = deepgemm_diff(sum_xy, sum_xx, sum_yy);
  const double floor = kRelErrFloorOfRms * m.ref_rms;
  int64_t off = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    off += std::abs(x[i] - y[i]) > kOffThreshold * std::max(std::abs(y[i]), floor) ? 1 : 0;
  }
  m.frac_off_1pct = static_cast<double>(off) / n;
  return m;
}

MetricSpread spread_of(std::span<const double> values) {
  GT_CHECK(!values.empty(), kExitUsage, "no values to summarize");
  MetricSpread s{.mean = 0.0, .stddev = 0.0, .min = values[0], .max = values[0]};
  for (const double v : values) {
    s.mean += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  s.mean /= static_cast<double>(values.size());
  if (values.size() > 1) {
    double sq = 0.0;
    for (const double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(values.size() - 1));
  }
  return s;
}

const std::vector<std::string_view>& accuracy_metric_names() {
  static const std::vector<std::string_view> names = {"mae", "mae_rel", "rel_rms", "max_abs",
                                                      "calc_diff", "frac_off_1pct"};
  return names;
}

double metric_value(const AccuracyMetrics& m, std::string_view name) {
  if (name == "mae") return m.mae;
  if (name == "mae_rel") return m.mae_rel;
  if (name == "rel_rms") return m.rel_rms;
  if (name == "max_abs") return m.max_abs;
  if (name == "calc_diff") return m.calc_diff;
  if (name == "frac_off_1pct") return m.frac_off_1pct;
  throw Error(kExitUsage, "unknown accuracy metric '" + std::string(name) + "'");
}

void to_json(nlohmann::json& j, const AccuracyMetrics& m) {
  j = nlohmann::json{{"mae", m.mae},           {"mae_rel", m.mae_rel},     {"rel_rms", m.rel_rms},
                     {"max_abs", m.max_abs},   {"calc_diff", m.calc_diff}, {"frac_off_1pct", m.frac_off_1pct},
                     {"ref_rms", m.ref_rms},   {"count", m.count},         {"nonfinite", m.nonfinite}};
}

void from_json(const nlohmann::json& j, AccuracyMetrics& m) {
  m.mae = j.at("mae").get<double>();
  m.mae_rel = j.at("mae_rel").get<double>();
  m.rel_rms = j.at("rel_rms").get<double>();
  m.max_abs = j.at("max_abs").get<double>();
  m.calc_diff = j.at("calc_diff").get<double>();
  m.frac_off_1pct = j.at("frac_off_1pct").get<double>();
  m.ref_rms = j.at("ref_rms").get<double>();
  m.count = j.at("count").get<int64_t>();
  m.nonfinite = j.at("nonfinite").get<int64_t>();
}

void to_json(nlohmann::json& j, const MetricSpread& s) {
  j = nlohmann::json{{"mean", s.mean}, {"stddev", s.stddev}, {"min", s.min}, {"max", s.max}};
}

void from_json(const nlohmann::json& j, MetricSpread& s) {
  s.mean = j.at("mean").get<double>();
  s.stddev = j.at("stddev").get<double>();
  s.min = j.at("min").get<double>();
  s.max = j.at("max").get<double>();
}

}  // namespace gemmtune
