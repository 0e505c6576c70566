#pragma once
/// A device's roofs as a run records them (report/roofs.hpp): measured on the GPU by the runtime
/// (runtime/roofs_measure.hpp), labelled, and cached per device model, clocks, driver and
/// cuBLASLt (report/roofs_cache.hpp). It lives in the worker layer, which links both the runtime
/// and the report layer, so that neither of those includes the other.
#include "report/roofs.hpp"
#include "report/roofs_cache.hpp"
#include "runtime/environment.hpp"

namespace gemmtune {

/// The roofs cache key of `device` under `environment`'s driver and cuBLASLt.
[[nodiscard]] report::RoofsCacheKey roofs_cache_key(const EnvironmentInfo& environment,
                                                    const DeviceInfo& device);

/// The roofs of `device` (one of environment.devices): cached, else measured on it (a progress
/// line on stderr) and cached; `remeasure` measures even when cached. A failed measurement is
/// a warning and the labelled constants (report::Roofs{}, with the reason in `origin`), never
/// cached. Leaves the current device as it was.
[[nodiscard]] report::RoofsLookup device_roofs(const EnvironmentInfo& environment,
                                               const DeviceInfo& device, bool remeasure);

}  // namespace gemmtune
