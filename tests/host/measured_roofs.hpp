#pragma once
// A measured roofs set for tests (the host tests and the fake worker's --measured-roofs): figures
// unlike the H200 constants (report::Roofs{}), so a test can tell which set reached an output.
#include <string>

#include "report/roofs.hpp"

namespace gemmtune::test {

inline report::Roofs measured_roofs(const std::string& device = "NVIDIA H100 80GB HBM3",
                                    double hbm_gbps = 3350.0) {
  report::Roofs r;
  r.hbm_gbps = hbm_gbps;
  r.fp8_block_tflops = 901.0;
  r.fp8_tensor_tflops = 1201.0;
  r.source = report::RoofSource::kMeasured;
  r.origin.clear();
  r.device = device;
  r.measured_at = "2026-11-23T12:00:00Z";
  r.sm_clock_mhz = 1980;
  return r;
}

}  // namespace gemmtune::test
