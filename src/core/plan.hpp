#pragma once
/// The plan: the legality verdict of every config of a space for every problem of a shape set,
/// written as a text summary, a verbose text listing or JSON (schema gemmtune.plan/1). It is
/// what `gemmtune plan` prints and needs no GPU.
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/config_space.hpp"
#include "core/kernel_config.hpp"
#include "core/legality.hpp"
#include "core/legality_table.hpp"
#include "core/shape_set.hpp"

namespace gemmtune {

/// Schema id carried by `plan --json`; bump the number on incompatible changes.
inline constexpr const char* kPlanSchema = "gemmtune.plan/1";
/// Illegal rules named on a problem's summary line (the JSON has them all).
inline constexpr size_t kPlanTopRules = 3;
/// Most verdicts `plan --verbose` or `--json` lists (problems x configs); larger plans are refused.
/// NOTE: a listed verdict takes ~170 bytes of JSON (dsv3 x the default space: 2.8 M verdicts,
/// 473 MB, 8 s), so the limit stands at ~1.7 GB of output. The summary has no limit: it costs
/// one evaluation per class of problems (core/legality_table.hpp).
inline constexpr int64_t kMaxListedVerdicts = 10'000'000;

/// The legality of a space's configs for one problem.
struct ProblemPlan {
  Problem problem;
  int64_t configs_total = 0;
  int64_t configs_legal = 0;
  /// Illegal configs counted by the first rule they violate; most frequent first, ties by id.
  std::vector<std::pair<std::string, int64_t>> illegal_by_rule;
  /// One verdict per config, in enumeration order; empty unless asked for.
  std::vector<Legality> verdicts;
};

/// Checks every config against `problem`; `keep_verdicts` keeps the per-config verdicts.
[[nodiscard]] ProblemPlan plan_problem(const Problem& problem,
                                       const std::vector<KernelConfig>& configs,
                                       const DeviceLimits& limits, bool keep_verdicts);
/// The same counts without verdicts, shared by every problem of a class (`legality` caches them).
[[nodiscard]] ProblemPlan plan_problem(const Problem& problem, ConfigListLegality& legality,
                                       int64_t configs_total);

/// The distinct configs legal for at least one problem of `shapes`, in enumeration order. Kernels
/// do not depend on the problem (core/smem_layout.hpp), so these are the kernels a set needs.
[[nodiscard]] std::vector<KernelConfig> legal_configs(const ShapeSet& shapes,
                                                      const std::vector<KernelConfig>& configs,
                                                      const DeviceLimits& limits);

/// How write_plan() prints.
enum class PlanFormat {
  kSummary,  ///< one line per problem: sizes, legal/total, most frequent illegal rules
  kVerbose,  ///< the summary line, then every config with its verdict and reason
  kJson,     ///< one JSON document, every config with its verdict and reason
};

/// What a plan is made of, plus the command line recorded in the JSON.
struct PlanRequest {
  const ShapeSet& shapes;
  const ConfigSpace& space;
  DeviceLimits limits;
  PlanFormat format = PlanFormat::kSummary;
  std::string command;  ///< the command that made the plan, recorded in the JSON
  /// `plan --batch-invariant`: the space without the configs core/serving.hpp refuses.
  bool batch_invariant = false;
};

/// Writes the plan, one problem at a time so memory stays bounded by one problem's verdicts.
/// Returns how many problems have no legal config. Throws Error(kExitUsage) before writing
/// anything when a listing would exceed kMaxListedVerdicts.
[[nodiscard]] int64_t write_plan(std::ostream& out, const PlanRequest& request);

}  // namespace gemmtune
