// The probe cut of the cuBLASLt best search: which once-timed candidates go on to the screening.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/probe_cut.hpp"

namespace gemmtune {
namespace {

TEST(ProbeCut, KeepsEveryCandidateWithinTheMarginFastestFirst) {
  const std::vector<double> probe_us = {130.0, 100.0, 121.0, 119.0, 300.0, 120.0};
  const std::vector<size_t> kept = probe_survivors(probe_us, {.margin = 0.2, .min_kept = 1});
  EXPECT_EQ(kept, (std::vector<size_t>{1, 3, 5}));  // 100, 119, 120; 121 is past the bar of 120
}

TEST(ProbeCut, KeepsAtLeastTheFastestFewWhateverTheirTimes) {
  const std::vector<double> probe_us = {500.0, 100.0, 400.0, 300.0, 200.0};
  EXPECT_EQ(probe_survivors(probe_us, {.margin = 0.1, .min_kept = 3}),
            (std::vector<size_t>{1, 4, 3}));
  EXPECT_EQ(probe_survivors(probe_us, {.margin = 0.1, .min_kept = 9}).size(), 5u);
}

TEST(ProbeCut, TiesKeepInputOrder) {
  const std::vector<double> probe_us = {10.0, 10.0, 10.0, 50.0};
  EXPECT_EQ(probe_survivors(probe_us, {.margin = 0.0, .min_kept = 1}),
            (std::vector<size_t>{0, 1, 2}));
}

TEST(ProbeCut, ABrokenProbeNeitherSurvivesNorSetsTheBar) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> probe_us = {nan, 0.0, -5.0, 100.0, inf, 115.0, 130.0};
  EXPECT_EQ(probe_survivors(probe_us, {.margin = 0.2, .min_kept = 1}),
            (std::vector<size_t>{3, 5}));
  // min_kept never brings a broken probe back
  EXPECT_EQ(probe_survivors(probe_us, {.margin = 0.2, .min_kept = 7}),
            (std::vector<size_t>{3, 5, 6}));
}

TEST(ProbeCut, NothingProbedKeepsNothing) {
  EXPECT_TRUE(probe_survivors({}, {}).empty());
}

}  // namespace
}  // namespace gemmtune
