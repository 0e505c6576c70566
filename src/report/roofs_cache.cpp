// The per-device roofs cache: file names, atomic writes, corrupt files, the lookup policy.
#include "report/roofs_cache.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <system_error>

#include "core/atomic_file.hpp"
#include "core/cache_dir.hpp"
#include "core/error.hpp"
#include "core/stopwatch.hpp"

namespace gemmtune::report {
namespace fs = std::filesystem;
namespace {

/// Folder under the cache root; bump the number when the file format changes incompatibly.
constexpr const char* kRoofsFolder = "roofs-v1";

std::string name_safe(const std::string& text) {
  std::string safe = text;
  for (char& c : safe) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.';
    if (!keep) c = '_';
  }
  // NOTE: "." and ".." (a driver string of dots) must not name a folder entry.
  return safe.find_first_not_of('.') == std::string::npos ? "_" + safe : safe;
}

RoofsCacheKey parse_key(const Json& j, const JsonAt& at) {
  return {.gpu_name = require_string(j, "gpu_name", at),
          .max_sm_clock_mhz = static_cast<int>(require_number(j, "max_sm_clock_mhz", at)),
          .max_mem_clock_mhz = static_cast<int>(require_number(j, "max_mem_clock_mhz", at)),
          .driver = require_string(j, "driver", at),
          .cublaslt = require_string(j, "cublaslt", at)};
}

}  // namespace

Json to_json(const RoofsCacheKey& key) {
  return {{"gpu_name", key.gpu_name},
          {"max_sm_clock_mhz", key.max_sm_clock_mhz},
          {"max_mem_clock_mhz", key.max_mem_clock_mhz},
          {"driver", key.driver},
          {"cublaslt", key.cublaslt}};
}

std::string file_stem(const RoofsCacheKey& key) {
  return fmt::format("{}-sm{}-mem{}-drv{}-lt{}", name_safe(key.gpu_name), key.max_sm_clock_mhz,
                     key.max_mem_clock_mhz, name_safe(key.driver), name_safe(key.cublaslt));
}

RoofsCache::RoofsCache(fs::path root) : dir_(root.empty() ? fs::path() : root / kRoofsFolder) {}

RoofsCache RoofsCache::from_environment() { return RoofsCache(cache_dir()); }

fs::path RoofsCache::file_for(const RoofsCacheKey& key) const {
  return enabled() ? dir_ / (file_stem(key) + ".json") : fs::path();
}

RoofsCacheRead RoofsCache::load(const RoofsCacheKey& key) const {
  RoofsCacheRead read;
  if (!enabled()) return read;
  const fs::path file = file_for(key);
  std::error_code ec;
  if (!fs::exists(file, ec)) return read;
  try {
    const Json j = read_json_file(file.string());
    const JsonAt at{file.string()};
    const std::string schema = require_string(j, "schema", at);
    if (schema != kRoofsCacheSchema) (at / "schema").fail("unsupported schema \"" + schema + "\"");
    if (parse_key(require_member(j, "key", at), at / "key") != key) {
      (at / "key").fail("names another device (" + require_member(j, "key", at).dump() + ")");
    }
    Roofs roofs = parse_roofs(require_member(j, "roofs", at), at / "roofs");
    if (roofs.source != RoofSource::kMeasured) (at / "roofs" / "source").fail("not measured");
    read.roofs = std::move(roofs);
  } catch (const std::exception& e) {
    read.corrupt = e.what();
  }
  return read;
}

bool RoofsCache::store(const RoofsCacheKey& key, const Roofs& roofs, std::string* why) const {
  if (!enabled()) {
    if (why != nullptr) *why = "caching is disabled (none of GEMMTUNE_CACHE_DIR, XDG_CACHE_HOME, HOME is set)";
    return false;
  }
  const Json j = {{"schema", kRoofsCacheSchema}, {"key", to_json(key)}, {"roofs", to_json(roofs)}};
  try {
    fs::create_directories(dir_);
    // NOTE: readers see the old file or the new one (core/atomic_file.hpp).
    write_file_atomically(file_for(key), j.dump(2) + "\n");
    return true;
  } catch (const std::exception& e) {
    if (why != nullptr) *why = e.what();
    return false;
  }
}

RoofsLookup cached_roofs(const RoofsCache& cache, const RoofsCacheKey& key, bool remeasure,
                         const std::function<Roofs()>& measure) {
  RoofsLookup lookup;
  lookup.file = cache.file_for(key);
  if (!remeasure) {
    RoofsCacheRead read = cache.load(key);
    if (read.roofs) {
      lookup.roofs = std::move(*read.roofs);
      lookup.cache_hit = true;
      return lookup;
    }
    if (!read.corrupt.empty()) {
      spdlog::warn("roofs cache: {}; measuring again", one_line(read.corrupt));
    }
  }
  spdlog::info("roofs: measuring on {} (HBM copy, cuBLASLt FP8 per-tensor and block-scaled; a "
               "few seconds){}",
               key.gpu_name, cache.enabled() ? ", cached in " + lookup.file.string() : "");
  const auto start = std::chrono::steady_clock::now();
  lookup.roofs = measure();
  spdlog::info("roofs: HBM {:.0f} GB/s, FP8 block-scaled {:.0f} TFLOPS, FP8 per-tensor {:.0f} "
               "TFLOPS ({:.1f} s)",
               lookup.roofs.hbm_gbps, lookup.roofs.fp8_block_tflops,
               lookup.roofs.fp8_tensor_tflops, seconds_since(start));
  if (lookup.roofs.source != RoofSource::kMeasured || !cache.enabled()) return lookup;
  if (std::string why; !cache.store(key, lookup.roofs, &why)) {
    spdlog::warn("roofs cache: cannot write {} ({}); the roofs will be measured again next time",
                 lookup.file.string(), one_line(why));
  }
  return lookup;
}

}  // namespace gemmtune::report
