// UTC timestamps (core/utc_time.hpp).
#include "core/utc_time.hpp"

#include <ctime>

namespace gemmtune {

std::string utc_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace gemmtune
