// `gemmtune export --format bundle` end to end without a GPU: the generated dispatcher header
// compiles with the system g++ and selects as documented; a bundle exported from the committed
// dsv3-quick table carries every kernel with matching hashes, and the consumers (the three-line
// program linking only libcuda, the device harness, the cuBLASLt record replay) build against it.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "jit/compiler.hpp"
#include "jit/fnv1a.hpp"
#include "jit/kernel_cache.hpp"
#include "report/export.hpp"
#include "report/export_bundle.hpp"
#include "runtime/launch_facts.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

namespace fs = std::filesystem;
namespace launch = sm90_fp8_gemm_1d2d;

using test::kCudaInclude;
using test::kCudaLib;
using test::kRepo;

using test::CommandResult;
using test::run;

/// g++ with the flags a careful C++17 consumer uses, the bundle folder and the CUDA headers.
std::string gxx(const fs::path& bundle) {
  return "g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -I " + bundle.string() + " -I " + kCudaInclude;
}

using test::config_of;

/// A one-problem-per-row table for the header test: split-K, multicast B and multicast A.
report::TuningTable synthetic_table() {
  report::TuningTable t;
  t.env.gpu_name = "NVIDIA H200";
  t.env.timing_mode = "call";
  const auto entry = [](int64_t m, const char* config) {
    return report::TableEntry{.m = m, .config = std::string(config), .median_us = 10.0};
  };
  t.problems.push_back({.label = "gate_up", .n = 2048, .k = 7168,
                        .entries = {entry(64, "bm64_bn128_s6_mc0_sm132_rN8_sk4"),
                                    entry(256, "bm128_bn128_s5_mcB_sm132_rN8_sk1"),
                                    entry(1024, "bm256_bn128_s3_mcA_sm132_rN8_sk1")}});
  t.problems.push_back({.label = "o_proj", .n = 7168, .k = 16384,
                        .entries = {entry(4096, "bm256_bn128_s3_mcA_sm132_rN8_sk1")}});
  return t;
}

/// Writes the bundle's files into `dir` with the real kernels/ headers and stand-in cubins.
void write_bundle(const report::TuningTable& table, const fs::path& dir) {
  std::vector<report::BundleKernel> kernels;
  for (const KernelConfig& c : report::bundle_configs(table)) {
    kernels.push_back({.config = c, .symbol = "sm90_fp8_gemm_1d2d_" + to_string(c),
                       .cubin = std::vector<char>(100, '\x7f'), .cubin_fnv1a64 = "0"});
  }
  const std::string kernels_dir = GEMMTUNE_KERNEL_DIR;
  const report::BundleBuild build{
      .nvrtc_version = "13.0",
      .params_header = test::read_bytes(kernels_dir + "/gemmtune_params.h"),
      .launch_header = test::read_bytes(kernels_dir + "/sm90_fp8_gemm_1d2d_launch.h"),
      .dispatcher_header = test::read_bytes(kernels_dir + "/sm90_fp8_gemm_1d2d_bundle.h")};
  fs::create_directories(dir / "cubins");
  for (const report::BundleFile& f : report::export_bundle(table, kernels, build)) {
    test::write_bytes(dir / f.path, f.contents);
  }
}

/// static_asserts that kKernels[i].facts equal gemmtune's launch_facts for config i.
std::string facts_asserts(const report::TuningTable& table) {
  std::string out;
  int i = 0;
  for (const KernelConfig& c : report::bundle_configs(table)) {
    const launch::KernelFacts f = launch_facts(c);
    out += "static_assert(same(kKernels[" + std::to_string(i++) + "].facts, {" +
           std::to_string(f.block_m) + ", " + std::to_string(f.block_n) + ", launch::Multicast(" +
           std::to_string(static_cast<int>(f.multicast)) + "), " + std::to_string(f.split_k) + ", " +
           std::to_string(f.num_sms) + ", " + std::to_string(f.threads) + ", " +
           std::to_string(f.smem_bytes) + ", " + std::to_string(f.d_swizzle_bytes) +
           ", launch::GroupLayout(" + std::to_string(static_cast<int>(f.layout)) + "), " +
           std::to_string(f.fixed_k) + ", " + std::to_string(f.cluster_size) + "}));\n";
  }
  return out;
}

constexpr const char* kCheckPreamble = R"(#include <cstdio>
#include <cstring>
#include "gemmtune_bundle.h"
using namespace gemmtune_bundle;
constexpr bool same(const launch::KernelFacts& a, const launch::KernelFacts& b) {
  return a.block_m == b.block_m && a.block_n == b.block_n && a.multicast == b.multicast &&
         a.split_k == b.split_k && a.num_sms == b.num_sms && a.threads == b.threads &&
         a.smem_bytes == b.smem_bytes && a.d_swizzle_bytes == b.d_swizzle_bytes &&
         a.layout == b.layout && a.fixed_k == b.fixed_k && a.cluster_size == b.cluster_size;
}
int index_of(const char* config) {
  for (int i = 0; i < kNumKernels; ++i) if (std::strcmp(kKernels[i].config, config) == 0) return i;
  return -2;
}
)";

/// Compiles `body` (the statements of a function returning 0 on success) after kCheckPreamble
/// and `top` against the bundle in `dir`, without libcuda, and runs it.
CommandResult compile_and_run_check(const fs::path& dir, const std::string& top, const std::string& body) {
  test::write_bytes(dir / "check.cpp", std::string(kCheckPreamble) + top +
                                           "int main() {\n" + body + "\n  std::puts(\"OK\");\n  return 0;\n}\n");
  const CommandResult build = run(gxx(dir) + " -o " + (dir / "check").string() + " " + (dir / "check.cpp").string());
  if (build.exit_code != 0) return build;
  return run((dir / "check").string());
}

TEST(BundleExport, HeaderBakesRuntimeFactsAndSelectsByTheDocumentedRule) {
  const test::TempDir dir;
  const report::TuningTable table = synthetic_table();
  write_bundle(table, dir.path());
  // Kernels sorted by name: 0 bm128_bn128_s5_mcB, 1 bm256_bn128_s3_mcA, 2 bm64_bn128_s6_mc0_sk4.
  const std::string top = facts_asserts(table) + R"check(
static_assert(kNumKernels == 3 && kNumEntries == 4, "one kernel per distinct config");
static_assert(select(64, 2048, 7168) == 2, "a tuned point");
static_assert(select(1, 2048, 7168) == 2, "below every tuned M: the smallest");
static_assert(select(129, 2048, 7168) == 0, "smallest tuned M >= m");
static_assert(select(65, 2048, 7168) == 1, "multicast B needs two m-blocks: on to the next entry");
static_assert(select(5000, 2048, 7168) == 1, "above every tuned M: the largest");
static_assert(select(1, 7168, 16384) == 1, "the only entry of its (n, k)");
static_assert(select(64, 7168, 7168) == -1, "(n, k) not tuned");
static_assert(select(64, 2049, 7168) == -1, "N not a multiple of 8");
static_assert(launch::select_kernel(kTable, 64, 7168, 7168, 2) == 2, "the caller's fallback");
static_assert(launch::select_kernel(kTable, 64, 7168, 7168, 0) == -1, "a fallback that cannot run it");
static_assert(!launch::bundle_can_run(kKernels[2].facts, 64 * 65537, 128, 7168), "split-K counter capacity");
static_assert(launch::bundle_can_run(kKernels[2].facts, 64 * 65536, 128, 7168), "split-K counter capacity");
)check";
  const std::string body = R"(
  if (std::strcmp(kEntries[0].label, "gate_up") != 0 || kEntries[0].m != 64) return 1;
  if (index_of("bm64_bn128_s6_mc0_sm132_rN8_sk4") != 2) return 2;
  if (std::strcmp(kTunedOnGpu, "NVIDIA H200") != 0 || std::strcmp(kTimingMode, "call") != 0) return 3;)";
  const CommandResult r = compile_and_run_check(dir.path(), top, body);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
}

/// A grouped-only table: contiguous G8 at two sizes and masked G32 (DeepSeek-V3 gate+up).
report::TuningTable grouped_table() {
  report::TuningTable t;
  t.env.gpu_name = "NVIDIA H200";
  t.env.timing_mode = "call";
  t.problems.push_back(
      {.label = "gate_up_prefill", .n = 4096, .k = 7168, .layout = GroupLayout::kContiguous,
       .groups = 8,
       .entries = {{.m = 1024, .group_m = {128, 128, 128, 128, 128, 128, 128, 128},
                    .config = std::string("bm128_bn192_s4_mc0_sm132_rN8_sk1_gC"), .median_us = 60.0},
                   {.m = 8853, .group_m = {1204, 957, 1218, 1141, 1098, 1178, 1142, 915},
                    .config = std::string("bm256_bn136_s3_mc0_sm132_rN8_sk1_gC"), .median_us = 440.0}}});
  t.problems.push_back(
      {.label = "gate_up_decode", .n = 4096, .k = 7168, .layout = GroupLayout::kMasked,
       .groups = 32,
       .entries = {{.m = 465, .group_m = std::vector<int64_t>(32, 15), .max_m = 256,
                    .config = std::string("bm64_bn128_s8_mcA_sm132_rN8_sk1_gM"), .median_us = 248.0}}});
  return t;
}

TEST(BundleExport, GroupedEntriesSelectByTheDocumentedRule) {
  const test::TempDir dir;
  const report::TuningTable table = grouped_table();
  write_bundle(table, dir.path());
  // Kernels sorted by name: 0 bm128_bn192_s4_mc0_gC, 1 bm256_bn136_s3_mc0_gC, 2 bm64_bn128_s8_mcA_gM.
  const std::string top = facts_asserts(table) + R"check(
constexpr auto kC = launch::GroupLayout::kContiguous;
constexpr auto kM = launch::GroupLayout::kMasked;
static_assert(kNumKernels == 3 && kNumEntries == 0 && kNumGroupedEntries == 3, "grouped only");
static_assert(select_grouped(kC, 8, 4096, 7168, 1000, 1000, 0) == 0, "smallest tuned rows >= rows");
static_assert(select_grouped(kC, 8, 4096, 7168, 1024, 1024, 0) == 0, "a tuned point");
static_assert(select_grouped(kC, 8, 4096, 7168, 2000, 2000, 0) == 1, "the next tuned rows");
static_assert(select_grouped(kC, 8, 4096, 7168, 99999, 99999, 0) == 1, "above every tuned rows");
// DeepGEMM's layout: the 1024 tuned rows padded to 128 a group are at most 1024 + 8 x 127 rows,
// which select the 1024-row entry by padded_selection_rows, not the next larger one.
static_assert(launch::padded_selection_rows(8, 1024 + 8 * 127, 128) == 1024, "less the most padding");
static_assert(launch::padded_selection_rows(8, 500, 128) == 0, "never below 0");
static_assert(launch::padded_selection_rows(8, 2040, 1) == 2040, "unpadded: m");
static_assert(select_grouped(kC, 8, 4096, 7168, 2040, 2040, 0) == 1, "padded rows without the rule");
static_assert(select_grouped(kC, 8, 4096, 7168, launch::padded_selection_rows(8, 2040, 128), 2040, 0) == 0,
              "padded rows with the rule");
static_assert(select_grouped(kC, 4, 4096, 7168, 1000, 1000, 0) == -1, "another group count");
static_assert(select_grouped(kC, 8, 4096, 2048, 1000, 1000, 0) == -1, "another (n, k)");
static_assert(select_grouped(kM, 32, 4096, 7168, 32 * 16, 32 * 256, 256) == 2, "masked");
static_assert(select_grouped(kM, 32, 4096, 7168, 32 * 16, 32 * 256, 0) == -1, "masked needs max_m");
static_assert(select_grouped(kM, 8, 4096, 7168, 8 * 16, 8 * 256, 256) == -1, "another group count");
static_assert(select_grouped(kC, 32, 4096, 7168, 465, 465, 0) == -1, "a masked entry is not contiguous");
static_assert(select(64, 4096, 7168) == -1, "no dense entry");
static_assert(launch::select_kernel(kTable, 64, 4096, 7168, 0) == -1, "a grouped fallback cannot run dense");
)check";
  const std::string body = R"(
  if (std::strcmp(kGroupedEntries[2].label, "gate_up_decode") != 0 || kGroupedEntries[1].rows != 8853) return 1;
  if (index_of("bm64_bn128_s8_mcA_sm132_rN8_sk1_gM") != 2) return 2;)";
  const CommandResult r = compile_and_run_check(dir.path(), top, body);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
  // Every member of the dispatcher compiles (an explicit instantiation; syntax only, no libcuda).
  test::write_bytes(dir.path() / "instantiate.cpp",
                    "#include \"gemmtune_bundle.h\"\n"
                    "template class gemmtune::sm90_fp8_gemm_1d2d::Dispatcher<gemmtune_bundle::kTable>;\n");
  const CommandResult instantiated =
      run(gxx(dir.path()) + " -fsyntax-only " + (dir.path() / "instantiate.cpp").string());
  EXPECT_EQ(instantiated.exit_code, 0) << instantiated.output;
  const nlohmann::json manifest = nlohmann::json::parse(test::read_bytes(dir.path() / "manifest.json"));
  ASSERT_EQ(manifest.at("grouped_entries").size(), 3u);
  EXPECT_EQ(manifest.at("grouped_entries")[0].at("layout"), "grouped_contiguous");
  EXPECT_EQ(manifest.at("grouped_entries")[2].at("group_m").size(), 32u);
}

/// Contiguous G8 at three sizes whose padded rows (each group to 128) order differently from
/// their rows: 8960 rows of 1120 a group pad to 9216, the 8853 skewed rows to 9344.
report::TuningTable padded_rows_table() {
  report::TuningTable t;
  t.env.gpu_name = "NVIDIA H200";
  t.env.timing_mode = "call";
  t.problems.push_back(
      {.label = "gate_up_prefill", .n = 4096, .k = 7168, .layout = GroupLayout::kContiguous,
       .groups = 8,
       .entries = {{.m = 1024, .group_m = std::vector<int64_t>(8, 128),
                    .config = std::string("bm128_bn160_s4_mc0_sm132_rN8_sk1_gC"), .median_us = 60.0},
                   {.m = 8853, .group_m = {1204, 957, 1218, 1141, 1098, 1178, 1142, 915},
                    .config = std::string("bm256_bn136_s3_mc0_sm132_rN8_sk1_gC"), .median_us = 440.0},
                   {.m = 8960, .group_m = std::vector<int64_t>(8, 1120),
                    .config = std::string("bm128_bn192_s4_mc0_sm132_rN8_sk1_gC"), .median_us = 430.0}}});
  return t;
}

TEST(BundleExport, PaddedContiguousCallsSelectByPaddedRows) {
  const test::TempDir dir;
  write_bundle(padded_rows_table(), dir.path());
  // Kernels sorted by name: 0 bm128_bn160_s4, 1 bm128_bn192_s4, 2 bm256_bn136_s3.
  const std::string top = R"check(
constexpr auto kC = launch::GroupLayout::kContiguous;
constexpr int64_t kAlign = kGemmtuneDeepgemmGroupRowAlign;
constexpr int32_t padded_call(int64_t m) {
  return select_grouped(kC, 8, 4096, 7168, launch::padded_selection_rows(8, m, kAlign), m, 0, kAlign);
}
static_assert(kGroupedEntries[0].padded_rows == 1024 && kGroupedEntries[1].padded_rows == 9344 &&
              kGroupedEntries[2].padded_rows == 8 * 1152, "each group padded to 128 rows");
static_assert(padded_call(9216) == 1, "the entry whose rows pad to m, though another has rows nearer");
static_assert(select_grouped(kC, 8, 4096, 7168, launch::padded_selection_rows(8, 9216, kAlign), 9216, 0) == 2,
              "by rows less the most padding: the 8853-row entry");
static_assert(padded_call(9344) == 2 && padded_call(9300) == 2, "the smallest padded rows >= m");
static_assert(padded_call(1000) == 0 && padded_call(2000) == 1, "between two: the one above");
static_assert(padded_call(20000) == 2, "above every entry: the largest padded rows");
static_assert(select_grouped(kC, 8, 4096, 7168, 8900, 8900, 0, 1) == 1, "unpadded: by rows");
static_assert(select_grouped(kC, 8, 4096, 7168, 8000, 8000, 0, 64) == 2,
              "another alignment: by its rows (padded_selection_rows)");
)check";
  const CommandResult r = compile_and_run_check(dir.path(), top, "");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
}

/// Where a real bundle of the committed dsv3-quick table is exported once for the tests below.
class ExportedDsv3Quick : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const fs::path table = kRepo / "results/h200-dense/tuning_table.json";
    // A cubin left by an earlier export into the same folder must not survive this one (the
    // folder's marker says it is a bundle gemmtune wrote, which an export may replace whole).
    fs::create_directories(bundle() / "cubins");
    test::write_bytes(bundle() / ".gemmtune-output", "gemmtune-output bundle\n");
    test::write_bytes(bundle() / "cubins/bm64_bn8_s2_mc0_sm132_rN8_sk1.cubin", "stale");
    export_result_ = new CommandResult(run("GEMMTUNE_CACHE_DIR=" + (dir_->path() / "cache").string() + " " +
                                           GEMMTUNE_BINARY + " export " + table.string() +
                                           " --format bundle --out " + bundle().string()));
    table_ = new report::TuningTable(report::load_tuning_table(table));
  }
  static void TearDownTestSuite() {
    delete table_;
    delete export_result_;
    delete dir_;
  }
  static fs::path bundle() { return dir_->path() / "bundle"; }

  static test::TempDir* dir_;
  static CommandResult* export_result_;
  static report::TuningTable* table_;
};
test::TempDir* ExportedDsv3Quick::dir_ = nullptr;
CommandResult* ExportedDsv3Quick::export_result_ = nullptr;
report::TuningTable* ExportedDsv3Quick::table_ = nullptr;

TEST_F(ExportedDsv3Quick, ManifestListsEveryKernelWithItsCubinsHash) {
  ASSERT_EQ(export_result_->exit_code, 0) << export_result_->output;
  const nlohmann::json m = nlohmann::json::parse(test::read_bytes(bundle() / "manifest.json"));
  EXPECT_EQ(m.at("schema"), "gemmtune.bundle/1");
  EXPECT_EQ(m.at("nvrtc_version"), jit::nvrtc_version());
  EXPECT_EQ(m.at("table").at("timing_mode"), "call");
  const std::vector<KernelConfig> configs = report::bundle_configs(*table_);
  ASSERT_EQ(m.at("kernels").size(), configs.size());
  EXPECT_EQ(m.at("entries").size(), 18u);
  for (size_t i = 0; i < configs.size(); ++i) {
    const nlohmann::json& k = m.at("kernels")[i];
    EXPECT_EQ(k.at("config"), to_string(configs[i]));
    const std::string cubin = test::read_bytes(bundle() / k.at("cubin").get<std::string>());
    EXPECT_EQ(cubin.size(), k.at("cubin_bytes").get<size_t>()) << k.dump();
    EXPECT_EQ(jit::fnv1a64_hex(cubin), k.at("cubin_fnv1a64")) << k.dump();
    EXPECT_EQ(cubin.rfind("\x7f" "ELF", 0), 0u) << k.dump();
    EXPECT_EQ(k.at("smem_bytes"), launch_facts(configs[i]).smem_bytes);
    EXPECT_EQ(k.at("spill_bytes"), 0) << k.dump();
  }
  // The kernels' cubins and the DeepGEMM-layout conversion's.
  EXPECT_EQ(test::count_children_with_prefix(bundle() / "cubins", ""), static_cast<int>(configs.size()) + 1);
  for (const char* header : {"gemmtune_params.h", "sm90_fp8_gemm_1d2d_launch.h", "sm90_fp8_gemm_1d2d_bundle.h"}) {
    EXPECT_EQ(test::read_bytes(bundle() / header),
              test::read_bytes(fs::path(GEMMTUNE_KERNEL_DIR) / header)) << header;
  }
}

// The C library's one-launch conversion of DeepGEMM's contiguous layout travels with the bundle:
// NVRTC-clean, no spills, its symbol in the cubin the manifest names.
TEST_F(ExportedDsv3Quick, CarriesTheDeepgemmLayoutConversion) {
  ASSERT_EQ(export_result_->exit_code, 0) << export_result_->output;
  const nlohmann::json m = nlohmann::json::parse(test::read_bytes(bundle() / "manifest.json"));
  ASSERT_EQ(m.at("deepgemm_layout_cubin"), report::kDeepgemmLayoutCubin);
  const std::string cubin = test::read_bytes(bundle() / report::kDeepgemmLayoutCubin);
  EXPECT_EQ(cubin.rfind("\x7f" "ELF", 0), 0u);
  EXPECT_NE(cubin.find(report::kDeepgemmLayoutSymbol), std::string::npos);
  const jit::CompileResult r = jit::compile(
      jit::CompileRequest{.kernel_name = report::kDeepgemmLayoutSymbol,
                          .source = "#include \"sm90_fp8_gemm_1d2d_deepgemm_layout.cuh\"\n"},
      jit::KernelCache{});
  ASSERT_TRUE(r.ok) << r.log;
  EXPECT_EQ(r.ptxas.spill_store_bytes + r.ptxas.spill_load_bytes, 0) << r.log;
}

TEST_F(ExportedDsv3Quick, SelectsEveryTunedShapesOwnConfig) {
  ASSERT_EQ(export_result_->exit_code, 0) << export_result_->output;
  std::string body;
  for (const report::TunedEntry& e : report::tuned_entries(*table_)) {
    const std::string shape = std::to_string(e.entry->m) + ", " + std::to_string(e.problem->n) + ", " +
                              std::to_string(e.problem->k);
    body += "  if (select(" + shape + ") != index_of(\"" + to_string(e.config) + "\")) { std::puts(\"" +
            shape + "\"); return 1; }\n";
  }
  body += "  if (select(64, 7168, 7168) != -1) return 2;\n";
  const CommandResult r = compile_and_run_check(bundle(), "", body);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(ExportedDsv3Quick, ThreeLineProgramBuildsWithOnlyLibcuda) {
  ASSERT_EQ(export_result_->exit_code, 0) << export_result_->output;
  const fs::path out = dir_->path() / "minimal";
  const CommandResult r = run(gxx(bundle()) + " -o " + out.string() + " " +
                              (kRepo / "tests/bundle_consumer/minimal.cpp").string() + " -L " + kCudaLib +
                              "/stubs -lcuda");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Nothing but libcuda (and the C++ runtime) is needed: no NVRTC, cudart or cuBLASLt.
  const CommandResult needed = run("objdump -p " + out.string() + " | grep NEEDED");
  EXPECT_NE(needed.output.find("libcuda.so.1"), std::string::npos) << needed.output;
  for (const char* library : {"nvrtc", "cudart", "cublas"}) {
    EXPECT_EQ(needed.output.find(library), std::string::npos) << needed.output;
  }
}

TEST_F(ExportedDsv3Quick, DeviceHarnessAndRecordReplayBuild) {
  ASSERT_EQ(export_result_->exit_code, 0) << export_result_->output;
  const std::string harness = (kRepo / "tests/bundle_consumer").string();
  const std::string libs = " -L " + kCudaLib + " -L " + kCudaLib + "/stubs -lcublasLt -lcudart -lcuda";
  CommandResult r = run(gxx(bundle()) + " -I " + harness + " -o " + (dir_->path() / "consumer").string() +
                        " " + harness + "/consumer.cpp" + libs);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run(gxx(bundle()) + " -I " + harness + " -o " + (dir_->path() / "cublaslt_replay").string() + " " +
          harness + "/cublaslt_replay.cpp" + libs);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace gemmtune
