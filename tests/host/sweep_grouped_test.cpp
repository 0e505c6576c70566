// Grouped problems (issue 11) through `sweep`, `report`, `compare` and `export`, end to end with
// the fake worker (GEMMTUNE_WORKER_CMD): a shape set with a contiguous, a masked and a dense
// problem, a one-config space built for each layout (NVRTC compiles it; no GPU needed).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <set>

#include "report/json_fields.hpp"
#include "sweep_test_support.hpp"

namespace gemmtune::test {
namespace {

constexpr const char* kOneConfigSpace = R"({"name": "one", "block_m": [64], "block_n": [64],
  "stages": [4], "multicast": ["none"], "num_sms": ["all"], "raster": ["N"], "group": [8],
  "split_k": [1]})";
constexpr const char* kMixedShapes = R"({"name": "mixed", "problems": [
  {"label": "experts", "op": "grouped_contiguous", "n": 256, "k": 512, "groups": [[64, 0, 200]]},
  {"label": "decode", "op": "grouped_masked", "n": 256, "k": 512, "max_m": 128,
   "groups": [[5, 128]]},
  {"label": "dense", "n": 256, "k": 512, "m": 64}]})";

class SweepGrouped : public ::testing::Test {
 protected:
  void SetUp() override {
    shapes_ = dir_.write("mixed.json", kMixedShapes);
    space_ = dir_.write("space.json", kOneConfigSpace);
    ::setenv("GEMMTUNE_WORKER_CMD", GEMMTUNE_FAKE_WORKER, 1);
    out_ = (dir_.path() / "run").string();
  }
  void TearDown() override { ::unsetenv("GEMMTUNE_WORKER_CMD"); }
  [[nodiscard]] std::string sweep_args() const {
    return "sweep --shapes " + shapes_ + " --space " + space_ + " --out " + out_ + " --quiet";
  }
  /// The configs of the gemmtune records of a sweep of `shapes` with `flags` into `out`, those
  /// for which `keep` is true (a sweep that fails fails the test).
  template <class Keep>
  [[nodiscard]] std::set<std::string> swept_configs(const std::string& shapes,
                                                    const std::string& flags,
                                                    const std::string& out, Keep keep) const {
    const RunResult r = run_gemmtune("sweep --shapes " + shapes + " --space " + space_ +
                                     " --out " + out + " --quiet" + flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> configs;
    for (const report::Json& record : raw_records(std::filesystem::path(out) / "runs.jsonl")) {
      if (record.at("kind") != "gemmtune") continue;
      const std::string config = record.at("config").get<std::string>();
      if (keep(config)) configs.insert(config);
    }
    return configs;
  }
  /// The table's problem of `op` (fails the test when missing).
  [[nodiscard]] static report::Json problem_of_op(const report::Json& table, const std::string& op) {
    for (const report::Json& p : table.at("problems")) {
      if (p.value("op", std::string("gemm")) == op) return p;
    }
    ADD_FAILURE() << "no problem of op " << op << " in " << table.dump();
    return report::Json::object();
  }
  TempDir dir_;
  std::string shapes_, space_, out_;
};

TEST_F(SweepGrouped, RecordsCarryTheGroupedProblemAndItsPerGroupBaselines) {
  const RunResult r = run_gemmtune(sweep_args());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::set<std::string>> kinds_by_op;
  for (const report::Json& record : raw_records(std::filesystem::path(out_) / "runs.jsonl")) {
    EXPECT_EQ(record.at("schema"), "gemmtune.run/2");
    const report::Json& problem = record.at("problem");
    const std::string op = problem.value("op", std::string("gemm"));
    kinds_by_op[op].insert(record.at("kind").get<std::string>());
    if (op == "grouped_contiguous") {
      EXPECT_EQ(problem.at("group_m"), report::Json::parse("[64, 0, 200]"));
      EXPECT_EQ(problem.at("m"), 264);
      EXPECT_EQ(problem.at("useful_rows"), 264);
      // The space's one config, its K twin, (a contiguous leader's) raster G twin and, one of
      // the two non-empty groups fitting one m-block, those twins' evict-normal twins.
      if (record.at("kind") == "gemmtune") {
        EXPECT_TRUE(record.at("config") == "bm64_bn64_s4_mc0_sm132_rN8_sk1_gC" ||
                    record.at("config") == "bm64_bn64_s4_mc0_sm132_rN8_sk1_k512_gC" ||
                    record.at("config") == "bm64_bn64_s4_mc0_sm132_rG8_sk1_k512_gC" ||
                    record.at("config") == "bm64_bn64_s4_mc0_sm132_rN8_sk1_l2n_k512_gC" ||
                    record.at("config") == "bm64_bn64_s4_mc0_sm132_rG8_sk1_l2n_k512_gC")
            << record.at("config");
      }
    }
    if (op == "grouped_masked") {
      EXPECT_EQ(problem.at("m"), 256);  // G * max_m rows in A and D
      EXPECT_EQ(problem.at("useful_rows"), 133);
    }
  }
  const std::set<std::string> grouped_kinds = {"cublaslt_per_group", "cublaslt_per_group_graph",
                                               "gemmtune", "side_by_side"};
  EXPECT_EQ(kinds_by_op["grouped_contiguous"], grouped_kinds);
  EXPECT_EQ(kinds_by_op["grouped_masked"], grouped_kinds);
  EXPECT_EQ(kinds_by_op["gemm"].count("cublaslt_heuristic"), 1u);
  EXPECT_EQ(kinds_by_op["gemm"].count("cublaslt_per_group"), 0u);
}

TEST_F(SweepGrouped, TableKeysGroupedProblemsByOpGroupsAndRows) {
  const RunResult r = run_gemmtune(sweep_args() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const report::Json table = report::Json::parse(r.out);
  EXPECT_EQ(table.at("schema"), "gemmtune.tuning_table/2");
  ASSERT_EQ(table.at("problems").size(), 3u);
  const report::Json contiguous = problem_of_op(table, "grouped_contiguous");
  EXPECT_EQ(contiguous.at("groups"), 3);
  const report::Json& e = contiguous.at("entries").at(0);
  EXPECT_EQ(e.at("m"), 264);
  EXPECT_EQ(e.at("group_m"), report::Json::parse("[64, 0, 200]"));
  // The fake worker's time for a config comes from its text: the K twin's evict-normal twin is
  // fastest.
  EXPECT_EQ(e.at("config"), "bm64_bn64_s4_mc0_sm132_rN8_sk1_l2n_k512_gC");
  // The fake worker times the per-group graph at 63 µs beside the config (side by side).
  ASSERT_TRUE(e.at("speedup").at("vs_cublaslt_per_group_graph").is_number());
  EXPECT_NEAR(e.at("speedup").at("vs_cublaslt_per_group_graph").get<double>() *
                  e.at("side_by_side").at("median_us").get<double>(),
              63.0, 1e-9);
  EXPECT_FALSE(e.at("baselines").contains("cublaslt_best"));
  EXPECT_EQ(e.at("reproduce"),
            "gemmtune run --layout grouped_contiguous --group-m 64,0,200 --n 256 --k 512 "
            "--config bm64_bn64_s4_mc0_sm132_rN8_sk1_l2n_k512_gC --timing kernel");
  // TFLOPS count the rows that carry results only: 2 * 264 * 256 * 512.
  EXPECT_NEAR(e.at("tflops").get<double>() * e.at("median_us").get<double>() * 1e-6 * 1e12,
              2.0 * 264 * 256 * 512, 1.0);
  const report::Json masked = problem_of_op(table, "grouped_masked");
  EXPECT_EQ(masked.at("entries").at(0).at("max_m"), 128);
  EXPECT_EQ(masked.at("entries").at(0).at("m"), 133);
  const report::Json dense = problem_of_op(table, "gemm");
  EXPECT_FALSE(dense.contains("groups"));
  EXPECT_TRUE(dense.at("entries").at(0).at("baselines").contains("cublaslt_best"));
}

TEST_F(SweepGrouped, ReportsCompareAndExportsShowGroupedProblems) {
  ASSERT_EQ(run_gemmtune(sweep_args()).exit_code, 0);
  const std::string summary = read_text(std::filesystem::path(out_) / "summary.md");
  EXPECT_NE(summary.find("grouped_contiguous G3"), std::string::npos) << summary;
  EXPECT_NE(summary.find("vs cuBLASLt per group, graph"), std::string::npos) << summary;
  const std::string svg = read_text(std::filesystem::path(out_) / "roofline.svg");
  EXPECT_NE(svg.find("grouped_masked G2, rows=133"), std::string::npos);

  const RunResult same = run_gemmtune("compare " + out_ + " " + out_ + " --format json");
  ASSERT_EQ(same.exit_code, 0) << same.err;
  const report::Json cmp = report::Json::parse(same.out);
  EXPECT_EQ(cmp.at("counts").at("SAME"), 3);
  bool saw_masked = false;
  for (const report::Json& row : cmp.at("rows")) {
    saw_masked = saw_masked || (row.value("op", std::string()) == "grouped_masked" &&
                                row.at("group_m") == report::Json::parse("[5, 128]"));
  }
  EXPECT_TRUE(saw_masked) << cmp.dump();

  const RunResult csv = run_gemmtune("export " + out_ + " --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("op,groups,group_m,max_m,label,n,k,m,", 0), 0u) << csv.out;
  EXPECT_NE(csv.out.find("grouped_contiguous,3,64 0 200,0,experts,256,512,264,"), std::string::npos)
      << csv.out;
  const RunResult cpp = run_gemmtune("export " + out_ + " --format cpp");
  ASSERT_EQ(cpp.exit_code, 0) << cpp.err;
  // The cpp header carries both grouped problems for select_grouped(), their configs by name.
  EXPECT_NE(cpp.out.find("inline constexpr GroupedEntry kGroupedEntries[] = {"), std::string::npos)
      << cpp.out;
  EXPECT_NE(cpp.out.find("{'C', 3, 256, 512, 264, 0, "), std::string::npos) << cpp.out;
  EXPECT_NE(cpp.out.find("_gC\"}}"), std::string::npos) << cpp.out;
  EXPECT_NE(cpp.out.find("{'M', "), std::string::npos) << cpp.out;
  EXPECT_NE(cpp.out.find("_gM\"}}"), std::string::npos) << cpp.out;
}

TEST_F(SweepGrouped, ResumeFindsGroupedMeasurementsAlreadyRecorded) {
  ASSERT_EQ(run_gemmtune(sweep_args()).exit_code, 0);
  const size_t records = read_records(std::filesystem::path(out_) / "runs.jsonl").size();
  const RunResult again = run_gemmtune(sweep_args() + " --resume");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_records(std::filesystem::path(out_) / "runs.jsonl").size(), records);
}

// Whole-waves twins (on by default): a masked problem of 40 groups of 5 rows has 40 m-blocks x 4
// n-blocks = 160 tiles of bm64_bn64, two waves of 132 CTAs; its leader's K twin also runs on 80
// (two whole waves). With --skip-whole-waves-twins or --budget fast, and on the dense problem, no
// such twin.
TEST_F(SweepGrouped, WholeWavesTwinsByDefaultAndOnlyForGroupedProblems) {
  const std::string shapes = dir_.write("waves.json", R"({"name": "waves", "problems": [
    {"label": "decode", "op": "grouped_masked", "n": 256, "k": 512, "max_m": 64,
     "groups": [[5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
                 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]]},
    {"label": "dense", "n": 256, "k": 512, "m": 20000}]})");
  const auto twin_configs = [&](const std::string& flags, const std::string& out) {
    return swept_configs(shapes, flags, out, [](const std::string& config) {
      return config.find("_sm132_") == std::string::npos;
    });
  };
  const std::set<std::string> twin{"bm64_bn64_s4_mc0_sm80_rN8_sk1_k512_gM"};
  EXPECT_EQ(twin_configs("", (dir_.path() / "default").string()), twin);
  EXPECT_EQ(twin_configs(" --budget fast --whole-waves-twins", (dir_.path() / "on").string()),
            twin);
  EXPECT_TRUE(twin_configs(" --skip-whole-waves-twins", (dir_.path() / "off").string()).empty());
  EXPECT_TRUE(twin_configs(" --budget fast", (dir_.path() / "fast").string()).empty());
  const RunResult both = run_gemmtune(sweep_args() + " --whole-waves-twins --skip-whole-waves-twins");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("contradict"), std::string::npos) << both.err;
}

// Evict-normal twins (on by default): on a contiguous problem where 3 of its 4 groups fit one
// 64-row m-block, the leader's K twin and its raster G twin each also run as `_l2n`. With
// --skip-l2-normal-twins or --budget fast, and on a masked problem of such groups, no such twin.
TEST_F(SweepGrouped, L2NormalTwinsByDefaultAndOnlyForContiguousProblems) {
  const std::string shapes = dir_.write("l2n.json", R"({"name": "l2n", "problems": [
    {"label": "experts", "op": "grouped_contiguous", "n": 256, "k": 512,
     "groups": [[40, 64, 30, 200]]},
    {"label": "decode", "op": "grouped_masked", "n": 256, "k": 512, "max_m": 64,
     "groups": [[40, 64, 30, 20]]}]})");
  const auto twin_configs = [&](const std::string& flags, const std::string& out) {
    return swept_configs(shapes, flags, out, [](const std::string& config) {
      return config.find("_l2n_") != std::string::npos;
    });
  };
  const std::set<std::string> twins{"bm64_bn64_s4_mc0_sm132_rN8_sk1_l2n_k512_gC",
                                    "bm64_bn64_s4_mc0_sm132_rG8_sk1_l2n_k512_gC"};
  const std::string out = (dir_.path() / "default").string();
  EXPECT_EQ(twin_configs("", out), twins);
  EXPECT_EQ(report::read_json_file(out + "/env.json").at("sweep").at("l2_normal_twins"), true);
  EXPECT_EQ(twin_configs(" --budget fast --l2-normal-twins", (dir_.path() / "on").string()),
            twins);
  EXPECT_TRUE(twin_configs(" --skip-l2-normal-twins", (dir_.path() / "off").string()).empty());
  EXPECT_TRUE(twin_configs(" --budget fast", (dir_.path() / "fast").string()).empty());
  const RunResult both = run_gemmtune(sweep_args() + " --l2-normal-twins --skip-l2-normal-twins");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("contradict"), std::string::npos) << both.err;
}

TEST_F(SweepGrouped, ARunSchema1RecordOfAGroupedProblemIsRejected) {
  TempDir dir;
  const std::filesystem::path run = dir.path() / "run";
  std::filesystem::create_directories(run);
  ASSERT_EQ(run_gemmtune(sweep_args()).exit_code, 0);
  std::filesystem::copy_file(std::filesystem::path(out_) / "env.json", run / "env.json");
  std::ofstream(run / "runs.jsonl")
      << R"({"schema": "gemmtune.run/1", "problem": {"label": "x", "op": "grouped_masked", )"
      << R"("m": 256, "n": 256, "k": 512, "max_m": 128, "group_m": [5, 128]}, "kind": )"
      << R"("cublaslt_per_group", "disposition": "skipped", "reason": ""})" << "\n";
  const RunResult r = run_gemmtune("report " + run.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("runs.jsonl:1: $.problem.op: a gemmtune.run/1 record is dense"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace gemmtune::test
