// Config-space loading and enumeration: the shipped spaces, "all", order, and every bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/config_space.hpp"
#include "core/json_input.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

using test::catch_error;
using test::expect_input_error;

constexpr const char* kSmallSpace = R"({"name": "small", "block_m": [128, 64],
    "block_n": [128], "stages": [4, 5], "multicast": ["none", "B"], "num_sms": ["all", 66],
    "raster": ["N", "M"], "group": 8, "split_k": [1, 2]})";

TEST(ConfigSpace, ShippedSpacesHaveTheDocumentedSizes) {
  const ConfigSpace space = load_config_space(resolve_input_path("configs/spaces/default.json"));
  EXPECT_EQ(space.name, "default");
  // 4 block_m x 17 block_n x 10 stages x 3 multicast x 1 num_sms x 2 raster x 2 group x 3 split_k
  EXPECT_EQ(space.size(), 4 * 17 * 10 * 3 * 1 * 2 * 2 * 3);
  EXPECT_EQ(space.block_m, (std::vector<int>{64, 128, 192, 256}));
  EXPECT_EQ(space.block_n, (std::vector<int>{16, 32, 48, 56, 64, 80, 88, 96, 104, 112, 120, 128,
                                             136, 144, 160, 192, 256}));
  EXPECT_EQ(space.num_sms, std::vector<int>{kH200SmCount});
  const ConfigSpace quick = load_config_space(resolve_input_path("configs/spaces/quick.json"));
  EXPECT_EQ(quick.size(), 3 * 4 * 2 * 2 * 2);
  EXPECT_EQ(enumerate_configs(quick).size(), 96u);
}

TEST(ConfigSpace, AllMeansTheDeviceSmCount) {
  const test::TempDir dir;
  const std::string file = dir.write("space.json", kSmallSpace);
  EXPECT_EQ(load_config_space(file).num_sms, (std::vector<int>{132, 66}));
  EXPECT_EQ(load_config_space(file, 114).num_sms, (std::vector<int>{114, 66}));
}

TEST(ConfigSpace, EnumeratesTheProductSplitKFastest) {
  const test::TempDir dir;
  const ConfigSpace space = load_config_space(dir.write("space.json", kSmallSpace));
  const std::vector<KernelConfig> configs = enumerate_configs(space);
  ASSERT_EQ(configs.size(), 2u * 1 * 2 * 2 * 2 * 2 * 1 * 2);
  ASSERT_EQ(static_cast<int64_t>(configs.size()), space.size());
  EXPECT_EQ(to_string(configs[0]), "bm128_bn128_s4_mc0_sm132_rN8_sk1");
  EXPECT_EQ(to_string(configs[1]), "bm128_bn128_s4_mc0_sm132_rN8_sk2");
  EXPECT_EQ(to_string(configs[2]), "bm128_bn128_s4_mc0_sm132_rM8_sk1");
  EXPECT_EQ(to_string(configs.back()), "bm64_bn128_s5_mcB_sm66_rM8_sk2");
}

struct BadSpace {
  const char* name;
  const char* json;
  const char* part;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadSpace& bad, std::ostream* os) { *os << '"' << bad.name << '"'; }

class ConfigSpaceError : public ::testing::TestWithParam<BadSpace> {};

TEST_P(ConfigSpaceError, NamesFilePathAndProblem) {
  const test::TempDir dir;
  const std::string file = dir.write("space.json", GetParam().json);
  expect_input_error(catch_error([&] { static_cast<void>(load_config_space(file)); }), file,
                     {GetParam().part});
}

// A valid space with one axis replaced: GT_SPACE("\"stages\": [0]") and so on.
#define GT_SPACE(axis)                                                                  \
  R"({"name": "t", "block_m": [128], "block_n": [128], "multicast": ["none"], )"       \
  R"("num_sms": ["all"], "raster": ["N"], "group": [8], "split_k": [1], )" axis "}"

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigSpaceError,
    ::testing::Values(
        BadSpace{"Malformed", "{\"name\": \"t\" \"block_m\": [1]}", "malformed JSON (byte"},
        BadSpace{"RootNotObject", "3", ": /: expected an object, got 3"},
        BadSpace{"MissingName", R"({"block_m": [64]})", "/: missing required key \"name\""},
        BadSpace{"MissingAxis", GT_SPACE(R"("description": "no stages")"),
                 "/: missing required key \"stages\""},
        BadSpace{"EmptyAxis", GT_SPACE(R"("stages": [])"), "/stages: empty list"},
        BadSpace{"StringInt", GT_SPACE(R"("stages": [4, "5"])"),
                 "/stages/1: expected an integer, got string \"5\""},
        BadSpace{"FloatInt", GT_SPACE(R"("stages": [4.5])"),
                 "/stages/0: expected an integer, got 4.5"},
        BadSpace{"BoolInt", GT_SPACE(R"("stages": false)"),
                 "/stages: expected an integer, got boolean false"},
        BadSpace{"ZeroInt", GT_SPACE(R"("stages": [0])"),
                 "/stages/0: expected a positive integer <= 2147483647, got 0"},
        BadSpace{"HugeInt", GT_SPACE(R"("stages": [2147483648])"),
                 "/stages/0: expected a positive integer <= 2147483647, got 2147483648"},
        BadSpace{"ObjectAxis", GT_SPACE(R"("stages": {"a": 1})"),
                 "/stages: expected a value or a list of values, got an object"},
        BadSpace{"DuplicateValue", GT_SPACE(R"("stages": [4, 5, 4])"),
                 "/stages/2: repeats the value at /stages/0"},
        BadSpace{"BadMulticast",
                 R"({"name": "t", "block_m": [128], "block_n": [128], "stages": [4],
                     "multicast": ["none", "C"], "num_sms": ["all"], "raster": ["N"],
                     "group": [8], "split_k": [1]})",
                 "/multicast/1: unknown multicast \"C\": use \"none\", \"A\" or \"B\""},
        BadSpace{"BadRaster",
                 R"({"name": "t", "block_m": [128], "block_n": [128], "stages": [4],
                     "multicast": ["none"], "num_sms": ["all"], "raster": ["N", "Z"],
                     "group": [8], "split_k": [1]})",
                 "/raster/1: unknown raster \"Z\": use \"M\", \"N\" or \"G\""},
        BadSpace{"BadNumSmsString",
                 R"({"name": "t", "block_m": [128], "block_n": [128], "stages": [4],
                     "multicast": ["none"], "num_sms": ["half"], "raster": ["N"],
                     "group": [8], "split_k": [1]})",
                 "/num_sms/0: unknown num_sms \"half\": use an integer or \"all\""},
        BadSpace{"AllRepeatsNumber",
                 R"({"name": "t", "block_m": [128], "block_n": [128], "stages": [4],
                     "multicast": ["none"], "num_sms": ["all", 132], "raster": ["N"],
                     "group": [8], "split_k": [1]})",
                 "/num_sms/1: repeats the value at /num_sms/0"},
        BadSpace{"TooLarge",
                 R"({"name": "t", "block_m": [1,2,3,4,5,6,7,8,9,10],
                     "block_n": [1,2,3,4,5,6,7,8,9,10], "stages": [1,2,3,4,5,6,7,8,9,10],
                     "multicast": ["none", "A", "B"], "num_sms": [1,2,3,4,5,6,7,8,9,10],
                     "raster": ["N", "M"], "group": [1,2,3,4,5,6,7,8,9,10], "split_k": [1,2,3,4]})",
                 "/: the space has more than 1000000 configs"}),
    [](const auto& info) { return std::string(info.param.name); });

#undef GT_SPACE

// An axis written as a JSON list of `count` values from 1, then `last`.
std::string space_with_block_m_axis(int count, int last) {
  std::string values;
  for (int i = 1; i <= count; ++i) values += std::to_string(i) + ",";
  return R"({"name": "wide", "block_n": [128], "stages": [4], "multicast": ["none"],
      "num_sms": ["all"], "raster": ["N"], "group": [8], "split_k": [1], "block_m": [)" +
         values + std::to_string(last) + "]}";
}

TEST(ConfigSpace, LongAxesAreCheckedForRepeatsInNLogNTime) {
  // Repeats were found by comparing each value with every earlier one: 100,000 values took 2 s,
  // growing with the square of the count.
  const test::TempDir dir;
  const std::string file = dir.write("wide.json", space_with_block_m_axis(200'000, 17));
  const auto start = std::chrono::steady_clock::now();
  expect_input_error(catch_error([&] { static_cast<void>(load_config_space(file)); }), file,
                     {"/block_m/200000: repeats the value at /block_m/16"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  const std::string too_long = dir.write("too_long.json", space_with_block_m_axis(1'000'000, 0));
  expect_input_error(catch_error([&] { static_cast<void>(load_config_space(too_long)); }),
                     too_long, {"/block_m: 1000001 values: the whole space has at most 1000000"});
}

TEST(ConfigSpace, UnknownKeysWarn) {
  const test::TempDir dir;
  const std::string file = dir.write(
      "space.json", R"({"name": "t", "block_m": [128], "block_n": [128], "stages": [4],
          "multicast": ["none"], "num_sms": ["all"], "raster": ["N"], "group": [8],
          "split_k": [1], "block_k": [128]})");
  const test::LogCapture log;
  EXPECT_EQ(load_config_space(file).size(), 1);
  EXPECT_NE(log.text().find(file + ": /block_k: unknown key ignored"), std::string::npos)
      << log.text();
}

TEST(ConfigSpace, MissingFile) {
  expect_input_error(catch_error([] { static_cast<void>(load_config_space("/no/such.json")); }),
                     "/no/such.json", {"cannot open: No such file or directory"});
}

}  // namespace
}  // namespace gemmtune
