#pragma once
/// runs.jsonl as the sweep writes it: one gemmtune.run/1 record per line, appended and flushed
/// as each measurement completes, so that a crash, a kill or Ctrl-C never loses finished work;
/// and what `--resume` reads back from it. Records the parent makes itself (a config that did not
/// compile, a worker that crashed or hung) are built here too.
#include <sys/types.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/problem.hpp"
#include "core/utc_time.hpp"
#include "report/json_fields.hpp"
#include "report/run_folder.hpp"
#include "sweep/runoff.hpp"

namespace gemmtune::sweep {

/// The identity of one measurement for --resume: problem_key(), kind and config text (empty for
/// cuBLASLt kinds and side_by_side, one per problem), e.g.
/// "64x7168x16384 gemmtune bm64_bn64_s8_mc0_sm132_rN8_sk1".
[[nodiscard]] std::string work_key(const Problem& problem, report::RunKind kind,
                                   const std::string& config);

/// Appends records to a runs.jsonl. Move-less; closes the file in the destructor.
class RunsLog {
 public:
  /// Opens `path` for appending (O_APPEND|O_NOFOLLOW), creating it. Throws Error(kExitIoError)
  /// naming the path and the OS reason; a symbolic link at `path` is refused.
  explicit RunsLog(std::filesystem::path path);
  ~RunsLog();
  RunsLog(const RunsLog&) = delete;
  RunsLog& operator=(const RunsLog&) = delete;

  /// Writes `record` as one line straight to the kernel (write(2)). A failed write (ENOSPC,
  /// EFBIG, EIO) cuts the file back to its last whole line (ftruncate) and throws
  /// Error(kExitIoError) naming the path and the OS reason; lines already written stay intact.
  void append(const report::Json& record);
  /// Records appended through this object.
  [[nodiscard]] int64_t appended() const { return appended_; }

 private:
  [[noreturn]] void fail_append(int error, off_t whole_lines_bytes);

  std::filesystem::path path_;
  int fd_ = -1;
  int64_t appended_ = 0;
};

/// What a run folder's runs.jsonl already holds.
struct RecordedWork {
  std::set<std::string> keys;         ///< work_key() of every record
  int64_t records = 0;
  /// Per problem_key(): the fastest passed config recorded, as (median_us, config).
  std::map<std::string, std::pair<double, std::string>> best_passed;
  /// Per problem_key(): every passed config recorded, in file order.
  std::map<std::string, std::vector<Screened>> passed;
  /// Per problem_key(): the algorithm record of the last passed cublaslt_best measurement.
  std::map<std::string, report::Json> cublaslt_best_algo;
  std::vector<std::string> warnings;  ///< e.g. the truncated last line that was dropped
};

/// Reads `path` for --resume (a missing file holds nothing). An unterminated last line (a write
/// cut short) is removed from the file, so that appending continues on a clean line boundary;
/// any other malformed line throws the input error of report::read_runs_jsonl.
[[nodiscard]] RecordedWork read_recorded_work(const std::filesystem::path& path);

/// True when `path` is a regular file with at least one byte.
[[nodiscard]] bool has_records(const std::filesystem::path& path);

/// A record of an outcome the parent observed itself (compile_failed, faulted, timed_out,
/// skipped): schema, problem, kind, config (gemmtune kind), disposition, reason, timestamp.
[[nodiscard]] report::Json make_parent_record(const Problem& problem, report::RunKind kind,
                                              const std::string& config,
                                              report::Disposition disposition,
                                              const std::string& reason);

/// `record` with its members in schema order (schema, problem, kind, config, algo, disposition,
/// reason, timing, ...), unknown members last: worker records arrive with sorted keys.
[[nodiscard]] report::Json in_schema_order(const report::Json& record);


}  // namespace gemmtune::sweep
