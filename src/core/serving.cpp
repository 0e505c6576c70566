// The serving constraints: the SM budget and batch invariance.
#include "core/serving.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace gemmtune {

bool is_batch_invariant(const KernelConfig& config) {
  // NOTE: split-K sums each tile's K splits as FP32 partials (in split order, so every run is
  // bit-identical), a different rounding from the one FP32 sum over all K blocks of split_k 1.
  return config.split_k == 1;
}

std::string serving_violation(const KernelConfig& config, const ServingConstraints& constraints) {
  if (constraints.sms && config.num_sms > *constraints.sms) {
    return fmt::format("num_sms {} is over the table's SM budget of {}", config.num_sms,
                       *constraints.sms);
  }
  if (constraints.batch_invariant && !is_batch_invariant(config)) {
    return fmt::format("split_k {} splits K, which a batch-invariant table forbids (the sum of "
                       "its FP32 partials rounds differently from one sum over K)",
                       config.split_k);
  }
  return "";
}

int resolve_sm_budget(std::optional<int> requested, int device_sm_count,
                      const std::string& flag) {
  if (!requested) return device_sm_count;
  if (*requested < 1 || *requested > device_sm_count) {
    throw Error(kExitUsage, fmt::format("{} {}: expected 1 <= N <= {} (the GPU's SMs)", flag,
                                        *requested, device_sm_count));
  }
  return *requested;
}

std::vector<KernelConfig> allowed_configs(std::vector<KernelConfig> configs,
                                          const ServingConstraints& constraints) {
  std::erase_if(configs, [&](const KernelConfig& c) {
    return !serving_violation(c, constraints).empty();
  });
  return configs;
}

ServingSpace serving_space(const std::string& space_file, DeviceLimits device,
                           const ServingConstraints& constraints) {
  const int sm_budget = resolve_sm_budget(constraints.sms, device.sm_count);
  ConfigSpace space = load_config_space(space_file, sm_budget);
  // NOTE: the device's SM count bounds num_sms in legality already; the budget only when given.
  std::vector<KernelConfig> configs = allowed_configs(enumerate_configs(space), constraints);
  return {.limits = device, .sm_budget = sm_budget, .space = std::move(space),
          .configs = std::move(configs)};
}

std::string describe(const ServingConstraints& constraints) {
  std::string text;
  if (constraints.sms) text = fmt::format("SM budget {}", *constraints.sms);
  if (constraints.batch_invariant) text += text.empty() ? "batch-invariant" : ", batch-invariant";
  return text;
}

}  // namespace gemmtune
