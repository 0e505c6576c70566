#pragma once
/// Tuning for the conditions of serving (src/sweep/README.md "Serving"): an SM budget (`--sms N`:
/// every config runs on at most N SMs, the rest left to communication kernels) and batch
/// invariance (`--batch-invariant`: only configs whose every row of D is independent of M and
/// of which of those configs runs; kernels/README.md "Batch invariance"). One owner for both
/// rules: the sweep's space, the readers of tables and run folders, `merge`, `compare` and every
/// export ask these functions.
#include <optional>
#include <string>
#include <vector>

#include "core/config_space.hpp"
#include "core/kernel_config.hpp"
#include "core/legality.hpp"

namespace gemmtune {

/// What a table was tuned under besides its GPU.
struct ServingConstraints {
  /// `--sms N`: each config's persistent grid has at most N CTAs (num_sms <= N, "all" = N);
  /// nullopt: the GPU's SM count.
  std::optional<int> sms;
  /// `--batch-invariant`: only configs is_batch_invariant() accepts.
  bool batch_invariant = false;
  [[nodiscard]] bool operator==(const ServingConstraints&) const = default;
};

/// Whether `config` computes each row of D in the one summation order every such config shares
/// (K blocks in ascending order, each promoted by one FFMA into one FP32 sum): split_k 1. The
/// tile shape, stages, multicast, SM count, raster and `_k` twins do not change that order
/// (kernels/README.md "Batch invariance" says why for each knob).
[[nodiscard]] bool is_batch_invariant(const KernelConfig& config);

/// Why `config` may not run under `constraints`, one line (num_sms above the SM budget, or K
/// split in a batch-invariant table); empty when it may.
[[nodiscard]] std::string serving_violation(const KernelConfig& config,
                                            const ServingConstraints& constraints);

/// The SM budget on a GPU of `device_sm_count` SMs: `requested` when 1 <= it <= device_sm_count,
/// else throws Error(kExitUsage) with one line naming `flag`; the device's count when nullopt.
[[nodiscard]] int resolve_sm_budget(std::optional<int> requested, int device_sm_count,
                                    const std::string& flag = "--sms");

/// `configs` without those serving_violation() refuses, in order.
[[nodiscard]] std::vector<KernelConfig> allowed_configs(std::vector<KernelConfig> configs,
                                                        const ServingConstraints& constraints);

/// A config space expanded for a GPU under the constraints: what `sweep` plans from.
struct ServingSpace {
  /// The device's own limits, for legality and the cost model: every config's grid is at most
  /// sm_budget CTAs already, so waves, the last wave and multicast pairs are judged with it, while
  /// the per-SM rates stay the GPU's.
  DeviceLimits limits;
  int sm_budget = 0;                 ///< N: "all" in the space, the most SMs a config may use
  ConfigSpace space;                 ///< "all" resolved to sm_budget
  std::vector<KernelConfig> configs; ///< enumerate_configs(space) that the constraints allow
};

/// Reads `space_file` for a GPU of `device` under `constraints`: "all" is the SM budget
/// (resolve_sm_budget(), so an --sms above the device's count throws), and the configs the
/// constraints refuse (num_sms above the budget, split K when batch-invariant) are left out.
[[nodiscard]] ServingSpace serving_space(const std::string& space_file, DeviceLimits device,
                                         const ServingConstraints& constraints);

/// One line for logs and summaries: "SM budget 108, batch-invariant"; "" without constraints.
[[nodiscard]] std::string describe(const ServingConstraints& constraints);

}  // namespace gemmtune
