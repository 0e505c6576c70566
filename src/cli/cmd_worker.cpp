// `gemmtune __worker`: the measuring worker of `sweep` and `check`, hidden from --help. It reads
// requests of the worker protocol (sweep/worker_protocol.hpp) from stdin, measures on the GPU and
// answers one line each on stdout, until EOF. After a CUDA fault it answers, then exits: its
// context is dead and the parent starts a fresh worker.
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/json_input.hpp"
#include "jit/kernel_build.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"
#include "runtime/gemm_bench.hpp"
#include "runtime/grouped_bench.hpp"
#include "runtime/nvml.hpp"
#include "runtime/roofs_measure.hpp"
#include "runtime/support_module.hpp"
#include "runtime/test_hooks.hpp"
#include "sweep/runoff.hpp"
#include "sweep/worker_protocol.hpp"

namespace gemmtune::cli {
namespace {

using report::Json;
using sweep::MeasureRequest;

/// The hello answer: the GPU the worker measures on (device 0) and the library versions (the
/// hello adds the GPU's roofs).
/// NOTE: the GPU object is runtime/environment's to_json(DeviceInfo), the one writer of device
/// fields that `devices --json` uses too (env.json spelled them differently before 2026-11-22;
/// report/summary_model reads both spellings).
Json environment_json(const EnvironmentInfo& e) {
  const nlohmann::json gpu = e.devices.at(0);
  return {{"tool_version", e.tool_version},
          {"git_rev", e.git_rev},
          {"gpu", parse_json<Json>(gpu.dump(), "worker gpu")},
          {"versions",
           {{"driver", e.driver_release.empty() ? "n/a" : e.driver_release},
            {"driver_cuda", cuda_version_string(e.driver_cuda_version)},
            {"cuda_runtime", cuda_version_string(e.runtime_version)},
            {"nvrtc", std::to_string(e.nvrtc_major) + "." + std::to_string(e.nvrtc_minor)},
            {"cublaslt", cublaslt_version_string(e.cublaslt_version)}}}};
}

/// The measurements of one worker process; keeps the current problem's inputs and references.
class Worker {
 public:
  /// Measures one request; a CUDA failure propagates as an exception.
  Measurement measure(const MeasureRequest& r) {
    if (r.kind == report::RunKind::kGemmtune) {
      if (const std::optional<TestHook> hook = test_hook_for(r.config)) return run_hook(r, *hook);
    }
    if (r.problem.layout != GroupLayout::kNone) return measure_grouped(r);
    ProblemBench& bench = bench_for(r);
    switch (r.kind) {
      case report::RunKind::kGemmtune: {
        std::string error;
        const std::optional<KernelConfig> config = parse_kernel_config(r.config, &error);
        if (!config) throw Error(kExitUsage, "config " + r.config + ": " + error);
        return bench.measure(*config, jit::build_kernel(*config), BaselineTiming::kNone).at(0);
      }
      case report::RunKind::kCublasltHeuristic: return bench.measure_cublaslt_heuristic();
      case report::RunKind::kCublasltBest:
        return bench.measure_cublaslt_best(
            {.max_algos = sweep::kCublasLtBestMaxAlgos,
             .screen_warmup = sweep::kCublasLtBestScreenWarmup,
             .screen_samples = sweep::kCublasLtBestScreenSamples,
             .retimed = sweep::kCublasLtBestRetimed});
      case report::RunKind::kCublasltFp8Tensor: return bench.measure_cublaslt_fp8_tensor();
      case report::RunKind::kSideBySide: {
        std::vector<RunoffCandidate> candidates;
        std::vector<std::string> texts{r.config};
        texts.insert(texts.end(), r.runoff.begin(), r.runoff.end());
        for (const std::string& text : texts) {
          std::string error;
          const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
          if (!config) throw Error(kExitUsage, "config " + text + ": " + error);
          candidates.push_back({.config = *config, .compiled = jit::build_kernel(*config)});
        }
        std::optional<AlgoRecord> algo;
        if (r.algo.is_object()) algo = parse_algo_record(r.algo, "worker request", "$.algo");
        return bench.measure_side_by_side(candidates, algo,
                                          std::max(r.timing.iters, sweep::kRunoffMinSamples));
      }
    }
    throw Error(kExitUsage, "unknown kind");
  }

 private:
  static std::vector<RunoffCandidate> candidates_of(const MeasureRequest& r) {
    std::vector<std::string> texts{r.config};
    if (r.kind == report::RunKind::kSideBySide) texts.insert(texts.end(), r.runoff.begin(), r.runoff.end());
    std::vector<RunoffCandidate> candidates;
    for (const std::string& text : texts) {
      std::string error;
      const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
      if (!config) throw Error(kExitUsage, "config " + text + ": " + error);
      if (config->layout != r.problem.layout) {
        throw Error(kExitUsage, "config " + text + " is not built for " + to_string(r.problem.layout));
      }
      candidates.push_back({.config = *config, .compiled = jit::build_kernel(*config)});
    }
    return candidates;
  }

  /// A grouped problem (README "Grouped GEMMs"): a config is validated group by group and timed
  /// alone; a baseline is one of the per-group cuBLASLt launches; side by side times the
  /// run-off's configs interleaved with both baselines, in one call.
  Measurement measure_grouped(const MeasureRequest& r) {
    GroupedBench& bench = grouped_bench_for(r);
    const Problem& p = r.problem;
    switch (r.kind) {
      case report::RunKind::kGemmtune:
        return to_measurement(p, bench.measure(candidates_of(r), {}).at(0), MeasuredKind::kGemmtune);
      case report::RunKind::kCublasltPerGroup:
        return to_measurement(p, bench.measure({}, {kGroupedBaselineLoop}).at(0),
                              MeasuredKind::kCublasLtPerGroup);
      case report::RunKind::kCublasltPerGroupGraph:
        return to_measurement(p, bench.measure({}, {kGroupedBaselineGraph}).at(0),
                              MeasuredKind::kCublasLtPerGroupGraph);
      case report::RunKind::kSideBySide: return grouped_side_by_side(bench, r);
      default: break;
    }
    throw Error(kExitUsage, std::string("kind ") + std::string(report::to_string(r.kind)) +
                                " is a dense baseline; a grouped problem has cublaslt_per_group(_graph)");
  }

  /// The run-off's candidates and both per-group baselines timed in one interleaved call; the
  /// record names the fastest candidate that passed (sweep/runoff.hpp).
  Measurement grouped_side_by_side(GroupedBench& bench, const MeasureRequest& r) {
    const std::vector<RunoffCandidate> candidates = candidates_of(r);
    const std::vector<GroupedMeasurement> results = bench.measure(candidates);
    Measurement side;
    const GroupedMeasurement* best = nullptr;
    for (size_t i = 0; i < candidates.size(); ++i) {
      const GroupedMeasurement& m = results[i];
      if (m.disposition != Disposition::kPassed || !m.timing) continue;
      side.runoff.push_back({.config = m.config, .timing = *m.timing});
      if (best == nullptr || m.timing->median_us < best->timing->median_us) best = &m;
    }
    if (best == nullptr) {
      side = to_measurement(r.problem, results.at(0), MeasuredKind::kSideBySide);
      if (side.disposition == Disposition::kPassed) side.disposition = Disposition::kIncorrect;
      side.reason = "no run-off candidate passed: " + results.at(0).reason;
      return side;
    }
    std::vector<RunoffTiming> runoff = std::move(side.runoff);
    side = to_measurement(r.problem, *best, MeasuredKind::kSideBySide);
    if (candidates.size() > 1) side.runoff = std::move(runoff);
    for (size_t i = candidates.size(); i < results.size(); ++i) {
      const GroupedMeasurement& b = results[i];
      if (b.disposition != Disposition::kPassed || !b.timing) continue;
      side.side_by_side[b.kind == kGroupedBaselineLoop ? MeasuredKind::kCublasLtPerGroup
                                                       : MeasuredKind::kCublasLtPerGroupGraph] = *b.timing;
    }
    return side;
  }

  GroupedBench& grouped_bench_for(const MeasureRequest& r) {
    if (!grouped_ || !(problem_ == r.problem) || !(timing_ == r.timing) || seed_ != r.seed) {
      bench_.reset();
      grouped_.reset();  // NOTE: free the old problem's buffers before allocating the new ones
      grouped_ = std::make_unique<GroupedBench>(r.problem, BenchOptions{.timing = timing_options(r),
                                                                        .seed = r.seed});
      problem_ = r.problem;
      timing_ = r.timing;
      seed_ = r.seed;
    }
    return *grouped_;
  }

  static TimingOptions timing_options(const MeasureRequest& r) {
    TimingOptions timing;
    timing.mode = *parse_timing_mode(r.timing.mode);  // decode_request checked the name
    timing.warmup_count = r.timing.warmup;
    timing.sample_count = r.timing.iters;
    return timing;
  }

  ProblemBench& bench_for(const MeasureRequest& r) {
    if (!bench_ || !(problem_ == r.problem) || !(timing_ == r.timing) || seed_ != r.seed) {
      grouped_.reset();
      bench_.reset();  // NOTE: free the old problem's buffers before allocating the new ones
      TimingOptions timing;
      timing.mode = *parse_timing_mode(r.timing.mode);  // decode_request checked the name
      timing.warmup_count = r.timing.warmup;
      timing.sample_count = r.timing.iters;
      bench_ = std::make_unique<ProblemBench>(r.problem, BenchOptions{.timing = timing,
                                                                      .seed = r.seed});
      problem_ = r.problem;
      timing_ = r.timing;
      seed_ = r.seed;
    }
    return *bench_;
  }

  static Measurement run_hook(const MeasureRequest& r, TestHook hook) {
    const cudaError_t status = run_test_hook(hook);
    GT_CHECK(status != cudaSuccess, kExitCudaError, "the trap kernel finished without a fault");
    Measurement m;
    m.problem = r.problem;
    m.config = r.config;
    m.disposition = Disposition::kFaulted;
    m.reason = std::string("test hook ") + kTestFaultConfigEnv + ": " + cudaGetErrorName(status) +
               ": " + cudaGetErrorString(status);
    return m;
  }

  std::unique_ptr<ProblemBench> bench_;
  std::unique_ptr<GroupedBench> grouped_;
  Problem problem_;
  sweep::TimingRequest timing_;
  uint64_t seed_ = 0;
};

MeasuredKind measured_kind(report::RunKind kind) {
  switch (kind) {
    case report::RunKind::kGemmtune: return MeasuredKind::kGemmtune;
    case report::RunKind::kCublasltHeuristic: return MeasuredKind::kCublasLtHeuristic;
    case report::RunKind::kCublasltBest: return MeasuredKind::kCublasLtBest;
    case report::RunKind::kCublasltFp8Tensor: return MeasuredKind::kCublasLtFp8Tensor;
    case report::RunKind::kSideBySide: return MeasuredKind::kSideBySide;
    case report::RunKind::kCublasltPerGroup: return MeasuredKind::kCublasLtPerGroup;
    case report::RunKind::kCublasltPerGroupGraph: return MeasuredKind::kCublasLtPerGroupGraph;
  }
  return MeasuredKind::kGemmtune;
}

/// A record for a measurement that threw: the context may be broken, so the worker restarts.
Measurement thrown_measurement(const MeasureRequest& r, const std::string& what) {
  Measurement m;
  m.problem = r.problem;
  m.kind = measured_kind(r.kind);
  m.config = r.config;
  m.disposition = Disposition::kFaulted;
  m.reason = "worker: " + what;
  return m;
}

int serve() {
  // NOTE: stdout belongs to the protocol. A library that prints to stdout would corrupt it, so
  // the protocol gets a private copy of the descriptor and fd 1 becomes stderr.
  std::FILE* protocol = ::fdopen(::dup(STDOUT_FILENO), "w");
  GT_CHECK(protocol != nullptr, kExitIoError, "cannot duplicate stdout");
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  const auto answer = [protocol](const std::string& line) {
    std::fprintf(protocol, "%s\n", line.c_str());
    std::fflush(protocol);
  };
  Worker worker;
  std::string line;
  for (LineStatus status; (status = read_bounded_line(std::cin, line)) != LineStatus::kEnd;) {
    sweep::WorkerRequest request;
    try {
      if (status == LineStatus::kTooLong) {
        throw Error(kExitUsage, "worker request: a line over " +
                                    std::to_string(kMaxJsonDocumentBytes) + " bytes");
      }
      request = sweep::decode_request(line);
    } catch (const Error& e) {
      answer(sweep::encode_error_response(-1, e.what(), kExitUsage));
      continue;
    }
    if (request.hello) {
      try {
        require_gpu();
        const EnvironmentInfo info = gather_environment();
        Json environment = environment_json(info);
        // NOTE: build and load the support kernels now, under the hello's long deadline, so that
        // the first measurement's watchdog covers only the measurement.
        (void)support_kernels();
        // NOTE: the roofs of this GPU (cached per device; a few seconds when not), also under
        // the hello's deadline; their buffers are freed before the first measurement.
        environment["roofs"] = report::to_json(device_roofs(info, info.devices.at(0), false).roofs);
        answer(sweep::encode_environment_response(request.id, environment));
      } catch (const Error& e) {
        answer(sweep::encode_error_response(request.id, e.what(), e.code()));
        return e.code();
      }
      continue;
    }
    const MeasureRequest& r = *request.measure;
    Measurement m;
    try {
      m = worker.measure(r);
    } catch (const std::exception& e) {
      m = thrown_measurement(r, e.what());
    }
    const bool restart = m.disposition == Disposition::kFaulted;
    answer(sweep::encode_record_response(
        r.id, parse_json<Json>(to_run_record(m).dump(), "worker record"), restart));
    if (restart) return kExitCudaError;
  }
  return kExitOk;
}

}  // namespace

void register_worker(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "__worker", "Measuring worker of sweep and check (internal; speaks JSON lines on stdio)");
  cmd->group("");  // NOTE: hidden from --help: users never start it themselves
  cmd->callback([&exit_code] { exit_code = serve(); });
}

}  // namespace gemmtune::cli
