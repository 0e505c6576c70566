// gemmtune devices: what this machine offers (GPUs, clocks, library versions). Informational: exits
// 0 without a GPU unless --require-gpu is given (then 3, like every command that needs one).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"

namespace gemmtune::cli {

namespace {

std::string optional_number(double value, const char* format) {
  if (value < 0) return "n/a";
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

void print_device(const DeviceInfo& d) {
  std::printf("GPU %d: %s (sm_%d%d, %d SMs, PCI %s)\n", d.ordinal, d.name.c_str(), d.cc_major, d.cc_minor,
              d.sm_count, d.pci_bus_id.c_str());
  std::printf("  max clocks: SM %d MHz, memory %d MHz, %d-bit bus\n", d.max_sm_clock_mhz, d.max_mem_clock_mhz,
              d.mem_bus_width_bits);
  const ClockSample& c = d.clocks;
  if (c.available) {
    std::string reasons;
    for (const std::string& name : throttle_reason_names(c.throttle_reasons)) {
      reasons += (reasons.empty() ? "" : ",") + name;
    }
    std::printf("  now: SM %s MHz, memory %s MHz, power %s W of %s W, %s C, clock event reasons: %s\n",
                optional_number(c.sm_clock_mhz, "%.0f").c_str(), optional_number(c.mem_clock_mhz, "%.0f").c_str(),
                optional_number(c.power_w, "%.1f").c_str(), optional_number(c.power_limit_w, "%.0f").c_str(),
                optional_number(c.temperature_c, "%.0f").c_str(), reasons.empty() ? "none" : reasons.c_str());
  } else {
    std::printf("  now: n/a (%s)\n", c.unavailable_reason.c_str());
  }
  std::printf("  memory: %.1f GiB global, %.1f MiB L2, %lld bytes shared per block (opt-in)\n",
              static_cast<double>(d.global_mem_bytes) / (1 << 30), static_cast<double>(d.l2_bytes) / (1 << 20),
              static_cast<long long>(d.smem_per_block_optin_bytes));
}

void print_text(const EnvironmentInfo& e) {
  std::printf("gemmtune %s (%s)\n", e.tool_version.c_str(), e.git_rev.c_str());
  std::printf("driver: CUDA %s (release %s), runtime %s, NVRTC %d.%d, cuBLASLt %s\n",
              cuda_version_string(e.driver_cuda_version).c_str(),
              e.driver_release.empty() ? "n/a" : e.driver_release.c_str(),
              cuda_version_string(e.runtime_version).c_str(), e.nvrtc_major, e.nvrtc_minor,
              cublaslt_version_string(e.cublaslt_version).c_str());
  if (!e.gpu_available) {
    std::printf("no CUDA GPU found: %s\n", e.no_gpu_reason.c_str());
    return;
  }
  for (const DeviceInfo& d : e.devices) print_device(d);
}

}  // namespace

void register_devices(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand("devices", "List GPUs, their clocks and the CUDA library versions");
  auto json = std::make_shared<bool>(false);
  auto require = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print JSON (schema gemmtune.devices/1) instead of text");
  cmd->add_flag("--require-gpu", *require, "Exit 3 when no GPU is found (default: exit 0, informational)");
  cmd->callback([json, require, &exit_code] {
    if (*require) require_gpu();  // throws Error(kExitNoGpu): one line on stderr, exit 3
    const EnvironmentInfo e = gather_environment();
    if (*json) {
      nlohmann::json j = e;
      j["schema"] = kDevicesSchema;
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      print_text(e);
    }
    exit_code = kExitOk;
  });
}

}  // namespace gemmtune::cli
