// Plan computation and its text and JSON renderings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_input.hpp"
#include "core/plan.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

constexpr const char* kShapes = R"({"name": "pair", "problems": [
    {"label": "kv_b", "n": 32768, "k": 512, "m": [64, 4096]}]})";
// 2 block_m x 2 block_n x 2 stages x 2 multicast x 1 x 1 x 1 x 2 split_k = 32 configs.
constexpr const char* kSpace = R"({"name": "tiny", "block_m": [128, 96], "block_n": [128, 192],
    "stages": [4, 6], "multicast": ["none", "B"], "num_sms": ["all"], "raster": ["N"],
    "group": [8], "split_k": [1, 3]})";

struct Fixture {
  test::TempDir dir;
  ShapeSet shapes = load_shape_set(dir.write("shapes.json", kShapes));
  ConfigSpace space = load_config_space(dir.write("space.json", kSpace));
};

std::string render(const Fixture& f, PlanFormat format, int64_t* without_legal = nullptr) {
  std::ostringstream out;
  const int64_t count = write_plan(out, {.shapes = f.shapes, .space = f.space, .limits = {},
                                         .format = format, .command = "gemmtune plan test"});
  if (without_legal != nullptr) *without_legal = count;
  return out.str();
}

TEST(Plan, CountsMatchTheLegalityModel) {
  const Fixture f;
  const std::vector<KernelConfig> configs = enumerate_configs(f.space);
  const ProblemPlan plan = plan_problem(f.shapes.problems[1], configs, {}, true);
  ASSERT_EQ(plan.verdicts.size(), configs.size());
  int64_t legal = 0;
  for (const KernelConfig& c : configs) legal += check_legality(plan.problem, c, {}).legal;
  EXPECT_EQ(plan.configs_total, 32);
  // By hand (K 512: 4 k-blocks): block_m 96 is illegal (16 configs); bm128 bn192 s6 and
  // bm128 bn128 s6 exceed shared memory (8); split_k 3 leaves a split empty for bm128 bn128 s4
  // and bm128 bn192 s4 (4; bn192 is 192 floats, within even the split-K register budget);
  // bm128 bn128 s4 sk1 and bm128 bn192 s4 sk1 are legal with and without mcB (4).
  EXPECT_EQ(plan.configs_legal, 4);
  EXPECT_EQ(plan.configs_legal, legal);
  int64_t illegal = 0;
  for (size_t i = 0; i < plan.illegal_by_rule.size(); ++i) {
    illegal += plan.illegal_by_rule[i].second;
    if (i > 0) EXPECT_GE(plan.illegal_by_rule[i - 1].second, plan.illegal_by_rule[i].second);
  }
  EXPECT_EQ(illegal, 28);
  EXPECT_EQ(plan.illegal_by_rule[0], (std::pair<std::string, int64_t>{"block_m", 16}));
  EXPECT_TRUE(plan_problem(f.shapes.problems[0], configs, {}, false).verdicts.empty());
}

TEST(Plan, SummaryHasOneLinePerProblem) {
  const Fixture f;
  int64_t without_legal = -1;
  const std::string text = render(f, PlanFormat::kSummary, &without_legal);
  EXPECT_EQ(without_legal, 0);
  EXPECT_NE(text.find("space " + f.space.path + " (tiny, 32 configs)"), std::string::npos) << text;
  EXPECT_NE(text.find("kv_b     4096  32768    512        4 / 32"), std::string::npos) << text;
  EXPECT_NE(text.find("block_m 16, smem 8, split_k_empty_split 4"), std::string::npos) << text;
  EXPECT_NE(text.find("total: 2 problems x 32 configs"), std::string::npos) << text;
  EXPECT_EQ(text.find("bm128_bn128"), std::string::npos) << "summary lists no configs";
}

TEST(Plan, VerboseListsEveryConfigWithItsReason) {
  const Fixture f;
  const std::string text = render(f, PlanFormat::kVerbose);
  EXPECT_NE(text.find("bm128_bn128_s4_mc0_sm132_rN8_sk1    legal"), std::string::npos) << text;
  EXPECT_NE(text.find("bm96_bn128_s4_mc0_sm132_rN8_sk1     illegal  block_m: block_m 96"),
            std::string::npos) << text;
  EXPECT_NE(text.find("illegal  split_k_empty_split: split_k 3 over 4 k-blocks"),
            std::string::npos) << text;
}

TEST(Plan, JsonCarriesSchemaAndEveryVerdict) {
  const Fixture f;
  const nlohmann::json plan = nlohmann::json::parse(render(f, PlanFormat::kJson));
  EXPECT_EQ(plan["schema"], "gemmtune.plan/1");
  EXPECT_EQ(plan["command"], "gemmtune plan test");
  EXPECT_EQ(plan["space"]["size"], 32);
  EXPECT_EQ(plan["device_limits"]["sm_count"], 132);
  EXPECT_EQ(plan["rules"].size(), kLegalityRules.size());
  ASSERT_EQ(plan["problems"].size(), 2u);
  const nlohmann::json& problem = plan["problems"][1];
  EXPECT_EQ(problem["m"], 4096);
  EXPECT_EQ(problem["configs_legal"], 4);
  EXPECT_EQ(problem["illegal_by_rule"]["block_m"], 16);
  ASSERT_EQ(problem["configs"].size(), 32u);
  for (const nlohmann::json& entry : problem["configs"]) {
    EXPECT_EQ(entry.contains("reason"), !entry["legal"].get<bool>()) << entry.dump();
    EXPECT_EQ(entry.contains("rule"), !entry["legal"].get<bool>()) << entry.dump();
  }
}

TEST(Plan, CountsProblemsWithoutALegalConfig) {
  test::TempDir dir;
  Fixture f;
  f.space = load_config_space(dir.write("bad.json", R"({"name": "none", "block_m": [96],
      "block_n": [128], "stages": [4], "multicast": ["none"], "num_sms": ["all"],
      "raster": ["N"], "group": [8], "split_k": [1]})"));
  int64_t without_legal = -1;
  const std::string text = render(f, PlanFormat::kSummary, &without_legal);
  EXPECT_EQ(without_legal, 2);
  EXPECT_NE(text.find("(no legal config)"), std::string::npos) << text;
}

}  // namespace
}  // namespace gemmtune
