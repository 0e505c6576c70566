#include "runtime/environment.hpp"

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include <nlohmann/json.hpp>

#include "core/build_info.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/driver_api.hpp"

namespace gemmtune {

namespace {

int attribute(cudaDeviceAttr attr, int ordinal) {
  int value = 0;
  GT_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, ordinal));
  return value;
}

}  // namespace

DeviceInfo query_device(int ordinal) {
  DeviceInfo d;
  d.ordinal = ordinal;
  cudaDeviceProp prop{};
  GT_CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal));
  d.name = prop.name;
  d.global_mem_bytes = static_cast<int64_t>(prop.totalGlobalMem);
  char bus_id[32] = {};
  GT_CUDA_CHECK(cudaDeviceGetPCIBusId(bus_id, sizeof(bus_id), ordinal));
  d.pci_bus_id = bus_id;
  d.cc_major = attribute(cudaDevAttrComputeCapabilityMajor, ordinal);
  d.cc_minor = attribute(cudaDevAttrComputeCapabilityMinor, ordinal);
  d.sm_count = attribute(cudaDevAttrMultiProcessorCount, ordinal);
  d.max_sm_clock_mhz = attribute(cudaDevAttrClockRate, ordinal) / 1000;         // kHz
  d.max_mem_clock_mhz = attribute(cudaDevAttrMemoryClockRate, ordinal) / 1000;  // kHz
  d.mem_bus_width_bits = attribute(cudaDevAttrGlobalMemoryBusWidth, ordinal);
  d.l2_bytes = attribute(cudaDevAttrL2CacheSize, ordinal);
  d.smem_per_block_optin_bytes = attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin, ordinal);
  d.clocks = sample_clocks(ordinal);
  return d;
}

EnvironmentInfo gather_environment() {
  EnvironmentInfo e;
  e.tool_version = GEMMTUNE_VERSION;
  e.git_rev = build_git_rev();
  if (int v = 0; cudaRuntimeGetVersion(&v) == cudaSuccess) e.runtime_version = v;
  if (int major = 0, minor = 0; nvrtcVersion(&major, &minor) == NVRTC_SUCCESS) {
    e.nvrtc_major = major;
    e.nvrtc_minor = minor;
  }
  e.cublaslt_version = static_cast<int64_t>(cublasLtGetVersion());
  e.driver_release = nvml_driver_release();
  e.gpu_available = gpu_available(&e.no_gpu_reason);
  if (!e.gpu_available) return e;
  if (int v = 0; driver_api().cuDriverGetVersion(&v) == CUDA_SUCCESS) e.driver_cuda_version = v;
  int count = 0;
  GT_CUDA_CHECK(cudaGetDeviceCount(&count));
  for (int i = 0; i < count; ++i) e.devices.push_back(query_device(i));
  return e;
}

std::string cuda_version_string(int version) {
  if (version < 0) return "n/a";
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

std::string cublaslt_version_string(int64_t version) {
  if (version < 0) return "n/a";
  return std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "." +
         std::to_string(version % 100);
}

void to_json(nlohmann::json& j, const DeviceInfo& d) {
  j = nlohmann::json{{"ordinal", d.ordinal},
                     {"name", d.name},
                     {"pci_bus_id", d.pci_bus_id},
                     {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)},
                     {"sm_count", d.sm_count},
                     {"max_sm_clock_mhz", d.max_sm_clock_mhz},
                     {"max_mem_clock_mhz", d.max_mem_clock_mhz},
                     {"mem_bus_width_bits", d.mem_bus_width_bits},
                     {"l2_bytes", d.l2_bytes},
                     {"smem_per_block_optin_bytes", d.smem_per_block_optin_bytes},
                     {"global_mem_bytes", d.global_mem_bytes},
                     {"clocks", d.clocks}};
}

void to_json(nlohmann::json& j, const EnvironmentInfo& e) {
  const auto version_or_null = [](int v) { return v >= 0 ? nlohmann::json(cuda_version_string(v)) : nlohmann::json(nullptr); };
  j = nlohmann::json{
      {"tool", {{"version", e.tool_version}, {"git_rev", e.git_rev}}},
      {"versions",
       {{"driver_cuda", version_or_null(e.driver_cuda_version)},
        {"driver_release", e.driver_release.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.driver_release)},
        {"cuda_runtime", version_or_null(e.runtime_version)},
        {"nvrtc", e.nvrtc_major >= 0 ? nlohmann::json(std::to_string(e.nvrtc_major) + "." + std::to_string(e.nvrtc_minor))
                                     : nlohmann::json(nullptr)},
        {"cublaslt", cublaslt_version_string(e.cublaslt_version)},
        {"cublaslt_raw", e.cublaslt_version}}},
      {"gpu_available", e.gpu_available},
      {"no_gpu_reason", e.gpu_available ? nlohmann::json(nullptr) : nlohmann::json(e.no_gpu_reason)},
      {"devices", e.devices}};
}

}  // namespace gemmtune
