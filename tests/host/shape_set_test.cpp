// Shape-set loading: the valid format and every bad input, each checked for message content
// (file, JSON path, problem) and exit code.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

using test::catch_error;
using test::expect_input_error;

TEST(ShapeSet, ExpandsMListsInOrderAndKeepsLabels) {
  const test::TempDir dir;
  const std::string file = dir.write("s.json", R"({
    "name": "mini", "description": "two layers",
    "problems": [
      {"label": "q_a", "op": "fp8_gemm_nt", "n": 2112, "k": 7168, "m": [4, 1, 64]},
      {"n": 576, "k": 7168, "m": 128}
    ]})");
  const ShapeSet set = load_shape_set(file);
  EXPECT_EQ(set.name, "mini");
  EXPECT_EQ(set.description, "two layers");
  EXPECT_EQ(set.path, file);
  ASSERT_EQ(set.problems.size(), 4u);
  EXPECT_EQ(set.problems[0], (Problem{.label = "q_a", .m = 4, .n = 2112, .k = 7168}));
  EXPECT_EQ(set.problems[1], (Problem{.label = "q_a", .m = 1, .n = 2112, .k = 7168}));
  EXPECT_EQ(set.problems[2], (Problem{.label = "q_a", .m = 64, .n = 2112, .k = 7168}));
  EXPECT_EQ(set.problems[3], (Problem{.label = "", .m = 128, .n = 576, .k = 7168}));
}

TEST(ShapeSet, ShippedSetsLoad) {
  const ShapeSet dsv3 = load_shape_set(resolve_input_path("configs/dsv3.json"));
  EXPECT_EQ(dsv3.name, "dsv3");
  EXPECT_EQ(dsv3.problems.size(), 9u * 22u);
  EXPECT_EQ(dsv3.problems.front(), (Problem{.label = "q_a+kv_a fused", .m = 1, .n = 2112,
                                            .k = 7168}));
  EXPECT_EQ(dsv3.problems.back().m, 16384);
  const ShapeSet quick = load_shape_set(resolve_input_path("configs/dsv3-quick.json"));
  EXPECT_EQ(quick.problems.size(), 6u * 3u);
  // Other models' layers: 11 layers at M 1, 64, 2049 and a short-K layer at M 1, 64.
  const ShapeSet models = load_shape_set(resolve_input_path("configs/dense-models.json"));
  EXPECT_EQ(models.name, "dense-models");
  EXPECT_EQ(models.problems.size(), 11u * 3u + 2u);
  EXPECT_EQ(models.problems.back(), (Problem{.label = "short-K projection", .m = 64, .n = 4096,
                                             .k = 1536}));
}

struct BadShapes {
  const char* name;
  const char* json;
  std::vector<std::string_view> parts;  // path and problem the message must name
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadShapes& bad, std::ostream* os) { *os << '"' << bad.name << '"'; }

class ShapeSetError : public ::testing::TestWithParam<BadShapes> {};

TEST_P(ShapeSetError, NamesFilePathAndProblem) {
  const test::TempDir dir;
  const std::string file = dir.write("shapes.json", GetParam().json);
  const test::CaughtError error = catch_error([&] { static_cast<void>(load_shape_set(file)); });
  expect_input_error(error, file, {});
  for (const std::string_view part : GetParam().parts) {
    EXPECT_NE(error.message.find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << error.message;
  }
}

// A valid first problem followed by `fields`, the problem under test at /problems/1.
#define GT_PROBLEM(fields) \
  R"({"name": "t", "problems": [{"n": 2112, "k": 7168, "m": 64}, )" fields "]}"

INSTANTIATE_TEST_SUITE_P(
    Cases, ShapeSetError,
    ::testing::Values(
        // The stray ',' is the 29th byte (1-based) and the 15th column of line 2.
        BadShapes{"MalformedJson", "{\"name\": \"t\",\n \"problems\": [,]}",
                  {"malformed JSON (byte 29)", "line 2, column 15", "syntax error"}},
        BadShapes{"EmptyFile", "", {"malformed JSON", "unexpected end of input"}},
        BadShapes{"RootNotObject", "[1, 2]", {": /: expected an object, got array"}},
        BadShapes{"MissingName", R"({"problems": []})", {": /: missing required key \"name\""}},
        BadShapes{"MissingProblems", R"({"name": "t"})", {"/: missing required key \"problems\""}},
        BadShapes{"EmptyProblemList", R"({"name": "t", "problems": []})",
                  {"/problems: empty problem list"}},
        BadShapes{"ProblemsNotList", R"({"name": "t", "problems": {"n": 8}})",
                  {"/problems: expected a list, got object"}},
        BadShapes{"NameNotString", R"({"name": 3, "problems": []})",
                  {"/name: expected a string, got 3"}},
        BadShapes{"ProblemNotObject", GT_PROBLEM("7"), {"/problems/1: expected an object"}},
        BadShapes{"MissingN", GT_PROBLEM(R"({"k": 7168, "m": 1})"),
                  {"/problems/1: missing required key \"n\""}},
        BadShapes{"MissingM", GT_PROBLEM(R"({"n": 8, "k": 16})"),
                  {"/problems/1: missing required key \"m\""}},
        BadShapes{"StringSize", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": [1, "64"]})"),
                  {"/problems/1/m/1: expected an integer, got string \"64\""}},
        BadShapes{"FractionalSize", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": [1, 2, 64.5]})"),
                  {"/problems/1/m/2: expected an integer, got 64.5 (not a whole number)"}},
        BadShapes{"WholeFloatSize", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": 1e3})"),
                  {"/problems/1/m: expected an integer, got 1000.0", "decimal point"}},
        BadShapes{"BoolSize", GT_PROBLEM(R"({"n": true, "k": 7168, "m": 1})"),
                  {"/problems/1/n: expected an integer, got boolean true"}},
        BadShapes{"NullSize", GT_PROBLEM(R"({"n": 2112, "k": null, "m": 1})"),
                  {"/problems/1/k: expected an integer, got null"}},
        BadShapes{"NestedList", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": [[1]]})"),
                  {"/problems/1/m/0: expected a single value, got array [1]"}},
        BadShapes{"EmptyMList", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": []})"),
                  {"/problems/1/m: empty list"}},
        BadShapes{"ZeroM", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": [1, 0]})"),
                  {"/problems/1/m/1: M 0 must be >= 1"}},
        BadShapes{"NegativeN", GT_PROBLEM(R"({"n": -8, "k": 7168, "m": 1})"),
                  {"/problems/1/n: N -8 must be >= 1"}},
        BadShapes{"ZeroK", GT_PROBLEM(R"({"n": 2112, "k": 0, "m": 1})"),
                  {"/problems/1/k: K 0 must be >= 1"}},
        BadShapes{"ProductOverflow",
                  GT_PROBLEM(R"({"n": 2112, "k": 1073741824, "m": 1099511627776})"),
                  {"/problems/1/m: M*K overflows int64"}},
        BadShapes{"FlopOverflow",
                  GT_PROBLEM(R"({"n": 2097152, "k": 2097152, "m": 2097152})"),
                  {"/problems/1/m: 2*M*N*K overflows int64"}},
        BadShapes{"BeyondInt64", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": 9223372036854775808})"),
                  {"/problems/1/m: integer 9223372036854775808 is out of the 64-bit"}},
        BadShapes{"BeyondUint64",
                  GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": 99999999999999999999})"),
                  {"/problems/1/m: number 1e+20 is out of the 64-bit signed integer range"}},
        BadShapes{"BeyondInt32", GT_PROBLEM(R"({"n": 8, "k": 16, "m": 2147483648})"),
                  {"/problems/1/m: M 2147483648 > 2147483647", "32-bit"}},
        BadShapes{"DeviceMemory", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": 100000000})"),
                  {"/problems/1/m: operands need 1161615142624 B", "> 141000000000 B device"}},
        BadShapes{"NUnaligned", GT_PROBLEM(R"({"n": 2116, "k": 7168, "m": 1})"),
                  {"/problems/1/n: N 2116 is not a multiple of 8", "16-byte"}},
        BadShapes{"KUnaligned", GT_PROBLEM(R"({"n": 2112, "k": 7176, "m": 1})"),
                  {"/problems/1/k: K 7176 is not a multiple of 16", "16-byte"}},
        BadShapes{"UnknownOp", GT_PROBLEM(R"({"op": "fp8_gemm_nn", "n": 8, "k": 16, "m": 1})"),
                  {"/problems/1/op: unknown op \"fp8_gemm_nn\"", "fp8_gemm_nt"}},
        BadShapes{"ControlCharactersStayOnOneLine",
                  GT_PROBLEM(R"({"op": "fp8\ngemm\u0001", "n": 8, "k": 16, "m": 1})"),
                  {"/problems/1/op: unknown op \"fp8\\ngemm\\x01\""}},
        BadShapes{"OpNotString", GT_PROBLEM(R"({"op": 1, "n": 8, "k": 16, "m": 1})"),
                  {"/problems/1/op: expected a string"}},
        BadShapes{"LabelNotString", GT_PROBLEM(R"({"label": [], "n": 8, "k": 16, "m": 1})"),
                  {"/problems/1/label: expected a string, got array"}},
        BadShapes{"DuplicateProblem", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": [128, 64]})"),
                  {"/problems/1/m/1: duplicate problem M 64 N 2112 K 7168",
                   "first given at /problems/0/m"}},
        BadShapes{"DuplicateKey", GT_PROBLEM(R"({"n": 2112, "k": 7168, "m": 1, "n": 576})"),
                  {"/problems/1/n: duplicate key \"n\""}}),
    [](const auto& info) { return std::string(info.param.name); });

#undef GT_PROBLEM

TEST(ShapeSet, DeviceMemoryLimitIsAParameter) {
  const test::TempDir dir;
  const std::string file =
      dir.write("s.json", R"({"name": "t", "problems": [{"n": 7168, "k": 7168, "m": 4096}]})");
  // Operand bytes, by hand: A 4096*7168 + B 7168*7168 + sA 56*4096*4 + sB 56*56*4
  // + D 4096*7168*2 = 140390656.
  EXPECT_EQ(load_shape_set(file, 140390656).problems.size(), 1u);
  expect_input_error(catch_error([&] { static_cast<void>(load_shape_set(file, 140390655)); }),
                     file, {"/problems/0/m: operands need 140390656 B", "> 140390655 B"});
}

TEST(ShapeSet, UnknownKeysWarnWithFileAndPath) {
  const test::TempDir dir;
  const std::string file = dir.write("s.json", R"({"name": "t", "comment": "x",
      "problems": [{"n": 8, "k": 16, "m": 1, "mm": 2}]})");
  const test::LogCapture log;
  EXPECT_EQ(load_shape_set(file).problems.size(), 1u);
  EXPECT_NE(log.text().find(file + ": /comment: unknown key ignored"), std::string::npos)
      << log.text();
  EXPECT_NE(log.text().find(file + ": /problems/0/mm: unknown key ignored"), std::string::npos)
      << log.text();
}

TEST(ShapeSet, MissingFile) {
  const test::TempDir dir;
  const std::string file = (dir.path() / "absent.json").string();
  expect_input_error(catch_error([&] { static_cast<void>(load_shape_set(file)); }), file,
                     {"cannot open: No such file or directory"});
}

TEST(ShapeSet, DirectoryInsteadOfFile) {
  const test::TempDir dir;
  expect_input_error(catch_error([&] { static_cast<void>(load_shape_set(dir.path())); }),
                     dir.path().string(), {"is a directory, expected a JSON file"});
}

TEST(ShapeSet, ReadFailure) {
  // NOTE: /proc/self/mem opens but fails to read at offset 0 (EIO), even for root.
  if (access("/proc/self/mem", F_OK) != 0) GTEST_SKIP() << "no /proc/self/mem";
  expect_input_error(catch_error([] { static_cast<void>(load_shape_set("/proc/self/mem")); }),
                     "/proc/self/mem", {"cannot read: Input/output error"});
}

TEST(ShapeSet, UnreadableFile) {
  const test::TempDir dir;
  const std::string file = dir.write("locked.json", R"({"name": "t", "problems": []})");
  ASSERT_EQ(chmod(file.c_str(), 0), 0);
  if (access(file.c_str(), R_OK) == 0) GTEST_SKIP() << "running as root: permissions not enforced";
  expect_input_error(catch_error([&] { static_cast<void>(load_shape_set(file)); }), file,
                     {"cannot open: Permission denied"});
}

}  // namespace
}  // namespace gemmtune
