#pragma once
/// The on-disk cache of compiled kernels (src/jit/README.md "Cache").
///
///   <root>/v<format>-<arch>/<key>/kernel.cubin   (absent for a failed compile)
///   <root>/v<format>-<arch>/<key>/meta.json      (kernel name, ok, ptxas report, log, cubin size+hash)
///
/// <root> is $GEMMTUNE_CACHE_DIR, else $XDG_CACHE_HOME/gemmtune, else ~/.cache/gemmtune. Entries
/// are published by rename() of a complete temp folder, so readers never see half an entry and
/// concurrent writers of one key all succeed (the first rename wins). A corrupt entry (one whose
/// meta.json names another key or kernel, or whose cubin lacks the kernel's symbol) is deleted and
/// rebuilt; a cache that cannot be written only costs a warning. A cache folder owned by another
/// user, or writable by others without the sticky bit, is not used (a loud warning; kernels are
/// compiled uncached), nor is an entry folder owned by another user.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cache_dir.hpp"
#include "jit/compiler.hpp"

namespace gemmtune::jit {

/// One entry as seen by list_entries().
struct CacheEntryInfo {
  std::filesystem::path path;    ///< the entry folder
  std::string arch;              ///< from the version folder name, e.g. "sm_90a"
  std::string key;
  std::string kernel_name;       ///< empty when meta.json is unreadable
  bool valid = false;            ///< meta.json parses and the cubin matches its size and hash
  bool ok = false;               ///< the compile succeeded (false for a cached failure)
  int64_t cubin_bytes = 0;
  int64_t size_bytes = 0;        ///< all files of the entry
};

/// A cache rooted at one folder; cheap to copy. A default-constructed cache is disabled.
class KernelCache {
 public:
  /// The disabled cache: load() always misses and store() writes nothing.
  KernelCache() = default;
  /// A cache rooted at `root` (created on first store).
  explicit KernelCache(std::filesystem::path root) : root_(std::move(root)) {}
  /// The cache at cache_dir().
  [[nodiscard]] static KernelCache from_environment();

  [[nodiscard]] bool enabled() const { return !root_.empty(); }
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  /// <root>/v<format>-<arch>: the folder of one architecture and entry format.
  [[nodiscard]] std::filesystem::path arch_dir(const std::string& arch) const;
  /// <root>/v<format>-<arch>/<key>.
  [[nodiscard]] std::filesystem::path entry_dir(const std::string& arch,
                                                const std::string& key) const;

  /// The valid entry for `key` (cache_hit = true, compile_seconds = 0), or nullopt on a miss.
  /// A corrupt entry is deleted (and a miss returned); I/O errors are misses, never throw.
  [[nodiscard]] std::optional<CompileResult> load(const std::string& arch, const std::string& key,
                                                  const std::string& kernel_name) const;
  /// Publishes `result` under result.cache_key and returns the published entry: `result`, or the
  /// entry of a concurrent writer that published first. On a write failure logs a warning and
  /// returns `result` unchanged. Never throws.
  [[nodiscard]] CompileResult store(const std::string& arch, const CompileResult& result) const;

  /// Every entry of every architecture and of the current format, sorted by path.
  [[nodiscard]] std::vector<CacheEntryInfo> list_entries() const;
  /// Removes every entry of every architecture and format, and leftover temp folders; files the
  /// cache did not create are left alone. Returns the number of entries removed.
  int64_t clear() const;

 private:
  std::filesystem::path root_;
};

/// Root of the default cache (core/cache_dir.hpp owns the rule; kept here as jit::cache_dir).
using gemmtune::cache_dir;

/// The cache key of `request`: 16 hex digits of FNV-1a 64 over the cache format version, arch,
/// NVRTC version, full option list, kernel name, source and every embedded kernels/ file.
[[nodiscard]] std::string cache_key(const CompileRequest& request);

}  // namespace gemmtune::jit
