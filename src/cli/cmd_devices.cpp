// gemmtune devices: what this machine offers (GPUs, clocks, library versions, each GPU's roofs).
// Informational: exits 0 without a GPU unless --require-gpu or --measure-roofs is given (then 3,
// like every command that needs one).
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"
#include "worker/device_roofs.hpp"

namespace gemmtune::cli {

namespace {

std::string optional_number(double value, const char* format) {
  if (value < 0) return "n/a";
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

void print_roofs(const report::RoofsLookup& lookup) {
  const report::Roofs& r = lookup.roofs;
  std::printf("  roofs: HBM %.0f GB/s, FP8 block-scaled %.0f TFLOPS, FP8 per-tensor %.0f TFLOPS: %s\n",
              r.hbm_gbps, r.fp8_block_tflops, r.fp8_tensor_tflops,
              report::roofs_provenance(r).c_str());
  std::printf("         datasheet FP8 %.0f TFLOPS: constant (%s)\n", r.fp8_datasheet_tflops,
              std::string(report::kDatasheetOrigin).c_str());
  if (!lookup.file.empty() && r.source == report::RoofSource::kMeasured) {
    std::printf("         %s %s\n", lookup.cache_hit ? "cached in" : "measured now, cached in",
                lookup.file.c_str());
  }
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

void print_text(const EnvironmentInfo& e, const std::vector<report::RoofsLookup>& roofs) {
  std::printf("gemmtune %s (%s)\n", e.tool_version.c_str(), e.git_rev.c_str());
  std::printf("driver: CUDA %s (release %s), runtime %s, NVRTC %d.%d, cuBLASLt %s\n",
              cuda_version_string(e.driver_cuda_version).c_str(),
              e.driver_release.empty() ? "n/a" : e.driver_release.c_str(),
              cuda_version_string(e.runtime_version).c_str(), e.nvrtc_major, e.nvrtc_minor,
              cublaslt_version_string(e.cublaslt_version).c_str());
  if (!e.gpu_available) {
    std::printf("no CUDA GPU found: %s\n", e.no_gpu_reason.c_str());
    std::printf("roofs: none measured; a sweep without measured roofs draws its roofline under "
                "constants (%s), labelled as such\n", std::string(report::kH200RoofsOrigin).c_str());
    return;
  }
  for (size_t i = 0; i < e.devices.size(); ++i) {
    print_device(e.devices[i]);
    print_roofs(roofs.at(i));
  }
}

}  // namespace

void register_devices(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand("devices", "List GPUs, their clocks and the CUDA library versions");
  auto json = std::make_shared<bool>(false);
  auto require = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print JSON (schema gemmtune.devices/1) instead of text");
  cmd->add_flag("--require-gpu", *require, "Exit 3 when no GPU is found (default: exit 0, informational)");
  auto measure = std::make_shared<bool>(false);
  cmd->add_flag("--measure-roofs", *measure,
                "Measure each GPU's roofs again, replacing the cached ones (exit 3 without a GPU)");
  cmd->callback([json, require, measure, &exit_code] {
    if (*require || *measure) require_gpu();  // throws Error(kExitNoGpu): one line on stderr, exit 3
    const EnvironmentInfo e = gather_environment();
    // NOTE: cached per device (report/roofs_cache.hpp); a device not yet measured is measured
    // now, a few seconds with a progress line on stderr.
    std::vector<report::RoofsLookup> roofs;
    // NOTE: devices of one key (same model, clocks, driver, cuBLASLt) share one cache file, so
    // --measure-roofs measures the first of them only; the others read what it stored (else the
    // last GPU's figures would silently replace the first's, seen on a 2-GPU H200 node).
    std::vector<report::RoofsCacheKey> measured;
    for (const DeviceInfo& d : e.devices) {
      const report::RoofsCacheKey key = roofs_cache_key(e, d);
      const bool first_of_key = std::find(measured.begin(), measured.end(), key) == measured.end();
      roofs.push_back(device_roofs(e, d, *measure && first_of_key));
      measured.push_back(key);
    }
    if (*json) {
      nlohmann::json j = e;
      j["schema"] = kDevicesSchema;
      for (size_t i = 0; i < roofs.size(); ++i) {
        j["devices"][i]["roofs"] = nlohmann::json::parse(report::to_json(roofs[i].roofs).dump());
        j["devices"][i]["roofs_cache"] = {
            {"hit", roofs[i].cache_hit},
            {"file", roofs[i].file.empty() ? nlohmann::json() : nlohmann::json(roofs[i].file.string())}};
      }
      j["constant_roofs"] = nlohmann::json::parse(report::to_json(report::Roofs{}).dump());
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      print_text(e, roofs);
    }
    // NOTE: asked to measure, a GPU left with the constants (its warning says why) is an error.
    const bool all_measured = std::all_of(roofs.begin(), roofs.end(), [](const auto& r) {
      return r.roofs.source == report::RoofSource::kMeasured;
    });
    exit_code = *measure && !all_measured ? kExitCudaError : kExitOk;
  });
}

}  // namespace gemmtune::cli
