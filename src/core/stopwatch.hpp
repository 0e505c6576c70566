#pragma once
/// Wall time since a steady_clock time point, in seconds: the one expression every timed phase
/// (compile, cuBLASLt search and screening, sweep progress) uses.
#include <chrono>

namespace gemmtune {

[[nodiscard]] inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace gemmtune
