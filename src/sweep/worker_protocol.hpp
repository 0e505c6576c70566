#pragma once
/// The line-delimited JSON protocol between `gemmtune sweep` / `check` (the parent) and the
/// measuring worker it spawns (`gemmtune __worker`, src/sweep/README.md "Fault isolation"). The
/// parent writes one request line to the worker's stdin and reads one response line from its
/// stdout, strictly alternating; the worker logs to stderr only.
///
///   hello    {"schema":"gemmtune.worker_request/1","id":0,"op":"hello"}
///         -> {"schema":"gemmtune.worker_response/1","id":0,"environment":{"gpu":{...},...}}
///   measure  {"schema":"gemmtune.worker_request/1","id":7,"op":"measure","kind":"gemmtune",
///             "problem":{"label":"o_proj","m":64,"n":7168,"k":16384},
///             "config":"bm64_bn64_s8_mc0_sm132_rN8_sk1",
///             "timing":{"mode":"kernel","warmup":3,"iters":30,"runoff_regime":"burst",
///                       "runoff_rounds":4,"runoff_confirm":true},"seed":1}
///         -> {"schema":"gemmtune.worker_response/1","id":7,"record":{<gemmtune.run/1>},
///             "restart":false,"phases_s":{"set_up":0.8,"runoff":0}}
///   side by side (after a problem's configs: the fastest passed ones timed together as
///   timing.runoff_regime says, then the baselines; the record names the fastest of the run-off,
///   `config` or one of `runoff`)
///            {...,"op":"measure","kind":"side_by_side","config":"bm64_...","runoff":["bm128_...",
///             ...],"algo":{<cublaslt_best algo record>|null},...}  -> a record of kind side_by_side
///   any   -> {"schema":"gemmtune.worker_response/1","id":7,"error":"one line","exit_code":3}
///
/// `restart: true` says the worker exits right after the response (a CUDA fault leaves its
/// context unusable). `error` is for requests the worker cannot serve at all (no GPU, a request
/// it cannot parse); a config that fails is a record with its disposition, never an error.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"
#include "report/json_fields.hpp"
#include "report/run_folder.hpp"
#include "sweep/runoff.hpp"

namespace gemmtune::sweep {

/// Schema of request lines; bump on incompatible changes.
inline constexpr const char* kWorkerRequestSchema = "gemmtune.worker_request/1";
/// Schema of response lines.
inline constexpr const char* kWorkerResponseSchema = "gemmtune.worker_response/1";
/// Longest response line the parent accepts; longer is a malformed response.
inline constexpr size_t kMaxResponseBytes = 16u << 20;

// NOTE: the cuBLASLt "best" search, shared by the worker (which runs it) and the parent (whose
// watchdog must allow for it). Screening times every valid algorithm briefly, then the fastest
// few that validate are re-timed with the full protocol, interleaved.
/// Most enumerated algorithms screened; the rest are ignored (384-1152 were valid on dsv3).
inline constexpr int kCublasLtBestMaxAlgos = 2048;
/// The probe cut: every algorithm that launches is timed once (its probe), and only those
/// within this margin of the fastest probe, or among the fastest few, are screened.
/// NOTE: the search took 610 s of a full dsv3 sweep's 1105 s on one H200 when every algorithm
/// was screened; `git show 7f3a7dd:results/PERF_LOG.md` ("The probe cut on one H200") has what
/// the cut costs and saves.
inline constexpr double kCublasLtBestProbeMargin = 0.2;
inline constexpr size_t kCublasLtBestProbeMinKept = 16;
/// Set (to anything but empty) in the worker's environment: every algorithm that launches is
/// screened, no probe cut (the search before aa1605a), to time the cut against it.
inline constexpr const char* kCublasLtScreenAllEnv = "GEMMTUNE_CUBLASLT_SCREEN_ALL";
/// Warm-up samples per probed and per screened algorithm (the probe, which checks that it
/// launches, warms it up). NOTE: screening was 88% of the full dsv3 sweep's time with 1 + 3.
inline constexpr int kCublasLtBestScreenWarmup = 0;
/// Timed samples per screened algorithm.
inline constexpr int kCublasLtBestScreenSamples = 2;
/// Algorithms re-timed with the full protocol after screening.
inline constexpr int kCublasLtBestRetimed = 4;

/// The timing protocol of a measurement (`--timing`, `--warmup`, `--iters`, `--runoff`).
struct TimingRequest {
  std::string mode = "kernel";  ///< "kernel" or "call" (runtime/timing.hpp)
  int warmup = 3;               ///< untimed samples
  int iters = 30;               ///< timed samples, median reported
  /// side_by_side: how the run-off times its candidates, "burst" or "sustained"
  /// (core/timing_mode.hpp RunoffRegime). NOTE: "sustained" here and in a request line without
  /// it, the only protocol before `--runoff`, so old lines and run folders keep their meaning;
  /// `sweep` asks for "burst" unless told otherwise.
  std::string runoff_regime = "sustained";
  /// side_by_side: rounds of a burst run-off and whether a close contest gets its second pass
  /// (the budget level's RunoffKnobs; absent from a request line: these defaults).
  int runoff_rounds = kRunoffBurstRounds;
  bool runoff_confirm = true;
  [[nodiscard]] bool operator==(const TimingRequest&) const = default;
};

/// One measurement to make: a config (kind gemmtune) or a cuBLASLt baseline of one problem.
struct MeasureRequest {
  int64_t id = 0;
  report::RunKind kind = report::RunKind::kGemmtune;
  Problem problem;
  std::string config;  ///< canonical config text; empty for cuBLASLt kinds
  /// side_by_side: the cuBLASLt best search's winning algorithm record (null: none passed).
  report::Json algo{};
  /// side_by_side: more configs timed beside `config` in its run-off (sweep/runoff.hpp).
  std::vector<std::string> runoff{};
  TimingRequest timing;
  uint64_t seed = 1;
};

/// A decoded request line (worker side).
struct WorkerRequest {
  bool hello = false;                   ///< op "hello"; else `measure` is set
  int64_t id = 0;
  std::optional<MeasureRequest> measure;
};

/// Seconds a worker spent on parts of one request, for the sweep's time breakdown
/// (sweep/time_breakdown.hpp): the response's `phases_s`, absent (all 0) from a worker that does
/// not time them.
struct RequestPhases {
  double set_up_s = 0.0;  ///< making the problem's inputs and references
  double runoff_s = 0.0;  ///< side_by_side: the run-off before the winner's re-timing
};

/// A decoded response line (parent side). Exactly one of record, environment, error is set when
/// `malformed` is empty.
struct WorkerResponse {
  std::string malformed;       ///< why the line is not a valid response; empty when it is
  report::Json record;         ///< a gemmtune.run/1 record
  report::Json environment;    ///< the hello answer
  std::optional<std::string> error;
  int exit_code = 0;           ///< with `error`: the ExitCode the worker suggests
  bool restart = false;        ///< the worker exits after this response
  RequestPhases phases{};      ///< with `record`
};

/// Request lines (no trailing newline).
[[nodiscard]] std::string encode_hello(int64_t id);
[[nodiscard]] std::string encode_measure(const MeasureRequest& request);
/// Parses a request line; throws Error(kExitUsage) with one line saying what is wrong.
[[nodiscard]] WorkerRequest decode_request(const std::string& line);

/// Response lines (no trailing newline).
[[nodiscard]] std::string encode_record_response(int64_t id, const report::Json& record,
                                                 bool restart, const RequestPhases& phases = {});
[[nodiscard]] std::string encode_environment_response(int64_t id,
                                                      const report::Json& environment);
[[nodiscard]] std::string encode_error_response(int64_t id, const std::string& message,
                                                int exit_code);
/// Parses a response line to the request `expected_id`; never throws (see `malformed`).
[[nodiscard]] WorkerResponse decode_response(const std::string& line, int64_t expected_id);

/// Why `record` is not a valid gemmtune.run/1 answer to `request` (schema, problem, kind or
/// config differ); empty when it is one.
[[nodiscard]] std::string record_mismatch(const report::Json& record,
                                          const MeasureRequest& request);

/// The run kind called `name` ("gemmtune", "cublaslt_best", ...), nullopt when unknown.
[[nodiscard]] std::optional<report::RunKind> run_kind_from_name(const std::string& name);

}  // namespace gemmtune::sweep
