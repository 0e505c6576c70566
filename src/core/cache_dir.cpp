#include "core/cache_dir.hpp"

#include <cstdlib>

namespace gemmtune {

std::filesystem::path cache_dir() {
  if (const char* dir = std::getenv("GEMMTUNE_CACHE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "gemmtune";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "gemmtune";
  }
  return {};
}

}  // namespace gemmtune
