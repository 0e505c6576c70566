// BatchInvariance: whether each row of D is bit-identical whatever M the call has and whichever of
// a tuning table's configs for the same (N, K) computes it (kernels/README.md "Batch
// invariance"). For each (N, K) of the table's dense entries: fixed random inputs of 4096 rows;
// for each M in {1, 7, 64, 333, 4096} and each of the table's configs for that (N, K) that is
// legal at that M on this GPU, the kernel runs on the first M rows (D poisoned first) and its rows
// are compared bit for bit with
//   - the reference run: the table's first config with split_k 1 (else its first) at M = 4096;
//   - the same config at M = 4096 (its own rows: does M alone change them?).
// A table of rows differing and the largest absolute difference is printed (and written to
// GEMMTUNE_INVARIANCE_REPORT when set). The table: GEMMTUNE_INVARIANCE_TABLE, default
// results/h200-dense/tuning_table.json.
//
// What fails: any row differing for a config the table marks batch-invariant (every config of a
// table swept with --batch-invariant); any config that writes a row past M. On other tables the
// first test only reports; the second holds the rule `sweep --batch-invariant` relies on
// (core/serving.hpp is_batch_invariant: split_k 1) to the same runs.
//
// Grouped entries: batch_invariance_grouped_test.cpp.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/json_input.hpp"
#include "core/legality.hpp"
#include "core/number_formats.hpp"
#include "core/serving.hpp"
#include "batch_invariance_support.hpp"
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "report/tuning_table.hpp"
#include "runtime/gemm_launcher.hpp"

namespace gemmtune {
namespace {

constexpr int kInvarianceMaxRows = 4096;
constexpr int kInvarianceRowCounts[] = {1, 7, 64, 333, kInvarianceMaxRows};
constexpr uint64_t kInvarianceSeed = 20251;

/// One kernel run on the first `m` rows, compared with the reference run and with its own run of
/// every row.
struct InvarianceRun {
  int64_t n = 0, k = 0;
  std::string config;
  bool marked_invariant = false;   ///< the table says it must be batch-invariant
  bool rule_invariant = false;     ///< core/serving.hpp is_batch_invariant()
  bool reference_invariant = false;///< the reference run's config has split_k 1
  int m = 0;
  int64_t rows_differing = 0;      ///< of its m rows, vs the reference run
  double max_abs_diff = 0.0;       ///< vs the reference run (inf where one side is NaN)
  int64_t rows_differing_own = -1; ///< vs this config at 4096 rows; -1 when that did not run
  double max_abs_diff_own = 0.0;
  int64_t rows_written_past_m = 0; ///< rows >= m that lost their poison
};

/// Every run of a table, and what could not run.
struct InvarianceStudy {
  std::string table_path;
  bool table_batch_invariant = false;
  std::vector<InvarianceRun> runs;
  std::vector<std::string> not_run;  ///< "config MxNxK: why"
  std::vector<std::string> failures; ///< compile or launch failures
};

/// The inputs of one (N, K) at 4096 rows and the launches on their first M rows.
class RowPrefixGemm {
 public:
  RowPrefixGemm(int64_t n, int64_t k, cudaStream_t stream)
      : inputs_(generate_inputs(kInvarianceMaxRows, static_cast<int>(n), static_cast<int>(k),
                                InputOptions{.seed = kInvarianceSeed}, stream)),
        d_(inputs_.output_bytes()),
        sa_(inputs_.sa.size_bytes()),
        stream_(stream) {}

  /// D (all 4096 rows, bf16 bits) after `kernel` ran on the first `m` rows of A into a poisoned D,
  /// with sA packed for M = m as a caller of m rows passes it.
  std::vector<uint16_t> run(const GemmKernel& kernel, int m) {
    const int m_pad4 = (m + 3) / 4 * 4;
    const int k_blocks = (inputs_.k + 127) / 128;
    GT_CUDA_CHECK(cudaMemsetAsync(sa_.get(), 0, sa_.size_bytes(), stream_));
    GT_CUDA_CHECK(cudaMemcpy2DAsync(sa_.get(), static_cast<size_t>(m_pad4) * sizeof(float),
                                    inputs_.sa.get(),
                                    static_cast<size_t>(inputs_.m_pad4) * sizeof(float),
                                    static_cast<size_t>(m) * sizeof(float), k_blocks,
                                    cudaMemcpyDeviceToDevice, stream_));
    GT_CUDA_CHECK(cudaMemsetAsync(d_.get(), 0xff, d_.size_bytes(), stream_));
    const GemmOperands operands{.m = m, .n = inputs_.n, .k = inputs_.k, .m_pad4 = m_pad4,
                                .sb_ld = inputs_.sb_ld, .a = inputs_.a.as<uint8_t>(),
                                .b = inputs_.b.as<uint8_t>(), .sa = sa_.as<float>(),
                                .sb = inputs_.sb.as<float>()};
    const PreparedGemm gemm(kernel, operands, d_.get());
    gemm.launch(stream_);
    GT_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return d_.download<uint16_t>();
  }

 private:
  GemmInputs inputs_;
  DeviceBuffer d_;
  DeviceBuffer sa_;
  cudaStream_t stream_;
};

/// The distinct configs of one (N, K), in entry order (by M).
std::vector<KernelConfig> problem_configs(const report::TableProblem& problem) {
  std::vector<KernelConfig> configs;
  for (const report::TableEntry& entry : problem.entries) {
    if (entry.config) add_invariance_config(configs, parse_invariance_config(*entry.config));
  }
  return configs;
}

/// Every kernel of the table's dense entries.
InvarianceBuilds build_table_kernels(const report::TuningTable& table) {
  std::vector<KernelConfig> configs;
  for (const report::TableProblem& problem : table.problems) {
    if (problem.layout != GroupLayout::kNone) continue;
    for (const KernelConfig& c : problem_configs(problem)) add_invariance_config(configs, c);
  }
  return build_invariance_kernels(configs);
}

/// Runs every config of one (N, K) at every M and appends what it finds to `study`.
void study_problem(const report::TableProblem& problem, const InvarianceBuilds& builds,
                   const DeviceLimits& limits, cudaStream_t stream, InvarianceStudy& study) {
  const std::vector<KernelConfig> configs = problem_configs(problem);
  if (configs.empty()) return;
  std::vector<const jit::CompileResult*> built;
  for (const KernelConfig& c : configs) built.push_back(&builds.at(to_string(c)));
  const auto legal_at = [&](const KernelConfig& c, int m, std::string* why) {
    const Legality verdict =
        check_legality(Problem{.label = problem.label, .m = m, .n = problem.n, .k = problem.k}, c,
                       limits);
    if (why != nullptr) *why = verdict.rule_id + ": " + verdict.reason;
    return verdict.legal;
  };
  // The reference: the first config with split_k 1 that runs every row, else the first that does.
  std::optional<size_t> reference;
  for (const bool invariant_only : {true, false}) {
    for (size_t i = 0; i < configs.size() && !reference; ++i) {
      if (built[i]->ok && legal_at(configs[i], kInvarianceMaxRows, nullptr) &&
          (!invariant_only || is_batch_invariant(configs[i]))) {
        reference = i;
      }
    }
  }
  if (!reference) {
    study.not_run.push_back(fmt::format("{}x{}: no config of the table runs {} rows here",
                                        problem.n, problem.k, kInvarianceMaxRows));
    return;
  }
  RowPrefixGemm gemm(problem.n, problem.k, stream);
  std::vector<std::optional<GemmKernel>> kernels(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) {
    if (!built[i]->ok) {
      study.failures.push_back(to_string(configs[i]) + " did not compile: " + built[i]->log);
      continue;
    }
    kernels[i].emplace(configs[i], built[i]->cubin, built[i]->kernel_name);
  }
  const std::vector<uint16_t> reference_d = gemm.run(*kernels[*reference], kInvarianceMaxRows);
  for (size_t i = 0; i < configs.size(); ++i) {
    if (!kernels[i]) continue;
    std::optional<std::vector<uint16_t>> own_all_rows;
    if (legal_at(configs[i], kInvarianceMaxRows, nullptr)) {
      own_all_rows = gemm.run(*kernels[i], kInvarianceMaxRows);
    }
    for (const int m : kInvarianceRowCounts) {
      std::string why;
      if (!legal_at(configs[i], m, &why)) {
        study.not_run.push_back(fmt::format("{} {}x{}x{}: {}", to_string(configs[i]), m,
                                            problem.n, problem.k, why));
        continue;
      }
      const std::vector<uint16_t> d =
          m == kInvarianceMaxRows && own_all_rows ? *own_all_rows : gemm.run(*kernels[i], m);
      InvarianceRun run{.n = problem.n, .k = problem.k, .config = to_string(configs[i]),
                        .marked_invariant = study.table_batch_invariant,
                        .rule_invariant = is_batch_invariant(configs[i]),
                        .reference_invariant = is_batch_invariant(configs[*reference]), .m = m};
      std::tie(run.rows_differing, run.max_abs_diff) =
          compare_invariance_rows(d.data(), reference_d.data(), m, problem.n);
      if (own_all_rows) {
        std::tie(run.rows_differing_own, run.max_abs_diff_own) =
            compare_invariance_rows(d.data(), own_all_rows->data(), m, problem.n);
      }
      for (size_t r = static_cast<size_t>(m); r < kInvarianceMaxRows; ++r) {
        const auto row =
            d.begin() + static_cast<std::ptrdiff_t>(r * static_cast<size_t>(problem.n));
        run.rows_written_past_m +=
            std::any_of(row, row + problem.n, [](uint16_t v) { return v != kInvariancePoison; });
      }
      study.runs.push_back(run);
    }
  }
}

/// The printed table, one line per run, then what did not run.
std::string format_study(const InvarianceStudy& s) {
  std::string out = fmt::format(
      "Batch invariance of {} ({}): rows of D bit-compared with the reference run (the first "
      "split_k 1 config at {} rows) and with the config's own {}-row run\n\n"
      "| N | K | config | M | rows != reference | max abs diff | rows != own {} rows | max abs "
      "diff | split_k 1 |\n|--:|--:|---|--:|--:|--:|--:|--:|---|\n",
      s.table_path, s.table_batch_invariant ? "a batch-invariant table" : "a table without "
      "--batch-invariant", kInvarianceMaxRows, kInvarianceMaxRows, kInvarianceMaxRows);
  for (const InvarianceRun& r : s.runs) {
    out += fmt::format("| {} | {} | {} | {} | {} | {:.3g} | {} | {:.3g} | {} |\n", r.n, r.k,
                       r.config, r.m, r.rows_differing, r.max_abs_diff,
                       r.rows_differing_own < 0 ? std::string("-")
                                                : std::to_string(r.rows_differing_own),
                       r.max_abs_diff_own, r.rule_invariant ? "yes" : "no");
  }
  for (const std::string& line : s.not_run) out += "not run: " + line + "\n";
  for (const std::string& line : s.failures) out += "failed: " + line + "\n";
  return out;
}

/// The study of the table, run once per process (both tests read it).
const InvarianceStudy& invariance_study() {
  static const InvarianceStudy study = [] {
    InvarianceStudy s;
    s.table_path = invariance_table_path();
    const report::TuningTable table = report::load_tuning_table(s.table_path);
    s.table_batch_invariant = table.env.serving.batch_invariant;
    const DeviceLimits limits = current_device_limits();
    CudaStream stream;
    const InvarianceBuilds builds = build_table_kernels(table);
    for (const report::TableProblem& problem : table.problems) {
      if (problem.layout == GroupLayout::kNone) {
        study_problem(problem, builds, limits, stream.get(), s);
      }
    }
    write_invariance_report(format_study(s));
    return s;
  }();
  return study;
}

TEST(BatchInvariance, TableConfigsAcrossMAndConfigs) {
  GT_SKIP_WITHOUT_GPU();
  const InvarianceStudy& study = invariance_study();
  EXPECT_TRUE(study.failures.empty()) << study.failures.front();
  EXPECT_FALSE(study.runs.empty()) << "no dense entry of " << study.table_path << " ran";
  for (const InvarianceRun& r : study.runs) {
    EXPECT_EQ(r.rows_written_past_m, 0)
        << r.config << " at M " << r.m << " wrote rows past M of " << r.n << "x" << r.k;
    if (!r.marked_invariant) continue;
    EXPECT_EQ(r.rows_differing, 0) << r.config << " at M " << r.m << " (" << r.n << "x" << r.k
                                   << "): rows differ from the reference run in a "
                                      "batch-invariant table, max abs diff "
                                   << r.max_abs_diff;
  }
}

TEST(BatchInvariance, SplitOneConfigsKeepEveryRow) {
  GT_SKIP_WITHOUT_GPU();
  const InvarianceStudy& study = invariance_study();
  for (const InvarianceRun& r : study.runs) {
    if (!r.rule_invariant) continue;
    // NOTE: a table whose every config of an (N, K) splits K has no split_k 1 reference there.
    if (r.reference_invariant) {
      EXPECT_EQ(r.rows_differing, 0)
          << r.config << " at M " << r.m << " (" << r.n << "x" << r.k
          << "): split_k 1, which --batch-invariant keeps, yet rows differ from the reference "
             "run, max abs diff "
          << r.max_abs_diff;
    }
    EXPECT_LE(r.rows_differing_own, 0) << r.config << " at M " << r.m << ": rows differ from "
                                       << "its own 4096-row run";
  }
}

}  // namespace
}  // namespace gemmtune
