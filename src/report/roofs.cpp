// The roofs object: writing, reading (old files included), the provenance line.
#include "report/roofs.hpp"

#include <fmt/format.h>

#include <utility>

namespace gemmtune::report {
namespace {

// NOTE: what make_env_json wrote as `source` before roofs were measured.
constexpr std::string_view kLegacySource = "shared/DEVICE.md, measured on an H200";

}  // namespace

std::string_view to_string(RoofSource source) {
  return source == RoofSource::kMeasured ? "measured" : "constant";
}

Json to_json(const Roofs& roofs) {
  Json j = {{"hbm_gbps", roofs.hbm_gbps},
            {"fp8_block_tflops", roofs.fp8_block_tflops},
            {"fp8_tensor_tflops", roofs.fp8_tensor_tflops},
            {"fp8_datasheet_tflops", roofs.fp8_datasheet_tflops},
            {"source", std::string(to_string(roofs.source))}};
  if (roofs.source == RoofSource::kMeasured) {
    j["device"] = roofs.device;
    j["measured_at"] = roofs.measured_at;
    j["sm_clock_mhz"] = roofs.sm_clock_mhz >= 0 ? Json(roofs.sm_clock_mhz) : Json();
  } else {
    j["origin"] = roofs.origin;
  }
  j["datasheet_source"] = std::string(to_string(RoofSource::kConstant));
  j["datasheet_origin"] = std::string(kDatasheetOrigin);
  if (roofs.source == RoofSource::kMeasured && !roofs.method.is_null()) j["method"] = roofs.method;
  return j;
}

Roofs parse_roofs(const Json& j, const JsonAt& at) {
  if (!j.is_object()) at.fail("expected an object");
  Roofs roofs;
  roofs.hbm_gbps = require_number(j, "hbm_gbps", at);
  roofs.fp8_block_tflops = require_number(j, "fp8_block_tflops", at);
  roofs.fp8_tensor_tflops = require_number(j, "fp8_tensor_tflops", at);
  roofs.fp8_datasheet_tflops = require_number(j, "fp8_datasheet_tflops", at);
  const std::pair<const char*, double> figures[] = {
      {"hbm_gbps", roofs.hbm_gbps},
      {"fp8_block_tflops", roofs.fp8_block_tflops},
      {"fp8_tensor_tflops", roofs.fp8_tensor_tflops},
      {"fp8_datasheet_tflops", roofs.fp8_datasheet_tflops}};
  for (const auto& [key, value] : figures) {
    // NOTE: the roofline divides by them and draws them on log axes.
    if (!(value > 0.0)) (at / key).fail("must be positive");
  }
  const std::string source = optional_string(j, "source", at);
  if (source == to_string(RoofSource::kMeasured)) {
    roofs.source = RoofSource::kMeasured;
    roofs.origin.clear();
    roofs.device = require_string(j, "device", at);
    roofs.measured_at = optional_string(j, "measured_at", at);
    roofs.sm_clock_mhz = static_cast<int>(optional_number(j, "sm_clock_mhz", at).value_or(-1.0));
    if (j.contains("method")) roofs.method = j.at("method");
  } else if (source.empty() || source == kLegacySource) {
    roofs.origin = kH200RoofsOrigin;
  } else if (source == to_string(RoofSource::kConstant)) {
    roofs.origin = optional_string(j, "origin", at, std::string(kH200RoofsOrigin));
  } else {
    (at / "source").fail("expected \"measured\" or \"constant\", found \"" + source + "\"");
  }
  return roofs;
}

std::string roofs_provenance(const Roofs& roofs) {
  if (roofs.source == RoofSource::kConstant) {
    return "constants, not measured on this run's GPU (" + roofs.origin + ")";
  }
  std::string text = "measured on " + roofs.device;
  if (!roofs.measured_at.empty()) text += " at " + roofs.measured_at;
  if (roofs.sm_clock_mhz >= 0) text += fmt::format(" (SM clock {} MHz)", roofs.sm_clock_mhz);
  return text;
}

}  // namespace gemmtune::report
