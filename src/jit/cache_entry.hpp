#pragma once
/// The files of one disk-cache entry: `<key>/kernel.cubin` and `<key>/meta.json`. meta.json
/// carries the cubin's size and FNV-1a 64 so that a truncated or damaged entry is detected.
#include <filesystem>
#include <optional>
#include <string>

#include "jit/compiler.hpp"

namespace gemmtune::jit {

/// Version of the entry format (folder layout and meta.json fields). Part of the cache folder
/// name, so entries written by another format are never read.
inline constexpr int kCacheFormatVersion = 1;
inline constexpr const char* kCubinFileName = "kernel.cubin";
inline constexpr const char* kMetaFileName = "meta.json";

/// Writes kernel.cubin (when result.ok) and meta.json into the existing folder `dir`.
/// Throws std::runtime_error naming the file when a write fails (full disk, permissions).
void write_entry_files(const std::filesystem::path& dir, const CompileResult& result,
                       const std::string& arch);

/// Reads the entry in `dir` and checks it against `key` and `kernel_name` (empty: any kernel; else
/// meta.json must name it and the cubin's symbols must hold it).
/// Returns nullopt and sets *why when a file is missing, unparsable or inconsistent (corrupt).
[[nodiscard]] std::optional<CompileResult> read_entry_files(const std::filesystem::path& dir,
                                                            const std::string& key,
                                                            const std::string& kernel_name,
                                                            std::string* why);

}  // namespace gemmtune::jit
