// A device's roofs: measured by the runtime, labelled as a run records them, cached per device.
#include "worker/device_roofs.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <string>

#include "core/error.hpp"
#include "runtime/roofs_measure.hpp"

namespace gemmtune {
namespace {

/// The runtime's measurement as the report layer records it, on the device named `device_name`.
report::Roofs labelled(const MeasuredRoofs& measured, const std::string& device_name) {
  report::Roofs roofs;
  roofs.hbm_gbps = measured.hbm_gbps;
  roofs.fp8_block_tflops = measured.fp8_block_tflops;
  roofs.fp8_tensor_tflops = measured.fp8_tensor_tflops;
  roofs.source = report::RoofSource::kMeasured;
  roofs.origin.clear();
  roofs.device = device_name;
  roofs.measured_at = measured.measured_at;
  roofs.sm_clock_mhz = measured.sm_clock_mhz;
  roofs.method = measured.method;
  return roofs;
}

}  // namespace

report::RoofsCacheKey roofs_cache_key(const EnvironmentInfo& environment,
                                      const DeviceInfo& device) {
  // NOTE: NVML names the driver release; without NVML the CUDA version the driver supports is
  // the best the runtime offers.
  const std::string driver = !environment.driver_release.empty()
                                 ? environment.driver_release
                                 : "cuda" + cuda_version_string(environment.driver_cuda_version);
  return {.gpu_name = device.name,
          .max_sm_clock_mhz = device.max_sm_clock_mhz,
          .max_mem_clock_mhz = device.max_mem_clock_mhz,
          .driver = driver,
          .cublaslt = cublaslt_version_string(environment.cublaslt_version)};
}

report::RoofsLookup device_roofs(const EnvironmentInfo& environment, const DeviceInfo& device,
                                 bool remeasure) {
  try {
    return report::cached_roofs(report::RoofsCache::from_environment(),
                                roofs_cache_key(environment, device), remeasure, [&] {
                                  // NOTE: only a measurement selects the device: since CUDA 12
                                  // that creates its context, which a cache hit never needs.
                                  const CurrentDevice current(device.ordinal);
                                  return labelled(measure_roofs(), device.name);
                                });
  } catch (const std::exception& e) {
    spdlog::warn("roofs: measuring on GPU {} ({}) failed: {}; using the constant roofs",
                 device.ordinal, device.name, one_line(e.what()));
    report::RoofsLookup lookup;
    lookup.roofs.origin += "; measuring on " + device.name + " failed: " + one_line(e.what());
    return lookup;
  }
}

}  // namespace gemmtune
