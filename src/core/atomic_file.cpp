// Atomic publication of files and folders: temp beside the target, fsync, rename, fsync folder.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/error.hpp"
#include "core/exit_codes.hpp"

namespace gemmtune {
namespace fs = std::filesystem;
namespace {

/// A file descriptor closed at scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  /// Closes now, reporting close()'s error (NFS and some full disks report it only here).
  [[nodiscard]] int close_now() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

[[noreturn]] void throw_io(const fs::path& path, const std::string& what, int error) {
  throw Error(kExitIoError, one_line(path.string() + ": " + what + ": " + std::strerror(error)));
}

/// A name no other writer uses: `.<stem>.gemmtune-<role>-<pid>-<n>`, beside the target.
fs::path unique_sibling(const fs::path& target, const char* role) {
  static std::atomic<uint64_t> counter{0};
  // NOTE: NAME_MAX is 255 bytes; the stem is shortened so that the temporary name fits.
  const std::string stem = target.filename().string().substr(0, 160);
  return target.parent_path() / ("." + stem + ".gemmtune-" + role + "-" + std::to_string(::getpid()) +
                                 "-" + std::to_string(counter.fetch_add(1)));
}

/// `path` absolute, normalized, without a trailing separator, so that lstat() sees its last
/// component itself and not what a link there points to.
fs::path plain_path(const fs::path& path) {
  fs::path p = fs::absolute(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

/// Writes all of `bytes` to `fd`, retrying short writes; returns 0 or the errno.
int write_all(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) return errno;
    if (wrote == 0) return EIO;
    done += static_cast<size_t>(wrote);
  }
  return 0;
}

/// fsync() of a folder, so that a rename into it survives a crash. Filesystems that cannot sync
/// a folder (EINVAL) have nothing to sync.
void sync_folder(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_io(dir, "cannot open folder to sync it", errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) throw_io(dir, "cannot sync folder", errno);
}

/// True for targets that are written in place, never replaced: character devices and FIFOs
/// (`-o /dev/null`, `-o /dev/stdout`, a pipe), directly or through a link. Replacing them would
/// replace the device node itself.
bool is_stream_target(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode);
}

void write_stream_target(const fs::path& path, std::string_view bytes) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw_io(path, "cannot open for writing", errno);
  if (const int error = write_all(fd.get(), bytes)) throw_io(path, "cannot write", error);
  if (fd.close_now() != 0) throw_io(path, "cannot write", errno);
}

/// The symbolic links inside `dir` (not followed), relative paths; at most a few.
std::vector<fs::path> links_inside(const fs::path& dir) {
  std::vector<fs::path> links;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    // NOTE: lexically: fs::relative() would resolve the very link it names.
    if (it->is_symlink(ec)) links.push_back(it->path().lexically_relative(dir));
    if (links.size() >= 3) break;
  }
  if (ec) throw Error(kExitIoError, one_line(dir.string() + ": cannot list folder: " + ec.message()));
  return links;
}

/// Moves the finished `staging` folder onto `target`: a rename when the target is missing, else
/// an atomic exchange (the old folder then sits at `staging` for removal).
void move_into_place(const fs::path& staging, const fs::path& target) {
  if (::rename(staging.c_str(), target.c_str()) == 0) return;
  if (errno != ENOTEMPTY && errno != EEXIST) throw_io(target, "cannot move the new folder into place", errno);
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) throw_io(target, "cannot move the new folder into place", errno);
  // NOTE: no RENAME_EXCHANGE on this filesystem: two renames, with a moment without `target`.
  const fs::path old = unique_sibling(target, "old");
  if (::rename(target.c_str(), old.c_str()) != 0) throw_io(target, "cannot move the old folder aside", errno);
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    const int error = errno;
    (void)::rename(old.c_str(), target.c_str());
    throw_io(target, "cannot move the new folder into place", error);
  }
  if (::rename(old.c_str(), staging.c_str()) != 0) {
    std::error_code ignored;
    fs::remove_all(old, ignored);
  }
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view bytes) {
  if (is_stream_target(path)) return write_stream_target(path, bytes);
  const fs::path target = plain_path(path);
  const fs::path temp = unique_sibling(target, "tmp");
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (fd.get() < 0) throw_io(path, "cannot create file", errno);
  // The file it replaces keeps its mode (a link's target is not read: the link is replaced).
  struct stat old {};
  int error = 0;
  if (::lstat(target.c_str(), &old) == 0 && S_ISREG(old.st_mode) &&
      ::fchmod(fd.get(), old.st_mode & 07777) != 0) {
    error = errno;
  }
  if (error == 0) error = write_all(fd.get(), bytes);
  if (error == 0 && ::fsync(fd.get()) != 0) error = errno;
  if (fd.close_now() != 0 && error == 0) error = errno;
  // NOTE: rename(2) replaces a link at `target` with the file; it never writes through it.
  if (error == 0 && ::rename(temp.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    throw_io(path, "cannot write", error);
  }
  sync_folder(target.parent_path());
}

void make_real_folder(const fs::path& dir, const std::string& flag) {
  const fs::path plain = plain_path(dir);
  struct stat st {};
  if (::lstat(plain.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      throw Error(kExitUsage, one_line(flag + " " + dir.string() +
                                       ": is a symbolic link; give the folder it points to"));
    }
    if (!S_ISDIR(st.st_mode)) throw Error(kExitUsage, one_line(flag + " " + dir.string() + ": is not a folder"));
    return;
  }
  // NOTE: ENOTDIR (a file above it) falls through to create_directories(), which names it.
  if (errno != ENOENT && errno != ENOTDIR) throw_io(flag + " " + dir.string(), "cannot inspect", errno);
  std::error_code ec;
  fs::create_directories(plain, ec);
  if (ec) {
    throw Error(kExitIoError, one_line(flag + " " + dir.string() + ": cannot create folder: " + ec.message()));
  }
}

std::vector<fs::path> write_files_into(const fs::path& dir, const std::string& flag,
                                       const std::vector<std::pair<std::string, std::string>>& files) {
  make_real_folder(dir, flag);
  std::vector<fs::path> written;
  for (const auto& [name, text] : files) {
    written.push_back(dir / name);
    write_file_atomically(written.back(), text);
  }
  return written;
}

namespace {

/// The kind named by `dir`'s marker ("" without a marker; a link as the marker does not count).
std::string output_kind(const fs::path& dir) {
  const fs::path marker = dir / kOutputMarker;
  struct stat st {};
  if (::lstat(marker.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  std::ifstream in(marker);
  std::string line;
  std::getline(in, line);
  constexpr std::string_view kPrefix = "gemmtune-output ";
  return line.rfind(kPrefix, 0) == 0 ? one_line(line.substr(kPrefix.size(), 64)) : "";
}

}  // namespace

bool is_output_of_kind(const fs::path& dir, std::string_view kind) { return output_kind(dir) == kind; }

StagedFolder::StagedFolder(fs::path target, std::string kind, std::string flag)
    : target_(std::move(target)), kind_(std::move(kind)), flag_(std::move(flag)) {
  const fs::path plain = plain_path(target_);
  const std::string named = flag_ + " " + target_.string();
  if (!plain.has_filename() || plain == plain.root_path()) {
    throw Error(kExitUsage, one_line(named + ": cannot be replaced (give a folder below it)"));
  }
  struct stat st {};
  if (::lstat(plain.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      throw Error(kExitUsage, one_line(named + ": is a symbolic link; give a real folder"));
    }
    if (!S_ISDIR(st.st_mode)) throw Error(kExitUsage, one_line(named + ": is not a folder"));
    std::error_code ec;
    const bool empty = fs::is_empty(plain, ec);
    if (ec) throw Error(kExitIoError, one_line(named + ": cannot list folder: " + ec.message()));
    if (const std::string found = output_kind(plain); !empty && found != kind_) {
      throw Error(kExitUsage,
                  one_line(found.empty()
                               ? named + ": is not empty and holds no gemmtune output (no " +
                                     kOutputMarker + "): give a new or empty folder"
                               : named + ": holds a gemmtune " + found + " output, not a " + kind_ +
                                     " one: give another folder"));
    }
    if (const std::vector<fs::path> links = links_inside(plain); !links.empty()) {
      throw Error(kExitUsage, one_line(named + ": holds a symbolic link (" + links.front().string() +
                                       "); refusing to replace a folder with links in it"));
    }
  } else if (errno != ENOENT && errno != ENOTDIR) {
    throw_io(named, "cannot inspect", errno);
  } else {
    std::error_code ec;
    fs::create_directories(plain.parent_path(), ec);
    if (ec) {
      throw Error(kExitIoError, one_line(named + ": cannot create folder " + plain.parent_path().string() +
                                         ": " + ec.message()));
    }
  }
  for (int attempt = 0; staging_.empty(); ++attempt) {
    const fs::path candidate = unique_sibling(plain, "staging");
    if (::mkdir(candidate.c_str(), 0777) == 0) {
      staging_ = candidate;
    } else if (errno != EEXIST || attempt > 100) {
      throw_io(candidate, "cannot create staging folder", errno);
    }
  }
}

StagedFolder::~StagedFolder() {
  if (committed_ || staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

fs::path StagedFolder::write(const fs::path& relative, std::string_view bytes) {
  const fs::path normal = relative.lexically_normal();
  GT_CHECK(!normal.empty() && normal.is_relative() && *normal.begin() != ".." && normal.has_filename(),
           kExitUsage, "output file name '" + one_line(relative.string()) + "' leaves its folder");
  if (normal.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(staging_ / normal.parent_path(), ec);
    if (ec) {
      throw Error(kExitIoError, one_line((target_ / normal.parent_path()).string() +
                                         ": cannot create folder: " + ec.message()));
    }
  }
  try {
    write_file_atomically(staging_ / normal, bytes);
  } catch (const Error& e) {
    // NOTE: the message names the file as the user will look for it, not its staging path.
    std::string message = e.what();
    const std::string staging = plain_path(staging_).string();
    if (const size_t at = message.find(staging); at != std::string::npos) {
      message.replace(at, staging.size(), target_.string());
    }
    throw Error(e.code(), message);
  }
  return target_ / normal;
}

void StagedFolder::commit() {
  write_file_atomically(staging_ / kOutputMarker, "gemmtune-output " + kind_ + "\n");
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(staging_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) sync_folder(it->path());
  }
  sync_folder(staging_);
  const fs::path plain = plain_path(target_);
  move_into_place(staging_, plain);
  sync_folder(plain.parent_path());
  // NOTE: what sits at staging_ now (if anything) is the old output; remove_all() removes links
  // themselves and never descends through them.
  fs::remove_all(staging_, ec);
  committed_ = true;
}

}  // namespace gemmtune
