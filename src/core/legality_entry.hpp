#pragma once
/// The one legality check for configs read from files and flags: tuning tables, run folders,
/// exports (every format and the bundle), compare, check, `accuracy --config` and `compile
/// --config`. A config text is accepted only in canonical form (what to_string() writes, so a
/// text such as `../../x` never becomes a file name or a kernel symbol) and only when the rules
/// of core/legality.hpp allow it: for its problem where one is known, else the rules about the
/// config alone plus those a config's own K and split-K imply; measurements already recorded are
/// held to every rule but the register budget (RuleSet). A refused config throws
/// Error(kExitUsage) naming the file, the entry, the config and the rule.
#include <optional>
#include <string>
#include <string_view>

#include "core/kernel_config.hpp"
#include "core/legality.hpp"
#include "core/problem.hpp"

namespace gemmtune {

/// Rule id of a config text that does not parse or is not in canonical form.
inline constexpr std::string_view kConfigSyntaxRule = "config_syntax";

/// Where a config was read, for error messages: a file (or a flag, `--config`) and the entry in
/// it (a JSON path, a line), either may be empty.
struct ConfigSource {
  std::string file;
  std::string entry;
};

/// `text` parsed, or a verdict of rule kConfigSyntaxRule: it does not parse, or it is not the
/// canonical form of what it parses to (leading zeros, a `+`, other spellings).
struct ParsedConfig {
  std::optional<KernelConfig> config;
  Legality verdict;
};
[[nodiscard]] ParsedConfig parse_canonical_config(std::string_view text);

/// The rules about the config alone (check_config_alone()), then those a config implies without a
/// problem: split_k in [1, kMaxSplitK] (split_k_range); a member compiled for K (`_kNNNN`) needs
/// a K that is a multiple of 16 (k_alignment).
[[nodiscard]] Legality check_config_standalone(const KernelConfig& config,
                                               const DeviceLimits& limits);

/// `text` parsed, canonical and legal for `problem` (check_legality() with `rules`); else throws
/// Error(kExitUsage) `FILE: ENTRY: config "TEXT": RULE: REASON`.
KernelConfig require_legal_config(std::string_view text, const ConfigSource& source,
                                  const Problem& problem, const DeviceLimits& limits = {},
                                  RuleSet rules = RuleSet::kAll);

/// A config recorded with a measurement (a tuning table's entry, a run folder's record): as
/// require_legal_config() without the register budget (RuleSet) and without the measuring
/// GPU's own limits (SM count, memory), which only a command that has the GPU can judge.
KernelConfig require_recorded_config(std::string_view text, const ConfigSource& source,
                                     const Problem& problem);

/// `text` parsed, canonical and legal by check_config_standalone(); else throws as above.
KernelConfig require_legal_config_alone(std::string_view text, const ConfigSource& source,
                                        const DeviceLimits& limits = {});

/// `text` parsed and canonical (a record of a config that was skipped, which need not be legal
/// here); else throws as above.
KernelConfig require_canonical_config(std::string_view text, const ConfigSource& source);

}  // namespace gemmtune
