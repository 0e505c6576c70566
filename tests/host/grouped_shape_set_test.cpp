// Grouped ops in shape sets (configs/README.md "Shape sets"): explicit group lists and seeded
// distributions, their bounds and errors, the shipped configs/dsv3-moe.json, and `plan` on grouped
// problems.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <tuple>

#include "core/group_sizes.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

using test::catch_error;

TEST(GroupSizes, SeededDrawIsReproducibleAndKeepsItsCounts) {
  const GroupSizeDistribution d{.count = 64, .expected_m = 1000, .spread_percent = 20, .empty = 5,
                                .hot = 3, .hot_factor = 8, .seed = 42};
  const std::vector<int64_t> a = draw_group_sizes(d, 0);
  EXPECT_EQ(a, draw_group_sizes(d, 0));
  GroupSizeDistribution other = d;
  other.seed = 43;
  EXPECT_NE(a, draw_group_sizes(other, 0));
  ASSERT_EQ(a.size(), 64u);
  EXPECT_EQ(std::count(a.begin(), a.end(), 0), 5);
  EXPECT_EQ(std::count(a.begin(), a.end(), 8000), 3);
  for (const int64_t rows : a) {
    if (rows != 0 && rows != 8000) {
      EXPECT_GE(rows, 800);
      EXPECT_LE(rows, 1200);
    }
  }
  for (const int64_t rows : draw_group_sizes(d, 900)) EXPECT_LE(rows, 900);
  const GroupSizeDistribution exact{.count = 3, .expected_m = 7, .seed = 1};
  EXPECT_EQ(draw_group_sizes(exact, 0), (std::vector<int64_t>{7, 7, 7}));
}

TEST(GroupedShapeSet, ExplicitListsAndDistributionsBecomeProblems) {
  const test::TempDir dir;
  const std::string file = dir.write("s.json", R"({"name": "moe", "problems": [
    {"label": "up", "op": "grouped_contiguous", "n": 4096, "k": 7168,
     "groups": [[100, 0, 257], {"count": 8, "expected_m": 512, "seed": 3}]},
    {"label": "dec", "op": "grouped_masked", "n": 7168, "k": 2048, "max_m": 256,
     "groups": [[20, 0, 256], {"count": 4, "expected_m": 1000, "seed": 1}]},
    {"label": "dense", "n": 576, "k": 7168, "m": 64}]})");
  const ShapeSet set = load_shape_set(file);
  ASSERT_EQ(set.problems.size(), 5u);
  const Problem& p0 = set.problems[0];
  EXPECT_EQ(p0.layout, GroupLayout::kContiguous);
  EXPECT_EQ(p0.group_m, (std::vector<int64_t>{100, 0, 257}));
  EXPECT_EQ(p0.m, 357);
  EXPECT_EQ(set.problems[1].group_m, std::vector<int64_t>(8, 512));
  EXPECT_EQ(set.problems[1].m, 8 * 512);
  const Problem& p2 = set.problems[2];
  EXPECT_EQ(p2.layout, GroupLayout::kMasked);
  EXPECT_EQ(p2.max_m, 256);
  EXPECT_EQ(p2.m, 3 * 256);
  EXPECT_EQ(set.problems[3].group_m, std::vector<int64_t>(4, 256));  // clipped to max_m
  EXPECT_EQ(set.problems[4].layout, GroupLayout::kNone);
}

struct BadGrouped {
  const char* name;
  const char* entry;  // the problem under test, /problems/0
  std::vector<std::string_view> parts;
};
void PrintTo(const BadGrouped& bad, std::ostream* os) { *os << '"' << bad.name << '"'; }
class GroupedShapeSetError : public ::testing::TestWithParam<BadGrouped> {};

TEST_P(GroupedShapeSetError, NamesPathAndProblem) {
  const test::TempDir dir;
  const std::string file =
      dir.write("s.json", std::string(R"({"name": "t", "problems": [)") + GetParam().entry + "]}");
  const test::CaughtError error = catch_error([&] { static_cast<void>(load_shape_set(file)); });
  EXPECT_EQ(error.code, kExitUsage) << error.message;
  EXPECT_NE(error.message.find(file), std::string::npos) << error.message;
  for (const std::string_view part : GetParam().parts) {
    EXPECT_NE(error.message.find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << error.message;
  }
}

#define GT_C R"("op": "grouped_contiguous", "n": 4096, "k": 7168, )"
#define GT_M R"("op": "grouped_masked", "n": 4096, "k": 7168, )"
INSTANTIATE_TEST_SUITE_P(
    Cases, GroupedShapeSetError,
    ::testing::Values(
        BadGrouped{"MWithGroupedOp", "{" GT_C R"("m": 64, "groups": [[1]]})",
                   {"/problems/0/m", "takes \"groups\""}},
        BadGrouped{"GroupsWithDenseOp", R"({"n": 4096, "k": 7168, "m": 64, "groups": [[1]]})",
                   {"/problems/0/op", "grouped op"}},
        BadGrouped{"MaskedWithoutMaxM", "{" GT_M R"("groups": [[1]]})",
                   {"/problems/0", "max_m"}},
        BadGrouped{"MaxMOnContiguous", "{" GT_C R"("max_m": 8, "groups": [[1]]})",
                   {"/problems/0/max_m", "only the masked layout"}},
        BadGrouped{"EmptyGroupList", "{" GT_C R"("groups": [[]]})",
                   {"/problems/0/groups/0", "at least one group"}},
        BadGrouped{"NoProblems", "{" GT_C R"("groups": []})", {"/problems/0/groups", "empty"}},
        BadGrouped{"ScalarEntry", "{" GT_C R"("groups": [64]})",
                   {"/problems/0/groups/0", "each entry of groups is one problem"}},
        BadGrouped{"NegativeRows", "{" GT_C R"("groups": [[5, -1]]})",
                   {"/problems/0/groups/0", "group 1 has -1 rows"}},
        BadGrouped{"RowsAboveMaxM", "{" GT_M R"("max_m": 16, "groups": [[17]]})",
                   {"/problems/0/groups/0", "not in [0, 16]"}},
        BadGrouped{"TooManyGroups", "{" GT_C R"("groups": [{"count": 513, "expected_m": 1}]})",
                   {"/problems/0/groups/0/count", "513 is not in [1, 512]"}},
        BadGrouped{"CountMissing", "{" GT_C R"("groups": [{"expected_m": 1}]})",
                   {"/problems/0/groups/0/count", "missing"}},
        BadGrouped{"SpreadOutOfRange",
                   "{" GT_C R"("groups": [{"count": 4, "expected_m": 8, "spread_percent": 101}]})",
                   {"spread_percent", "101 is not in [0, 100]"}},
        BadGrouped{"EmptyPlusHotAboveCount",
                   "{" GT_C R"("groups": [{"count": 4, "expected_m": 8, "empty": 3, "hot": 2}]})",
                   {"empty 3 + hot 2 groups > count 4"}},
        BadGrouped{"HotRowsOverflow",
                   "{" GT_C R"("groups": [{"count": 4, "expected_m": 2147483647, "hot": 1, "hot_factor": 2}]})",
                   {"exceed 2^31-1"}},
        BadGrouped{"Duplicate", "{" GT_C R"("groups": [[3, 4], [3, 4]]})",
                   {"/problems/0/groups/1", "duplicate problem grouped_contiguous G 2"}},
        BadGrouped{"UnknownOp", R"({"op": "grouped", "n": 8, "k": 16, "m": 1})",
                   {"unknown op \"grouped\"", "grouped_masked"}}));

TEST(GroupedShapeSet, ShippedDsv3MoeLoadsWithImbalancedCases) {
  const ShapeSet set = load_shape_set(resolve_input_path("configs/dsv3-moe.json"));
  EXPECT_EQ(set.name, "dsv3-moe");
  int64_t contiguous = 0, masked = 0, with_empty = 0;
  for (const Problem& p : set.problems) {
    contiguous += p.layout == GroupLayout::kContiguous;
    masked += p.layout == GroupLayout::kMasked;
    with_empty += std::count(p.group_m.begin(), p.group_m.end(), 0) > 0;
  }
  EXPECT_EQ(contiguous + masked, static_cast<int64_t>(set.problems.size()));
  EXPECT_GE(contiguous, 30);
  EXPECT_GE(masked, 30);
  EXPECT_GE(with_empty, 2);  // the imbalanced routing cases at least
}

TEST(GroupedShapeSet, PlanCountsGroupedConfigsPerProblem) {
  const test::RunResult run = test::run_gemmtune(
      "plan --shapes configs/dsv3-moe.json --space configs/spaces/quick.json --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json plan = nlohmann::json::parse(run.out);
  ASSERT_GT(plan["problems"].size(), 60u);
  for (const nlohmann::json& p : plan["problems"]) {
    ASSERT_TRUE(p.contains("op")) << p.dump();
    EXPECT_GT(p["configs_legal"].get<int>(), 0) << p["label"];
    // The quick space has split_k 2 configs: illegal for grouped problems, by their own rule.
    EXPECT_GT(p["illegal_by_rule"].value("group_split_k", 0), 0) << p["label"];
    const std::string suffix = p["op"] == "grouped_masked" ? "_gM" : "_gC";
    EXPECT_TRUE(p["configs"][0]["config"].get<std::string>().ends_with(suffix));
  }
}

// The DeepGEMM comparison times configs/deepgemm/grouped_dsv3_moe_full.json and
// grouped_dsv3_moe_dg_tests.json (scripts/plan_to_dg_problems.py wrote them from `plan --json`):
// together they must be exactly the problems gemmtune draws from configs/dsv3-moe.json, or a
// changed seed or distribution would leave issue 11's comparison timing other problems.
TEST(GroupedShapeSet, DeepGemmProblemFilesAreDsv3MoesOwnDraws) {
  using Key = std::tuple<GroupLayout, int64_t, int64_t, std::vector<int64_t>>;
  std::multiset<Key> drawn;
  for (const Problem& p : load_shape_set(resolve_input_path("configs/dsv3-moe.json")).problems)
    drawn.insert(Key{p.layout, p.n, p.k, p.group_m});
  std::multiset<Key> files;
  for (const char* path : {"configs/deepgemm/grouped_dsv3_moe_full.json",
                           "configs/deepgemm/grouped_dsv3_moe_dg_tests.json"}) {
    const nlohmann::json doc = nlohmann::json::parse(test::read_text(resolve_input_path(path)));
    for (const nlohmann::json& p : doc.at("problems")) {
      const std::string layout = p.at("layout");
      ASSERT_TRUE(layout == "contiguous" || layout == "masked") << path << ": " << layout;
      files.insert(Key{layout == "masked" ? GroupLayout::kMasked : GroupLayout::kContiguous,
                       p.at("n").get<int64_t>(), p.at("k").get<int64_t>(),
                       p.at("ms").get<std::vector<int64_t>>()});
      if (layout == "masked") EXPECT_GT(p.at("max_m").get<int64_t>(), 0) << path;
    }
  }
  EXPECT_EQ(files.size(), drawn.size());
  EXPECT_TRUE(files == drawn) << "regenerate them: gemmtune plan --shapes configs/dsv3-moe.json "
                                 "--json | python3 scripts/plan_to_dg_problems.py OUT.json ...";
}

}  // namespace
}  // namespace gemmtune
