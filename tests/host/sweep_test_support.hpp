#pragma once
/// Helpers of the sweep's host tests: a small plan of two problems, a stand-in compiler, the fake
/// worker's command line (tests/fake_worker) and readers of what a sweep wrote.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/kernel_config.hpp"
#include "report/run_folder.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/work_plan.hpp"
#include "test_support.hpp"

namespace gemmtune::test {

/// Three configs every plan of these tests measures, in order.
inline const std::vector<std::string> kSweepConfigs = {"bm64_bn64_s4_mc0_sm132_rN8_sk1",
                                                       "bm128_bn128_s4_mc0_sm132_rN8_sk1",
                                                       "bm128_bn64_s6_mcA_sm132_rN8_sk2"};

inline KernelConfig config_named(const std::string& text) {
  std::string error;
  return parse_kernel_config(text, &error).value();
}

/// Two problems, each with the three baselines and kSweepConfigs (tiny predictions, so that the
/// watchdog is about options.watchdog_base_s).
inline std::vector<sweep::ProblemWork> small_plan() {
  std::vector<sweep::ProblemWork> plan;
  for (const Problem& p : {Problem{.label = "a", .m = 64, .n = 2112, .k = 7168},
                           Problem{.label = "b", .m = 128, .n = 4096, .k = 512}}) {
    sweep::ProblemWork work{.problem = p, .items = sweep::baseline_items(p.layout, 0.0), .legal_configs = 3};
    for (const std::string& c : kSweepConfigs) {
      work.items.push_back({.kind = report::RunKind::kGemmtune, .config = config_named(c),
                            .predicted_us = 0.0});
    }
    plan.push_back(std::move(work));
  }
  return plan;
}

/// A compiler that succeeds at once, except for `failing` (whose log says why).
inline sweep::CompileFn fake_compiler(const std::string& failing = "") {
  return [failing](const KernelConfig& c) {
    const bool ok = to_string(c) != failing;
    return sweep::CompileOutcome{.ok = ok, .log = ok ? "" : "error: fake compile failure",
                                 .compile_seconds = 0.25, .cache_hit = false};
  };
}

/// Options for a sweep into `dir` with the fake worker given `worker_flags`.
inline sweep::SweepOptions fake_sweep_options(const std::filesystem::path& dir,
                                              const std::vector<std::string>& worker_flags) {
  sweep::SweepOptions o;
  o.out_dir = dir;
  o.timing = {.mode = "kernel", .warmup = 0, .iters = 1};
  o.worker_argv = {GEMMTUNE_FAKE_WORKER};
  o.worker_argv.insert(o.worker_argv.end(), worker_flags.begin(), worker_flags.end());
  o.watchdog_base_s = 5.0;
  o.compile_jobs = 2;
  o.quiet = true;
  o.command = "gemmtune sweep --test";
  o.shapes = {{"name", "small"}, {"path", "small.json"}, {"problems", report::Json::array()}};
  o.settings = {{"budget", "test"}};
  return o;
}

/// Runs a sweep of small_plan().
inline sweep::SweepOutcome run_small_sweep(const sweep::SweepOptions& options,
                                           const sweep::CompileFn& compile = fake_compiler()) {
  return sweep::run_sweep(options, [](const DeviceLimits&) { return small_plan(); }, compile);
}

/// The records of a runs.jsonl (must parse without warnings).
inline std::vector<report::RunRecord> read_records(const std::filesystem::path& file) {
  std::vector<std::string> warnings;
  std::vector<report::RunRecord> records = report::read_runs_jsonl(file, warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  return records;
}

/// The record of `config` (gemmtune kind) for problem M = `m`.
inline const report::RunRecord* find_record(const std::vector<report::RunRecord>& records,
                                            int64_t m, const std::string& config) {
  for (const report::RunRecord& r : records) {
    if (r.shape.m == m && r.kind == report::RunKind::kGemmtune && r.config == config) return &r;
  }
  return nullptr;
}

/// The records of the problem with `m` rows, in the order they were written: a worker measures
/// the next problem's configs before a problem's run-off, so problems' records interleave.
inline std::vector<report::RunRecord> records_of(const std::vector<report::RunRecord>& records,
                                                 int64_t m) {
  std::vector<report::RunRecord> of;
  for (const report::RunRecord& r : records) {
    if (r.shape.m == m) of.push_back(r);
  }
  return of;
}

/// Lines of a text file.
inline std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Every line of a runs.jsonl as JSON, verbatim.
inline std::vector<report::Json> raw_records(const std::filesystem::path& file) {
  std::vector<report::Json> records;
  for (const std::string& line : read_lines(file)) records.push_back(report::Json::parse(line));
  return records;
}

/// How many lines of `lines` equal `text`.
inline int64_t count_of(const std::vector<std::string>& lines, const std::string& text) {
  return std::count(lines.begin(), lines.end(), text);
}

}  // namespace gemmtune::test
