#pragma once
/// Reader of a sweep's run folder (`gemmtune sweep --out DIR`): env.json, the environment of the
/// run, and runs.jsonl, one measurement per line. Schemas: src/report/README.md "Run folder"
/// and "Tuning table" (`gemmtune.env/1`, `gemmtune.run/1`).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gemm_shape.hpp"
#include "core/problem.hpp"
#include "core/results_schema.hpp"
#include "core/serving.hpp"
#include "report/json_fields.hpp"
#include "report/roofs.hpp"

namespace gemmtune::report {

/// What env.json says about the machine and the tools; `raw` keeps every field verbatim but the
/// roofs, which it holds as to_json(Roofs) writes them (old files gain their `source`).
struct RunEnv {
  Json raw;
  std::string gpu_name;
  std::string driver;
  std::string cuda_runtime;
  std::string nvrtc;
  std::string cublaslt;
  std::string timing_mode;  ///< "kernel" or "call"
  Roofs roofs;              ///< the H200 constants when env.json has no `roofs` object
  /// `sweep.sms` and `sweep.batch_invariant` (report/serving_fields.hpp); none when absent.
  ServingConstraints serving;
  [[nodiscard]] bool operator==(const RunEnv&) const = default;
};

/// Parses an env object (env.json, or the `env` member of a tuning table).
[[nodiscard]] RunEnv parse_env(const Json& j, const JsonAt& at);

/// Member `key` of member `object` of an env object, null when either is absent.
[[nodiscard]] Json env_member(const Json& env, const char* object, const char* key);

/// The same as text: a string verbatim, anything else as JSON, "" when absent.
[[nodiscard]] std::string env_text(const Json& env, const char* object, const char* key);

/// The run-off regime an env object records (`timing.runoff_regime`, core/timing_mode.hpp
/// RunoffRegime); "sustained" when absent: folders made before `sweep --runoff` ran that one.
[[nodiscard]] std::string env_runoff_regime(const Json& env);

/// The env object to write: `raw` with the parsed fields (GPU name, versions, timing mode,
/// roofs, serving constraints) written over it, so that a changed field is never contradicted by
/// the raw copy.
[[nodiscard]] Json to_json(const RunEnv& env);

// The record vocabulary (RunKind, Disposition, their names) is core/results_schema.hpp's; the
// report layer names it as report:: too.
using ::gemmtune::Disposition;
using ::gemmtune::has_config;
using ::gemmtune::kAllDispositions;
using ::gemmtune::parse_run_kind;
using ::gemmtune::RunKind;
using ::gemmtune::to_string;  // RunKind's and Disposition's, beside the report layer's own

/// The timing block of a passed measurement.
struct Timing {
  std::string mode;          ///< "kernel" or "call"; env.json's timing_mode when absent
  double median_us = 0.0;
  double spread_rel = 0.0;   ///< (p90_us - p10_us) / median_us
  int64_t samples = 0;
};

/// A record's `clock`: NVML's SM clock right after the timing (sm_mhz) and, where the timing read
/// the clock after every sample (`run --clock-per-sample`, the sweep's screenings), the samples'
/// median clock and their median cycles (time x clock). 0: not recorded.
struct RunClock {
  double sm_mhz = 0.0;
  double sample_median_mhz = 0.0;
  double sample_median_cycles = 0.0;
};

/// The `clock` member of record `j` (absent: all 0); a field of the wrong type throws naming `at`.
[[nodiscard]] RunClock parse_run_clock(const Json& j, const JsonAt& at);

/// One line of runs.jsonl.
struct RunRecord {
  Problem problem;                ///< what was measured (dense or grouped)
  std::string label;              ///< problem.label
  GemmShape shape;                ///< problem.shape(): grouped M counts useful rows
  RunKind kind = RunKind::kGemmtune;
  std::string config;             ///< canonical config text (kind gemmtune)
  Json algo;            ///< cuBLASLt algorithm record (cuBLASLt kinds), null if none
  Disposition disposition = Disposition::kSkipped;
  std::string reason;
  std::optional<Timing> timing;   ///< present for every passed record
  /// kSideBySide: the timing of each cuBLASLt kind measured interleaved with `config`.
  std::map<RunKind, Timing> side_by_side;
  /// kSideBySide with a run-off: every candidate's (config, timing) from one interleaved call;
  /// `config` is the fastest (its `timing` a second call beside the baselines). Empty for a
  /// record with one config (older runs too).
  std::vector<std::pair<std::string, Timing>> runoff;
  /// The clock of the timing. The sweep's run-off also ranks screened configs by cycles
  /// (sweep/runoff.hpp).
  RunClock clock;
  int64_t line = 0;               ///< 1-based line in runs.jsonl
};

/// A parsed run folder.
struct RunFolder {
  RunEnv env;
  std::vector<RunRecord> runs;
  std::vector<std::string> warnings;  ///< e.g. a truncated last line that was skipped
};

/// Parses one runs.jsonl line; `at.file` names file:line for errors.
[[nodiscard]] RunRecord parse_run_record(const Json& j, const JsonAt& at);

/// Reads runs.jsonl. An unterminated last line that does not parse (a crash mid-write) is skipped
/// with a warning; any other malformed line throws an input error naming file:line.
[[nodiscard]] std::vector<RunRecord> read_runs_jsonl(const std::filesystem::path& file,
                                                     std::vector<std::string>& warnings);

/// The problems of the shape set env.json lists (`shapes.problems`), in its order: the order in
/// which the sweep planned them. Each has the label, m, n and k every writer of that list gives
/// (a grouped problem's layout and groups are not there); empty when env.json has none.
[[nodiscard]] std::vector<Problem> shape_set_problems(const RunEnv& env);

/// The indices of `runs` in plan order: problems by their position in `planned` (matched by
/// problem_key(), else by label, m, n and k), problems it does not list after them in order of
/// first appearance; the records of one problem keep their order.
/// NOTE: several GPUs (sweep --gpus) append records in the order they finish, so record order is
/// not plan order; every table of a folder (sweep, report, merge) lists problems in plan order.
[[nodiscard]] std::vector<size_t> plan_order(const std::vector<Problem>& planned,
                                             const std::vector<RunRecord>& runs);

/// Puts `runs` in plan_order(); each record keeps its `line`.
void sort_in_plan_order(std::vector<RunRecord>& runs, const std::vector<Problem>& planned);

/// Reads DIR/env.json and DIR/runs.jsonl, records in the plan order of the folder's shape set
/// (shape_set_problems()); warnings are also logged.
[[nodiscard]] RunFolder read_run_folder(const std::filesystem::path& dir);

}  // namespace gemmtune::report
