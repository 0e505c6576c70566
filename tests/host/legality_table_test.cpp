// ConfigListLegality against the legality model it speeds up: the same deciding rule as
// check_legality() for every (problem, config) of a grid chosen around every threshold a rule
// compares (block sizes, k-blocks, split-K workspace), configs breaking every config rule, and
// the same plan counts as the per-config path. And check_config_alone(), what `compile --config`
// asks.
#include "core/legality_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/config_space.hpp"
#include "core/plan.hpp"

namespace gemmtune {
namespace {

std::vector<KernelConfig> hostile_configs() {
  std::vector<KernelConfig> configs;
  for (const int block_m : {64, 96, 128, 256}) {
    for (const int block_n : {8, 100, 128, 136, 152, 160, 256}) {
      for (const int stages : {1, 4}) {
        for (const Multicast multicast : {Multicast::kNone, Multicast::kA, Multicast::kB}) {
          for (const int num_sms : {131, 132, 133}) {
            for (const int group : {8, 65}) {
              for (const int split_k : {0, 1, 2, 4, 16, 17}) {
                configs.push_back({.block_m = block_m,
                                   .block_n = block_n,
                                   .stages = stages,
                                   .multicast = multicast,
                                   .num_sms = num_sms,
                                   .raster = Raster::kN,
                                   .group = group,
                                   .split_k = split_k});
              }
            }
          }
        }
      }
    }
  }
  return configs;
}

std::vector<Problem> threshold_problems() {
  std::vector<Problem> problems;
  for (const int64_t m : {1, 64, 65, 128, 129, 256, 257, 4096, 1'000'000, 3'000'000}) {
    for (const int64_t n : {8, 128, 136, 264, 7168}) {
      for (const int64_t k : {16, 128, 256, 384, 2048, 7168}) {
        problems.push_back({.label = "", .m = m, .n = n, .k = k});
      }
    }
  }
  problems.push_back({.label = "", .m = 0, .n = 8, .k = 16});              // m_range
  problems.push_back({.label = "", .m = 1, .n = 12, .k = 16});             // n_alignment
  problems.push_back({.label = "", .m = 1 << 30, .n = 1 << 30, .k = 16});  // device_memory
  return problems;
}

TEST(LegalityTable, DecidingRulesMatchCheckLegality) {
  const std::vector<KernelConfig> configs = hostile_configs();
  const DeviceLimits limits{};
  const ConfigListLegality table(configs, limits);
  size_t legal = 0;
  for (const Problem& problem : threshold_problems()) {
    const std::vector<RuleIndex> rules = table.deciding_rules(problem);
    ASSERT_EQ(rules.size(), configs.size());
    for (size_t i = 0; i < configs.size(); ++i) {
      const Legality verdict = check_legality(problem, configs[i], limits);
      const std::string_view fast = rules[i] == kNoRule ? "" : kLegalityRules[rules[i]].id;
      ASSERT_EQ(fast, verdict.rule_id)
          << to_string(configs[i]) << " on " << problem.m << "x" << problem.n << "x" << problem.k;
      legal += verdict.legal ? 1 : 0;
    }
  }
  EXPECT_GT(legal, 0u);  // the grid is not all illegal
}

TEST(LegalityTable, ProblemsOfOneClassGetTheSameRules) {
  const ConfigListLegality table(hostile_configs(), DeviceLimits{});
  std::map<std::string, std::vector<RuleIndex>> rules_of_class;
  size_t shared = 0;
  for (const Problem& problem : threshold_problems()) {
    const std::vector<RuleIndex> rules = table.deciding_rules(problem);
    const auto [first, added] = rules_of_class.try_emplace(table.problem_class(problem), rules);
    if (added) continue;
    ++shared;
    EXPECT_EQ(rules, first->second) << problem.m << "x" << problem.n << "x" << problem.k;
  }
  EXPECT_GT(shared, 50u);  // the classes do merge problems
}

TEST(LegalityTable, PlanCountsMatchThePerConfigPath) {
  const std::vector<KernelConfig> configs = hostile_configs();
  ConfigListLegality table(configs, DeviceLimits{});
  for (const Problem& problem : threshold_problems()) {
    const ProblemPlan exact = plan_problem(problem, configs, DeviceLimits{}, false);
    const ProblemPlan shared = plan_problem(problem, table, static_cast<int64_t>(configs.size()));
    EXPECT_EQ(shared.configs_legal, exact.configs_legal);
    EXPECT_EQ(shared.illegal_by_rule, exact.illegal_by_rule);
  }
}

TEST(LegalityTable, LegalForAnyIsTheUnionOverProblems) {
  const std::vector<KernelConfig> configs = hostile_configs();
  const std::vector<Problem> problems = threshold_problems();
  std::vector<KernelConfig> expected;
  for (const KernelConfig& config : configs) {
    for (const Problem& problem : problems) {
      if (check_legality(problem, config, DeviceLimits{}).legal) {
        expected.push_back(config);
        break;
      }
    }
  }
  EXPECT_EQ(ConfigListLegality(configs, DeviceLimits{}).legal_for_any(problems), expected);
}

TEST(Legality, ConfigAloneRulesNeedNoProblem) {
  const DeviceLimits limits{};
  const auto rule_of = [&](const KernelConfig& c) { return check_config_alone(c, limits).rule_id; };
  const KernelConfig good{.block_m = 128,
                          .block_n = 128,
                          .stages = 4,
                          .multicast = Multicast::kB,
                          .num_sms = 132,
                          .raster = Raster::kN,
                          .group = 8,
                          .split_k = 1};
  EXPECT_EQ(rule_of(good), "");
  KernelConfig c = good;
  c.block_m = 999;
  EXPECT_EQ(rule_of(c), "block_m");
  EXPECT_NE(check_config_alone(c, limits).reason.find("block_m 999 is not 64, 128, 192 or 256"),
            std::string::npos);
  c = good;
  c.block_n = 136;  // multicast B needs block_n % 16 == 0
  EXPECT_EQ(rule_of(c), "multicast_b_block_n");
  c = good;
  c.group = 65;
  EXPECT_EQ(rule_of(c), "raster_group");
  // Problem rules are not config-alone: a split beyond any K's k-blocks passes here.
  c = good;
  c.split_k = 17;
  EXPECT_EQ(rule_of(c), "");
  EXPECT_EQ(check_legality({.label = "", .m = 4096, .n = 7168, .k = 7168}, c, limits).rule_id,
            "split_k_range");
}

}  // namespace
}  // namespace gemmtune
