#pragma once
/// `gemmtune compare BASE NEW`: per problem (N, K, M; grouped: op, G, N, K and group sizes), the time of the chosen config in NEW against BASE,
/// classified against a threshold and the measured noise of both runs. src/report/README.md
/// "Compare".
///
/// Noise rule: each run's p10..p90 band is spread_rel * median wide around its median; the bands
/// stop overlapping when the slowdown exceeds noise_rel = (spread_base + spread_new) / 2, at most
/// kMaxNoiseRel.
///   SLOWER         new/base - 1 > threshold and > noise_rel              (a regression)
///   NOISY          new/base - 1 > threshold but <= noise_rel             (not a regression)
///   FASTER         base/new - 1 > threshold                              (never a failure)
///   SAME           otherwise
///   FAILED_IN_NEW  BASE had a passing config, NEW measured the shape but none passed (a regression)
///   MISSING_IN_NEW BASE has the shape, NEW did not measure it            (warning only)
///   NEW_ONLY       NEW has a passing config, BASE has none or not the shape
///   UNTIMED        neither run has a passing config for the shape
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/tuning_table.hpp"

namespace gemmtune::report {

/// The most noise a row may claim: a slowdown beyond 50% is SLOWER whatever the spreads recorded.
inline constexpr double kMaxNoiseRel = 0.5;

/// The outcome of one (N, K, M); see the file comment.
enum class CompareStatus { kSlower, kNoisy, kFaster, kSame, kFailedInNew, kMissingInNew, kNewOnly,
                           kUntimed };

/// "SLOWER", "NOISY", ...
[[nodiscard]] std::string_view to_string(CompareStatus status);

/// One compared (N, K, M).
struct CompareRow {
  std::string label;
  Problem problem;  ///< what both tables measured (matched by problem_key)
  GemmShape shape;  ///< problem.shape()
  CompareStatus status = CompareStatus::kSame;
  std::optional<double> base_us{}, new_us{};
  double base_spread_rel = 0.0, new_spread_rel = 0.0;
  std::optional<double> ratio{};  ///< new_us / base_us when both are timed
  double noise_rel = 0.0;        ///< (base_spread_rel + new_spread_rel) / 2
  std::string base_config{}, new_config{};
  std::string note{};            ///< e.g. why NEW has no config
};

/// Knobs of a comparison.
struct CompareOptions {
  double threshold = 0.05;          ///< relative change below which a row is SAME
  bool allow_env_mismatch = false;  ///< compare anyway when GPU or versions differ (warns)
};

/// A whole comparison.
struct CompareResult {
  std::string base_source{}, new_source{};  ///< paths as given, for the output
  double threshold = 0.05;
  std::vector<std::string> env_differences{};  ///< non-empty only with allow_env_mismatch
  std::vector<CompareRow> rows{};          ///< BASE order, then NEW-only rows in NEW order
  std::optional<double> geomean_ratio{};   ///< geometric mean of new/base over timed pairs
  int64_t timed_pairs = 0;
  [[nodiscard]] bool regression() const;   ///< any SLOWER or FAILED_IN_NEW
  [[nodiscard]] int64_t count(CompareStatus status) const;
};

/// Differences in GPU name, driver, CUDA runtime, NVRTC, cuBLASLt versions and timing mode,
/// one line each ("driver: 580.159.04 -> 575.51.03").
[[nodiscard]] std::vector<std::string> env_differences(const RunEnv& base, const RunEnv& next);

/// Compares two tables. Throws kExitUsage when the environments differ and the options do not
/// allow it; with allow_env_mismatch the differences are logged and kept in the result.
[[nodiscard]] CompareResult compare_tables(const TuningTable& base, const TuningTable& next,
                                           const CompareOptions& options);

/// Markdown: a header, one table row per compared shape, the geometric mean and the verdict.
[[nodiscard]] std::string render_compare_md(const CompareResult& result);
/// `gemmtune.compare/1` JSON with every row and the verdict.
[[nodiscard]] Json compare_json(const CompareResult& result);
/// github-action-benchmark `customSmallerIsBetter`: one {name, unit, value, range, extra} per
/// shape NEW timed.
[[nodiscard]] Json compare_gab(const CompareResult& result);

}  // namespace gemmtune::report
