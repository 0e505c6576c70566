// The limits every JSON input is read under (core/json_input.hpp): nesting depth found by a linear
// pre-scan, document and file sizes, repeated keys, bounded line reading; and time and memory
// linear in the input for deeply nested documents (issue 15: 100 KB of '[' took 38 s and 10 GB).
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

#include "bounded_child.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "test_support.hpp"

namespace gemmtune {
namespace {

using nlohmann::json;

std::string nested(size_t levels, std::string_view inner = "1") {
  return std::string(levels, '[') + std::string(inner) + std::string(levels, ']');
}

std::string problem_of(std::string_view text) {
  const ParsedJson<json> parsed = try_parse_json<json>(text);
  return parsed.problem ? parsed.problem->message : std::string();
}

TEST(JsonLimits, DepthLimitIsExact) {
  EXPECT_EQ(problem_of(nested(kMaxJsonDepth)), "");
  EXPECT_EQ(problem_of(nested(kMaxJsonDepth + 1)),
            "byte 65: arrays and objects nested deeper than 64 levels (the limit for every "
            "gemmtune JSON input)");
  // Objects count like arrays; the 65th opening bracket is the one named.
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth + 1; ++i) objects += "{\"a\":";
  EXPECT_NE(problem_of(objects + "1" + std::string(kMaxJsonDepth + 1, '}')).find("byte 321:"),
            std::string::npos);
}

TEST(JsonLimits, BracketsInStringsDoNotCount) {
  const std::string brackets(1000, '[');
  EXPECT_EQ(problem_of("{\"a\": \"" + brackets + "\", \"b\": \"\\\"" + brackets + "\"}"), "");
}

TEST(JsonLimits, AnEarlierProblemIsReportedBeforeTheDepth) {
  // A syntax error at byte 6 (':' expected), then nesting far beyond the limit.
  const std::string message = problem_of("{\"a\" 1, \"b\": " + nested(1000));
  EXPECT_EQ(message.rfind("malformed JSON (byte 6)", 0), 0u) << message;
  // A repeated key before the deep part.
  EXPECT_EQ(problem_of("{\"a\": 1, \"a\": " + nested(1000) + "}"),
            "/a: duplicate key \"a\" in one object");
}

TEST(JsonLimits, DuplicateKeysNameTheirPath) {
  EXPECT_EQ(problem_of(R"({"p": [1, {"x": [{"k": 1, "k": 2}]}]})"),
            "/p/1/x/0/k: duplicate key \"k\" in one object");
  EXPECT_EQ(problem_of(R"({"a~b/c": {}, "a~b/c": 1})"),
            "/a~0b~1c: duplicate key \"a~b/c\" in one object");
  // The same key in sibling objects is no repeat.
  EXPECT_EQ(problem_of(R"([{"k": 1}, {"k": 2}, {"k": {"k": 3}}])"), "");
  EXPECT_FALSE(try_parse_json<nlohmann::ordered_json>(R"({"k": 1, "k": 1})").problem->malformed);
}

TEST(JsonLimits, DocumentSizeLimit) {
  std::string text(static_cast<size_t>(kMaxJsonDocumentBytes) + 1, ' ');
  text[0] = '1';
  EXPECT_EQ(problem_of(text).rfind("67108865 bytes: over the limit of 67108864 bytes (64 MiB)", 0),
            0u)
      << problem_of(text);
}

TEST(JsonLimits, FileSizeIsCheckedBeforeReading) {
  const test::TempDir dir;
  const std::string file = dir.write("big.json", std::string(2000, ' ') + "1");
  test::expect_input_error(
      test::catch_error([&] { static_cast<void>(read_input_file(file, 1000)); }), file,
      {"2001 bytes: over the limit of 1000 bytes"});
  EXPECT_EQ(read_input_file(file, 2001).size(), 2001u);
}

TEST(JsonLimits, HugeNumbersAreMalformedOrOutOfRange) {
  // Before issue 15 nlohmann's out_of_range escaped the readers: exit code 4, "internal error".
  EXPECT_EQ(problem_of("[1e400]"), "number out of range (byte 6): number overflow parsing '1e400'");
  EXPECT_EQ(problem_of("{\"a\": -1e400}"),
            "number out of range (byte 12): number overflow parsing '-1e400'");
  EXPECT_EQ(problem_of("[NaN]").rfind("malformed JSON (byte 2)", 0), 0u);
  EXPECT_EQ(problem_of("[99999999999999999999]"), "");  // a double; readers refuse it as an int
}

TEST(JsonLimits, WideObjectsParseInLinearTimeKeepingFileOrder) {
  // nlohmann's own builder inserted each member of an ordered_json object by a linear search:
  // 80,000 keys took 4.4 s, quadratic in the keys.
  constexpr int kKeys = 200'000;
  std::string text = "{";
  for (int i = kKeys - 1; i >= 0; --i)
    text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  text.back() = '}';
  const auto start = std::chrono::steady_clock::now();
  const ParsedJson<nlohmann::ordered_json> parsed = try_parse_json<nlohmann::ordered_json>(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(parsed.problem) << parsed.problem->message;
  EXPECT_LT(seconds, 2.0);
  ASSERT_EQ(parsed.value.size(), size_t{kKeys});
  EXPECT_EQ(parsed.value.begin().key(), "k199999");  // file order, not sorted
  EXPECT_EQ(parsed.value.at("k7"), 7);               // and found by key
  EXPECT_EQ(try_parse_json<json>(text).value.at("k123"), 123);
}

TEST(JsonLimits, BoundedLinesSkipOverlongLinesWithoutKeepingThem) {
  std::istringstream in("ab\n" + std::string(100, 'x') + "\n\ncd");
  std::string line;
  EXPECT_EQ(read_bounded_line(in, line, 10), LineStatus::kLine);
  EXPECT_EQ(line, "ab");
  EXPECT_EQ(read_bounded_line(in, line, 10), LineStatus::kTooLong);
  EXPECT_EQ(line, "");
  EXPECT_EQ(read_bounded_line(in, line, 10), LineStatus::kLine);
  EXPECT_EQ(line, "");
  EXPECT_EQ(read_bounded_line(in, line, 10), LineStatus::kLine);
  EXPECT_EQ(line, "cd");
  EXPECT_EQ(read_bounded_line(in, line, 10), LineStatus::kEnd);
  // Lines longer than the reader's internal chunk are kept whole.
  std::istringstream long_line(std::string(10000, 'y') + "\nz\n");
  EXPECT_EQ(read_bounded_line(long_line, line, 20000), LineStatus::kLine);
  EXPECT_EQ(line, std::string(10000, 'y'));
  EXPECT_EQ(read_bounded_line(long_line, line, 20000), LineStatus::kLine);
  EXPECT_EQ(line, "z");
}

// Loads a shape set of `bytes` '[' in a child capped at 1 GiB above its current address space:
// a clean input error (exit 2), within `max_wall_s`, resident memory growing by under 64 MiB.
void expect_refused_in_bounded_time_and_memory(size_t bytes, double max_wall_s) {
  const test::TempDir dir;
  const std::string file = dir.write("nested.json", std::string(bytes, '['));
  const int64_t rss_before_kb = test::current_rss_kb();
  const test::ChildOutcome outcome = test::run_bounded(
      [&]() -> std::string {
        try {
          static_cast<void>(load_shape_set(file));
        } catch (const Error& e) {
          ::_exit(e.code());
        }
        return "loaded";
      },
      {.address_space_bytes = test::current_address_space_bytes() + (int64_t{1} << 30),
       .timeout_s = 60});
  EXPECT_EQ(outcome.exit_code, kExitUsage) << "signal " << outcome.signal << " " << outcome.report;
  EXPECT_LT(outcome.wall_s, max_wall_s) << bytes << " bytes";
  EXPECT_LT(outcome.max_rss_kb - rss_before_kb, 64 * 1024) << bytes << " bytes";
}

TEST(JsonLimits, NestedBrackets100KBRefusedInBoundedTimeAndMemory) {
  expect_refused_in_bounded_time_and_memory(100 << 10, 2.0);
}

TEST(JsonLimits, NestedBrackets1MBRefusedInBoundedTimeAndMemory) {
  expect_refused_in_bounded_time_and_memory(1 << 20, 2.0);
}

}  // namespace
}  // namespace gemmtune
