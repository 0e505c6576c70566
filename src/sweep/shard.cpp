// The split of a sweep into shards balanced by predicted cost (sweep --shard I/N).
#include "sweep/shard.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>
#include <utility>

#include "core/problem.hpp"

namespace gemmtune::sweep {
namespace {

/// The timing the cost uses: the CLI's defaults (--warmup 3 --iters 30), whatever the flags.
/// NOTE: and the sustained run-off whatever --runoff says: the cost it gave before --runoff, so
/// that a shard array's split and plan digest stay those of folders made before it.
const TimingRequest& cost_timing() {
  static const TimingRequest timing{.mode = "kernel", .warmup = 3, .iters = 30,
                                    .runoff_regime = "sustained"};
  return timing;
}

/// The name and version of the split rule, recorded in env.json so a future rule is detected.
constexpr const char* kSplitRule = "lpt-predicted-cost/1";

/// Parses a positive decimal integer that is all of `text`.
std::optional<int> parse_positive(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

/// FNV-1a, 64 bits, continued over `text`.
uint64_t fnv1a64(uint64_t h, std::string_view text) {
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}
constexpr uint64_t kFnvOffset = 14695981039346656037ull;

std::string digest_text(uint64_t h) { return fmt::format("fnv1a64:{:016x}", h); }

}  // namespace

std::optional<ShardSpec> parse_shard_spec(std::string_view text, std::string& error) {
  const size_t slash = text.find('/');
  const std::optional<int> index =
      slash == std::string_view::npos ? std::nullopt : parse_positive(text.substr(0, slash));
  const std::optional<int> count =
      slash == std::string_view::npos ? std::nullopt : parse_positive(text.substr(slash + 1));
  if (!index || !count) {
    error = fmt::format("--shard \"{}\": expected I/N with whole numbers 1 <= I <= N, e.g. 2/8",
                        text);
    return std::nullopt;
  }
  if (*count > kMaxShards || *index > *count) {
    error = fmt::format("--shard {}/{}: need 1 <= I <= N <= {}", *index, *count, kMaxShards);
    return std::nullopt;
  }
  return ShardSpec{.index = *index, .count = *count};
}

int64_t predicted_cost_ns(const ProblemWork& work) {
  int64_t cost_ns = 0;
  for (const WorkItem& item : work.items) {
    const double us = std::max(0.0, item.predicted_us) *
                      static_cast<double>(request_launches(item, cost_timing()));
    cost_ns += std::llround(us * 1e3);
  }
  return cost_ns;
}

ShardSplit split_into_shards(const std::vector<ProblemWork>& plan, int count) {
  std::vector<int64_t> cost(plan.size());
  std::vector<std::string> key(plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    cost[i] = predicted_cost_ns(plan[i]);
    key[i] = problem_key(plan[i].problem);
  }
  std::vector<size_t> order(plan.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // NOTE: a shape set has no duplicate problems (core/shape_set.cpp), so (cost, key) is a total
  // order; the index breaks ties anyway for plans built by hand.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(cost[b], key[a], a) < std::tie(cost[a], key[b], b);
  });
  ShardSplit split{.problems = std::vector<std::vector<size_t>>(static_cast<size_t>(count)),
                   .cost_ns = std::vector<int64_t>(static_cast<size_t>(count), 0)};
  for (const size_t i : order) {
    const size_t least = static_cast<size_t>(
        std::min_element(split.cost_ns.begin(), split.cost_ns.end()) - split.cost_ns.begin());
    split.problems[least].push_back(i);
    split.cost_ns[least] += cost[i];
  }
  for (std::vector<size_t>& problems : split.problems) std::sort(problems.begin(), problems.end());
  return split;
}

std::string problems_digest(const std::vector<ProblemWork>& plan) {
  uint64_t h = kFnvOffset;
  for (const ProblemWork& work : plan) h = fnv1a64(h, problem_key(work.problem) + "\n");
  return digest_text(h);
}

std::string plan_digest(const std::vector<ProblemWork>& plan) {
  uint64_t h = kFnvOffset;
  for (const ProblemWork& work : plan) {
    h = fnv1a64(h, fmt::format("{} {}\n", problem_key(work.problem), predicted_cost_ns(work)));
  }
  return digest_text(h);
}

report::Json shard_json(const ShardSpec& spec, const std::vector<ProblemWork>& plan,
                        const ShardSplit& split, const std::string& shape_set_name,
                        const std::string& shape_set_path) {
  const size_t shard = static_cast<size_t>(spec.index - 1);
  report::Json problems = report::Json::array();
  for (const size_t i : split.problems.at(shard)) {
    problems.push_back({{"index", i}, {"key", problem_key(plan[i].problem)}});
  }
  const int64_t total_ns =
      std::accumulate(split.cost_ns.begin(), split.cost_ns.end(), int64_t{0});
  return {{"index", spec.index},
          {"count", spec.count},
          {"split", kSplitRule},
          {"shape_set", {{"name", shape_set_name}, {"path", shape_set_path}}},
          {"problems_total", plan.size()},
          {"problems_digest", problems_digest(plan)},
          {"plan_digest", plan_digest(plan)},
          {"predicted_cost_us", static_cast<double>(split.cost_ns.at(shard)) * 1e-3},
          {"predicted_cost_total_us", static_cast<double>(total_ns) * 1e-3},
          {"problems", problems}};
}

Planner shard_planner(Planner planner, const ShardSpec& spec,
                      const std::vector<ProblemWork>& split_plan, const ShardSplit& split) {
  std::set<std::string> keys;
  for (const size_t i : split.problems.at(static_cast<size_t>(spec.index - 1))) {
    keys.insert(problem_key(split_plan[i].problem));
  }
  return [planner = std::move(planner), keys = std::move(keys), spec,
          total = split_plan.size()](const DeviceLimits& limits) {
    std::vector<ProblemWork> plan = planner(limits);
    std::erase_if(plan, [&](const ProblemWork& w) { return keys.count(problem_key(w.problem)) == 0; });
    spdlog::info("shard {}/{}: {} of {} problem(s)", spec.index, spec.count, plan.size(), total);
    return plan;
  };
}

}  // namespace gemmtune::sweep
