#include "runtime/nvml.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace gemmtune {

namespace {

// NOTE: the subset of nvml.h used here, from the NVML API reference (docs.nvidia.com/deploy/nvml-api):
// nvmlReturn_t is an int enum with NVML_SUCCESS = 0; nvmlDevice_t is an opaque pointer;
// NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2, NVML_TEMPERATURE_GPU = 0.
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr int kNvmlClockSm = 1;
constexpr int kNvmlClockMem = 2;
constexpr int kNvmlTemperatureGpu = 0;

struct NvmlApi {
  bool loaded = false;
  std::string why;
  NvmlReturn (*init)() = nullptr;
  const char* (*error_string)(NvmlReturn) = nullptr;
  NvmlReturn (*device_by_pci_bus_id)(const char*, NvmlDevice*) = nullptr;
  NvmlReturn (*clock_info)(NvmlDevice, int, unsigned int*) = nullptr;
  NvmlReturn (*power_usage)(NvmlDevice, unsigned int*) = nullptr;
  NvmlReturn (*power_limit)(NvmlDevice, unsigned int*) = nullptr;
  NvmlReturn (*temperature)(NvmlDevice, int, unsigned int*) = nullptr;
  NvmlReturn (*clocks_event_reasons)(NvmlDevice, unsigned long long*) = nullptr;
  NvmlReturn (*driver_version)(char*, unsigned int) = nullptr;
};

template <typename Fn>
bool load_symbol(void* library, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  return fn != nullptr;
}

NvmlApi load_nvml() {
  NvmlApi api;
  void* library = dlopen("libnvidia-ml.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (library == nullptr) {
    api.why = "libnvidia-ml.so.1 not loadable";
    return api;
  }
  // NOTE: nvmlDeviceGetCurrentClocksEventReasons replaced ...ThrottleReasons (R535); the old name
  // remains exported, so it is the fallback for older drivers.
  const bool ok = load_symbol(library, "nvmlInit_v2", api.init) &&
                  load_symbol(library, "nvmlErrorString", api.error_string) &&
                  load_symbol(library, "nvmlDeviceGetHandleByPciBusId_v2", api.device_by_pci_bus_id) &&
                  load_symbol(library, "nvmlDeviceGetClockInfo", api.clock_info) &&
                  load_symbol(library, "nvmlDeviceGetPowerUsage", api.power_usage) &&
                  load_symbol(library, "nvmlDeviceGetEnforcedPowerLimit", api.power_limit) &&
                  load_symbol(library, "nvmlDeviceGetTemperature", api.temperature) &&
                  load_symbol(library, "nvmlSystemGetDriverVersion", api.driver_version) &&
                  (load_symbol(library, "nvmlDeviceGetCurrentClocksEventReasons", api.clocks_event_reasons) ||
                   load_symbol(library, "nvmlDeviceGetCurrentClocksThrottleReasons", api.clocks_event_reasons));
  if (!ok) {
    api.why = "libnvidia-ml.so.1 lacks an expected symbol";
    return api;
  }
  const NvmlReturn status = api.init();
  if (status != kNvmlSuccess) {
    api.why = std::string("nvmlInit failed: ") + api.error_string(status);
    return api;
  }
  api.loaded = true;
  return api;
}

const NvmlApi& nvml() {
  static const NvmlApi api = load_nvml();
  return api;
}

}  // namespace

ClockSample sample_clocks(int cuda_device) {
  ClockSample s;
  const NvmlApi& api = nvml();
  if (!api.loaded) {
    s.unavailable_reason = api.why;
    return s;
  }
  char bus_id[32] = {};
  if (cudaDeviceGetPCIBusId(bus_id, sizeof(bus_id), cuda_device) != cudaSuccess) {
    s.unavailable_reason = "cudaDeviceGetPCIBusId failed for device " + std::to_string(cuda_device);
    return s;
  }
  NvmlDevice device = nullptr;
  if (const NvmlReturn status = api.device_by_pci_bus_id(bus_id, &device); status != kNvmlSuccess) {
    s.unavailable_reason = std::string("nvmlDeviceGetHandleByPciBusId(") + bus_id + "): " + api.error_string(status);
    return s;
  }
  s.available = true;
  unsigned int value = 0;
  if (api.clock_info(device, kNvmlClockSm, &value) == kNvmlSuccess) s.sm_clock_mhz = static_cast<int>(value);
  if (api.clock_info(device, kNvmlClockMem, &value) == kNvmlSuccess) s.mem_clock_mhz = static_cast<int>(value);
  if (api.power_usage(device, &value) == kNvmlSuccess) s.power_w = value / 1000.0;
  if (api.power_limit(device, &value) == kNvmlSuccess) s.power_limit_w = value / 1000.0;
  if (api.temperature(device, kNvmlTemperatureGpu, &value) == kNvmlSuccess) s.temperature_c = static_cast<int>(value);
  unsigned long long reasons = 0;
  if (api.clocks_event_reasons(device, &reasons) == kNvmlSuccess) s.throttle_reasons = reasons;
  return s;
}

std::string nvml_driver_release() {
  const NvmlApi& api = nvml();
  char version[96] = {};
  if (!api.loaded || api.driver_version(version, sizeof(version)) != kNvmlSuccess) return {};
  return version;
}

std::vector<std::string> throttle_reason_names(uint64_t mask) {
  // NOTE: bit values of nvmlClocksEventReason* / nvmlClocksThrottleReason* (NVML API reference).
  static constexpr struct {
    uint64_t bit;
    const char* name;
  } kReasons[] = {{0x1, "gpu_idle"},         {0x2, "applications_clocks_setting"},
                  {0x4, "sw_power_cap"},     {0x8, "hw_slowdown"},
                  {0x10, "sync_boost"},      {0x20, "sw_thermal_slowdown"},
                  {0x40, "hw_thermal_slowdown"}, {0x80, "hw_power_brake_slowdown"},
                  {0x100, "display_clock_setting"}};
  std::vector<std::string> names;
  for (const auto& reason : kReasons) {
    if (mask & reason.bit) {
      names.emplace_back(reason.name);
      mask &= ~reason.bit;
    }
  }
  if (mask != 0) {
    char hex[32];
    std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(mask));
    names.emplace_back(hex);
  }
  return names;
}

void to_json(nlohmann::json& j, const ClockSample& s) {
  const auto known = [](auto v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  j = nlohmann::json{{"available", s.available},
                     {"sm_clock_mhz", known(s.sm_clock_mhz)},
                     {"mem_clock_mhz", known(s.mem_clock_mhz)},
                     {"power_w", known(s.power_w)},
                     {"power_limit_w", known(s.power_limit_w)},
                     {"temperature_c", known(s.temperature_c)},
                     {"throttle_reasons", s.available ? nlohmann::json(s.throttle_reasons) : nlohmann::json(nullptr)},
                     {"throttle_reason_names", throttle_reason_names(s.throttle_reasons)}};
  if (!s.available) j["unavailable_reason"] = s.unavailable_reason;
}

}  // namespace gemmtune
