// The records a sweep's workers share: runs.jsonl appends and what is recorded, under one lock.
#include "sweep/sweep_ledger.hpp"

namespace gemmtune::sweep {

using report::Json;

SweepLedger::SweepLedger(RunsLog& log, RecordedWork recorded)
    : log_(log), recorded_(std::move(recorded)) {}

NotedRecord SweepLedger::append(const Json& record, const std::string& problem_key,
                                const std::string& work_key) {
  const std::lock_guard<std::mutex> lock(mutex_);
  log_.append(record);
  recorded_.keys.insert(work_key);
  ++recorded_.records;
  const bool passed = record.value("disposition", Json()) == Json("passed");
  const Json kind = record.value("kind", Json());
  if (kind == Json(report::to_string(report::RunKind::kCublasltBest)) && passed) {
    recorded_.cublaslt_best_algo[problem_key] = record.value("algo", Json());
  }
  NotedRecord noted;
  if (kind != Json("gemmtune") || !passed) return noted;
  const Json timing = record.value("timing", Json::object());
  const Json median = timing.is_object() ? timing.value("median_us", Json()) : Json();
  if (!median.is_number()) return noted;
  noted = {.passed_median_us = median.get<double>(),
           .config = record.value("config", Json("")).get<std::string>()};
  recorded_.passed[problem_key].push_back(
      screened_from(*noted.passed_median_us, noted.config,
                    report::parse_run_clock(record, {.file = "worker record"})));
  const auto [it, inserted] =
      recorded_.best_passed.try_emplace(problem_key, *noted.passed_median_us, noted.config);
  if (!inserted && *noted.passed_median_us < it->second.first) {
    it->second = {*noted.passed_median_us, noted.config};
  }
  return noted;
}

bool SweepLedger::is_recorded(const std::string& work_key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return recorded_.keys.count(work_key) != 0;
}

std::vector<Screened> SweepLedger::passed(const std::string& problem_key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = recorded_.passed.find(problem_key);
  return it == recorded_.passed.end() ? std::vector<Screened>{} : it->second;
}

std::optional<std::pair<double, std::string>> SweepLedger::best_passed(
    const std::string& problem_key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = recorded_.best_passed.find(problem_key);
  if (it == recorded_.best_passed.end()) return std::nullopt;
  return it->second;
}

Json SweepLedger::cublaslt_best_algo(const std::string& problem_key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = recorded_.cublaslt_best_algo.find(problem_key);
  return it == recorded_.cublaslt_best_algo.end() ? Json() : it->second;
}

std::vector<std::string> SweepLedger::give_back(const std::vector<std::string>& work_keys) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> returned;
  for (const std::string& key : work_keys) {
    if (!given_back_.insert(key).second) continue;
    recorded_.keys.erase(key);
    returned.push_back(key);
  }
  return returned;
}

bool SweepLedger::given_back(const std::string& work_key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return given_back_.count(work_key) != 0;
}

}  // namespace gemmtune::sweep
