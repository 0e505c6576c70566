#pragma once
/// The root folder of gemmtune's on-disk caches: compiled kernels (jit/kernel_cache.hpp) and the
/// roofs measured per device (report/roofs_cache.hpp) live side by side under it.
#include <filesystem>

namespace gemmtune {

/// $GEMMTUNE_CACHE_DIR, else $XDG_CACHE_HOME/gemmtune, else $HOME/.cache/gemmtune (empty, i.e.
/// caching disabled, when none of them is set).
[[nodiscard]] std::filesystem::path cache_dir();

}  // namespace gemmtune
