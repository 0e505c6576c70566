// ConfigListLegality: the legality model's verdicts shared between problems of one class.
#include "core/legality_table.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_set>

namespace gemmtune {
namespace {

void append_bytes(std::string& key, int64_t value) {
  key.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

}  // namespace

ConfigListLegality::ConfigListLegality(const std::vector<KernelConfig>& configs,
                                       const DeviceLimits& limits)
    : configs_(configs), limits_(limits) {
  std::map<std::tuple<int, int, Multicast, int, GroupLayout, int, RuleIndex>, size_t> group_of;
  for (size_t i = 0; i < configs_.size(); ++i) {
    const KernelConfig& config = configs_[i];
    const Legality verdict = check_config_alone(config, limits_);
    const RuleIndex alone = verdict.legal ? kNoRule : rule_index(verdict.rule_id);
    const auto [it, added] = group_of.try_emplace(
        {config.block_m, config.block_n, config.multicast, config.split_k, config.layout,
         config.fixed_k, alone},
        groups_.size());
    if (added) groups_.push_back({.config = config, .alone = alone, .members = {}});
    groups_[it->second].members.push_back(i);
    // NOTE: listing every config's values over-approximates what the rules ask (a config decided
    // early never asks), which only makes problem classes finer, never wrong.
    if (std::find(block_ms_.begin(), block_ms_.end(), config.block_m) == block_ms_.end()) {
      block_ms_.push_back(config.block_m);
    }
    if (config.split_k > 1 &&
        std::find(split_ks_.begin(), split_ks_.end(), config.split_k) == split_ks_.end()) {
      split_ks_.push_back(config.split_k);
    }
  }
}

std::string ConfigListLegality::problem_class(const Problem& problem) const {
  const Legality problem_verdict = check_problem(problem, limits_);
  std::string key(
      1, static_cast<char>(problem_verdict.legal ? kNoRule : rule_index(problem_verdict.rule_id)));
  if (!problem_verdict.legal) return key;
  append_bytes(key, problem.n);
  append_bytes(key, problem.k);
  key += static_cast<char>(problem.layout);
  for (const int block_m : block_ms_) key += one_m_block(problem.m, block_m) ? '1' : '0';
  for (const int split_k : split_ks_) {
    key += split_k_workspace_fits(problem, split_k, limits_) ? '1' : '0';
  }
  return key;
}

std::vector<RuleIndex> ConfigListLegality::deciding_rules(const Problem& problem) const {
  const Legality problem_verdict = check_problem(problem, limits_);
  if (!problem_verdict.legal) {
    return std::vector<RuleIndex>(configs_.size(), rule_index(problem_verdict.rule_id));
  }
  std::vector<RuleIndex> rules(configs_.size());
  for (const Group& group : groups_) {
    const RuleIndex rule = deciding_rule(problem, group.config, limits_, group.alone);
    for (const size_t i : group.members) rules[i] = rule;
  }
  return rules;
}

const RuleCounts& ConfigListLegality::counts(const Problem& problem) {
  const std::string key = problem_class(problem);
  const auto found = counts_by_class_.find(key);
  if (found != counts_by_class_.end()) return found->second;
  RuleCounts counts;
  const Legality problem_verdict = check_problem(problem, limits_);
  if (!problem_verdict.legal) {
    counts.illegal_by_rule[rule_index(problem_verdict.rule_id)] =
        static_cast<int64_t>(configs_.size());
  } else {
    for (const Group& group : groups_) {
      const RuleIndex rule = deciding_rule(problem, group.config, limits_, group.alone);
      const auto members = static_cast<int64_t>(group.members.size());
      if (rule == kNoRule) {
        counts.legal += members;
      } else {
        counts.illegal_by_rule[rule] += members;
      }
    }
  }
  if (counts_by_class_.size() >= kMaxCachedProblemClasses) counts_by_class_.clear();
  return counts_by_class_.emplace(key, counts).first->second;
}

std::vector<KernelConfig> ConfigListLegality::legal_for_any(
    const std::vector<Problem>& problems) const {
  std::vector<bool> legal(configs_.size(), false);
  std::unordered_set<std::string> seen;
  for (const Problem& problem : problems) {
    if (!seen.insert(problem_class(problem)).second) continue;
    const std::vector<RuleIndex> rules = deciding_rules(problem);
    for (size_t i = 0; i < rules.size(); ++i) legal[i] = legal[i] || rules[i] == kNoRule;
  }
  std::vector<KernelConfig> result;
  for (size_t i = 0; i < configs_.size(); ++i) {
    if (legal[i]) result.push_back(configs_[i]);
  }
  return result;
}

}  // namespace gemmtune
