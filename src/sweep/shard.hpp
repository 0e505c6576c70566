#pragma once
/// `sweep --shard I/N` (src/sweep/README.md "Slurm"): a deterministic split of a sweep's
/// planned problems into N shards balanced by the cost model's prediction, so that N machines
/// (a Slurm job array) each measure one shard into its own run folder and `gemmtune merge`
/// joins them into the table one machine would have written.
///
/// The split depends only on the plan it is given. The CLI plans it with the no-GPU path's
/// DeviceLimits{} (an H200's), never the worker's, so every array task computes the same split
/// whatever GPU it landed on: it depends on the shape set, the space, the budget,
/// --skip-cublaslt-best and N. Each task then measures its problems with its own GPU's plan.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/json_fields.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/work_plan.hpp"

namespace gemmtune::sweep {

/// Most shards a sweep may be split into (a Slurm array's usual MaxArraySize is 1001; 4096
/// leaves room and keeps env.json's lists small).
inline constexpr int kMaxShards = 4096;

/// Shard `index` (1-based) of `count`.
struct ShardSpec {
  int index = 1;
  int count = 1;
  [[nodiscard]] bool operator==(const ShardSpec&) const = default;
};

/// Parses "I/N" with 1 <= I <= N <= kMaxShards; nullopt with `error` set otherwise.
[[nodiscard]] std::optional<ShardSpec> parse_shard_spec(std::string_view text, std::string& error);

/// The predicted cost of a problem's measurements in integer nanoseconds (integers, so that sums
/// and ties are exact on every machine): sum over its items of predicted_us times the launches of
/// one request (request_launches() at the default --warmup 3 --iters 30; the split must not
/// depend on timing flags).
[[nodiscard]] int64_t predicted_cost_ns(const ProblemWork& work);

/// The split of a plan into shards.
struct ShardSplit {
  /// Per shard (0-based), the indices into the plan of its problems, ascending (plan order).
  std::vector<std::vector<size_t>> problems;
  std::vector<int64_t> cost_ns;  ///< per shard, the sum of its problems' predicted_cost_ns()
};

// NOTE: longest processing time first. Problems sorted by (cost desc, problem_key asc) go one at
// a time to the shard with the least cost so far (ties: the lowest index). When a shard receives
// its last problem it is the least loaded, so its cost before was at most the mean:
// every shard's cost <= total / N + the costliest problem's cost (Graham's list-scheduling
// bound; LPT order also keeps the largest within 4/3 of the optimum). The host tests check it.
/// Splits `plan` into `count` shards (count > problems leaves shards empty).
[[nodiscard]] ShardSplit split_into_shards(const std::vector<ProblemWork>& plan, int count);

/// "fnv1a64:<16 hex digits>" over the problem_key() of every problem of `plan`, in order: equal
/// for shards of the same shape set.
[[nodiscard]] std::string problems_digest(const std::vector<ProblemWork>& plan);

/// The same over each problem's key and predicted_cost_ns(): equal for shards split from the
/// same plan (same space, budget and options), which is what makes their splits agree.
[[nodiscard]] std::string plan_digest(const std::vector<ProblemWork>& plan);

/// env.json's "shard" member of shard `spec` of `split` (schema in src/report/README.md "Run
/// folder"): {index, count, split, shape_set {name, path}, problems_total, problems_digest,
/// plan_digest,
///  predicted_cost_us, predicted_cost_total_us, problems [{index, key}]} with `index` the
/// problem's 0-based position in the shape set.
[[nodiscard]] report::Json shard_json(const ShardSpec& spec, const std::vector<ProblemWork>& plan,
                                      const ShardSplit& split, const std::string& shape_set_name,
                                      const std::string& shape_set_path);

/// `planner` restricted to the problems `split` gives shard `spec` (matched by problem_key(), so
/// that the worker's own plan can be filtered by a split made with other limits).
[[nodiscard]] Planner shard_planner(Planner planner, const ShardSpec& spec,
                                    const std::vector<ProblemWork>& split_plan,
                                    const ShardSplit& split);

}  // namespace gemmtune::sweep
