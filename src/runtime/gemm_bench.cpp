// ProblemBench: one problem's inputs and references, and the validate-then-time sequence every
// measured config goes through. The order matters: a config is timed only after its output
// passed every reference check, and a poisoned output buffer precedes every validated launch.
#include "runtime/gemm_bench.hpp"

#include <cuda_profiler_api.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "core/error.hpp"
#include "core/utc_time.hpp"
#include "core/kernel_family.hpp"
#include "core/gemm_shape.hpp"
#include "core/problem_json.hpp"
#include "core/results_schema.hpp"
#include "core/smem_layout.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/cuda_handles.hpp"
#include "runtime/gemm_bench_state.hpp"
#include "runtime/gemm_launcher.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/support_compare.hpp"
#include "runtime/support_inputs.hpp"
#include "runtime/support_reference.hpp"

namespace gemmtune {

namespace {


}  // namespace

double Measurement::tflops() const {
  if (!timing || timing->median_us <= 0) return 0.0;
  return gemm_tflops(problem.shape(), timing->median_us);
}

double Measurement::gbps() const {
  if (!timing || timing->median_us <= 0) return 0.0;
  return gemm_gbps(problem.shape(), timing->median_us);
}

namespace {


nlohmann::json metric_or_null(const std::optional<ValidationMetrics>& m) {
  return m ? nlohmann::json(m->diff) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_run_record(const Measurement& m) {
  nlohmann::json j;
  j["schema"] = kRunSchema;
  j["problem"] = problem_to_json<nlohmann::json>(m.problem);
  j["kind"] = to_string(m.kind);
  const bool ours = m.kind == RunKind::kGemmtune || m.kind == RunKind::kSideBySide;
  if (ours) j["config"] = m.config;
  if (m.algo) j["algo"] = *m.algo;
  j["disposition"] = to_string(m.disposition);
  j["reason"] = m.reason;
  if (m.timing) {
    const TimingStats& t = *m.timing;
    j["timing"] = {{"mode", to_string(t.mode)}, {"median_us", t.median_us}, {"p10_us", t.p10_us},
                   {"p90_us", t.p90_us}, {"spread_rel", t.spread},
                   {"samples", static_cast<int>(t.samples_us.size())}};
    j["tflops"] = m.tflops();
    j["gbps"] = m.gbps();
    if (t.sample_period_us > 0) j["timing"]["sample_period_us"] = t.sample_period_us;
    if (t.settle_ms > 0) j["timing"]["settle_ms"] = t.settle_ms;  // run --settle-ms, screenings
    j["clock"] = {{"sm_mhz", t.clocks_after.sm_clock_mhz}, {"power_w", t.clocks_after.power_w}};
    if (!t.samples_sm_mhz.empty()) {  // run --clock-per-sample, the sweep's screenings
      j["clock"]["sample_median_mhz"] = t.sample_median_mhz;
      j["clock"]["sample_median_cycles"] = t.sample_median_cycles;
      j["timing"]["samples_us"] = t.samples_us;
      j["timing"]["samples_sm_mhz"] = t.samples_sm_mhz;
      j["timing"]["samples_end_ns"] = t.samples_end_ns;
    }
  }
  const ValidationMetrics* worst = m.vs_reference ? &*m.vs_reference : nullptr;
  j["validation"] = {{"diff_ref", metric_or_null(m.vs_reference)},
                     {"diff_unquant", metric_or_null(m.vs_unquantized)},
                     {"diff_cublaslt", metric_or_null(m.vs_cublaslt)},
                     {"max_rel_err", worst ? nlohmann::json(worst->max_rel_err) : nullptr},
                     {"nonfinite", worst ? nlohmann::json(worst->nonfinite_count) : nullptr}};
  if (!m.stream_floor.is_null()) j["stream_floor"] = m.stream_floor;
  if (!m.side_by_side.empty()) {
    nlohmann::json sbs = nlohmann::json::object();
    for (const auto& [kind, t] : m.side_by_side) {
      sbs[to_string(kind)] = {{"median_us", t.median_us}, {"p10_us", t.p10_us}, {"p90_us", t.p90_us},
                              {"spread_rel", t.spread}, {"samples", static_cast<int>(t.samples_us.size())}};
    }
    j["side_by_side"] = sbs;
  }
  if (!m.runoff.empty()) {
    nlohmann::json runoff = nlohmann::json::array();
    for (const RunoffTiming& r : m.runoff) {
      const TimingStats& t = r.timing;
      runoff.push_back({{"config", r.config}, {"median_us", t.median_us}, {"p10_us", t.p10_us},
                        {"p90_us", t.p90_us}, {"spread_rel", t.spread},
                        {"samples", static_cast<int>(t.samples_us.size())},
                        {"burst_rounds", t.burst_rounds}});
    }
    j["runoff"] = runoff;
  }
  if (ours) {
    j["resources"] = {{"registers", m.ptxas.registers},
                      {"spill_bytes", m.ptxas.spill_store_bytes + m.ptxas.spill_load_bytes},
                      {"smem_bytes", m.smem_bytes}};
    j["compile_seconds"] = m.compile_seconds;
    j["compile_cache_hit"] = m.compile_cache_hit;
  }
  j["timestamp"] = utc_timestamp_now();
  return j;
}

ProblemBench::ProblemBench(const Problem& problem, const BenchOptions& options)
    : problem_(problem), options_(options), state_(std::make_unique<State>(options.timing)) {
  NvtxRange range("inputs " + std::to_string(problem.m) + "x" + std::to_string(problem.n) + "x" +
                  std::to_string(problem.k));
  State& s = *state_;
  const cudaStream_t stream = s.timer.stream();
  const int64_t fp32_input_bytes = 4 * (problem.m + problem.n) * problem.k;
  const bool unquantized = fp32_input_bytes <= options.unquantized_limit_bytes;
  s.inputs = generate_inputs(static_cast<int>(problem.m), static_cast<int>(problem.n),
                             static_cast<int>(problem.k),
                             InputOptions{.seed = options.seed, .distribution = options.inputs,
                                          .keep_unquantized = unquantized},
                             stream);
  const size_t mn = static_cast<size_t>(problem.m) * problem.n;
  s.d = DeviceBuffer(s.inputs.output_bytes());
  s.d_cublaslt = DeviceBuffer(s.inputs.output_bytes());
  s.reference = DeviceBuffer(mn * 4);
  run_reference_dequantized(s.inputs.operands(), s.reference.as<float>(), stream);
  if (unquantized) {
    s.unquantized = DeviceBuffer(mn * 4);
    run_reference_unquantized(s.inputs, s.unquantized.as<float>(), stream);
  }
  s.heuristic = std::make_unique<CublasLtFp8Gemm>(s.inputs.operands(),
                                                  s.d_cublaslt.as<uint16_t>(),
                                                  CublasLtGemmOptions{});
  s.heuristic_algo = s.heuristic->select_heuristic(&s.heuristic_failure);
  if (s.heuristic_algo) {
    poison_output(s.d_cublaslt.get(), s.d_cublaslt.size_bytes(), stream);
    s.heuristic->run(stream);
  }
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

ProblemBench::~ProblemBench() = default;

void ProblemBench::set_sampling(bool clock_per_sample, int settle_ms) {
  state_->timer.set_clock_per_sample(clock_per_sample);
  state_->timer.set_settle_ms(settle_ms);
}

bool judge(const char* what, const ValidationMetrics& metrics, const ValidationThresholds& limits,
           Measurement& m) {
  const ValidationVerdict verdict = judge_validation(metrics, limits);
  if (verdict.passed) return true;
  m.disposition = Disposition::kIncorrect;
  m.reason = std::string("vs ") + what + ": " + verdict.reason;
  return false;
}

std::unique_ptr<ProblemBench::Loaded> ProblemBench::load_and_validate(
    const KernelConfig& config, const jit::CompileResult& compiled, Measurement& m) {
  State& s = *state_;
  const cudaStream_t stream = s.timer.stream();
  m.problem = problem_;
  m.config = to_string(config);
  m.ptxas = compiled.ptxas;
  m.smem_bytes = smem_layout(config).total_bytes;
  m.compile_seconds = compiled.compile_seconds;
  m.compile_cache_hit = compiled.cache_hit;
  if (!compiled.ok) {
    m.disposition = Disposition::kCompileFailed;
    m.reason = compiled.log.substr(0, 2000);
    return nullptr;
  }
  std::unique_ptr<Loaded> loaded;
  try {
    loaded = std::make_unique<Loaded>(config, compiled, s.inputs.operands(), s.d.get());
  } catch (const Error& e) {
    m.disposition = Disposition::kLaunchFailed;
    m.reason = e.what();
    return nullptr;
  }
  NvtxRange range("validate " + m.config);
  poison_output(s.d.get(), s.d.size_bytes(), stream);
  loaded->prepared.launch(stream);
  const cudaError_t status = cudaStreamSynchronize(stream);
  if (status != cudaSuccess) {
    // NOTE: a fault (illegal address, trap) poisons the CUDA context for the whole process;
    // the sweep measures in a worker process it can restart for exactly this reason.
    m.disposition = Disposition::kFaulted;
    m.reason = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
    return nullptr;
  }
  const auto* d = s.d.as<uint16_t>();
  m.vs_reference = compare_output(d, s.reference.as<float>(), problem_.m, problem_.n, stream);
  if (s.unquantized.get() != nullptr) {
    m.vs_unquantized = compare_output(d, s.unquantized.as<float>(), problem_.m, problem_.n, stream);
  }
  if (s.heuristic_algo) {
    m.vs_cublaslt =
        compare_output_bf16(d, s.d_cublaslt.as<uint16_t>(), problem_.m, problem_.n, stream);
  }
  const bool ok =
      judge("dequantized reference", *m.vs_reference, kDequantizedReferenceThresholds, m) &&
      (!m.vs_unquantized ||
       judge("unquantized reference", *m.vs_unquantized, kUnquantizedReferenceThresholds, m)) &&
      (!m.vs_cublaslt || judge("cuBLASLt", *m.vs_cublaslt, kCublasLtAgreementThresholds, m));
  if (!ok) return nullptr;
  m.disposition = Disposition::kPassed;
  return loaded;
}

Measurement ProblemBench::validate(const KernelConfig& config, const jit::CompileResult& compiled) {
  Measurement m;
  (void)load_and_validate(config, compiled, m);
  return m;
}

std::vector<Measurement> ProblemBench::measure(const KernelConfig& config,
                                               const jit::CompileResult& compiled,
                                               BaselineTiming baseline_timing) {
  State& s = *state_;
  Measurement m;
  const std::unique_ptr<Loaded> loaded = load_and_validate(config, compiled, m);
  if (!loaded) return {m};
  NvtxRange range("time " + m.config);
  std::vector<TimedLaunch> launches{{kSm90Fp8Gemm1d2d.kernel_name(m.config), [&](cudaStream_t st) {
                                       loaded->prepared.launch(st);
                                     }}};
  const bool baseline = baseline_timing != BaselineTiming::kNone && s.heuristic_algo.has_value();
  std::vector<TimedLaunch> baselines;
  if (baseline) baselines.push_back({"cublaslt_heuristic", s.heuristic->launcher()});
  const std::vector<TimingStats> stats =
      s.timer.time_with_baselines(launches, baselines, baseline_timing);
  m.timing = stats[0];
  std::vector<Measurement> out{m};
  if (baseline) {
    Measurement b;
    b.problem = problem_;
    b.kind = RunKind::kCublasltHeuristic;
    b.algo = s.heuristic_algo;
    b.disposition = Disposition::kPassed;
    b.timing = stats[1];
    b.vs_reference = compare_output(s.d_cublaslt.as<uint16_t>(), s.reference.as<float>(),
                                    problem_.m, problem_.n, s.timer.stream());
    out.push_back(b);
  }
  return out;
}

Measurement ProblemBench::measure_cublaslt_heuristic() {
  State& s = *state_;
  Measurement b;
  b.problem = problem_;
  b.kind = RunKind::kCublasltHeuristic;
  if (!s.heuristic_algo) {
    b.disposition = Disposition::kSkipped;
    b.reason = s.heuristic_failure;
    return b;
  }
  b.algo = s.heuristic_algo;
  b.vs_reference = compare_output(s.d_cublaslt.as<uint16_t>(), s.reference.as<float>(),
                                  problem_.m, problem_.n, s.timer.stream());
  b.timing = s.timer.time({"cublaslt_heuristic", s.heuristic->launcher()});
  b.disposition = Disposition::kPassed;
  return b;
}

std::vector<uint16_t> ProblemBench::output() const {
  std::vector<uint16_t> d = state_->d.download<uint16_t>();
  d.resize(static_cast<size_t>(problem_.m) * problem_.n);  // drop the rows padding M to 4
  return d;
}

void ProblemBench::profile(const KernelConfig& config, const jit::CompileResult& compiled,
                           int launches) {
  GT_CHECK(compiled.ok, kExitFailed, "config did not compile: " + compiled.log);
  State& s = *state_;
  const GemmKernel kernel(config, compiled.cubin, compiled.kernel_name);
  const PreparedGemm prepared(kernel, s.inputs.operands(), s.d.get());
  prepared.launch(s.timer.stream());  // warm-up, outside the profiled region
  GT_CUDA_CHECK(cudaStreamSynchronize(s.timer.stream()));
  GT_CUDA_CHECK(cudaProfilerStart());
  {
    NvtxRange range("profile " + to_string(config));
    for (int i = 0; i < launches; ++i) {
      if (launches > 1) s.timer.flush();
      prepared.launch(s.timer.stream());
    }
    GT_CUDA_CHECK(cudaStreamSynchronize(s.timer.stream()));
  }
  GT_CUDA_CHECK(cudaProfilerStop());
}

}  // namespace gemmtune
