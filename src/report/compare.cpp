// Classification of two tuning tables against each other (rules in compare.hpp).
#include "report/compare.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "core/error.hpp"
#include "report/serving_fields.hpp"
#include "report/summary_model.hpp"

namespace gemmtune::report {
namespace {

using ShapeKey = std::string;  // problem_key(): dense "MxNxK", grouped op, G, N, K, rows

struct Located {
  const TableProblem* problem;
  const TableEntry* entry;
};

[[nodiscard]] std::map<ShapeKey, Located> index_entries(const TuningTable& table) {
  std::map<ShapeKey, Located> index;
  for (const TableProblem& p : table.problems) {
    for (const TableEntry& e : p.entries) index[problem_key(problem_of(p, e))] = {&p, &e};
  }
  return index;
}

[[nodiscard]] CompareRow classify(const Located* base, const Located* next, double threshold) {
  const Located& any = base ? *base : *next;
  const Problem problem = problem_of(*any.problem, *any.entry);
  CompareRow row{.label = any.problem->label, .problem = problem, .shape = problem.shape()};
  const TableEntry* b = base ? base->entry : nullptr;
  const TableEntry* n = next ? next->entry : nullptr;
  if (b && b->config) {
    row.base_us = b->median_us;
    row.base_spread_rel = b->spread_rel;
    row.base_config = *b->config;
  }
  if (n && n->config) {
    row.new_us = n->median_us;
    row.new_spread_rel = n->spread_rel;
    row.new_config = *n->config;
  }
  if (!n) {
    row.status = row.base_us ? CompareStatus::kMissingInNew : CompareStatus::kUntimed;
    row.note = "not measured in NEW";
    return row;
  }
  if (!row.new_us) {
    row.status = row.base_us ? CompareStatus::kFailedInNew : CompareStatus::kUntimed;
    row.note = n->reason;
    return row;
  }
  if (!row.base_us) {
    row.status = CompareStatus::kNewOnly;
    row.note = b ? "BASE: " + b->reason : "not measured in BASE";
    return row;
  }
  row.ratio = *row.new_us / *row.base_us;
  // NOTE: capped, so that no recorded spread (a wild sample, a hand-edited table) can call a
  // slowdown of more than kMaxNoiseRel noise.
  row.noise_rel = std::min((row.base_spread_rel + row.new_spread_rel) / 2.0, kMaxNoiseRel);
  const double slowdown = *row.ratio - 1.0;
  if (slowdown > threshold) {
    row.status = slowdown > row.noise_rel ? CompareStatus::kSlower : CompareStatus::kNoisy;
  } else if (1.0 / *row.ratio - 1.0 > threshold) {
    row.status = CompareStatus::kFaster;
  } else {
    row.status = CompareStatus::kSame;
  }
  return row;
}

}  // namespace

std::string_view to_string(CompareStatus status) {
  switch (status) {
    case CompareStatus::kSlower: return "SLOWER";
    case CompareStatus::kNoisy: return "NOISY";
    case CompareStatus::kFaster: return "FASTER";
    case CompareStatus::kSame: return "SAME";
    case CompareStatus::kFailedInNew: return "FAILED_IN_NEW";
    case CompareStatus::kMissingInNew: return "MISSING_IN_NEW";
    case CompareStatus::kNewOnly: return "NEW_ONLY";
    case CompareStatus::kUntimed: return "UNTIMED";
  }
  return "?";
}

bool CompareResult::regression() const {
  return count(CompareStatus::kSlower) + count(CompareStatus::kFailedInNew) > 0;
}

int64_t CompareResult::count(CompareStatus status) const {
  return std::count_if(rows.begin(), rows.end(),
                       [&](const CompareRow& r) { return r.status == status; });
}

std::vector<std::string> env_differences(const RunEnv& base, const RunEnv& next) {
  std::vector<std::string> out;
  const auto check = [&](const char* what, const std::string& a, const std::string& b) {
    if (a != b) out.push_back(std::string(what) + ": " + a + " -> " + b);
  };
  check("GPU", base.gpu_name, next.gpu_name);
  check("driver", base.driver, next.driver);
  check("CUDA runtime", base.cuda_runtime, next.cuda_runtime);
  check("NVRTC", base.nvrtc, next.nvrtc);
  check("cuBLASLt", base.cublaslt, next.cublaslt);
  check("timing mode", base.timing_mode, next.timing_mode);
  // NOTE: a table tuned for fewer SMs, or for batch invariance, is slower by design: comparing it
  // with another is a study (--allow-env-mismatch), never a regression gate.
  for (std::string& d : serving_conflicts(base.raw, next.raw)) out.push_back(std::move(d));
  return out;
}

CompareResult compare_tables(const TuningTable& base, const TuningTable& next,
                             const CompareOptions& options) {
  GT_CHECK(options.threshold >= 0.0, kExitUsage, "--threshold must not be negative");
  CompareResult result{.threshold = options.threshold};
  const std::vector<std::string> differences = env_differences(base.env, next.env);
  if (!differences.empty()) {
    std::string text;
    for (const std::string& d : differences) text += "\n  " + d;
    if (!options.allow_env_mismatch) {
      throw Error(kExitUsage, "environments differ, timings are not comparable (pass "
                              "--allow-env-mismatch to compare anyway):" + text);
    }
    spdlog::warn("comparing runs from different environments:{}", text);
    result.env_differences = differences;
  }
  const std::map<ShapeKey, Located> base_index = index_entries(base);
  const std::map<ShapeKey, Located> next_index = index_entries(next);
  const auto find = [](const std::map<ShapeKey, Located>& index, const ShapeKey& key) {
    const auto it = index.find(key);
    return it == index.end() ? nullptr : &it->second;
  };
  for (const TuningTable* order : {&base, &next}) {
    for (const TableProblem& p : order->problems) {
      for (const TableEntry& e : p.entries) {
        const ShapeKey key = problem_key(problem_of(p, e));
        const Located* in_base = find(base_index, key);
        if (order == &next && in_base) continue;  // already compared in BASE order
        result.rows.push_back(
            classify(in_base, find(next_index, key), options.threshold));
      }
    }
  }
  std::vector<double> ratios;
  for (const CompareRow& r : result.rows) {
    if (r.ratio) ratios.push_back(*r.ratio);
  }
  result.geomean_ratio = geometric_mean(ratios);
  result.timed_pairs = static_cast<int64_t>(ratios.size());
  return result;
}

}  // namespace gemmtune::report
