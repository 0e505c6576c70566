#include "core/accuracy/accuracy_validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/number_formats.hpp"

namespace gemmtune {

AccuracyValidation compute_accuracy_validation(std::span<const double> x, std::span<const double> y, int64_t n) {
  GT_CHECK(x.size() == y.size(), kExitUsage, "output and reference sizes differ");
  std::vector<uint16_t> bits(x.size());
  for (size_t i = 0; i < x.size(); ++i) bits[i] = float_to_bf16(static_cast<float>(x[i]));
  AccuracyValidation v{.metrics = compute_validation_metrics(bits, y, n), .floor = RelErrFloor::kRow};
  v.max_rel_err_output_floor = v.metrics.max_rel_err;
  v.metrics.max_rel_err = 0.0;
  v.metrics.worst_row = v.metrics.worst_col = -1;
  const auto rows = static_cast<int64_t>(y.size()) / n;
  v.floor_min = std::numeric_limits<double>::infinity();
  for (int64_t r = 0; r < rows; ++r) {
    const std::span<const double> xr = x.subspan(static_cast<size_t>(r * n), static_cast<size_t>(n));
    const std::span<const double> yr = y.subspan(static_cast<size_t>(r * n), static_cast<size_t>(n));
    double sum_yy = 0.0;  // over the pairs the dense metrics compare (both finite), over all n
    for (int64_t j = 0; j < n; ++j) {
      if (std::isfinite(xr[j]) && std::isfinite(yr[j])) sum_yy += yr[j] * yr[j];
    }
    const double floor = kRelErrFloorOfRms * reference_rms(sum_yy, n);
    v.floor_min = std::min(v.floor_min, floor);
    v.floor_max = std::max(v.floor_max, floor);
    for (int64_t j = 0; j < n; ++j) {
      if (!std::isfinite(xr[j]) || !std::isfinite(yr[j])) continue;
      const double err = std::abs(xr[j] - yr[j]), denominator = std::max(std::abs(yr[j]), floor);
      const double rel_err = denominator > 0.0 ? err / denominator
                                               : (err > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
      if (rel_err > v.metrics.max_rel_err || v.metrics.worst_row < 0) {
        v.metrics.max_rel_err = rel_err;
        v.metrics.worst_row = r;
        v.metrics.worst_col = j;
      }
    }
  }
  if (rows == 0) v.floor_min = 0.0;
  return v;
}

ValidationVerdict judge_accuracy_validation(const AccuracyValidation& v) {
  ValidationVerdict verdict = judge_validation(v.metrics, kDequantizedReferenceThresholds);
  if (!verdict.passed && verdict.reason.starts_with("max relative error")) {
    verdict.reason += v.floor == RelErrFloor::kRow ? " (floor: a tenth of the row's RMS)"
                                                   : " (floor: a tenth of the output's RMS)";
  }
  return verdict;
}

std::string accuracy_validation_rule() {
  return fmt::format(
      "gemmtune's and cuBLASLt's FP8 outputs judged against the float64 product of the same quantized operands "
      "with the dense validation bar of run and sweep (src/runtime/README.md \"Validation\": nothing non-finite, diff <= {:g}, "
      "max relative error <= {:g}), except that an element's relative error is |x - y| / max(|y|, {:g} * RMS of "
      "its row of y) instead of {:g} * RMS of the whole output: an element's accumulation error scales with the "
      "products it sums, and the rows of massive activations hold products ~15x the whole-output RMS. "
      "max_rel_err_output_floor is the dense bar's own value, reported, not judged",
      kDequantizedReferenceThresholds.max_diff, kDequantizedReferenceThresholds.max_rel_err, kRelErrFloorOfRms,
      kRelErrFloorOfRms);
}

const char* to_string(RelErrFloor floor) { return floor == RelErrFloor::kRow ? "row" : "output"; }

std::optional<RelErrFloor> parse_rel_err_floor(std::string_view name) {
  if (name == "row") return RelErrFloor::kRow;
  if (name == "output") return RelErrFloor::kOutput;
  return std::nullopt;
}

}  // namespace gemmtune
