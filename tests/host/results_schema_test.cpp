// The records' vocabulary has one owner (core/results_schema.hpp): the runtime writes and the
// reports read the same RunKind and Disposition, with the names run folders already hold.
#include <gtest/gtest.h>

#include "core/results_schema.hpp"
#include "report/run_folder.hpp"

namespace gemmtune::test {
namespace {

TEST(ResultsSchema, KindAndDispositionNamesAreTheRecordedOnesAndRoundTrip) {
  // These strings are in every runs.jsonl ever written: renaming one breaks readers.
  // stream_floor: `sweep --stream-floor` records (since 4f345be).
  EXPECT_EQ(run_kind_names(),
            (std::vector<std::string>{"gemmtune", "cublaslt_heuristic", "cublaslt_best",
                                      "cublaslt_fp8_tensor", "side_by_side", "cublaslt_per_group",
                                      "cublaslt_per_group_graph", "stream_floor"}));
  EXPECT_EQ(disposition_names(),
            (std::vector<std::string>{"passed", "incorrect", "compile_failed", "launch_failed",
                                      "faulted", "timed_out", "skipped"}));
  for (const std::string& name : run_kind_names()) {
    ASSERT_TRUE(parse_run_kind(name).has_value()) << name;
    EXPECT_EQ(to_string(*parse_run_kind(name)), name);
  }
  for (const Disposition d : kAllDispositions) {
    EXPECT_EQ(parse_disposition(to_string(d)), d);
  }
  EXPECT_FALSE(parse_run_kind("cuBLASLt_best").has_value());
  EXPECT_FALSE(parse_disposition("pass").has_value());
  // The report layer names the same types (no second enum to convert from).
  static_assert(std::is_same_v<report::RunKind, RunKind>);
  static_assert(std::is_same_v<report::Disposition, Disposition>);
  EXPECT_TRUE(has_config(RunKind::kSideBySide));
  EXPECT_FALSE(has_config(RunKind::kCublasltPerGroupGraph));
  EXPECT_FALSE(has_config(RunKind::kStreamFloor));
}

}  // namespace
}  // namespace gemmtune::test
