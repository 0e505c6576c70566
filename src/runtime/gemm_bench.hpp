#pragma once
/// Measuring members of the kernel family on one problem: inputs and references are built once,
/// then each config is validated (poisoned output, three references) and timed with the same
/// harness as the cuBLASLt baselines. `gemmtune run` measures one config; `sweep` many.
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cublaslt_algo_record.hpp"
#include "core/input_distribution.hpp"
#include "core/kernel_config.hpp"
#include "core/probe_cut.hpp"
#include "core/problem.hpp"
#include "core/results_schema.hpp"
#include "core/validation_metrics.hpp"
#include "jit/compiler.hpp"
#include "runtime/timing.hpp"

namespace gemmtune {

// How a measurement ended and what produced it: Disposition and RunKind, the records'
// vocabulary (core/results_schema.hpp).

/// One config's time in a side-by-side run-off.
struct RunoffTiming {
  std::string config;
  TimingStats timing;
};

/// A candidate of a side-by-side run-off: a config and its compiled kernel.
struct RunoffCandidate {
  KernelConfig config;
  jit::CompileResult compiled;
};

/// One measurement: a runs.jsonl record (schema gemmtune.run/1, src/report/README.md "Run folder").
struct Measurement {
  Problem problem;
  RunKind kind = RunKind::kGemmtune;
  std::string config;                 ///< canonical config text (gemmtune kind)
  std::optional<AlgoRecord> algo;     ///< cuBLASLt kinds
  Disposition disposition = Disposition::kSkipped;
  std::string reason;
  std::optional<TimingStats> timing;
  std::optional<ValidationMetrics> vs_reference;    ///< dequantized FP32 reference
  std::optional<ValidationMetrics> vs_unquantized;  ///< FP32 product of unquantized inputs
  std::optional<ValidationMetrics> vs_cublaslt;     ///< cuBLASLt block-scaled (heuristic) output
  jit::PtxasReport ptxas;
  int64_t smem_bytes = -1;
  double compile_seconds = 0.0;
  bool compile_cache_hit = false;
  /// kSideBySide: the cuBLASLt kinds timed interleaved with `config` (whose time is `timing`).
  std::map<RunKind, TimingStats> side_by_side;
  /// kSideBySide with more than one candidate: every candidate that validated, in request
  /// order, timed in the same interleaved call; `config` is the fastest of them.
  std::vector<RunoffTiming> runoff;
  /// kSideBySide (dense): wall seconds of the run-off (its candidates validated and timed, a
  /// close contest's second pass included), for the sweep's time breakdown; not recorded.
  double runoff_seconds = 0.0;
  /// kStreamFloor: every variant's launch and time and the empty launch (StreamFloor's JSON).
  nlohmann::json stream_floor{};

  /// TFLOPS and GB/s of the median time, by core/gemm_shape.hpp's formulas (0 when untimed).
  [[nodiscard]] double tflops() const;
  [[nodiscard]] double gbps() const;
};

/// The runs.jsonl record of a measurement.
[[nodiscard]] nlohmann::json to_run_record(const Measurement& measurement);

struct BenchOptions {
  TimingOptions timing;
  uint64_t seed = 1;
  InputDistribution inputs = kDefaultInputDistribution;
  /// Skip the unquantized reference above this many bytes of fp32 inputs (it needs 4 B/element).
  int64_t unquantized_limit_bytes = 8ll << 30;
};

/// How ProblemBench::measure_cublaslt_best searches (sweep/worker_protocol.hpp has the values
/// the sweep uses).
struct CublasLtBestOptions {
  int max_algos = 2048;    ///< most valid configurations probed, in enumeration order
  /// Which probed configurations are screened (each configuration's first launch is its probe:
  /// one screening sample); nullopt screens every one that launches.
  std::optional<ProbeCut> probe_cut = ProbeCut{};
  int screen_warmup = 1;   ///< warm-up samples per screened configuration
  int screen_samples = 3;  ///< timed samples per screened configuration
  int retimed = 4;         ///< fastest validated configurations re-timed with the full protocol
};

/// ProblemBench::time_chain's result: a chain of `calls` back-to-back calls of one config, timed
/// with its launches after the first in stream order and overlapping the call before
/// (programmatic dependent launch), interleaved chain by chain (each sample a whole chain after
/// the protocol's flush).
struct ChainTiming {
  int calls = 0;
  Measurement validation;  ///< load and validation of the config (disposition kPassed to time)
  std::optional<TimingStats> after_previous, overlap_previous;
  /// The overlapped chain's output against the dequantized reference (poisoned first).
  std::optional<ValidationMetrics> overlapped_vs_reference;
  /// Microseconds an overlapped launch saves: the chains' median difference over calls - 1.
  [[nodiscard]] double saved_us_per_launch() const {
    return calls > 1 && after_previous && overlap_previous
               ? (after_previous->median_us - overlap_previous->median_us) / (calls - 1)
               : 0.0;
  }
};

/// Inputs, references and the cuBLASLt heuristic output of one problem, on the current GPU.
class ProblemBench {
 public:
  /// Generates inputs from options.seed and computes the references (synchronous).
  ProblemBench(const Problem& problem, const BenchOptions& options);
  ~ProblemBench();
  ProblemBench(const ProblemBench&) = delete;
  ProblemBench& operator=(const ProblemBench&) = delete;

  /// For the timings that follow: whether they read the SM clock after every sample, and the
  /// idle before each (Timer::set_clock_per_sample, Timer::set_settle_ms). The worker's single
  /// configs do both (screenings, `check`), its run-offs and baselines neither.
  void set_sampling(bool clock_per_sample, int settle_ms);

  /// Loads, validates and (when it passed) times one compiled config. Unless `baseline` is
  /// kNone, the cuBLASLt heuristic is timed beside it as `baseline` says and returned as a
  /// second measurement.
  [[nodiscard]] std::vector<Measurement> measure(const KernelConfig& config,
                                                 const jit::CompileResult& compiled,
                                                 BaselineTiming baseline);
  /// Loads and validates one compiled config, then times chains of `calls` (>= 2) back-to-back
  /// calls of it both ways (ChainTiming) and checks the overlapped chain's output.
  [[nodiscard]] ChainTiming time_chain(const KernelConfig& config,
                                       const jit::CompileResult& compiled, int calls);
  /// Loads and validates one compiled config without timing it (poisoned output, every reference).
  [[nodiscard]] Measurement validate(const KernelConfig& config, const jit::CompileResult& compiled);
  /// Times the cuBLASLt block-scaled heuristic algorithm alone.
  [[nodiscard]] Measurement measure_cublaslt_heuristic();
  /// "Best cuBLASLt" (kind cublaslt_best): every block-scaled configuration
  /// cublasLtMatmulAlgoCheck accepts (runtime/cublaslt_algo_search.hpp) is run once and screened
  /// with a few samples; the fastest are validated against the dequantized reference until
  /// `retimed` pass, those are re-timed interleaved with the full protocol, and the fastest wins.
  [[nodiscard]] Measurement measure_cublaslt_best(const CublasLtBestOptions& options);
  /// cuBLASLt FP8 with per-tensor unit scales, heuristic algorithm (kind cublaslt_fp8_tensor).
  /// Not the same math (no block scales), so its output is not validated.
  [[nodiscard]] Measurement measure_cublaslt_fp8_tensor();
  /// Side by side (kind side_by_side): the candidate configs (the screening's fastest first) are
  /// validated again and, when more than one, timed together as `runoff` says (the run-off:
  /// bursts or interleaved sample by sample, core/timing_mode.hpp RunoffRegime);
  /// the fastest (the record's config) is then timed interleaved with the cuBLASLt heuristic,
  /// `best_algo` (the cuBLASLt best search's winner, when known) and the per-tensor FP8 GEMM.
  /// The card is power-capped and its clock moves within a problem's measurements (SM clock
  /// 1.4-1.75 GHz within one problem of the dsv3 sweep), so only interleaved times compare
  /// configs fairly; the tuning table's choice and speedups come from these numbers. A candidate
  /// other than the first that fails validation is left out; the first failing fails the record.
  /// `runoff`: the run-off's regime and samples (default: interleaved, the options' samples).
  [[nodiscard]] Measurement measure_side_by_side(const std::vector<RunoffCandidate>& candidates,
                                                 const std::optional<AlgoRecord>& best_algo,
                                                 const RunoffPlan& runoff = {});
  /// One warm-up, then `launches` launches of `config` between cudaProfilerStart/Stop (for
  /// ncu). More than one: each behind the timing options' L2 flush as a timed call is, so
  /// Nsight sees a burst's spread, and a diagnostic hook whose output is wrong by design (not
  /// timed, src/jit/README.md "Kernel defines") its clock and cycles; one launch is profiled as
  /// before `--profile-launches` existed, unflushed.
  void profile(const KernelConfig& config, const jit::CompileResult& compiled, int launches = 1);

  [[nodiscard]] const Problem& problem() const { return problem_; }
  /// The bf16 bits of D ([m][n]) left by the last validated launch.
  [[nodiscard]] std::vector<uint16_t> output() const;

 private:
  struct State;
  struct Loaded;
  /// Loads `compiled`, validates it into `m`; returns the loaded kernel when it passed.
  [[nodiscard]] std::unique_ptr<Loaded> load_and_validate(const KernelConfig& config,
                                                          const jit::CompileResult& compiled,
                                                          Measurement& m);
  Problem problem_;
  BenchOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace gemmtune
