#pragma once
/// The roofs measured on a device, cached on disk so that each device model, clock, driver and
/// cuBLASLt combination is measured once (src/runtime/README.md "Roofs"). Host-only: the
/// measurement itself is a function the caller passes (runtime/roofs_measure.hpp), so host tests
/// drive the cache with a stand-in.
///
///   <root>/roofs-v1/<stem>.json   {"schema": "gemmtune.roofs_cache/1", "key": {...}, "roofs": {...}}
///
/// <root> is core/cache_dir.hpp's, the kernel cache's root (whose clear() leaves this folder
/// alone: it is not a "v<N>-<arch>" folder). A file is written to a temporary name and
/// rename()d into place, so readers never see half a file and concurrent writers of one key
/// all succeed. A file that does not parse, or whose key differs, is re-measured with a warning.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "report/json_fields.hpp"
#include "report/roofs.hpp"

namespace gemmtune::report {

/// Schema of a cache file.
inline constexpr const char* kRoofsCacheSchema = "gemmtune.roofs_cache/1";

/// What makes two measurements interchangeable: the same GPU model at the same maximum clocks,
/// driver and cuBLASLt. (Another card of the same model reads the cached figures.)
struct RoofsCacheKey {
  std::string gpu_name;       ///< e.g. "NVIDIA H200"
  int max_sm_clock_mhz = 0;
  int max_mem_clock_mhz = 0;
  std::string driver;         ///< driver release, e.g. "580.159.04"
  std::string cublaslt;       ///< e.g. "13.1.0"
  [[nodiscard]] bool operator==(const RoofsCacheKey&) const = default;
};

/// The key as an object of its five fields.
[[nodiscard]] Json to_json(const RoofsCacheKey& key);
/// The file name stem of `key`: its fields joined, every character outside [A-Za-z0-9.] made
/// '_', e.g. "NVIDIA_H200-sm1980-mem3201-drv580.159.04-lt13.1.0". Readable, and a file's own
/// `key` member settles what sanitizing may have merged.
[[nodiscard]] std::string file_stem(const RoofsCacheKey& key);

/// What load() found.
struct RoofsCacheRead {
  std::optional<Roofs> roofs;  ///< a measured set; nullopt on a miss
  std::string corrupt;         ///< why the file is unusable; empty on a hit or a missing file
};

/// The cache folder; cheap to copy. A default-constructed cache is disabled.
class RoofsCache {
 public:
  RoofsCache() = default;
  /// Files under <root>/roofs-v1 (created on the first store).
  explicit RoofsCache(std::filesystem::path root);
  /// The cache under core/cache_dir.hpp's cache_dir(); disabled when that is empty.
  [[nodiscard]] static RoofsCache from_environment();

  [[nodiscard]] bool enabled() const { return !dir_.empty(); }
  /// The file of `key`; empty when disabled.
  [[nodiscard]] std::filesystem::path file_for(const RoofsCacheKey& key) const;
  /// The measured roofs cached for `key`. Never throws: a missing file is a plain miss; an
  /// unreadable, malformed or mismatched one a miss that says why in `corrupt`.
  [[nodiscard]] RoofsCacheRead load(const RoofsCacheKey& key) const;
  /// Publishes `roofs` for `key` atomically. Never throws: false with *why on failure.
  bool store(const RoofsCacheKey& key, const Roofs& roofs, std::string* why) const;

 private:
  std::filesystem::path dir_;
};

/// What cached_roofs() returns.
struct RoofsLookup {
  Roofs roofs;
  bool cache_hit = false;
  std::filesystem::path file;  ///< the cache file; empty when caching is disabled
};

/// The roofs for `key`: the cached ones, else `measure()`'s, which are then stored.
/// `remeasure` measures even when a cached set exists (`devices --measure-roofs`). A corrupt
/// file costs one warning and a measurement; a store that fails, one warning. What measure()
/// throws propagates (the caller decides the fallback).
[[nodiscard]] RoofsLookup cached_roofs(const RoofsCache& cache, const RoofsCacheKey& key,
                                       bool remeasure, const std::function<Roofs()>& measure);

}  // namespace gemmtune::report
