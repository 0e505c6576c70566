#include "core/validation_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/number_formats.hpp"
#include "kernels/support_params.h"

namespace gemmtune {

double deepgemm_diff(double sum_xy, double sum_xx, double sum_yy) {
  const double denominator = sum_xx + sum_yy;
  return denominator > 0.0 ? 1.0 - 2.0 * sum_xy / denominator : 0.0;
}

double reference_rms(double sum_yy, int64_t count) {
  return count > 0 ? std::sqrt(sum_yy / static_cast<double>(count)) : 0.0;
}

ValidationVerdict judge_validation(const ValidationMetrics& m, const ValidationThresholds& t) {
  const auto fail = [](std::string reason) { return ValidationVerdict{.passed = false, .reason = std::move(reason)}; };
  if (m.ref_nonfinite_count > 0) {
    return fail("reference has " + std::to_string(m.ref_nonfinite_count) + " non-finite values");
  }
  if (m.nonfinite_count > 0) {
    return fail(std::to_string(m.nonfinite_count) + " non-finite outputs (" + std::to_string(m.poison_count) +
                " never written)");
  }
  if (!(m.diff <= t.max_diff)) {
    return fail("diff " + std::to_string(m.diff) + " > " + std::to_string(t.max_diff));
  }
  if (!(m.max_rel_err <= t.max_rel_err)) {
    return fail("max relative error " + std::to_string(m.max_rel_err) + " > " + std::to_string(t.max_rel_err) +
                " at (m=" + std::to_string(m.worst_row) + ", n=" + std::to_string(m.worst_col) + ")");
  }
  return ValidationVerdict{.passed = true, .reason = {}};
}

ValidationMetrics compute_validation_metrics(std::span<const uint16_t> x_bf16, std::span<const double> y,
                                             int64_t n) {
  GT_CHECK(x_bf16.size() == y.size(), kExitUsage, "output and reference sizes differ");
  GT_CHECK(n > 0 && static_cast<int64_t>(y.size()) % n == 0, kExitUsage, "size is not a multiple of n");
  ValidationMetrics m;
  m.count = static_cast<int64_t>(y.size());
  // Two passes as on the device: the sums give the reference RMS that sets the relative-error floor.
  double sum_xy = 0.0, sum_xx = 0.0, sum_yy = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double x = bf16_to_float(x_bf16[i]);
    const bool x_ok = std::isfinite(x);
    const bool y_ok = std::isfinite(y[i]);
    m.nonfinite_count += x_ok ? 0 : 1;
    m.poison_count += x_bf16[i] == kGemmtunePoisonBf16 ? 1 : 0;
    m.ref_nonfinite_count += y_ok ? 0 : 1;
    if (!x_ok || !y_ok) continue;
    sum_xy += x * y[i];
    sum_xx += x * x;
    sum_yy += y[i] * y[i];
    m.max_abs_err = std::max(m.max_abs_err, std::abs(x - y[i]));
  }
  m.ref_rms = reference_rms(sum_yy, m.count);
  const double floor = kRelErrFloorOfRms * m.ref_rms;
  for (size_t i = 0; i < y.size(); ++i) {
    const double x = bf16_to_float(x_bf16[i]);
    if (!std::isfinite(x) || !std::isfinite(y[i])) continue;
    const double rel_err = std::abs(x - y[i]) / std::max(std::abs(y[i]), floor);
    if (rel_err > m.max_rel_err || m.worst_row < 0) {
      m.max_rel_err = rel_err;
      m.worst_row = static_cast<int64_t>(i) / n;
      m.worst_col = static_cast<int64_t>(i) % n;
    }
  }
  m.diff = deepgemm_diff(sum_xy, sum_xx, sum_yy);
  return m;
}

void to_json(nlohmann::json& j, const ValidationMetrics& m) {
  j = nlohmann::json{{"diff", m.diff},
                     {"max_rel_err", m.max_rel_err},
                     {"max_abs_err", m.max_abs_err},
                     {"ref_rms", m.ref_rms},
                     {"count", m.count},
                     {"nonfinite_count", m.nonfinite_count},
                     {"poison_count", m.poison_count},
                     {"ref_nonfinite_count", m.ref_nonfinite_count},
                     {"worst_row", m.worst_row},
                     {"worst_col", m.worst_col}};
}

}  // namespace gemmtune
