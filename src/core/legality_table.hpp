#pragma once
/// The legality of one list of configs against many problems, fast enough for shape sets of
/// 10^5 to 10^6 problems (`plan`, `compile --shapes`, `sweep`). The rules about the config alone
/// are checked once per config. The config rules that read the problem (core/legality.cpp,
/// first_problem_rule) see of the config only block_m, block_n, multicast and split_k, so configs
/// that agree on those and on their config-alone verdict are evaluated once per problem, as a
/// group; and they see M only through one_m_block() and split_k_workspace_fits(), so every
/// problem that agrees with another on N, K and those answers gets the same verdicts: counts are
/// computed once per such class of problems, without reason texts, and cached.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/kernel_config.hpp"
#include "core/legality.hpp"
#include "core/problem.hpp"

namespace gemmtune {

/// Classes whose counts ConfigListLegality keeps at once.
/// NOTE: shape sets list the M values of one (N, K) together, so a small cache hits; the bound
/// keeps a set of all-distinct shapes from costing memory per problem.
inline constexpr size_t kMaxCachedProblemClasses = 4096;

/// How many configs of the list each rule decides for one problem.
struct RuleCounts {
  int64_t legal = 0;
  /// Illegal configs by the index of the rule that decides them (kLegalityRules order).
  std::array<int64_t, kLegalityRules.size()> illegal_by_rule{};
};

/// Verdicts of a fixed config list under fixed device limits, for any number of problems.
class ConfigListLegality {
 public:
  ConfigListLegality(const std::vector<KernelConfig>& configs, const DeviceLimits& limits);

  /// The rule deciding each config's verdict for `problem` (kNoRule when legal), in list order:
  /// the rule_id check_legality() would give.
  [[nodiscard]] std::vector<RuleIndex> deciding_rules(const Problem& problem) const;
  /// The counts of deciding_rules(problem), computed once per class of problems.
  [[nodiscard]] const RuleCounts& counts(const Problem& problem);
  /// A key equal for two problems that get equal deciding_rules() (not necessarily only then).
  [[nodiscard]] std::string problem_class(const Problem& problem) const;
  /// The configs legal for at least one of `problems`, in list order; one evaluation per class.
  [[nodiscard]] std::vector<KernelConfig> legal_for_any(const std::vector<Problem>& problems) const;

 private:
  // Configs that the rules reading the problem cannot tell apart.
  struct Group {
    KernelConfig config;          // the first member
    RuleIndex alone = kNoRule;    // rule_index of check_config_alone()
    std::vector<size_t> members;  // indices into configs_
  };

  std::vector<KernelConfig> configs_;
  DeviceLimits limits_;
  std::vector<Group> groups_;
  std::vector<int> block_ms_;  // distinct block_m values one_m_block() is asked about
  std::vector<int> split_ks_;  // distinct split_k values split_k_workspace_fits() is asked
  std::unordered_map<std::string, RuleCounts> counts_by_class_;
};

}  // namespace gemmtune
