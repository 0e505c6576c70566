// Plan computation and its three renderings. Each problem is checked and written before the
// next one is checked, so a plan over a large shape set never holds all verdicts at once.
#include "core/plan.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/legality_table.hpp"
#include "core/problem_json.hpp"
#include "core/serving.hpp"

namespace gemmtune {
namespace {

using nlohmann::ordered_json;

// Rule counts, most frequent first, ties by rule id.
std::vector<std::pair<std::string, int64_t>> most_frequent_first(
    const std::map<std::string, int64_t>& by_rule) {
  std::vector<std::pair<std::string, int64_t>> ordered(by_rule.begin(), by_rule.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return ordered;
}

void append_summary_line(fmt::memory_buffer& out, const ProblemPlan& plan, size_t label_width) {
  const Problem& p = plan.problem;
  std::string label = p.label.empty() ? "-" : one_line(p.label);
  if (p.layout != GroupLayout::kNone) {  // M is every group's rows; say which op and how many
    label += fmt::format(" [{} G{}]", to_string(p.layout), p.groups());
  }
  fmt::format_to(std::back_inserter(out), "{:<{}}  {:>6} {:>6} {:>6}  {:>7} / {:<7}", label,
                 label_width, p.m, p.n, p.k, plan.configs_legal, plan.configs_total);
  std::vector<std::string> rules;
  for (size_t i = 0; i < plan.illegal_by_rule.size() && i < kPlanTopRules; ++i) {
    rules.push_back(fmt::format("{} {}", plan.illegal_by_rule[i].first,
                                plan.illegal_by_rule[i].second));
  }
  if (plan.illegal_by_rule.size() > kPlanTopRules) {
    rules.push_back(fmt::format("+{} more", plan.illegal_by_rule.size() - kPlanTopRules));
  }
  fmt::format_to(std::back_inserter(out), "  {}{}\n", fmt::join(rules, ", "),
                 plan.configs_legal == 0 ? "  (no legal config)" : "");
}

void append_verbose_lines(fmt::memory_buffer& out, const ProblemPlan& plan,
                          const std::vector<KernelConfig>& configs) {
  for (size_t i = 0; i < configs.size(); ++i) {
    const Legality& verdict = plan.verdicts[i];
    if (verdict.legal) {
      fmt::format_to(std::back_inserter(out), "    {:<36}legal\n", to_string(configs[i]));
    } else {
      fmt::format_to(std::back_inserter(out), "    {:<36}illegal  {}: {}\n",
                     to_string(configs[i]), verdict.rule_id, verdict.reason);
    }
  }
}

ordered_json problem_json(const ProblemPlan& plan, const std::vector<KernelConfig>& configs) {
  ordered_json by_rule = ordered_json::object();
  for (const auto& [rule_id, count] : plan.illegal_by_rule) by_rule[rule_id] = count;
  ordered_json verdicts = ordered_json::array();
  for (size_t i = 0; i < configs.size(); ++i) {
    ordered_json entry{{"config", to_string(configs[i])}, {"legal", plan.verdicts[i].legal}};
    if (!plan.verdicts[i].legal) {
      entry["rule"] = plan.verdicts[i].rule_id;
      entry["reason"] = plan.verdicts[i].reason;
    }
    verdicts.push_back(std::move(entry));
  }
  ordered_json j = problem_to_json<ordered_json>(plan.problem);
  j["configs_total"] = plan.configs_total;
  j["configs_legal"] = plan.configs_legal;
  j["illegal_by_rule"] = std::move(by_rule);
  j["configs"] = std::move(verdicts);
  return j;
}

// The JSON document without its closing brace, ready for the "problems" list to follow.
std::string json_head(const PlanRequest& r) {
  ordered_json rules = ordered_json::array();
  for (const LegalityRule& rule : kLegalityRules) {
    rules.push_back({{"id", rule.id}, {"summary", rule.summary}});
  }
  const ordered_json head{
      {"schema", kPlanSchema},
      {"gemmtune_version", GEMMTUNE_VERSION},
      {"git_rev", build_git_rev()},
      {"command", r.command},
      {"shapes", {{"path", r.shapes.path}, {"name", r.shapes.name},
                  {"description", r.shapes.description},
                  {"problems", r.shapes.problems.size()}}},
      {"space", {{"path", r.space.path}, {"name", r.space.name},
                 {"description", r.space.description}, {"size", r.space.size()}}},
      {"device_limits", {{"sm_count", r.limits.sm_count},
                         {"smem_per_block_bytes", r.limits.smem_per_block_bytes},
                         {"device_memory_bytes", r.limits.device_memory_bytes}}},
      {"rules", std::move(rules)}};
  std::string text = head.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  text.pop_back();  // the closing '}'
  return text;
}

// Refuses a --verbose or --json plan whose listing would be too large to be of use.
void check_listing_size(const PlanRequest& request, int64_t configs) {
  const int64_t problems = static_cast<int64_t>(request.shapes.problems.size());
  if (request.format == PlanFormat::kSummary || problems * configs <= kMaxListedVerdicts) return;
  throw Error(kExitUsage,
              fmt::format("plan {}: {} problems x {} configs would list {} verdicts, over the "
                          "limit of {}; the summary (without --verbose/--json) counts them all, "
                          "or use a smaller --space or shape set",
                          request.format == PlanFormat::kJson ? "--json" : "--verbose", problems,
                          configs, problems * configs, kMaxListedVerdicts));
}

}  // namespace

ProblemPlan plan_problem(const Problem& problem, const std::vector<KernelConfig>& configs,
                         const DeviceLimits& limits, bool keep_verdicts) {
  ProblemPlan plan;
  plan.problem = problem;
  plan.configs_total = static_cast<int64_t>(configs.size());
  std::map<std::string, int64_t> by_rule;
  if (keep_verdicts) plan.verdicts.reserve(configs.size());
  for (const KernelConfig& config : configs) {
    Legality verdict = check_legality(problem, config, limits);
    if (verdict.legal) {
      ++plan.configs_legal;
    } else {
      ++by_rule[verdict.rule_id];
    }
    if (keep_verdicts) plan.verdicts.push_back(std::move(verdict));
  }
  plan.illegal_by_rule = most_frequent_first(by_rule);
  return plan;
}

ProblemPlan plan_problem(const Problem& problem, ConfigListLegality& legality,
                         int64_t configs_total) {
  const RuleCounts& counts = legality.counts(problem);
  std::map<std::string, int64_t> by_rule;
  for (size_t rule = 0; rule < counts.illegal_by_rule.size(); ++rule) {
    if (counts.illegal_by_rule[rule] > 0) {
      by_rule[std::string(kLegalityRules[rule].id)] = counts.illegal_by_rule[rule];
    }
  }
  return {.problem = problem,
          .configs_total = configs_total,
          .configs_legal = counts.legal,
          .illegal_by_rule = most_frequent_first(by_rule),
          .verdicts = {}};
}

int64_t write_plan(std::ostream& out, const PlanRequest& request) {
  const std::vector<KernelConfig> dense_configs = allowed_configs(
      enumerate_configs(request.space), {.batch_invariant = request.batch_invariant});
  check_listing_size(request, static_cast<int64_t>(dense_configs.size()));
  const bool listing = request.format != PlanFormat::kSummary;
  // One config list and legality cache per op: a grouped problem's candidates are the space's
  // configs built for its layout.
  std::map<GroupLayout, std::pair<std::vector<KernelConfig>, std::unique_ptr<ConfigListLegality>>>
      by_layout;
  for (const Problem& p : request.shapes.problems) {
    auto& [configs, legality] = by_layout[p.layout];
    if (legality) continue;
    configs = with_layout(dense_configs, p.layout);
    legality = std::make_unique<ConfigListLegality>(configs, request.limits);
  }
  size_t label_width = 5;
  for (const Problem& p : request.shapes.problems) {
    // Grouped labels carry " [grouped_contiguous G512]" (at most 28 characters).
    label_width = std::max(label_width, p.label.size() + (p.layout == GroupLayout::kNone ? 0 : 28));
  }

  fmt::memory_buffer text;
  if (request.format == PlanFormat::kJson) {
    fmt::format_to(std::back_inserter(text), "{},\"problems\":[\n", json_head(request));
  } else {
    fmt::format_to(std::back_inserter(text),
                   "plan: shapes {} ({}, {} problems), space {} ({}, {} configs)\n"
                   "device limits: {} SMs, {} B shared memory per block, {} B device memory\n"
                   "{:<{}}  {:>6} {:>6} {:>6}  {:>7} / {:<7}  {}\n",
                   request.shapes.path, request.shapes.name, request.shapes.problems.size(),
                   request.space.path, request.space.name, request.space.size(),
                   request.limits.sm_count, request.limits.smem_per_block_bytes,
                   request.limits.device_memory_bytes, "label", label_width, "M", "N", "K",
                   "legal", "total", "most frequent illegal rules (config count)");
  }

  int64_t without_legal = 0;
  int64_t legal_total = 0;
  for (size_t i = 0; i < request.shapes.problems.size(); ++i) {
    const Problem& problem = request.shapes.problems[i];
    auto& [configs, legality] = by_layout.at(problem.layout);
    const ProblemPlan plan =
        listing ? plan_problem(problem, configs, request.limits, true)
                : plan_problem(problem, *legality, static_cast<int64_t>(configs.size()));
    without_legal += plan.configs_legal == 0 ? 1 : 0;
    legal_total += plan.configs_legal;
    if (request.format == PlanFormat::kJson) {
      fmt::format_to(std::back_inserter(text), "{}{}\n", i == 0 ? "" : ",",
                     problem_json(plan, configs)
                         .dump(-1, ' ', false, ordered_json::error_handler_t::replace));
    } else {
      append_summary_line(text, plan, label_width);
      if (request.format == PlanFormat::kVerbose) append_verbose_lines(text, plan, configs);
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    text.clear();
  }

  if (request.format == PlanFormat::kJson) {
    fmt::format_to(std::back_inserter(text), "]}}\n");
  } else {
    fmt::format_to(std::back_inserter(text),
                   "total: {} problems x {} configs, {} legal; {} problem(s) without a legal "
                   "config\n", request.shapes.problems.size(), dense_configs.size(), legal_total,
                   without_legal);
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  return without_legal;
}

std::vector<KernelConfig> legal_configs(const ShapeSet& shapes,
                                        const std::vector<KernelConfig>& configs,
                                        const DeviceLimits& limits) {
  // Per op: each layout's problems against the configs built for it.
  std::map<GroupLayout, std::vector<Problem>> by_layout;
  for (const Problem& p : shapes.problems) by_layout[p.layout].push_back(p);
  std::vector<KernelConfig> legal;
  for (const auto& [layout, problems] : by_layout) {
    const std::vector<KernelConfig> found =
        ConfigListLegality(with_layout(configs, layout), limits).legal_for_any(problems);
    legal.insert(legal.end(), found.begin(), found.end());
  }
  return legal;
}

}  // namespace gemmtune
