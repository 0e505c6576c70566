#pragma once
/// What a measurement ran on: tool version, library versions and every visible GPU with its
/// clocks. Printed by `gemmtune devices` and embedded in every result (self-describing output).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/nvml.hpp"

namespace gemmtune {

/// Schema of `gemmtune devices --json`.
inline constexpr const char* kDevicesSchema = "gemmtune.devices/1";

/// Static properties of one CUDA device (cudaDeviceGetAttribute) plus a clock sample.
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  std::string pci_bus_id;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  int max_sm_clock_mhz = 0;
  int max_mem_clock_mhz = 0;
  int mem_bus_width_bits = 0;
  int64_t l2_bytes = 0;
  int64_t smem_per_block_optin_bytes = 0;
  int64_t global_mem_bytes = 0;
  ClockSample clocks;
};

/// Versions are -1 (numbers) or empty (strings) when unknown.
struct EnvironmentInfo {
  std::string tool_version;        ///< GEMMTUNE_VERSION
  std::string git_rev;             ///< build_git_rev()
  bool gpu_available = false;
  std::string no_gpu_reason;
  int driver_cuda_version = -1;    ///< CUDA version the driver supports, e.g. 13000
  std::string driver_release;      ///< e.g. "580.159.04" (NVML)
  int runtime_version = -1;        ///< cudart, e.g. 13000
  int nvrtc_major = -1, nvrtc_minor = -1;
  int64_t cublaslt_version = -1;   ///< cublasLtGetVersion(), e.g. 130100
  std::vector<DeviceInfo> devices;
};

/// Gathers everything; never throws for a missing GPU or NVML (the fields say why).
[[nodiscard]] EnvironmentInfo gather_environment();

/// Properties of one device (needs a GPU).
[[nodiscard]] DeviceInfo query_device(int ordinal);

/// "13.0" from 13000 (cudart/driver encoding 1000 * major + 10 * minor); "n/a" for -1.
[[nodiscard]] std::string cuda_version_string(int version);
/// "13.1.0" from cublasLtGetVersion()'s 130100; "n/a" for -1.
[[nodiscard]] std::string cublaslt_version_string(int64_t version);

void to_json(nlohmann::json& j, const DeviceInfo& device);
/// The environment as embedded in results (no schema key; `devices --json` adds it).
void to_json(nlohmann::json& j, const EnvironmentInfo& environment);

}  // namespace gemmtune
