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
// Grouped entries (GroupedRowsMatchDense): each of the table's first 32 grouped entries (without
// any: a built-in set of both layouts, G 4 and 8, ragged groups with an empty one and one of a
// single row) runs with its group sizes capped at 512 rows on fresh inputs, D poisoned first;
// every non-empty group's rows must be bit-identical to a dense split_k 1 config run on that
// group's A rows and B alone, and rows no group owns (masked rows past masked_m, padding) must
// keep their poison. It prints its own table, appended to GEMMTUNE_INVARIANCE_REPORT's file.
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
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "report/tuning_table.hpp"
#include "runtime/gemm_launcher.hpp"

namespace gemmtune {
namespace {

constexpr int kInvarianceMaxRows = 4096;
constexpr int kInvarianceRowCounts[] = {1, 7, 64, 333, kInvarianceMaxRows};
constexpr uint64_t kInvarianceSeed = 20251;
/// bf16 all-ones: a NaN no kernel writes for these finite inputs.
constexpr uint16_t kInvariancePoison = 0xffff;

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

std::string invariance_table_path() {
  const char* env = std::getenv("GEMMTUNE_INVARIANCE_TABLE");
  const std::string path = env != nullptr && *env != '\0'
                               ? std::string(env)
                               : std::string("results/h200-dense/tuning_table.json");
  return resolve_input_path(path);
}

/// This GPU's limits for the legality model.
DeviceLimits current_device_limits() {
  int device = 0;
  GT_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  GT_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return {.sm_count = prop.multiProcessorCount,
          .smem_per_block_bytes = static_cast<int64_t>(prop.sharedMemPerBlockOptin),
          .device_memory_bytes = static_cast<int64_t>(prop.totalGlobalMem)};
}

/// Rows of `x` and `y` (bf16 [rows][n]) whose bits differ, and the largest absolute difference.
std::pair<int64_t, double> compare_invariance_rows(const uint16_t* x, const uint16_t* y,
                                                   int64_t rows, int64_t n) {
  int64_t differing = 0;
  double max_diff = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    bool row_differs = false;
    for (int64_t c = 0; c < n; ++c) {
      const size_t i = static_cast<size_t>(r) * static_cast<size_t>(n) + static_cast<size_t>(c);
      if (x[i] == y[i]) continue;
      row_differs = true;
      const float a = bf16_to_float(x[i]), b = bf16_to_float(y[i]);
      const double diff = std::isnan(a) || std::isnan(b)
                              ? std::numeric_limits<double>::infinity()
                              : std::abs(static_cast<double>(a) - static_cast<double>(b));
      max_diff = std::max(max_diff, diff);
    }
    differing += row_differs ? 1 : 0;
  }
  return {differing, max_diff};
}

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
KernelConfig parse_invariance_config(const std::string& text) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
  if (!config) throw std::runtime_error(text + ": " + error);
  return *config;
}

void add_invariance_config(std::vector<KernelConfig>& configs, const KernelConfig& config) {
  if (std::find(configs.begin(), configs.end(), config) == configs.end()) {
    configs.push_back(config);
  }
}

std::vector<KernelConfig> problem_configs(const report::TableProblem& problem) {
  std::vector<KernelConfig> configs;
  for (const report::TableEntry& entry : problem.entries) {
    if (entry.config) add_invariance_config(configs, parse_invariance_config(*entry.config));
  }
  return configs;
}

/// Kernels by config name, built at once on every core (NVRTC, disk cache).
using InvarianceBuilds = std::map<std::string, jit::CompileResult>;
InvarianceBuilds build_invariance_kernels(const std::vector<KernelConfig>& configs) {
  std::vector<jit::CompileResult> results = jit::build_kernels(configs, 0);
  InvarianceBuilds builds;
  for (size_t i = 0; i < configs.size(); ++i) {
    builds.emplace(to_string(configs[i]), std::move(results[i]));
  }
  return builds;
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

/// Prints `text` and writes it to GEMMTUNE_INVARIANCE_REPORT when set: the process's first
/// section replaces the file, later ones are appended.
void write_invariance_report(const std::string& text) {
  static bool report_started = false;
  std::cout << text << std::flush;
  const char* path = std::getenv("GEMMTUNE_INVARIANCE_REPORT");
  if (path == nullptr || *path == '\0') return;
  std::ofstream(path, report_started ? std::ios::app : std::ios::trunc)
      << (report_started ? "\n" : "") << text;
  report_started = true;
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


// ---- Grouped entries: each group's rows against the dense computation of the same rows ----

/// Rows of each group a grouped run keeps (masked: max_m too), to bound the test's time.
constexpr int64_t kGroupedInvarianceMaxGroupRows = 512;
/// Grouped table entries the test runs at most; later ones are listed as not run.
constexpr size_t kGroupedInvarianceMaxEntries = 32;
constexpr uint64_t kGroupedInvarianceSeed = 20252;
/// The dense split_k 1 config that recomputes each group (num_sms set to the GPU's SMs): no
/// multicast and no fixed K, so it runs every group's rows, N and K.
constexpr const char* kGroupedInvarianceDenseConfig = "bm128_bn128_s5_mc0_sm132_rN8_sk1";

/// One grouped problem (group sizes capped) and a config for it.
struct GroupedInvarianceCase {
  Problem problem;
  KernelConfig config;
};

/// One grouped run compared group by group with the dense config on that group's A rows and B.
struct GroupedInvarianceRun {
  std::string op;  ///< e.g. "grouped_masked G8"
  int64_t n = 0, k = 0;
  std::vector<int64_t> group_m;
  std::string config;
  int64_t groups_compared = 0;  ///< non-empty groups the dense config ran
  int64_t rows_compared = 0;
  int64_t rows_differing = 0;   ///< of the rows compared, those whose bits differ
  double max_abs_diff = 0.0;    ///< inf where one side is NaN
  int64_t unowned_rows = 0;     ///< rows of D no group owns (masked past masked_m, padding)
  int64_t unowned_rows_written = 0;  ///< of those, rows that lost their poison
};

struct GroupedInvarianceStudy {
  std::string source;  ///< the table, or the built-in set
  std::string dense_config;
  std::vector<GroupedInvarianceRun> runs;
  std::vector<std::string> not_run;
  std::vector<std::string> failures;
};

/// `p` with each group's rows (masked: and max_m) capped at kGroupedInvarianceMaxGroupRows.
Problem grouped_invariance_capped(const Problem& p) {
  const int64_t max_m = std::min(p.max_m, kGroupedInvarianceMaxGroupRows);  // contiguous: 0
  const int64_t cap = p.layout == GroupLayout::kMasked ? max_m : kGroupedInvarianceMaxGroupRows;
  std::vector<int64_t> rows;
  for (const int64_t r : p.group_m) rows.push_back(std::min(r, cap));
  return Problem::grouped(p.layout, p.n, p.k, std::move(rows), max_m, p.label);
}

/// The table's grouped entries with a config, capped, at most kGroupedInvarianceMaxEntries.
std::vector<GroupedInvarianceCase> grouped_invariance_table_cases(
    const report::TuningTable& table, std::vector<std::string>& not_run) {
  std::vector<GroupedInvarianceCase> cases;
  for (const report::TableProblem& problem : table.problems) {
    if (problem.layout == GroupLayout::kNone) continue;
    for (const report::TableEntry& entry : problem.entries) {
      if (!entry.config) continue;
      const Problem full = report::problem_of(problem, entry);
      if (cases.size() == kGroupedInvarianceMaxEntries) {
        not_run.push_back(fmt::format("{} {}: past the first {} grouped entries", *entry.config,
                                      describe(full), kGroupedInvarianceMaxEntries));
        continue;
      }
      cases.push_back({.problem = grouped_invariance_capped(full),
                       .config = parse_invariance_config(*entry.config)});
    }
  }
  return cases;
}

/// Without grouped entries in the table: both layouts, G 4 and 8, ragged groups with an empty
/// group and a group of one row, N and K that leave ragged tiles, and two configs each (one
/// multicasting B, one compiled for its K), num_sms at most the GPU's (even, for the pairs).
std::vector<GroupedInvarianceCase> grouped_invariance_builtin_cases(int sm_count) {
  const Problem problems[] = {
      Problem::grouped(GroupLayout::kContiguous, 768, 1024, {0, 1, 130, 64, 257, 3, 300, 77}),
      Problem::grouped(GroupLayout::kContiguous, 512, 640, {1, 200, 0, 129}),
      Problem::grouped(GroupLayout::kMasked, 1024, 512, {129, 1, 0, 192}, 192),
      Problem::grouped(GroupLayout::kMasked, 640, 1024, {20, 0, 1, 256, 64, 7, 129, 200}, 256),
  };
  std::vector<GroupedInvarianceCase> cases;
  for (const Problem& p : problems) {
    const char* suffix = p.layout == GroupLayout::kMasked ? "gM" : "gC";
    for (const std::string& text :
         {fmt::format("bm128_bn192_s4_mcB_sm132_rN8_sk1_{}", suffix),
          fmt::format("bm64_bn128_s8_mc0_sm132_rN8_sk1_k{}_{}", p.k, suffix)}) {
      KernelConfig config = parse_invariance_config(text);
      config.num_sms = std::min(config.num_sms, sm_count / 2 * 2);
      cases.push_back({.problem = p, .config = config});
    }
  }
  return cases;
}

/// D (bf16 bits, [m_pad4][n]) of `kernel` run on the grouped inputs, poisoned first.
std::vector<uint16_t> run_grouped_invariance(const GemmKernel& kernel, const GroupedInputs& in,
                                             cudaStream_t stream) {
  DeviceBuffer d(in.output_bytes());
  GT_CUDA_CHECK(cudaMemsetAsync(d.get(), 0xff, d.size_bytes(), stream));
  const PreparedGemm gemm(
      kernel, sm90_fp8_gemm_1d2d::Problem{
                  .m = in.m, .n = in.n, .k = in.k, .a = in.a.get(), .b = in.b.get(),
                  .sa = in.sa.as<float>(), .sb = in.sb.as<float>(), .sa_ld = in.m_pad4,
                  .sb_ld = in.sb_ld, .d = d.get(), .num_groups = in.groups, .max_m = in.max_m,
                  .group_rows = in.group_rows.as<int32_t>()});
  gemm.launch(stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return d.download<uint16_t>();
}

/// D (bf16 bits, [roundup(rows, 4)][n]) of the dense `kernel` on group g alone: its rows of A and
/// sA copied into buffers of their own (a caller with only this group's tokens), its B and sB.
std::vector<uint16_t> run_dense_group_invariance(const GemmKernel& kernel, const GroupedInputs& in,
                                                 int g, cudaStream_t stream) {
  const GemmOperands group = in.group_operands(g);
  const int rows_pad4 = (group.m + 3) / 4 * 4;
  const int k_blocks = (in.k + 127) / 128;
  DeviceBuffer a(static_cast<size_t>(rows_pad4) * in.k);
  DeviceBuffer sa(static_cast<size_t>(k_blocks) * rows_pad4 * sizeof(float));
  DeviceBuffer d(static_cast<size_t>(rows_pad4) * in.n * 2);
  GT_CUDA_CHECK(cudaMemsetAsync(a.get(), 0, a.size_bytes(), stream));
  GT_CUDA_CHECK(cudaMemsetAsync(sa.get(), 0, sa.size_bytes(), stream));
  GT_CUDA_CHECK(cudaMemsetAsync(d.get(), 0xff, d.size_bytes(), stream));
  GT_CUDA_CHECK(cudaMemcpyAsync(a.get(), group.a, static_cast<size_t>(group.m) * in.k,
                                cudaMemcpyDeviceToDevice, stream));
  GT_CUDA_CHECK(cudaMemcpy2DAsync(sa.get(), static_cast<size_t>(rows_pad4) * sizeof(float),
                                  group.sa, static_cast<size_t>(in.m_pad4) * sizeof(float),
                                  static_cast<size_t>(group.m) * sizeof(float), k_blocks,
                                  cudaMemcpyDeviceToDevice, stream));
  const GemmOperands operands{.m = group.m, .n = in.n, .k = in.k, .m_pad4 = rows_pad4,
                              .sb_ld = in.sb_ld, .a = a.as<uint8_t>(), .b = group.b,
                              .sa = sa.as<float>(), .sb = group.sb};
  const PreparedGemm gemm(kernel, operands, d.get());
  gemm.launch(stream);
  GT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return d.download<uint16_t>();
}

/// Runs one case and compares every non-empty group's rows with the dense run of that group;
/// rows no group owns must keep their poison.
void study_grouped_case(const GroupedInvarianceCase& c, const InvarianceBuilds& builds,
                        const GemmKernel& dense, const DeviceLimits& limits, cudaStream_t stream,
                        GroupedInvarianceStudy& study) {
  const std::string name = to_string(c.config);
  const Legality verdict = check_legality(c.problem, c.config, limits);
  if (!verdict.legal) {
    study.not_run.push_back(
        fmt::format("{} {}: {}: {}", name, describe(c.problem), verdict.rule_id, verdict.reason));
    return;
  }
  const jit::CompileResult& built = builds.at(name);
  if (!built.ok) {
    study.failures.push_back(name + " did not compile: " + built.log);
    return;
  }
  const GroupedInputs in =
      generate_grouped_inputs(c.problem, InputOptions{.seed = kGroupedInvarianceSeed}, stream);
  const GemmKernel kernel(c.config, built.cubin, built.kernel_name);
  const std::vector<uint16_t> d = run_grouped_invariance(kernel, in, stream);
  GroupedInvarianceRun run{.op = fmt::format("{} G{}", to_string(c.problem.layout), in.groups),
                           .n = in.n, .k = in.k, .group_m = c.problem.group_m, .config = name};
  std::vector<bool> owned(static_cast<size_t>(in.m_pad4), false);
  for (int g = 0; g < in.groups; ++g) {
    std::fill_n(owned.begin() + in.row_begin[g], in.rows[g], true);
    if (in.rows[g] == 0) continue;
    const Problem alone{.m = in.rows[g], .n = in.n, .k = in.k};
    const Legality dense_verdict = check_legality(alone, dense.config(), limits);
    if (!dense_verdict.legal) {
      study.not_run.push_back(fmt::format("dense {}: {}: {}", describe(alone),
                                          dense_verdict.rule_id, dense_verdict.reason));
      continue;
    }
    const std::vector<uint16_t> dense_d = run_dense_group_invariance(dense, in, g, stream);
    const auto [differing, max_diff] = compare_invariance_rows(
        d.data() + static_cast<size_t>(in.row_begin[g]) * static_cast<size_t>(in.n),
        dense_d.data(), in.rows[g], in.n);
    ++run.groups_compared;
    run.rows_compared += in.rows[g];
    run.rows_differing += differing;
    run.max_abs_diff = std::max(run.max_abs_diff, max_diff);
  }
  for (size_t r = 0; r < owned.size(); ++r) {
    if (owned[r]) continue;
    ++run.unowned_rows;
    const auto row = d.begin() + static_cast<std::ptrdiff_t>(r * static_cast<size_t>(in.n));
    run.unowned_rows_written +=
        std::any_of(row, row + in.n, [](uint16_t v) { return v != kInvariancePoison; });
  }
  study.runs.push_back(run);
}

std::string format_grouped_study(const GroupedInvarianceStudy& s) {
  std::string out = fmt::format(
      "Grouped rows vs dense ({}): each group's rows of a grouped run (at most {} rows a group) "
      "bit-compared with the dense split_k 1 config {} run on that group's A rows and B\n\n"
      "| op | N | K | rows per group | config | groups | rows | rows != dense | max abs diff | "
      "unowned rows written |\n|---|--:|--:|---|---|--:|--:|--:|--:|--:|\n",
      s.source, kGroupedInvarianceMaxGroupRows, s.dense_config);
  for (const GroupedInvarianceRun& r : s.runs) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:.3g} | {} of {} |\n", r.op,
                       r.n, r.k, fmt::join(r.group_m, " "), r.config, r.groups_compared,
                       r.rows_compared, r.rows_differing, r.max_abs_diff, r.unowned_rows_written,
                       r.unowned_rows);
  }
  for (const std::string& line : s.not_run) out += "not run: " + line + "\n";
  for (const std::string& line : s.failures) out += "failed: " + line + "\n";
  return out;
}

/// The grouped study, run once per process: the table's grouped entries, else the built-in set.
const GroupedInvarianceStudy& grouped_invariance_study() {
  static const GroupedInvarianceStudy study = [] {
    GroupedInvarianceStudy s;
    const std::string table_path = invariance_table_path();
    const DeviceLimits limits = current_device_limits();
    std::vector<GroupedInvarianceCase> cases =
        grouped_invariance_table_cases(report::load_tuning_table(table_path), s.not_run);
    s.source = table_path;
    if (cases.empty()) {
      cases = grouped_invariance_builtin_cases(limits.sm_count);
      s.source = "built-in set; " + table_path + " has no grouped entries";
    }
    KernelConfig dense_config = parse_invariance_config(kGroupedInvarianceDenseConfig);
    dense_config.num_sms = limits.sm_count;
    s.dense_config = to_string(dense_config);
    std::vector<KernelConfig> configs{dense_config};
    for (const GroupedInvarianceCase& c : cases) add_invariance_config(configs, c.config);
    const InvarianceBuilds builds = build_invariance_kernels(configs);
    const jit::CompileResult& dense_built = builds.at(s.dense_config);
    if (!dense_built.ok) {
      s.failures.push_back(s.dense_config + " did not compile: " + dense_built.log);
    } else {
      const GemmKernel dense(dense_config, dense_built.cubin, dense_built.kernel_name);
      CudaStream stream;
      for (const GroupedInvarianceCase& c : cases) {
        study_grouped_case(c, builds, dense, limits, stream.get(), s);
      }
    }
    write_invariance_report(format_grouped_study(s));
    return s;
  }();
  return study;
}

// A grouped config never splits K (legality rule group_split_k), so a grouped table is
// batch-invariant by construction if each group's rows are the bits the dense split_k 1
// computation of that group alone gives: that is what this holds, plus the layout's unowned rows
// (masked rows past masked_m, padding) keeping their poison.
TEST(BatchInvariance, GroupedRowsMatchDense) {
  GT_SKIP_WITHOUT_GPU();
  const GroupedInvarianceStudy& study = grouped_invariance_study();
  EXPECT_TRUE(study.failures.empty()) << study.failures.front();
  EXPECT_FALSE(study.runs.empty()) << "no grouped run (" << study.source << ")";
  for (const GroupedInvarianceRun& r : study.runs) {
    EXPECT_GT(r.groups_compared, 0) << r.config << " " << r.op << ": no group compared";
    EXPECT_EQ(r.rows_differing, 0) << r.config << " " << r.op << " " << r.n << "x" << r.k
                                   << ": rows differ from the dense run of their group, max abs "
                                      "diff "
                                   << r.max_abs_diff;
    EXPECT_EQ(r.unowned_rows_written, 0)
        << r.config << " " << r.op << ": wrote rows that no group owns";
  }
}

}  // namespace
}  // namespace gemmtune
