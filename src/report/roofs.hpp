#pragma once
/// The ceilings a roofline is drawn under, and where each figure comes from (src/runtime/README.md
/// "Roofs").
///
/// Three roofs describe the device: the HBM copy bandwidth, cuBLASLt FP8 block-scaled and FP8
/// per-tensor throughput at 8192^3. They are either measured on the GPU a run used
/// (runtime/roofs_measure.hpp, cached per device by report/roofs_cache.hpp) or, where nothing
/// was measured (no GPU, the fake worker, run folders written before roofs were measured), the
/// constants below, labelled as such. The fourth, the datasheet FP8 peak, is always a constant.
#include <string>
#include <string_view>

#include "report/json_fields.hpp"

namespace gemmtune::report {

/// Where the three device roofs come from.
enum class RoofSource { kConstant, kMeasured };

/// Where the default figures of Roofs come from.
inline constexpr std::string_view kH200RoofsOrigin =
    "one NVIDIA H200 SXM: device-to-device copy, cuBLASLt FP8 at 8192^3";
/// Where fp8_datasheet_tflops comes from; it is never measured.
inline constexpr std::string_view kDatasheetOrigin =
    "NVIDIA H100/H200 SXM datasheet, dense FP8 without sparsity";

/// The roofs of one run. The defaults are an H200's figures (kH200RoofsOrigin), source kConstant.
struct Roofs {
  double hbm_gbps = 4297.0;              ///< device-to-device copy, read + write bytes
  double fp8_block_tflops = 1093.0;      ///< cuBLASLt FP8 1x128/128x128 block-scaled, 8192^3
  double fp8_tensor_tflops = 1379.0;     ///< cuBLASLt FP8 per-tensor scales, 8192^3
  double fp8_datasheet_tflops = 1979.0;  ///< datasheet dense FP8 (kDatasheetOrigin), a constant
  /// Provenance of hbm_gbps, fp8_block_tflops and fp8_tensor_tflops (measured as one set).
  RoofSource source = RoofSource::kConstant;
  std::string origin{kH200RoofsOrigin};  ///< kConstant: where the figures come from
  std::string device;                    ///< kMeasured: the GPU's name
  std::string measured_at;               ///< kMeasured: UTC, "2026-11-23T10:15:00Z"
  int sm_clock_mhz = -1;                 ///< kMeasured: NVML SM clock after the FP8 timings
  Json method;                           ///< kMeasured: protocol and timings, free form
  [[nodiscard]] bool operator==(const Roofs&) const = default;
};

/// "measured" or "constant".
[[nodiscard]] std::string_view to_string(RoofSource source);

/// The `roofs` object of env.json and of the roofs cache (src/runtime/README.md "Roofs": the
/// fields).
[[nodiscard]] Json to_json(const Roofs& roofs);

/// Parses a `roofs` object. Files written before roofs were measured have no `source` (or the
/// text "shared/DEVICE.md, measured on an H200"): they are the H200 constants. A measured set
/// must name its device. Throws an input error naming `at` otherwise.
[[nodiscard]] Roofs parse_roofs(const Json& j, const JsonAt& at);

/// One line saying where the device roofs come from, e.g. "measured on NVIDIA H200 at
/// 2026-11-23T10:15:00Z (SM clock 1980 MHz)" or "constants, not measured on this run's GPU
/// (one NVIDIA H200 SXM: ...)".
[[nodiscard]] std::string roofs_provenance(const Roofs& roofs);

}  // namespace gemmtune::report
