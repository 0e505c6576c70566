#pragma once
/// How `gemmtune accuracy` judges a kernel's FP8 output x against its reference path y (the
/// float64 product of the same quantized operands; src/core/accuracy/README.md "The bar against the
/// reference path", accuracy.json `vs_reference`): the dense validation bar of `run` and `sweep`
/// (core/validation_metrics.hpp: no non-finite value, diff <= 1e-5, max relative error <= 0.1),
/// with one change: the floor of the relative error's denominator is a tenth of the RMS of the
/// element's own row of y, not of the whole output. run and sweep keep the whole-output floor; this
/// is the study's bar only.
///
/// NOTE: why per row. An FP8 GEMM's accumulation error in D[m][n] scales with the size of the
/// products a_mk * b_nk it sums, not with |D[m][n]|; the floor stands for that size where
/// products cancel. For inputs whose rows share one scale (every input but massive activations)
/// the whole-output RMS is it, within the row-to-row spread. Massive activations put a few rows
/// (tokens) 1e3-1e4x above the rest; their products are ~15x the whole-output RMS, and an
/// element of such a row that cancels is judged against a floor 15x too small. Measured on the
/// H200 (7f3a7dd:results/2026-11-22-accuracy-h200): 10 of 210 judged entries failed the
/// dense bar, all on massive_activations, gemmtune and cuBLASLt alike (the same worst element
/// where both ran), every worst element in a massive row: e.g. 1024x4096x512 block128, m=167
/// n=2046, y = -2.65 with products up to 296, off by 0.30 (about 2^-10 of the largest product
/// on every failing entry): 0.114 of the whole-output floor 2.46, 0.0078 of its row's floor
/// 38.6. On the other inputs the dense bar's max relative error was at most 0.048.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/validation_metrics.hpp"

namespace gemmtune {

/// What the relative-error floor of a vs_reference judgement was taken over.
enum class RelErrFloor {
  kRow,     ///< a tenth of the RMS of the element's row of y (accuracy.json gemmtune.accuracy/2)
  kOutput,  ///< a tenth of the RMS of the whole y: the dense bar (read from gemmtune.accuracy/1)
};

/// One output judged against its reference path.
struct AccuracyValidation {
  /// The dense bar's metrics (diff, max_abs_err, counts, ref_rms over the whole output), with
  /// max_rel_err and worst_row / worst_col taken under `floor`.
  ValidationMetrics metrics;
  RelErrFloor floor = RelErrFloor::kRow;
  /// max relative error with the whole-output floor: what the dense bar of run and sweep would
  /// report; written for comparison, not judged.
  double max_rel_err_output_floor = 0.0;
  /// Smallest and largest floor applied over the rows (kRow), or the one floor (kOutput).
  double floor_min = 0.0, floor_max = 0.0;
};

/// Compares `x` (BF16 output values, [m][n]) with `y` ([m][n]) under the per-row floor. An
/// element whose row of y is all zero is judged against |y| alone: any difference there is an
/// infinite relative error.
[[nodiscard]] AccuracyValidation compute_accuracy_validation(std::span<const double> x, std::span<const double> y,
                                                             int64_t n);

/// judge_validation with the dense bar's thresholds (kDequantizedReferenceThresholds); a failed
/// relative-error rule names the floor.
[[nodiscard]] ValidationVerdict judge_accuracy_validation(const AccuracyValidation& validation);

/// The rule in one paragraph, for accuracy.json's method block and accuracy.md.
[[nodiscard]] std::string accuracy_validation_rule();

/// "row" / "output", as accuracy.json writes it; and back (nullopt for an unknown name).
[[nodiscard]] const char* to_string(RelErrFloor floor);
[[nodiscard]] std::optional<RelErrFloor> parse_rel_err_floor(std::string_view name);

}  // namespace gemmtune
