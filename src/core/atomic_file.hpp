#pragma once
/// The one publisher of what gemmtune writes. A file is written beside its target and renamed
/// over it, so a reader sees the old file or the whole new one, never half of one; a folder
/// (a bundle, a merged run folder, a report, cubins) is assembled in a staging folder beside its
/// target and moved in whole. Nothing is written or deleted through a symbolic link: a link at a
/// file's target is replaced, a link as an output folder or inside one is refused.
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gemmtune {

/// The file that marks a folder as a gemmtune output; its first line names the kind of output
/// (`gemmtune-output bundle`). It is written last, so a folder without it is not a finished one.
inline constexpr const char* kOutputMarker = ".gemmtune-output";

/// Writes `bytes` to `path`: a new file beside it (unique name, O_EXCL|O_NOFOLLOW), written
/// whole, fsync()ed, rename()d over `path` (a symbolic link there is replaced, never followed),
/// then the folder fsync()ed. On any error the temporary file is removed and Error(kExitIoError)
/// names the path and the OS reason (e.g. "No space left on device").
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// Creates `dir` (and its parents) when missing. Throws Error(kExitUsage) when `dir` is a
/// symbolic link or not a folder, Error(kExitIoError) with the OS reason when it cannot be made.
/// `flag` names the option in messages (e.g. "--out").
void make_real_folder(const std::filesystem::path& dir, const std::string& flag);

/// Writes each (name, bytes) into the existing or new folder `dir` with write_file_atomically():
/// for outputs that join files already there (a report inside its own run folder). Returns the
/// paths written.
std::vector<std::filesystem::path> write_files_into(
    const std::filesystem::path& dir, const std::string& flag,
    const std::vector<std::pair<std::string, std::string>>& files);

/// An output folder that appears whole or not at all. The constructor checks the target: it may
/// be missing, an empty folder, or a folder whose marker names the same `kind` (a previous output
/// of this kind, replaced whole); anything else, a symbolic link as the target, or a link inside
/// a folder to be replaced, is refused with Error(kExitUsage) before anything is written. Files
/// go into a staging folder beside the target; commit() writes the marker and moves it in. A
/// StagedFolder destroyed before commit() removes its staging folder and leaves the target as it
/// was.
class StagedFolder {
 public:
  StagedFolder(std::filesystem::path target, std::string kind, std::string flag);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  /// Writes `relative` (a plain path inside the folder; subfolders are created) and returns
  /// the path it will have once committed.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view bytes);
  /// Writes the marker, syncs, and moves the folder into place; an old output of the same kind
  /// is removed afterwards (links in it are removed, never followed).
  void commit();
  [[nodiscard]] const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_;
  std::string kind_;
  std::string flag_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

/// True when `dir` holds a marker naming `kind`.
[[nodiscard]] bool is_output_of_kind(const std::filesystem::path& dir, std::string_view kind);

}  // namespace gemmtune
