#pragma once
/// Config spaces: JSON files giving the values of each KernelConfig axis
/// (configs/README.md "Config spaces"). The space is their Cartesian product; the legality
/// model later removes what the kernel cannot run for a given problem. Example
/// (configs/spaces/quick.json):
///   {"name": "quick", "block_m": [64, 128], "block_n": [64, 128], "stages": [4, 6],
///    "multicast": ["none", "A"], "num_sms": ["all"], "raster": ["N"], "group": [8],
///    "split_k": [1, 2]}
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/kernel_config.hpp"
#include "core/legality.hpp"

namespace gemmtune {

/// Largest number of configs a space may enumerate (one sweep stays tractable).
inline constexpr int64_t kMaxConfigSpaceSize = 1'000'000;

/// The values of each axis, in file order, without duplicates.
struct ConfigSpace {
  std::string name;         ///< the space's "name"
  std::string description;  ///< the space's "description", empty when absent
  std::string path;         ///< the file it was read from
  std::vector<int> block_m;
  std::vector<int> block_n;
  std::vector<int> stages;
  std::vector<Multicast> multicast;
  std::vector<int> num_sms;  ///< "all" already resolved to the device's SM count
  std::vector<Raster> raster;
  std::vector<int> group;
  std::vector<int> split_k;

  /// Lengths of the eight axes, in KernelConfig field order.
  [[nodiscard]] std::array<size_t, 8> axis_lengths() const;
  /// Number of configs the space enumerates (the product of the axis lengths).
  [[nodiscard]] int64_t size() const;
};

/// Reads a config space; "all" in num_sms becomes `device_sm_count`. Every axis is required;
/// integers must be positive, multicast one of "none"/"A"/"B", raster "M"/"N"/"G". Throws
/// Error(kExitUsage) with one line naming file, JSON path and problem; unknown keys warn.
[[nodiscard]] ConfigSpace load_config_space(const std::string& path,
                                            int device_sm_count = kH200SmCount);

/// Every config of the space, the last axis (split_k) varying fastest.
[[nodiscard]] std::vector<KernelConfig> enumerate_configs(const ConfigSpace& space);
/// `configs` built for `layout`: the space's knobs are the same for every op, so a grouped
/// problem's candidates are the space's configs with the problem's layout.
[[nodiscard]] std::vector<KernelConfig> with_layout(std::vector<KernelConfig> configs,
                                                    GroupLayout layout);

}  // namespace gemmtune
