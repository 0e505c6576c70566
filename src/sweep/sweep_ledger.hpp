#pragma once
/// What the workers of one sweep share (sweep --gpus): runs.jsonl, appended by one thread at a
/// time, and what is recorded so far (the folder's records on --resume plus this run's), which
/// decides what is left to measure and feeds the run-off. Thread-safe.
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "report/json_fields.hpp"
#include "sweep/runs_log.hpp"

namespace gemmtune::sweep {

/// The parts of an appended record the measuring loop keeps for its progress line.
struct NotedRecord {
  std::optional<double> passed_median_us;  ///< a passed gemmtune record's median
  std::string config;
};

/// runs.jsonl and the recorded work, behind one mutex.
class SweepLedger {
 public:
  /// `recorded`: what the folder held before this run (--resume), empty otherwise.
  SweepLedger(RunsLog& log, RecordedWork recorded);

  /// Appends `record` (whose work_key() is `work_key`, of the problem `problem_key`) and notes
  /// it. Throws Error(kExitIoError) as RunsLog::append does.
  NotedRecord append(const report::Json& record, const std::string& problem_key,
                     const std::string& work_key);
  [[nodiscard]] bool is_recorded(const std::string& work_key) const;
  /// The passed configs recorded for a problem, in record order.
  [[nodiscard]] std::vector<Screened> passed(const std::string& problem_key) const;
  /// The fastest of them, nullopt when none passed.
  [[nodiscard]] std::optional<std::pair<double, std::string>> best_passed(
      const std::string& problem_key) const;
  /// The algorithm of the last passed cublaslt_best record of a problem (null when none).
  [[nodiscard]] report::Json cublaslt_best_algo(const std::string& problem_key) const;
  /// Marks `work_keys` as not recorded, so that another worker measures them again (their
  /// failure records stay). A key is given back once at most; returns those given back.
  std::vector<std::string> give_back(const std::vector<std::string>& work_keys);
  /// True when `work_key` was given back once (a second failure is the config's own).
  [[nodiscard]] bool given_back(const std::string& work_key) const;

 private:
  mutable std::mutex mutex_;
  RunsLog& log_;
  RecordedWork recorded_;
  std::set<std::string> given_back_;
};

}  // namespace gemmtune::sweep
