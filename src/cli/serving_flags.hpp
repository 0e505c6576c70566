#pragma once
/// `--sms N` and `--batch-invariant`, the serving constraints (core/serving.hpp) of `sweep`,
/// `check` and `plan` (src/sweep/README.md "Serving").
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "core/legality.hpp"
#include "core/serving.hpp"

namespace gemmtune::cli {

/// The flags as given.
struct ServingFlags {
  std::optional<int> sms;        ///< --sms N
  bool batch_invariant = false;  ///< --batch-invariant
  [[nodiscard]] ServingConstraints constraints() const { return {sms, batch_invariant}; }
};

/// Adds --sms and --batch-invariant to `cmd`.
void add_serving_flags(CLI::App* cmd, ServingFlags& flags);

/// Throws Error(kExitUsage), one line, for an --sms below 1: refused before any work, where the
/// GPU's count (the upper bound) is not known yet.
void check_sm_budget_floor(const ServingFlags& flags);

}  // namespace gemmtune::cli
