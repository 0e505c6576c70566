// The sweep's time breakdown: categories, their env.json object and the stderr summary line.
#include "sweep/time_breakdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "report/summary_model.hpp"

namespace gemmtune::sweep {
namespace {

/// Seconds rounded to the microsecond, so env.json stays readable.
double rounded_seconds(double s) { return std::round(s * 1e6) / 1e6; }

}  // namespace

std::string_view time_category_name(TimeCategory category) {
  switch (category) {
    case TimeCategory::kStartUp: return "start_up_s";
    case TimeCategory::kProblemSetUp: return "problem_set_up_s";
    case TimeCategory::kCompileWait: return "compile_wait_s";
    case TimeCategory::kScreening: return "screening_s";
    case TimeCategory::kKTwins: return "k_twins_s";
    case TimeCategory::kLeaderTwins: return "leader_twins_s";
    case TimeCategory::kRunoff: return "runoff_s";
    case TimeCategory::kSideBySide: return "side_by_side_s";
    case TimeCategory::kCublasltHeuristic: return "cublaslt_heuristic_s";
    case TimeCategory::kCublasltBest: return "cublaslt_best_s";
    case TimeCategory::kCublasltFp8Tensor: return "cublaslt_fp8_tensor_s";
    case TimeCategory::kCublasltPerGroup: return "cublaslt_per_group_s";
    case TimeCategory::kCublasltPerGroupGraph: return "cublaslt_per_group_graph_s";
    case TimeCategory::kStreamFloor: return "stream_floor_s";
    case TimeCategory::kReports: return "reports_s";
    case TimeCategory::kOther: return "other_s";
  }
  return "other_s";
}

TimeBreakdown& TimeBreakdown::operator+=(const TimeBreakdown& other) {
  for (size_t i = 0; i < kTimeCategoryCount; ++i) {
    seconds[i] += other.seconds[i];
    measurements[i] += other.measurements[i];
    compile_wait_for[i] += other.compile_wait_for[i];
  }
  return *this;
}

TimeCategory request_category(report::RunKind kind, const KernelConfig* config,
                              bool leader_twin) {
  // NOTE: every kind is named and there is no default, so that a new kind is a -Wswitch warning
  // here until it has a category.
  switch (kind) {
    case report::RunKind::kGemmtune:
      if (leader_twin) return TimeCategory::kLeaderTwins;
      return config != nullptr && config->fixed_k > 0 ? TimeCategory::kKTwins
                                                      : TimeCategory::kScreening;
    case report::RunKind::kSideBySide: return TimeCategory::kSideBySide;
    case report::RunKind::kCublasltHeuristic: return TimeCategory::kCublasltHeuristic;
    case report::RunKind::kCublasltBest: return TimeCategory::kCublasltBest;
    case report::RunKind::kCublasltFp8Tensor: return TimeCategory::kCublasltFp8Tensor;
    case report::RunKind::kCublasltPerGroup: return TimeCategory::kCublasltPerGroup;
    case report::RunKind::kCublasltPerGroupGraph: return TimeCategory::kCublasltPerGroupGraph;
    case report::RunKind::kStreamFloor: return TimeCategory::kStreamFloor;
  }
  return TimeCategory::kOther;
}

report::Json time_breakdown_json(const TimeBreakdown& measuring, const CompileTotals& compiles,
                                 double start_up_s, double wall_s, int gpus) {
  TimeBreakdown all = measuring;
  all.add(TimeCategory::kStartUp, start_up_s * gpus);
  const double gpu_s = wall_s * gpus;
  double claimed_s = 0.0;
  for (size_t i = 0; i < kTimeCategoryCount; ++i) claimed_s += all.seconds[i];
  all.seconds[static_cast<size_t>(TimeCategory::kOther)] = std::max(0.0, gpu_s - claimed_s);
  report::Json j = report::Json::object();
  report::Json measurements = report::Json::object();
  for (size_t i = 0; i < kTimeCategoryCount; ++i) {
    const std::string_view name = time_category_name(static_cast<TimeCategory>(i));
    j[std::string(name)] = rounded_seconds(all.seconds[i]);
    if (all.measurements[i] > 0) {
      measurements[std::string(name.substr(0, name.size() - 2))] = all.measurements[i];
    }
  }
  j["compile_cpu_s"] = rounded_seconds(compiles.compile_cpu_s);
  j["wall_s"] = rounded_seconds(wall_s);
  j["gpus"] = gpus;
  j["gpu_s"] = rounded_seconds(gpu_s);
  j["counts"] = {{"compiles", compiles.compiles},
                 {"cache_hits", compiles.cache_hits},
                 {"measurements", measurements}};
  // NOTE: an object, not a number: readers of the categories (report::time_categories) take
  // only the numbers, so its parts are not counted twice.
  report::Json wait_for = report::Json::object();
  for (const TimeCategory c :
       {TimeCategory::kScreening, TimeCategory::kKTwins, TimeCategory::kLeaderTwins}) {
    wait_for[std::string(time_category_name(c))] =
        rounded_seconds(all.compile_wait_for[static_cast<size_t>(c)]);
  }
  j["compile_wait_for"] = std::move(wait_for);
  return j;
}

void add_reports_time(report::Json& breakdown, double seconds) {
  const int gpus = breakdown.value("gpus", 1);
  const auto grow = [&](const char* key, double by) {
    breakdown[key] = rounded_seconds(breakdown.value(key, 0.0) + by);
  };
  grow("reports_s", seconds * gpus);
  grow("wall_s", seconds);
  breakdown["gpu_s"] = rounded_seconds(breakdown.value("wall_s", 0.0) * gpus);
}

std::string largest_time_categories(const report::Json& breakdown, int count) {
  if (!breakdown.is_object()) return "";
  std::vector<std::pair<std::string, double>> categories = report::time_categories(breakdown);
  double total_s = 0.0;
  for (const auto& [name, seconds] : categories) total_s += seconds;
  std::stable_sort(categories.begin(), categories.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (int i = 0; i < count && i < static_cast<int>(categories.size()); ++i) {
    const auto& [name, s] = categories[static_cast<size_t>(i)];
    text += fmt::format("{}{} {:.1f} s ({:.0f}%)", text.empty() ? "" : ", ", name, s,
                        total_s > 0.0 ? 100.0 * s / total_s : 0.0);
  }
  return text;
}

}  // namespace gemmtune::sweep
