#pragma once
/// Current clocks, power and throttle reasons from NVML, loaded at run time with
/// dlopen("libnvidia-ml.so.1"). Optional: without NVML every sample says why it is unavailable.
/// Why it matters: FP8 GEMMs hit the power cap and the SM clock drops from 1980 to ~1300 MHz
/// (an H200 at 700 W), so every measurement carries the clocks it ran at.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gemmtune {

/// One reading of a GPU's operating point. Values are -1 when unknown.
struct ClockSample {
  bool available = false;
  std::string unavailable_reason;  ///< why not, when !available
  int sm_clock_mhz = -1;
  int mem_clock_mhz = -1;
  double power_w = -1.0;
  double power_limit_w = -1.0;     ///< enforced power limit
  int temperature_c = -1;
  uint64_t throttle_reasons = 0;   ///< nvmlClocksEventReason* bit mask
};

/// Reads the clocks of CUDA device `cuda_device` (matched to NVML through its PCI bus id, so
/// CUDA_VISIBLE_DEVICES reordering is harmless). Never throws.
[[nodiscard]] ClockSample sample_clocks(int cuda_device);

/// The driver release as NVML reports it, e.g. "580.159.04"; empty when NVML is unavailable.
[[nodiscard]] std::string nvml_driver_release();

/// Names of the bits set in a throttle-reason mask, e.g. {"sw_power_cap"}; unknown bits as hex.
[[nodiscard]] std::vector<std::string> throttle_reason_names(uint64_t mask);

/// JSON with null for unknown values and the throttle reasons by name.
void to_json(nlohmann::json& j, const ClockSample& sample);

}  // namespace gemmtune
