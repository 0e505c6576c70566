// Appending to runs.jsonl, reading it back for --resume, and the records the parent writes.
#include "sweep/runs_log.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>

#include "core/error.hpp"
#include "core/problem_json.hpp"
#include "core/results_schema.hpp"

namespace gemmtune::sweep {

using report::Json;

std::string work_key(const Problem& problem, report::RunKind kind, const std::string& config) {
  return problem_key(problem) + " " + std::string(report::to_string(kind)) +
         (kind == report::RunKind::kGemmtune ? " " + config : "");
}

RunsLog::RunsLog(std::filesystem::path path) : path_(std::move(path)) {
  // NOTE: O_NOFOLLOW: a link planted at runs.jsonl is refused, never appended through.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    throw Error(kExitIoError, one_line("cannot open " + path_.string() + " for appending: " +
                                       std::strerror(errno)));
  }
}

RunsLog::~RunsLog() {
  if (fd_ >= 0) ::close(fd_);
}

void RunsLog::append(const Json& record) {
  const std::string line = record.dump() + "\n";
  // NOTE: write(2) hands the line to the kernel, which keeps it across a crash or kill of this
  // process; only a power loss could lose it (no fsync: it would cost milliseconds per record).
  struct stat before {};
  if (::fstat(fd_, &before) != 0) fail_append(errno, -1);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t wrote = ::write(fd_, line.data() + done, line.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) fail_append(wrote < 0 ? errno : EIO, before.st_size);
    done += static_cast<size_t>(wrote);
  }
  ++appended_;
}

void RunsLog::fail_append(int error, off_t whole_lines_bytes) {
  // NOTE: a line cut short (ENOSPC, EFBIG) would read as a damaged record and glue the next one
  // to it; the file goes back to its last whole line.
  std::string cut;
  if (whole_lines_bytes >= 0 && ::ftruncate(fd_, whole_lines_bytes) != 0) {
    cut = std::string("; and cannot cut it back to its last whole line: ") + std::strerror(errno);
  }
  throw Error(kExitIoError, one_line("cannot append to " + path_.string() + ": " + std::strerror(error) + cut));
}

bool has_records(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) > 0 &&
         !ec;
}

RecordedWork read_recorded_work(const std::filesystem::path& path) {
  RecordedWork work;
  if (!has_records(path)) return work;
  {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() != '\n') {
      // NOTE: only a write cut short leaves an unterminated last line (RunsLog writes whole
      // lines); appending after it would glue the next record to it, so it goes.
      const size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
      work.warnings.push_back(path.string() + ": dropped an unterminated last line of " +
                              std::to_string(text.size() - keep) + " bytes");
      if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) {
        throw Error(kExitIoError, "cannot truncate " + path.string() + ": " + std::strerror(errno));
      }
    }
  }
  for (const report::RunRecord& r : report::read_runs_jsonl(path, work.warnings)) {
    work.keys.insert(work_key(r.problem, r.kind, r.kind == report::RunKind::kSideBySide ? "" : r.config));
    ++work.records;
    if (r.kind == report::RunKind::kCublasltBest && r.disposition == report::Disposition::kPassed) {
      work.cublaslt_best_algo[problem_key(r.problem)] = r.algo;
    }
    if (r.kind != report::RunKind::kGemmtune || r.disposition != report::Disposition::kPassed) {
      continue;
    }
    work.passed[problem_key(r.problem)].push_back(
        screened_from(r.timing->median_us, r.config, r.clock));
    const auto [it, inserted] =
        work.best_passed.try_emplace(problem_key(r.problem), r.timing->median_us, r.config);
    if (!inserted && r.timing->median_us < it->second.first) {
      it->second = {r.timing->median_us, r.config};
    }
  }
  return work;
}


Json make_parent_record(const Problem& problem, report::RunKind kind, const std::string& config,
                        report::Disposition disposition, const std::string& reason) {
  Json j;
  j["schema"] = kRunSchema;
  j["problem"] = problem_to_json<Json>(problem);
  j["kind"] = report::to_string(kind);
  if (report::has_config(kind)) j["config"] = config;
  j["disposition"] = report::to_string(disposition);
  j["reason"] = one_line(reason);
  j["timestamp"] = utc_timestamp_now();
  return j;
}

Json in_schema_order(const Json& record) {
  static constexpr const char* kOrder[] = {
      "schema", "problem", "kind", "config", "algo", "disposition", "reason", "timing",
      "tflops", "gbps", "validation", "resources", "compile_seconds", "compile_cache_hit",
      "measure_seconds", "clock", "timestamp"};
  Json ordered = Json::object();
  for (const char* key : kOrder) {
    if (record.contains(key)) ordered[key] = record.at(key);
  }
  for (const auto& [key, value] : record.items()) {
    if (!ordered.contains(key)) ordered[key] = value;
  }
  return ordered;
}

}  // namespace gemmtune::sweep
