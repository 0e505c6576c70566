// --sms and --batch-invariant.
#include "cli/serving_flags.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace gemmtune::cli {

void add_serving_flags(CLI::App* cmd, ServingFlags& flags) {
  cmd->add_option("--sms", flags.sms,
                  "SM budget: every config runs on at most N SMs (\"all\" in the space is N, "
                  "legality and the cost model judge waves with N), the others left to kernels "
                  "beside it (1 <= N <= the GPU's SMs); recorded in env.json and the table");
  cmd->add_flag("--batch-invariant", flags.batch_invariant,
                "only configs that keep each row of D independent of M and of the config "
                "chosen (split_k 1, kernels/README.md \"Batch invariance\"); the table is "
                "marked batch_invariant");
}

void check_sm_budget_floor(const ServingFlags& flags) {
  if (flags.sms && *flags.sms < 1) {
    throw Error(kExitUsage, fmt::format("--sms {}: expected 1 <= N <= the GPU's SMs", *flags.sms));
  }
}

}  // namespace gemmtune::cli
