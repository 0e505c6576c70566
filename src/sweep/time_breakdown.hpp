#pragma once
/// Where a sweep's seconds go (src/sweep/README.md "Time breakdown"): the sweep host's own
/// clock (steady_clock) splits its wall time into categories that sum to it, with an explicit
/// `other_s` for what no category claims. Each measuring loop keeps its own TimeBreakdown
/// (one per GPU, no locking); the sweep adds them up and writes env.json's `time_breakdown`.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/kernel_config.hpp"
#include "report/json_fields.hpp"
#include "report/run_folder.hpp"

namespace gemmtune::sweep {

/// What one stretch of a sweep's time went to. The order is env.json's.
enum class TimeCategory {
  kStartUp,              ///< process start to the first request: workers, hello, plan, env.json
  kProblemSetUp,         ///< a problem's inputs and references, made by the worker
  kCompileWait,          ///< the GPU idle, its next kernel still compiling
  kScreening,            ///< the budget's configs
  kKTwins,               ///< the planned K twins (`_k{K}` configs among the budget's)
  kLeaderTwins,          ///< the twins of each problem's screening leaders
  kRunoff,               ///< the run-off's candidates validated and timed, both passes
  kSideBySide,           ///< the winner re-timed beside the baselines
  kCublasltHeuristic,
  kCublasltBest,
  kCublasltFp8Tensor,
  kCublasltPerGroup,
  kCublasltPerGroupGraph,
  kStreamFloor,
  kReports,              ///< writing the reports and env.json at the end
  kOther,                ///< the rest: records appended, progress, the gaps between requests
};
inline constexpr size_t kTimeCategoryCount = static_cast<size_t>(TimeCategory::kOther) + 1;

/// env.json's name of a category ("screening_s").
[[nodiscard]] std::string_view time_category_name(TimeCategory category);

/// The seconds and request counts of one measuring loop, or of a whole sweep.
struct TimeBreakdown {
  std::array<double, kTimeCategoryCount> seconds{};
  /// Requests answered (or failed) per category; compile waits and set-ups count none.
  std::array<int64_t, kTimeCategoryCount> measurements{};
  /// kCompileWait's seconds by the category of the request that waited (screening, K twins,
  /// leader twins): which kernels the GPU waited for.
  std::array<double, kTimeCategoryCount> compile_wait_for{};

  void add(TimeCategory category, double s) { seconds[static_cast<size_t>(category)] += s; }
  /// The GPU idle for `s` seconds, waiting for the kernel of a request of `waiting` to compile.
  void add_compile_wait(TimeCategory waiting, double s) {
    add(TimeCategory::kCompileWait, s);
    compile_wait_for[static_cast<size_t>(waiting)] += s;
  }
  void count(TimeCategory category) { ++measurements[static_cast<size_t>(category)]; }
  [[nodiscard]] double of(TimeCategory category) const {
    return seconds[static_cast<size_t>(category)];
  }
  TimeBreakdown& operator+=(const TimeBreakdown& other);
};

/// The compiles behind a sweep: their CPU seconds overlap the GPU's work, so they are not a
/// category.
struct CompileTotals {
  int64_t compiles = 0;     ///< kernels built by this sweep
  int64_t cache_hits = 0;   ///< kernels the disk cache had
  double compile_cpu_s = 0.0;  ///< the builds' seconds, summed over the compiling threads
};

/// The category of a measure request of `kind`: configs go to screening, K twins or leader
/// twins (`leader_twin`: chosen after the screening), baselines to their kind's own.
/// kSideBySide names the request as a whole (its run-off part is reported by the worker).
[[nodiscard]] TimeCategory request_category(report::RunKind kind, const KernelConfig* config,
                                            bool leader_twin);

/// env.json's `time_breakdown` before the reports: every category's seconds (`reports_s` 0,
/// `other_s` what `wall_s` x `gpus` leaves after the rest, never below 0), then compile_cpu_s,
/// wall_s, gpus, gpu_s (= wall_s x gpus, what the categories sum to), the counts and
/// `compile_wait_for` (compile_wait_s split by what waited: screening_s, k_twins_s,
/// leader_twins_s).
/// `measuring` sums the GPUs' loops; start-up is wall time counted once per GPU (every GPU waits
/// through it).
[[nodiscard]] report::Json time_breakdown_json(const TimeBreakdown& measuring,
                                               const CompileTotals& compiles, double start_up_s,
                                               double wall_s, int gpus);

/// Adds the reports' `seconds` (wall, counted once per GPU) to `breakdown`: reports_s, wall_s
/// and gpu_s grow, other_s stays.
void add_reports_time(report::Json& breakdown, double seconds);

/// "screening 41.2 s (55%), cublaslt_best 20.1 s (27%), runoff 6.0 s (8%)": the `count` largest
/// categories of a `time_breakdown` object, largest first; empty when it has none.
[[nodiscard]] std::string largest_time_categories(const report::Json& breakdown, int count = 3);

}  // namespace gemmtune::sweep
