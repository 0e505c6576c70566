// BatchInvariance.GroupedRowsMatchDense: whether each group's rows of a grouped GEMM are the same
// bits as the dense computation of those rows alone (kernels/README.md "Batch invariance"). For
// every grouped entry of the table at GEMMTUNE_INVARIANCE_TABLE (at most 32; a built-in set of
// both layouts when the table has none): fresh inputs from a fixed seed, D poisoned, the grouped
// kernel run, then a dense split_k 1 kernel on each group's A rows and B; rows present must match
// bit for bit, and rows no group owns must keep their poison. The table and the report file are
// batch_invariance_test.cpp's (batch_invariance_support.hpp).
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "batch_invariance_support.hpp"
#include "core/legality.hpp"
#include "gpu_test_support.hpp"
#include "jit/kernel_build.hpp"
#include "report/tuning_table.hpp"
#include "runtime/gemm_launcher.hpp"

namespace gemmtune {
namespace {

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
