// The serving constraints in process (src/sweep/README.md "Serving"): which configs are
// batch-invariant, the SM budget's bounds, a space expanded under both, a sweep with the fake
// worker that must measure nothing the constraints forbid (twins and run-off included), the
// table's fields and the refusal of a table whose configs break its own constraints, and the
// exports that carry them.
#include <gtest/gtest.h>

#include <set>

#include "core/json_input.hpp"
#include "core/serving.hpp"
#include "core/shape_set.hpp"
#include "report/export.hpp"
#include "report/export_bundle.hpp"
#include "report/serving_fields.hpp"
#include "report_test_util.hpp"
#include "sweep/budget.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune {
namespace {

KernelConfig serving_config(const std::string& text) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
  EXPECT_TRUE(config) << text << ": " << error;
  return config.value_or(KernelConfig{});
}

const std::string kServingDefaultSpace = resolve_input_path("configs/spaces/default.json");

TEST(ServingRules, SplitKIsTheOneKnobThatBreaksBatchInvariance) {
  for (const char* invariant : {"bm64_bn16_s8_mc0_sm132_rN8_sk1", "bm256_bn128_s3_mcB_sm66_rM4_sk1",
                                "bm128_bn160_s5_mcA_sm132_rN16_sk1",
                                "bm192_bn128_s4_mcA_sm132_rN8_sk1",
                                "bm128_bn128_s4_mc0_sm108_rN8_sk1_k7168",
                                "bm128_bn128_s4_mc0_sm132_rN8_sk1_gC"}) {
    EXPECT_TRUE(is_batch_invariant(serving_config(invariant))) << invariant;
    EXPECT_EQ(serving_violation(serving_config(invariant), {.batch_invariant = true}), "");
  }
  for (const char* split : {"bm64_bn64_s6_mc0_sm132_rN8_sk2", "bm64_bn32_s8_mc0_sm132_rN8_sk4",
                            "bm128_bn128_s4_mc0_sm132_rN8_sk2_k7168"}) {
    EXPECT_FALSE(is_batch_invariant(serving_config(split))) << split;
    EXPECT_NE(serving_violation(serving_config(split), {.batch_invariant = true}).find("split_k"),
              std::string::npos);
    EXPECT_EQ(serving_violation(serving_config(split), {}), "") << "no constraint, no refusal";
  }
}

TEST(ServingRules, SmBudgetIsBetweenOneAndTheGpusCount) {
  EXPECT_EQ(resolve_sm_budget(std::nullopt, 132), 132);
  EXPECT_EQ(resolve_sm_budget(108, 132), 108);
  EXPECT_EQ(resolve_sm_budget(132, 132), 132);
  for (const int bad : {0, -4, 133}) {
    const std::string message = test::error_of([&] { (void)resolve_sm_budget(bad, 132); });
    EXPECT_NE(message.find("--sms " + std::to_string(bad) + ": expected 1 <= N <= 132"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  EXPECT_NE(serving_violation(serving_config("bm64_bn64_s6_mc0_sm132_rN8_sk1"), {.sms = 108})
                .find("num_sms 132 is over the table's SM budget of 108"),
            std::string::npos);
  EXPECT_EQ(serving_violation(serving_config("bm64_bn64_s6_mc0_sm54_rN8_sk1"), {.sms = 108}), "");
}

TEST(ServingRules, SpaceExpandsAllToTheBudgetAndDropsWhatTheConstraintsForbid) {
  const ServingSpace whole = serving_space(kServingDefaultSpace, DeviceLimits{}, {});
  const ServingSpace budget = serving_space(kServingDefaultSpace, DeviceLimits{}, {.sms = 108});
  const ServingSpace invariant =
      serving_space(kServingDefaultSpace, DeviceLimits{}, {.sms = 108, .batch_invariant = true});
  EXPECT_EQ(whole.sm_budget, 132);
  EXPECT_EQ(budget.sm_budget, 108);
  EXPECT_EQ(budget.limits.sm_count, 132) << "per-SM rates stay the GPU's";
  EXPECT_EQ(budget.configs.size(), whole.configs.size());
  for (const KernelConfig& c : budget.configs) ASSERT_EQ(c.num_sms, 108) << to_string(c);
  size_t whole_k = 0;
  for (const KernelConfig& c : whole.configs) whole_k += c.split_k == 1 ? 1 : 0;
  EXPECT_EQ(invariant.configs.size(), whole_k);
  EXPECT_LT(invariant.configs.size(), whole.configs.size());
  for (const KernelConfig& c : invariant.configs) {
    ASSERT_EQ(c.split_k, 1) << to_string(c);
    ASSERT_EQ(c.num_sms, 108) << to_string(c);
  }
  const DeviceLimits h100_pcie{.sm_count = 114};
  EXPECT_EQ(test::error_of([&] {
              (void)serving_space(kServingDefaultSpace, h100_pcie, {.sms = 132});
            }),
            "--sms 132: expected 1 <= N <= 114 (the GPU's SMs)");
  // An explicit num_sms above the budget leaves the space; below it stays.
  const test::ScratchDir dir;
  test::write_file(dir / "space.json", R"({"name": "sms", "block_m": [128], "block_n": [128],
    "stages": [4], "multicast": ["none"], "num_sms": [66, 132, "all"], "raster": ["N"],
    "group": [8], "split_k": [1]})");
  std::set<int> sms;
  for (const KernelConfig& c :
       serving_space((dir / "space.json").string(), DeviceLimits{}, {.sms = 100}).configs) {
    sms.insert(c.num_sms);
  }
  EXPECT_EQ(sms, (std::set<int>{66, 100}));
}

/// A sweep of two small-M problems of the default space with the fake worker, under `serving`;
/// every config it recorded (screened, twins, run-off candidates and winners).
std::vector<KernelConfig> serving_sweep_configs(const test::ScratchDir& dir,
                                                const ServingConstraints& serving) {
  ShapeSet shapes{.name = "serving", .description = "", .path = "serving.json",
                  .problems = {Problem{.label = "a", .m = 64, .n = 2112, .k = 7168},
                               Problem{.label = "b", .m = 128, .n = 7168, .k = 2048}}};
  sweep::SweepOptions options = test::fake_sweep_options(dir.path(), {});
  report::write_serving_fields(options.settings, serving);
  const sweep::Planner planner = [&](const DeviceLimits& device) {
    const ServingSpace space = serving_space(kServingDefaultSpace, device, serving);
    return sweep::plan_sweep(shapes, space.configs, space.limits,
                             sweep::parse_budget("quick"));
  };
  const sweep::SweepOutcome outcome = sweep::run_sweep(options, planner, test::fake_compiler());
  EXPECT_EQ(outcome.table.env.serving, serving);
  std::vector<KernelConfig> configs;
  for (const report::RunRecord& r : test::read_records(dir.path() / "runs.jsonl")) {
    if (!r.config.empty()) configs.push_back(serving_config(r.config));
    for (const auto& [config, timing] : r.runoff) configs.push_back(serving_config(config));
  }
  return configs;
}

TEST(ServingSweep, BatchInvariantSweepMeasuresNoSplitOfKTwinsAndRunoffIncluded) {
  const test::ScratchDir unconstrained_dir, invariant_dir;
  const std::vector<KernelConfig> unconstrained = serving_sweep_configs(unconstrained_dir, {});
  const auto splits = [](const std::vector<KernelConfig>& configs) {
    return std::count_if(configs.begin(), configs.end(),
                         [](const KernelConfig& c) { return c.split_k > 1; });
  };
  const auto twins = [](const std::vector<KernelConfig>& configs) {
    return std::count_if(configs.begin(), configs.end(),
                         [](const KernelConfig& c) { return c.fixed_k > 0; });
  };
  ASSERT_GT(splits(unconstrained), 0) << "the unconstrained sweep measures split-K here";
  const std::vector<KernelConfig> invariant =
      serving_sweep_configs(invariant_dir, {.batch_invariant = true});
  EXPECT_GT(invariant.size(), 8u);
  EXPECT_GT(twins(invariant), 0) << "K twins are measured";
  EXPECT_EQ(splits(invariant), 0);
  const report::TuningTable table = report::load_tuning_table(invariant_dir.path());
  EXPECT_TRUE(table.env.serving.batch_invariant);
  EXPECT_TRUE(report::to_json(table).at("batch_invariant").get<bool>());
}

TEST(ServingSweep, SmBudgetSweepMeasuresOnlyConfigsOfThatGrid) {
  const test::ScratchDir dir;
  const std::vector<KernelConfig> configs = serving_sweep_configs(dir, {.sms = 100});
  ASSERT_FALSE(configs.empty());
  for (const KernelConfig& c : configs) EXPECT_EQ(c.num_sms, 100) << to_string(c);
  const report::Json table = report::to_json(report::load_tuning_table(dir.path()));
  EXPECT_EQ(table.at("sms"), 100);
  EXPECT_EQ(table.at("env").at("sweep").at("sms"), 100);
  EXPECT_FALSE(table.contains("batch_invariant"));
}

/// The run_small fixture's table as JSON with `serving` written where a sweep writes it.
report::Json serving_table_json(const ServingConstraints& serving) {
  report::TuningTable table = test::run_small_table();
  table.env.serving = serving;
  return report::to_json(table);
}

TEST(ServingTable, FieldsRoundTripAndTablesWithoutThemKeepTheirBytes) {
  const report::Json plain = report::to_json(test::run_small_table());
  EXPECT_FALSE(plain.contains("sms"));
  EXPECT_FALSE(plain.contains("batch_invariant"));
  EXPECT_FALSE(plain.at("env").contains("sweep"));
  const report::Json marked = serving_table_json({.sms = 132});
  EXPECT_EQ(marked.at("sms"), 132);
  const report::TuningTable parsed = report::parse_tuning_table(marked, "t.json");
  EXPECT_EQ(parsed.env.serving, (ServingConstraints{.sms = 132}));
  EXPECT_EQ(report::to_json(parsed), marked);
}

TEST(ServingTable, ATableRefusesConfigsItsConstraintsForbid) {
  // run_small chose split-K configs for some shapes and screened on 132 SMs.
  const std::string mixed = test::error_of([] {
    (void)report::parse_tuning_table(serving_table_json({.batch_invariant = true}), "t.json");
  });
  EXPECT_EQ(mixed.rfind("t.json: $.problems[", 0), 0u) << mixed;
  EXPECT_NE(mixed.find("$.problems[0].entries[0].config: bm64_bn64_s8_mc0_sm132_rN8_sk2 is not "
                       "allowed in this table (batch-invariant): split_k 2 splits K"),
            std::string::npos)
      << mixed;
  const std::string wide = test::error_of([] {
    (void)report::parse_tuning_table(serving_table_json({.sms = 100}), "t.json");
  });
  EXPECT_NE(wide.find("num_sms 132 is over the table's SM budget of 100"), std::string::npos)
      << wide;
  // The top level and env.sweep must agree; malformed fields are input errors.
  report::Json disagree = serving_table_json({.sms = 132});
  disagree["sms"] = 120;
  EXPECT_NE(test::error_of([&] { (void)report::parse_tuning_table(disagree, "t.json"); })
                .find("t.json: $.sms: the top level says SM budget 120, env.sweep says SM "
                      "budget 132"),
            std::string::npos);
  report::Json zero = serving_table_json({.sms = 132});
  zero["sms"] = 0;
  zero["env"]["sweep"]["sms"] = 0;
  EXPECT_NE(test::error_of([&] { (void)report::parse_tuning_table(zero, "t.json"); })
                .find("t.json: $.env.sweep.sms: "),
            std::string::npos);
  report::Json text = serving_table_json({});
  text["batch_invariant"] = "yes";
  EXPECT_NE(test::error_of([&] { (void)report::parse_tuning_table(text, "t.json"); })
                .find("$.batch_invariant: expected true or false"),
            std::string::npos);
}

TEST(ServingTable, MixingTablesOfOtherConstraintsIsAConflict) {
  const report::Json h200 = {{"gpu", {{"name", "NVIDIA H200"}, {"sm_count", 132}}}};
  report::Json budget = h200;
  budget["sweep"] = {{"sms", 108}};
  report::Json whole_budget = h200;
  whole_budget["sweep"] = {{"sms", 132}};
  report::Json invariant = h200;
  invariant["sweep"] = {{"batch_invariant", true}};
  EXPECT_TRUE(report::serving_conflicts(h200, whole_budget).empty()) << "132 of 132 is the GPU";
  EXPECT_EQ(report::serving_conflicts(h200, budget),
            std::vector<std::string>{"SM budget: 132 -> 108 SMs"});
  EXPECT_EQ(report::serving_conflicts(invariant, h200),
            std::vector<std::string>{"batch invariance: batch-invariant -> not batch-invariant"});
}

/// Stand-in kernels for the bundle's configs (no NVRTC).
std::vector<report::BundleKernel> serving_fake_kernels(const report::TuningTable& table) {
  std::vector<report::BundleKernel> kernels;
  for (const KernelConfig& c : report::bundle_configs(table)) {
    kernels.push_back({.config = c, .symbol = "sm90_fp8_gemm_1d2d_" + to_string(c),
                       .cubin = std::vector<char>(64, 'x'), .cubin_fnv1a64 = "0000000000000001"});
  }
  return kernels;
}

TEST(ServingExports, HeaderCommentsConstantsAndManifestCarryTheConstraints) {
  const report::BundleBuild build{.nvrtc_version = "13.0"};
  report::TuningTable table = test::run_small_table();
  const std::string plain_cpp = report::export_cpp(table);
  EXPECT_NE(plain_cpp.find("inline constexpr int kSmBudget = 0;"), std::string::npos);
  EXPECT_NE(plain_cpp.find("inline constexpr bool kBatchInvariant = false;"), std::string::npos);
  EXPECT_EQ(plain_cpp.find("// Tuned for serving"), std::string::npos);
  const report::Json plain_manifest =
      report::bundle_manifest(table, serving_fake_kernels(table), build);
  EXPECT_TRUE(plain_manifest.at("sms").is_null());
  EXPECT_EQ(plain_manifest.at("batch_invariant"), false);
  const std::string plain_csv = report::export_table(table, report::ExportFormat::kCsv);
  EXPECT_EQ(plain_csv.find(",sms,batch_invariant"), std::string::npos);

  table.env.serving = {.sms = 132};
  const std::string cpp = report::export_cpp(table);
  EXPECT_NE(cpp.find("// Tuned for serving: SM budget 132.\n"), std::string::npos);
  EXPECT_NE(cpp.find("inline constexpr int kSmBudget = 132;"), std::string::npos);
  const std::string header = report::bundle_header(table, serving_fake_kernels(table), build);
  EXPECT_NE(header.find("inline constexpr int32_t kSmBudget = 132;"), std::string::npos);
  EXPECT_NE(header.find("// Tuned for serving: SM budget 132.\n"), std::string::npos);
  EXPECT_EQ(report::bundle_manifest(table, serving_fake_kernels(table), build).at("sms"), 132);
  EXPECT_EQ(report::Json::parse(report::export_table(table, report::ExportFormat::kJson))
                .at("sms"),
            132);
  const std::string csv = report::export_table(table, report::ExportFormat::kCsv);
  EXPECT_NE(csv.find(",reason,sms,batch_invariant\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",132,false\n"), std::string::npos) << csv;

  // A batch-invariant table of split_k 1 entries only (run_small's split-K entries dropped).
  for (report::TableProblem& p : table.problems) {
    std::erase_if(p.entries, [](const report::TableEntry& e) {
      return e.config && !is_batch_invariant(serving_config(*e.config));
    });
    for (report::TableEntry& e : p.entries) e.side_by_side.reset();
  }
  table.env.serving = {.batch_invariant = true};
  EXPECT_NE(report::export_cpp(table).find("inline constexpr bool kBatchInvariant = true;"),
            std::string::npos);
  EXPECT_EQ(report::bundle_manifest(table, serving_fake_kernels(table), build)
                .at("batch_invariant"),
            true);
  EXPECT_NE(report::export_table(table, report::ExportFormat::kCsv).find(",,true\n"),
            std::string::npos);
}

}  // namespace
}  // namespace gemmtune
