// `gemmtune export --format bundle`, the host side: which configs a bundle carries, its manifest,
// its generated headers and its file list, with stand-in cubins (no NVRTC). The NVRTC test
// BundleExport.* compiles real bundles and programs against them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "core/smem_layout.hpp"
#include "report/export.hpp"
#include "report/export_bundle.hpp"
#include "report_test_util.hpp"

namespace gemmtune::report {
namespace {

/// Stand-in kernels for `table`'s configs: cubin i is `i + 1` x 37 bytes running through 0..255.
std::vector<BundleKernel> fake_kernels(const TuningTable& table) {
  std::vector<BundleKernel> kernels;
  int i = 0;
  for (const KernelConfig& c : bundle_configs(table)) {
    std::vector<char> cubin(static_cast<size_t>(37 * ++i));
    for (size_t b = 0; b < cubin.size(); ++b) cubin[b] = static_cast<char>((b * 7 + i) & 0xff);
    kernels.push_back({.config = c, .symbol = "sm90_fp8_gemm_1d2d_" + to_string(c), .cubin = cubin,
                       .cubin_fnv1a64 = "00000000000000" + std::to_string(10 + i), .registers = 168,
                       .spill_bytes = 0});
  }
  return kernels;
}

const BundleBuild kBuild{.nvrtc_version = "13.0", .params_header = "// params\n",
                         .launch_header = "// launch\n", .dispatcher_header = "// dispatcher\n"};

TEST(ReportExportBundle, CarriesTheDistinctTunedConfigsSortedByName) {
  std::vector<std::string> names;
  for (const KernelConfig& c : bundle_configs(test::run_small_table())) names.push_back(to_string(c));
  EXPECT_EQ(names, (std::vector<std::string>{"bm128_bn160_s5_mcA_sm132_rN8_sk1",
                                             "bm128_bn192_s4_mcA_sm132_rN8_sk1",
                                             "bm128_bn64_s8_mc0_sm132_rN8_sk2",
                                             "bm64_bn64_s8_mc0_sm132_rN8_sk2"}));
}

// Whole-waves twins: a grouped entry below the table's SM budget is named, one at the budget is
// not, and a table swept with --sms at the twin's count names none.
TEST(ReportExportBundle, NamesTheGroupedEntriesOnFewerSmsThanTheBudget) {
  TuningTable t = test::run_small_table();
  const auto entry = [](int64_t rows, const std::string& config) {
    TableEntry e;
    e.m = rows;
    e.group_m = {rows / 2, rows - rows / 2};
    e.config = config;
    e.median_us = 10.0;
    e.timing_mode = "call";
    return e;
  };
  t.problems.push_back({.label = "experts", .n = 256, .k = 512,
                        .layout = GroupLayout::kContiguous, .groups = 2,
                        .entries = {entry(300, "bm128_bn128_s4_mc0_sm124_rG8_sk1_gC"),
                                    entry(2000, "bm128_bn128_s4_mc0_sm132_rG8_sk1_gC")}});
  EXPECT_EQ(fitted_grid_entries(t),
            (std::vector<std::string>{"experts, 300 rows: bm128_bn128_s4_mc0_sm124_rG8_sk1_gC"}));
  EXPECT_TRUE(fitted_grid_entries(test::run_small_table()).empty());  // dense entries only
  t.env.raw["sweep"]["sms"] = 124;
  EXPECT_TRUE(fitted_grid_entries(t).empty());
}

TEST(ReportExportBundle, RefusesATableWithoutConfigs) {
  TuningTable t = test::run_small_table();
  for (TableProblem& p : t.problems) {
    for (TableEntry& e : p.entries) e.config.reset();
  }
  EXPECT_NE(test::error_of([&] { (void)bundle_configs(t); }).find("nothing to bundle"), std::string::npos);
}

TEST(ReportExportBundle, WritesTheDocumentedFiles) {
  const TuningTable t = test::run_small_table();
  const std::vector<BundleFile> files = export_bundle(t, fake_kernels(t), kBuild);
  std::vector<std::string> paths;
  for (const BundleFile& f : files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "gemmtune_bundle.h", "gemmtune_bundle_cubins.h", "sm90_fp8_gemm_1d2d_bundle.h",
                       "sm90_fp8_gemm_1d2d_launch.h", "gemmtune_params.h", "manifest.json",
                       "cubins/bm128_bn160_s5_mcA_sm132_rN8_sk1.cubin",
                       "cubins/bm128_bn192_s4_mcA_sm132_rN8_sk1.cubin",
                       "cubins/bm128_bn64_s8_mc0_sm132_rN8_sk2.cubin",
                       "cubins/bm64_bn64_s8_mc0_sm132_rN8_sk2.cubin",
                       // src/report/bundle/, for Python and C callers
                       "build.sh", "gemmtune_bundle.py", "gemmtune_bundle_arguments.py",
                       "gemmtune_bundle_capi.cpp", "gemmtune_bundle_capi.h",
                       "gemmtune_bundle_library.py", "gemmtune_bundle_plans.py"}));
  EXPECT_EQ(files[3].contents, "// launch\n");  // the kernels/ headers verbatim
  EXPECT_EQ(files[9].contents.size(), 4u * 37u);
  EXPECT_EQ(static_cast<unsigned char>(files[9].contents[1]), (7 + 4) & 0xff);
}

TEST(ReportExportBundle, ManifestCarriesVersionsGpuFactsAndHashes) {
  const TuningTable t = test::run_small_table();
  const Json m = bundle_manifest(t, fake_kernels(t), kBuild);
  EXPECT_EQ(m.at("schema"), "gemmtune.bundle/1");
  EXPECT_EQ(m.at("family"), "sm90_fp8_gemm_1d2d");
  EXPECT_EQ(m.at("nvrtc_version"), "13.0");
  EXPECT_EQ(m.at("arch"), "sm_90a");
  EXPECT_FALSE(m.at("git_rev").get<std::string>().empty());
  EXPECT_EQ(m.at("table").at("gpu"), t.env.gpu_name);
  EXPECT_EQ(m.at("table").at("timing_mode"), t.env.timing_mode);
  EXPECT_NE(m.at("selection_rule").get<std::string>().find("the neighbour with the smaller predicted time"), std::string::npos);
  ASSERT_EQ(m.at("kernels").size(), 4u);
  const Json& k = m.at("kernels")[0];  // bm128_bn160_s5_mcA
  KernelConfig c{.block_m = 128, .block_n = 160, .stages = 5, .multicast = Multicast::kA};
  EXPECT_EQ(k.at("config"), "bm128_bn160_s5_mcA_sm132_rN8_sk1");
  EXPECT_EQ(k.at("symbol"), "sm90_fp8_gemm_1d2d_bm128_bn160_s5_mcA_sm132_rN8_sk1");
  EXPECT_EQ(k.at("cubin"), "cubins/bm128_bn160_s5_mcA_sm132_rN8_sk1.cubin");
  EXPECT_EQ(k.at("cubin_bytes"), 37);
  EXPECT_EQ(k.at("cubin_fnv1a64"), "0000000000000011");
  EXPECT_EQ(k.at("smem_bytes"), smem_layout(c).total_bytes);
  EXPECT_EQ(k.at("threads"), 384);
  EXPECT_EQ(k.at("cluster_size"), 2);
  EXPECT_EQ(m.at("kernels")[3].at("split_k"), 2);
  ASSERT_EQ(m.at("entries").size(), 4u);
  EXPECT_EQ(m.at("entries")[0].at("config"), "bm64_bn64_s8_mc0_sm132_rN8_sk2");
  EXPECT_EQ(m.at("entries")[0].at("m"), 64);
}

TEST(ReportExportBundle, HeaderListsKernelFactsAndSortedEntries) {
  const TuningTable t = test::run_small_table();
  const std::string h = bundle_header(t, fake_kernels(t), kBuild);
  const KernelConfig c{.block_m = 128, .block_n = 160, .stages = 5, .multicast = Multicast::kA};
  EXPECT_NE(h.find("{\"bm128_bn160_s5_mcA_sm132_rN8_sk1\", \"sm90_fp8_gemm_1d2d_bm128_bn160_s5_mcA_sm132_rN8_sk1\",\n"
                   "     {128, 160, launch::Multicast::kA, 1, 132, 384, " +
                   std::to_string(smem_layout(c).total_bytes) + ", 64, launch::GroupLayout::kNone, 0, 2}},"),
            std::string::npos) << h;
  // Entries sorted by (n, k, m), each pointing at its kernel's index, with its tuned time.
  const size_t first = h.find("    {2112, 7168, 64, 3, \"qkv_a_proj\", 12.500},");
  const size_t second = h.find("    {2112, 7168, 128, 2, \"qkv_a_proj\", 13.200},");
  const size_t last = h.find("    {7168, 16384, ");
  EXPECT_NE(first, std::string::npos) << h;
  EXPECT_LT(first, second);
  EXPECT_LT(second, last);
  EXPECT_NE(h.find("using Bundle = launch::Dispatcher<kTable>;"), std::string::npos);
  EXPECT_NE(h.find("#include \"sm90_fp8_gemm_1d2d_bundle.h\""), std::string::npos);
}

TEST(ReportExportBundle, HeaderEscapesLabelsAndProvenance) {
  TuningTable t = test::run_small_table();
  t.problems[0].label = "a \"quoted\"\\label\nwith a newline";
  t.env.gpu_name = "GPU \"x\"";
  const std::string h = bundle_header(t, fake_kernels(t), kBuild);
  EXPECT_NE(h.find("\"a \\\"quoted\\\"\\\\label\\012with a newline\""), std::string::npos) << h;
  EXPECT_NE(h.find("kTunedOnGpu = \"GPU \\\"x\\\"\";"), std::string::npos) << h;
}

TEST(ReportExportBundle, CubinsHeaderHoldsEveryByteInOrder) {
  const TuningTable t = test::run_small_table();
  const std::vector<BundleKernel> kernels = fake_kernels(t);
  const std::string h = bundle_cubins_header(kernels);
  EXPECT_NE(h.find("inline constexpr const void* kCubins[kNumKernels] = {kCubin0, kCubin1, kCubin2, kCubin3};"),
            std::string::npos) << h;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const std::string open = "alignas(64) inline constexpr unsigned char kCubin" + std::to_string(i) + "[] = {\n";
    const size_t begin = h.find(open);
    ASSERT_NE(begin, std::string::npos);
    const size_t end = h.find("};", begin);
    std::vector<char> bytes;
    for (size_t at = h.find("0x", begin + open.size()); at < end; at = h.find("0x", at + 4)) {
      bytes.push_back(static_cast<char>(std::strtoul(h.substr(at, 4).c_str(), nullptr, 16)));
    }
    EXPECT_EQ(bytes, kernels[i].cubin) << "kCubin" << i;
  }
}

TEST(ReportExportBundle, RefusesKernelsThatAreNotTheTablesConfigs) {
  const TuningTable t = test::run_small_table();
  std::vector<BundleKernel> kernels = fake_kernels(t);
  std::swap(kernels[0], kernels[1]);
  EXPECT_NE(test::error_of([&] { (void)export_bundle(t, kernels, kBuild); }).find("is not a compiled"),
            std::string::npos);
  kernels.pop_back();
  EXPECT_NE(test::error_of([&] { (void)export_bundle(t, kernels, kBuild); }).find("3 kernels for 4 configs"),
            std::string::npos);
}

TEST(ReportExportBundle, CommandNeedsAnOutputFolder) {
  const std::string run = test::fixture("run_small").string();
  test::CommandResult r = test::run_gemmtune("export " + run + " --format bundle");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--out DIR"), std::string::npos) << r.output;
  r = test::run_gemmtune("export " + run + " --format csv --out /tmp/x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace gemmtune::report
