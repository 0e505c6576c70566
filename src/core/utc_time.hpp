#pragma once
/// The one clock of gemmtune's records: UTC wall time as ISO 8601 text (run records, env.json's
/// started_at, accuracy.json, check folders).
#include <string>

namespace gemmtune {

/// Current UTC time as "2026-11-21T10:15:00Z".
[[nodiscard]] std::string utc_timestamp_now();

}  // namespace gemmtune
