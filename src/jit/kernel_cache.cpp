// Disk cache of compiled kernels: lookup, atomic publish, corrupt-entry recovery, list, clear.
// Modeled on flashinfer's JIT cache lifecycle; see kernel_cache.hpp.
#include "jit/kernel_cache.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <initializer_list>
#include <mutex>
#include <random>
#include <set>
#include <system_error>

#include "jit/cache_entry.hpp"
#include "jit/embedded_files.hpp"
#include "jit/fnv1a.hpp"
#include "jit/nvrtc_compile.hpp"

namespace gemmtune::jit {
namespace fs = std::filesystem;
namespace {

constexpr const char* kTempPrefix = ".tmp-";
constexpr const char* kTrashPrefix = ".trash-";

/// A name no other thread or process will pick: pid, a per-process counter, random bits.
std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(random() & 0xFFFFFFu);
}

/// Keeps only [A-Za-z0-9_] so that an odd arch string cannot escape the cache folder.
std::string folder_safe(const std::string& text) {
  std::string safe = text;
  for (char& c : safe) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!keep) c = '_';
  }
  return safe;
}

/// Moves `dir` aside (atomically, so no reader sees it half-deleted) and deletes it.
void discard_folder(const fs::path& dir) {
  std::error_code ec;
  const fs::path trash = dir.parent_path() / (kTrashPrefix + dir.filename().string() + "-" +
                                              unique_suffix());
  fs::rename(dir, trash, ec);
  fs::remove_all(ec ? dir : trash, ec);
}

/// Digest of every embedded kernels/ file, computed once per process.
const std::string& embedded_files_digest() {
  static const std::string digest = [] {
    Fnv1a64 hash;
    for (const EmbeddedFile& file : embedded_kernel_files()) {
      hash.add_field(file.name);
      hash.add_field(file.contents);
    }
    return hash.hex();
  }();
  return digest;
}

/// True for "v<digits>-<anything>", the folders of any cache format version.
bool is_version_folder(const std::string& name) {
  const size_t dash = name.find('-');
  return name.size() > 2 && name[0] == 'v' && dash != std::string::npos && dash > 1 &&
         std::all_of(name.begin() + 1, name.begin() + static_cast<std::ptrdiff_t>(dash),
                     [](char c) { return c >= '0' && c <= '9'; });
}

/// Why the existing folder `dir` cannot be trusted with kernels this process will load and run,
/// or empty: it is trusted, or absent (store() then creates it, owned by this user).
/// NOTE: a folder owned by someone else, or that others may write without the sticky bit, lets
/// them place or swap an entry: a cubin of their choosing, run by this user, served as a hit.
std::string distrust_reason(const fs::path& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return "";
  if (info.st_uid != ::geteuid()) {
    return fmt::format("{} is owned by uid {}, not by this user (uid {})", dir.string(),
                       info.st_uid, ::geteuid());
  }
  // NOTE: a folder writable by the user's own primary group is not shared: with user private
  // groups (umask 002, Debian/Ubuntu) every folder the user makes is, and that group is the user.
  const bool others_write = (info.st_mode & S_IWOTH) != 0;
  const bool group_write = (info.st_mode & S_IWGRP) != 0 && info.st_gid != ::getegid();
  if ((others_write || group_write) && (info.st_mode & S_ISVTX) == 0) {
    return fmt::format("{} is writable by {} (mode {:04o}, no sticky bit)", dir.string(),
                       others_write ? "every user" : fmt::format("group gid {}", info.st_gid),
                       info.st_mode & 07777);
  }
  return "";
}

/// The first reason of distrust_reason() among `dirs`, logged once per process and reason.
std::string distrusted(std::initializer_list<fs::path> dirs) {
  for (const fs::path& dir : dirs) {
    std::string why = distrust_reason(dir);
    if (why.empty()) continue;
    static std::mutex mutex;
    static std::set<std::string> warned;
    const std::lock_guard lock(mutex);
    if (warned.insert(why).second) {
      spdlog::warn("kernel cache NOT USED: {}; kernels are compiled uncached. Fix the folder's "
                   "owner or permissions (chmod go-w), or set GEMMTUNE_CACHE_DIR to a folder "
                   "of your own", why);
    }
    return why;
  }
  return "";
}

int64_t folder_size_bytes(const fs::path& dir) {
  std::error_code ec;
  int64_t total = 0;
  for (const auto& file : fs::directory_iterator(dir, ec)) {
    const auto size = file.is_regular_file(ec) ? file.file_size(ec) : 0;
    if (!ec) total += static_cast<int64_t>(size);
  }
  return total;
}

}  // namespace

std::string cache_key(const CompileRequest& request) {
  Fnv1a64 hash;
  hash.add_field(std::to_string(kCacheFormatVersion));
  hash.add_field(request.arch);
  hash.add_field(nvrtc_version());
  // NOTE: the option list includes the CUDA include dir; headers found there are not hashed, but
  // they ship with the NVRTC whose version is hashed.
  for (const std::string& option : nvrtc_options(request)) hash.add_field(option);
  hash.add_field(request.kernel_name);
  hash.add_field(request.source);
  hash.add_field(embedded_files_digest());
  return hash.hex();
}

KernelCache KernelCache::from_environment() {
  fs::path root = cache_dir();
  static std::once_flag warned;  // NOTE: once per process, not once per compile of a sweep
  if (root.empty()) {
    std::call_once(warned, [] {
      spdlog::warn("kernel cache disabled: none of GEMMTUNE_CACHE_DIR, XDG_CACHE_HOME, HOME is set");
    });
  }
  return KernelCache(std::move(root));
}

fs::path KernelCache::arch_dir(const std::string& arch) const {
  return root_ / ("v" + std::to_string(kCacheFormatVersion) + "-" + folder_safe(arch));
}

fs::path KernelCache::entry_dir(const std::string& arch, const std::string& key) const {
  return arch_dir(arch) / folder_safe(key);
}

std::optional<CompileResult> KernelCache::load(const std::string& arch, const std::string& key,
                                               const std::string& kernel_name) const {
  if (!enabled()) return std::nullopt;
  const fs::path dir = entry_dir(arch, key);
  if (!distrusted({root_, arch_dir(arch), dir}).empty()) return std::nullopt;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  std::string why;
  try {
    if (auto entry = read_entry_files(dir, key, kernel_name, &why)) return entry;
  } catch (const std::exception& e) {  // NOTE: e.g. bad_alloc on a huge garbage file
    why = e.what();
  }
  spdlog::warn("kernel cache: deleting corrupt entry {} ({}); it will be rebuilt", dir.string(),
               why);
  discard_folder(dir);
  return std::nullopt;
}

CompileResult KernelCache::store(const std::string& arch, const CompileResult& result) const {
  if (!enabled()) return result;
  const fs::path final_dir = entry_dir(arch, result.cache_key);
  if (!distrusted({root_, arch_dir(arch)}).empty()) return result;
  const fs::path temp_dir =
      arch_dir(arch) / (kTempPrefix + folder_safe(result.cache_key) + "-" + unique_suffix());
  try {
    fs::create_directories(arch_dir(arch));
    fs::create_directory(temp_dir);
    write_entry_files(temp_dir, result, arch);
    // NOTE: rename(2) of a folder onto a non-empty folder fails with ENOTEMPTY or EEXIST
    // (POSIX), so exactly one concurrent writer of a key publishes; the others adopt its entry.
    if (::rename(temp_dir.c_str(), final_dir.c_str()) == 0) return result;
    const int rename_errno = errno;
    discard_folder(temp_dir);
    if (rename_errno != ENOTEMPTY && rename_errno != EEXIST) {
      throw std::system_error(rename_errno, std::generic_category(),
                              "rename to " + final_dir.string());
    }
    if (std::optional<CompileResult> winner = load(arch, result.cache_key, result.kernel_name)) {
      winner->cache_hit = false;  // NOTE: this process did compile; it adopts the winner's bytes
      winner->compile_seconds = result.compile_seconds;
      return *winner;
    }
    return result;
  } catch (const std::exception& e) {
    spdlog::warn("kernel cache: cannot write {} ({}); using the compiled kernel uncached",
                 final_dir.string(), e.what());
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
    return result;
  }
}

std::vector<CacheEntryInfo> KernelCache::list_entries() const {
  std::vector<CacheEntryInfo> entries;
  if (!enabled()) return entries;
  const std::string prefix = "v" + std::to_string(kCacheFormatVersion) + "-";
  std::error_code ec;
  for (const auto& version_dir : fs::directory_iterator(root_, ec)) {
    const std::string version_name = version_dir.path().filename().string();
    if (!version_dir.is_directory(ec) || version_name.rfind(prefix, 0) != 0) continue;
    for (const auto& entry_path : fs::directory_iterator(version_dir.path(), ec)) {
      const std::string key = entry_path.path().filename().string();
      if (!entry_path.is_directory(ec) || key.empty() || key.front() == '.') continue;
      CacheEntryInfo info;
      info.path = entry_path.path();
      info.arch = version_name.substr(prefix.size());
      info.key = key;
      info.size_bytes = folder_size_bytes(info.path);
      std::string why;
      const std::optional<CompileResult> entry =
          read_entry_files(info.path, key, /*kernel_name=*/"", &why);
      if (entry) {
        info.kernel_name = entry->kernel_name;
        info.valid = true;
        info.ok = entry->ok;
        info.cubin_bytes = static_cast<int64_t>(entry->cubin.size());
      }
      entries.push_back(std::move(info));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const CacheEntryInfo& a, const CacheEntryInfo& b) { return a.path < b.path; });
  return entries;
}

int64_t KernelCache::clear() const {
  int64_t removed = 0;
  if (!enabled()) return removed;
  std::error_code ec;
  for (const auto& version_dir : fs::directory_iterator(root_, ec)) {
    const std::string name = version_dir.path().filename().string();
    if (!version_dir.is_directory(ec) || !is_version_folder(name)) continue;
    for (const auto& entry_path : fs::directory_iterator(version_dir.path(), ec)) {
      const std::string entry_name = entry_path.path().filename().string();
      if (!entry_name.empty() && entry_name.front() != '.') ++removed;
    }
    fs::remove_all(version_dir.path(), ec);
  }
  return removed;
}

}  // namespace gemmtune::jit
