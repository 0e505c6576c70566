// GroupedBench: validation and interleaved timing of grouped sm90_fp8_gemm_1d2d members.
#include "runtime/grouped_bench.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/kernel_family.hpp"
#include "core/gemm_shape.hpp"
#include "core/smem_layout.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/gemm_launcher.hpp"
#include "runtime/grouped_cublaslt.hpp"
#include "core/nvtx_ranges.hpp"
#include "runtime/support_compare.hpp"
#include "runtime/support_inputs.hpp"
#include "runtime/support_reference.hpp"

namespace gemmtune {

namespace launch = sm90_fp8_gemm_1d2d;

struct GroupedBench::State {
  GroupedInputs inputs;
  DeviceBuffer d;          // bf16 [m_pad4][n]
  DeviceBuffer reference;  // fp32 [m][n]: each group's dequantized reference in its own rows
  std::unique_ptr<GroupedCublasLt> cublaslt;  // null when it could not be built
  std::string cublaslt_failure;
  Timer timer;
  explicit State(const TimingOptions& timing) : timer(timing) {}
};

namespace {

/// A compiled grouped config loaded and bound to the problem's buffers.
struct LoadedGrouped {
  GemmKernel kernel;
  PreparedGemm prepared;
  LoadedGrouped(const KernelConfig& config, const jit::CompileResult& compiled,
                const launch::Problem& problem)
      : kernel(config, compiled.cubin, compiled.kernel_name), prepared(kernel, problem) {}
};

launch::Problem launch_problem(const GroupedInputs& in, void* d) {
  return launch::Problem{.m = in.m, .n = in.n, .k = in.k, .a = in.a.get(), .b = in.b.get(),
                         .sa = in.sa.as<float>(), .sb = in.sb.as<float>(), .sa_ld = in.m_pad4,
                         .sb_ld = in.sb_ld, .d = d, .num_groups = in.groups,
                         .max_m = in.layout == GroupLayout::kMasked ? in.max_m : 0,
                         .group_rows = in.group_rows.as<int32_t>()};
}

/// Row ranges [begin, end) of D that no group owns: masked rows past masked_m, padding rows.
std::vector<std::pair<int64_t, int64_t>> unowned_row_ranges(const GroupedInputs& in) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  if (in.layout == GroupLayout::kMasked) {
    for (int g = 0; g < in.groups; ++g) {
      const int64_t end = in.row_begin[g] + in.max_m;
      if (in.row_begin[g] + in.rows[g] < end) ranges.emplace_back(in.row_begin[g] + in.rows[g], end);
    }
  }
  if (in.m < in.m_pad4) ranges.emplace_back(in.m, in.m_pad4);
  return ranges;
}

/// Counts group g as checked and keeps it as the worst when its diff is the largest so far (a
/// non-finite output always counts as worst).
void note_group(GroupedValidation& v, int g, const ValidationMetrics& metrics) {
  ++v.groups_checked;
  if (v.worst_group < 0 || metrics.diff > v.worst.diff || metrics.nonfinite_count > 0) {
    v.worst = metrics;
    v.worst_group = g;
  }
}

}  // namespace

double GroupedMeasurement::useful_tflops(const Problem& p) const {
  if (!timing || timing->median_us <= 0) return 0.0;
  return gemm_tflops(p.shape(), timing->median_us);
}

double GroupedMeasurement::useful_gbps(const Problem& p) const {
  if (!timing || timing->median_us <= 0) return 0.0;
  return gemm_gbps(p.shape(), timing->median_us);
}

Measurement to_measurement(const Problem& problem, const GroupedMeasurement& m, RunKind kind) {
  Measurement out;
  out.problem = problem;
  out.kind = kind;
  out.config = m.kind == "gemmtune" ? m.config : "";
  out.disposition = m.disposition;
  out.reason = m.reason;
  out.timing = m.timing;
  if (m.validation.worst_group >= 0) out.vs_reference = m.validation.worst;
  out.vs_cublaslt = m.validation.worst_vs_cublaslt;
  out.ptxas = m.ptxas;
  out.smem_bytes = m.smem_bytes;
  return out;
}

void to_json(nlohmann::json& j, const GroupedMeasurement& m) {
  j = nlohmann::json{{"kind", m.kind},
                     {"config", m.config},
                     {"disposition", to_string(m.disposition)},
                     {"reason", m.reason},
                     {"registers", m.ptxas.registers},
                     {"spill_bytes", m.ptxas.spill_store_bytes + m.ptxas.spill_load_bytes},
                     {"smem_bytes", m.smem_bytes}};
  nlohmann::json v{{"groups_checked", m.validation.groups_checked},
                   {"worst_group", m.validation.worst_group},
                   {"unowned_rows", m.validation.unowned_rows},
                   {"unowned_written", m.validation.unowned_written}};
  if (m.validation.worst_group >= 0) v["worst_vs_reference"] = m.validation.worst;
  if (m.validation.worst_vs_cublaslt) {
    v["worst_vs_cublaslt"] = *m.validation.worst_vs_cublaslt;
    v["worst_cublaslt_group"] = m.validation.worst_cublaslt_group;
  }
  j["validation"] = v;
  if (m.timing) j["timing"] = *m.timing;
}

nlohmann::json grouped_problem_json(const Problem& p) {
  return nlohmann::json{{"layout", to_string(p.layout)}, {"n", p.n},         {"k", p.k},
                        {"groups", p.groups()},           {"group_m", p.group_m},
                        {"max_m", p.max_m},               {"m_rows", p.m},
                        {"useful_rows", p.useful_rows()}};
}

GroupedBench::GroupedBench(const Problem& problem, const BenchOptions& options)
    : problem_(problem), options_(options), state_(std::make_unique<State>(options.timing)) {
  State& s = *state_;
  const cudaStream_t stream = s.timer.stream();
  NvtxRange range(fmt::format("grouped inputs {} G{} N{} K{}", to_string(problem.layout),
                              problem.groups(), problem.n, problem.k));
  s.inputs = generate_grouped_inputs(problem, InputOptions{.seed = options.seed, .distribution = options.inputs}, stream);
  s.d = DeviceBuffer(s.inputs.output_bytes());
  s.reference = DeviceBuffer(static_cast<size_t>(s.inputs.m) * s.inputs.n * sizeof(float));
  for (int g = 0; g < s.inputs.groups; ++g) {
    if (s.inputs.rows[g] == 0) continue;
    run_reference_dequantized(s.inputs.group_operands(g),
                              s.reference.as<float>() + s.inputs.row_begin[g] * s.inputs.n,
                              stream);
  }
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  try {
    NvtxRange baseline("grouped cublaslt baseline");
    s.cublaslt = std::make_unique<GroupedCublasLt>(s.inputs, stream);
    if (!s.cublaslt->ok()) {
      s.cublaslt_failure = s.cublaslt->why();
      s.cublaslt.reset();
    } else {
      s.cublaslt->run(stream);
      s.cublaslt->run_graph(stream);  // captures the graph now, outside any timing
      GT_CUDA_CHECK(cudaStreamSynchronize(stream));
    }
  } catch (const Error& e) {
    s.cublaslt_failure = e.what();
    s.cublaslt.reset();
  }
}

GroupedBench::~GroupedBench() = default;

void GroupedBench::set_sampling(bool clock_per_sample, int settle_ms) {
  state_->timer.set_clock_per_sample(clock_per_sample);
  state_->timer.set_settle_ms(settle_ms);
}

void GroupedBench::append_cublaslt_baselines(const std::vector<std::string>& kinds,
                                             std::vector<GroupedMeasurement>& out,
                                             std::vector<TimedLaunch>& launches,
                                             std::vector<size_t>& timed) {
  State& s = *state_;
  for (const std::string& kind : kinds) {
    GT_CHECK(kind == kGroupedBaselineLoop || kind == kGroupedBaselineGraph, kExitUsage,
             "unknown grouped baseline " + kind);
    GroupedMeasurement b;
    b.kind = kind;
    if (!s.cublaslt) {
      b.disposition = Disposition::kSkipped;
      b.reason = s.cublaslt_failure;
      out.push_back(b);
      continue;
    }
    const std::optional<AlgoRecord> algo = s.cublaslt->algo(0);
    b.config = algo ? fmt::format("algo {} tile {} stages {} (group {}'s heuristic; each group "
                                  "its own)", algo->algo_id, algo->tile_id, algo->stages_id, 0)
                    : "";
    // Its accuracy: every group against the dequantized reference.
    const GroupedInputs& in = s.inputs;
    for (int g = 0; g < in.groups; ++g) {
      if (in.rows[g] == 0) continue;
      const int64_t offset = in.row_begin[g] * in.n;
      const ValidationMetrics metrics = compare_output(
          s.cublaslt->output(g), s.reference.as<float>() + offset, in.rows[g], in.n,
          s.timer.stream());
      note_group(b.validation, g, metrics);
    }
    b.disposition = Disposition::kPassed;
    GroupedCublasLt* baseline = s.cublaslt.get();
    if (kind == kGroupedBaselineLoop) {
      launches.push_back({kind, [baseline](cudaStream_t st) { baseline->run(st); }});
    } else {
      launches.push_back({kind, [baseline](cudaStream_t st) { baseline->run_graph(st); }});
    }
    timed.push_back(out.size());
    out.push_back(b);
  }
}

std::vector<GroupedMeasurement> GroupedBench::measure(
    const std::vector<RunoffCandidate>& candidates, const std::vector<std::string>& baselines,
    BaselineTiming timing, const RunoffPlan& runoff) {
  State& s = *state_;
  const GroupedInputs& in = s.inputs;
  const cudaStream_t stream = s.timer.stream();
  std::vector<GroupedMeasurement> out(candidates.size());
  std::vector<std::unique_ptr<LoadedGrouped>> loaded(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const RunoffCandidate& c = candidates[i];
    GroupedMeasurement& m = out[i];
    m.config = to_string(c.config);
    m.ptxas = c.compiled.ptxas;
    m.smem_bytes = smem_layout(c.config).total_bytes;
    if (!c.compiled.ok) {
      m.disposition = Disposition::kCompileFailed;
      m.reason = c.compiled.log.substr(0, 2000);
      continue;
    }
    try {
      loaded[i] = std::make_unique<LoadedGrouped>(c.config, c.compiled, launch_problem(in, s.d.get()));
    } catch (const Error& e) {
      m.disposition = Disposition::kLaunchFailed;
      m.reason = e.what();
      continue;
    }
    NvtxRange range("validate " + m.config);
    poison_output(s.d.get(), s.d.size_bytes(), stream);
    loaded[i]->prepared.launch(stream);
    const cudaError_t status = cudaStreamSynchronize(stream);
    if (status != cudaSuccess) {
      m.disposition = Disposition::kFaulted;
      m.reason = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
      loaded[i].reset();
      continue;
    }
    const auto* d = s.d.as<uint16_t>();
    GroupedValidation& v = m.validation;
    std::string failure;
    for (int g = 0; g < in.groups && failure.empty(); ++g) {
      if (in.rows[g] == 0) continue;
      const int64_t offset = in.row_begin[g] * in.n;
      const ValidationMetrics metrics =
          compare_output(d + offset, s.reference.as<float>() + offset, in.rows[g], in.n, stream);
      note_group(v, g, metrics);
      const ValidationVerdict verdict = judge_validation(metrics, kDequantizedReferenceThresholds);
      if (!verdict.passed) {
        failure = fmt::format("group {} ({} rows) vs dequantized reference: {}", g, in.rows[g],
                              verdict.reason);
        break;
      }
      if (s.cublaslt) {
        const ValidationMetrics agree =
            compare_output_bf16(d + offset, s.cublaslt->output(g), in.rows[g], in.n, stream);
        if (!v.worst_vs_cublaslt || agree.diff > v.worst_vs_cublaslt->diff) {
          v.worst_vs_cublaslt = agree;
          v.worst_cublaslt_group = g;
        }
        const ValidationVerdict same = judge_validation(agree, kCublasLtAgreementThresholds);
        if (!same.passed) {
          failure = fmt::format("group {} ({} rows) vs cuBLASLt: {}", g, in.rows[g], same.reason);
        }
      }
    }
    for (const auto& [begin, end] : unowned_row_ranges(in)) {
      const uint16_t* rows = d + begin * in.n;
      const ValidationMetrics untouched = compare_output_bf16(rows, rows, end - begin, in.n, stream);
      v.unowned_rows += end - begin;
      v.unowned_written += untouched.count - untouched.poison_count;
    }
    if (failure.empty() && v.unowned_written > 0) {
      failure = fmt::format("{} elements of the {} rows no group owns were written",
                            v.unowned_written, v.unowned_rows);
    }
    if (!failure.empty()) {
      m.disposition = Disposition::kIncorrect;
      m.reason = failure;
      loaded[i].reset();
      continue;
    }
    m.disposition = Disposition::kPassed;
  }
  std::vector<TimedLaunch> launches;
  std::vector<size_t> timed;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!loaded[i]) continue;
    const PreparedGemm* prepared = &loaded[i]->prepared;
    launches.push_back({kSm90Fp8Gemm1d2d.kernel_name(out[i].config),
                        [prepared](cudaStream_t st) { prepared->launch(st); }});
    timed.push_back(i);
  }
  std::vector<TimedLaunch> baseline_launches;
  if (timing != BaselineTiming::kNone) {
    append_cublaslt_baselines(baselines, out, baseline_launches, timed);
  }
  if (launches.empty() && baseline_launches.empty()) return out;
  NvtxRange range("time grouped");
  const std::vector<TimingStats> stats =
      s.timer.time_with_baselines(launches, baseline_launches, timing, runoff);
  for (size_t j = 0; j < timed.size(); ++j) out[timed[j]].timing = stats[j];
  return out;
}

}  // namespace gemmtune
