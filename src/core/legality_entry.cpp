// The legality check every reader of configs shares (core/legality_entry.hpp).
#include "core/legality_entry.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/error.hpp"

namespace gemmtune {
namespace {

// NOTE: a label or config text can be a megabyte long; an error line quotes at most this much.
constexpr size_t kMaxQuotedChars = 80;

[[nodiscard]] std::string quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedChars) return std::string(text);
  return fmt::format("{}... ({} bytes)", text.substr(0, kMaxQuotedChars), text.size());
}

[[noreturn]] void refuse(std::string_view text, const ConfigSource& source, const Legality& verdict) {
  std::string where;
  if (!source.file.empty()) where += source.file + ": ";
  if (!source.entry.empty()) where += source.entry + ": ";
  throw Error(kExitUsage, one_line(fmt::format("{}config \"{}\": {}: {}", where, quoted(text),
                                               verdict.rule_id, verdict.reason)));
}

[[nodiscard]] KernelConfig parsed_or_refuse(std::string_view text, const ConfigSource& source) {
  ParsedConfig parsed = parse_canonical_config(text);
  if (!parsed.config) refuse(text, source, parsed.verdict);
  return *parsed.config;
}

}  // namespace

ParsedConfig parse_canonical_config(std::string_view text) {
  std::string error;
  std::optional<KernelConfig> config = parse_kernel_config(text, &error);
  if (!config) return {.config = std::nullopt, .verdict = Legality::illegal(kConfigSyntaxRule, error)};
  const std::string canonical = to_string(*config);
  if (canonical != text) {
    return {.config = std::nullopt,
            .verdict = Legality::illegal(kConfigSyntaxRule,
                               fmt::format("not in canonical form (that config is written {})",
                                           canonical))};
  }
  return {.config = config, .verdict = {}};
}

Legality check_config_standalone(const KernelConfig& c, const DeviceLimits& limits) {
  if (Legality alone = check_config_alone(c, limits); !alone.legal) return alone;
  if (c.split_k < 1 || c.split_k > kMaxSplitK) {
    return Legality::illegal("split_k_range",
                   fmt::format("split_k {} is not in [1, {}]", c.split_k, kMaxSplitK));
  }
  // NOTE: a member compiled for K runs that K only (rule fixed_k), so that K must be legal. How
  // split_k divides it is check_config_alone()'s rule fixed_k_split_k.
  if (c.fixed_k != 0 && c.fixed_k % 16 != 0) {
    return Legality::illegal("k_alignment", fmt::format("compiled for K {}, which is not a multiple of 16 "
                                              "(16-byte TMA row stride of A and B)", c.fixed_k));
  }
  return {};
}

KernelConfig require_legal_config(std::string_view text, const ConfigSource& source,
                                  const Problem& problem, const DeviceLimits& limits,
                                  RuleSet rules) {
  const KernelConfig config = parsed_or_refuse(text, source);
  if (Legality verdict = check_legality(problem, config, limits, rules); !verdict.legal) {
    verdict.reason += fmt::format(" (problem {}x{}x{})", problem.m, problem.n, problem.k);
    refuse(text, source, verdict);
  }
  return config;
}

KernelConfig require_recorded_config(std::string_view text, const ConfigSource& source,
                                     const Problem& problem) {
  // NOTE: the SM count and the memory are the measuring GPU's, which a reader does not know (a
  // table checked on another GPU: `check` skips what that GPU cannot run); the shared memory per
  // block is the same on every sm_90a part.
  const DeviceLimits any_hopper{.sm_count = std::numeric_limits<int>::max(),
                                .smem_per_block_bytes = kHopperSmemPerBlockBytes,
                                .device_memory_bytes = std::numeric_limits<int64_t>::max()};
  return require_legal_config(text, source, problem, any_hopper, RuleSet::kWithoutRegisterBudget);
}

KernelConfig require_legal_config_alone(std::string_view text, const ConfigSource& source,
                                        const DeviceLimits& limits) {
  const KernelConfig config = parsed_or_refuse(text, source);
  if (const Legality verdict = check_config_standalone(config, limits); !verdict.legal) {
    refuse(text, source, verdict);
  }
  return config;
}

KernelConfig require_canonical_config(std::string_view text, const ConfigSource& source) {
  return parsed_or_refuse(text, source);
}

}  // namespace gemmtune
