#pragma once
/// Error metrics of `gemmtune accuracy` (src/core/accuracy/README.md "Metrics"): one GEMM output x
/// against the float64 product y of the unquantized inputs, and their mean and spread over seeds.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gemmtune {

/// An output element counts as "off by more than 1%" when |x - y| > kOffThreshold * max(|y|,
/// kRelErrFloorOfRms * rms(y)): relative to the element itself, with the validation's floor
/// (core/validation_metrics.hpp) so that outputs that nearly cancel (|y| << rms) are judged
/// against a tenth of the typical magnitude instead of against ~0.
inline constexpr double kOffThreshold = 0.01;

struct AccuracyMetrics {
  double mae = 0.0;            ///< mean |x - y|, in output units
  double mae_rel = 0.0;        ///< mae / mean |y|
  double rel_rms = 0.0;        ///< sqrt(mean (x - y)^2) / sqrt(mean y^2)
  double max_abs = 0.0;        ///< max |x - y|
  double calc_diff = 0.0;      ///< DeepGEMM's 1 - 2 sum(x y) / sum(x^2 + y^2)
  double frac_off_1pct = 0.0;  ///< fraction of elements off by more than 1% (kOffThreshold)
  double ref_rms = 0.0;        ///< sqrt(mean y^2)
  int64_t count = 0;           ///< elements compared
  int64_t nonfinite = 0;       ///< x or y not finite (left out of every other metric)
};

/// The metrics of `x` against `y` (same size, non-empty).
[[nodiscard]] AccuracyMetrics compute_accuracy_metrics(std::span<const double> x, std::span<const double> y);

/// Mean and spread of one metric over seeds.
struct MetricSpread {
  double mean = 0.0;
  double stddev = 0.0;  ///< sample standard deviation (n - 1); 0 for one seed
  double min = 0.0;
  double max = 0.0;
};

[[nodiscard]] MetricSpread spread_of(std::span<const double> values);

/// The metric names in output order, and a metric by name (throws on an unknown one).
[[nodiscard]] const std::vector<std::string_view>& accuracy_metric_names();
[[nodiscard]] double metric_value(const AccuracyMetrics& metrics, std::string_view name);

void to_json(nlohmann::json& j, const AccuracyMetrics& metrics);
void from_json(const nlohmann::json& j, AccuracyMetrics& metrics);
void to_json(nlohmann::json& j, const MetricSpread& spread);
void from_json(const nlohmann::json& j, MetricSpread& spread);

}  // namespace gemmtune
