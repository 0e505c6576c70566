// Order statistics used by the timing harness.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"
#include "core/sample_stats.hpp"

namespace gemmtune {
namespace {

TEST(SampleStats, MedianAndPercentilesInterpolateLikeNumpy) {
  const std::vector<double> samples = {5.0, 1.0, 4.0, 2.0, 3.0};  // unsorted on purpose
  const SampleStats s = summarize_samples(samples);
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.p10, 1.4);  // numpy.percentile([1..5], 10)
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 5.0);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.spread, (4.6 - 1.4) / 3.0);
}

TEST(SampleStats, EvenCountMedianIsMidpoint) {
  const std::vector<double> samples = {10.0, 20.0, 30.0, 40.0};
  EXPECT_DOUBLE_EQ(summarize_samples(samples).median, 25.0);
}

TEST(SampleStats, SingleSample) {
  const std::vector<double> samples = {7.5};
  const SampleStats s = summarize_samples(samples);
  EXPECT_DOUBLE_EQ(s.median, 7.5);
  EXPECT_DOUBLE_EQ(s.p10, 7.5);
  EXPECT_DOUBLE_EQ(s.p90, 7.5);
  EXPECT_DOUBLE_EQ(s.spread, 0.0);
}

TEST(SampleStats, ZeroMedianGivesZeroSpread) {
  const std::vector<double> samples = {-1.0, 0.0, 1.0};
  EXPECT_DOUBLE_EQ(summarize_samples(samples).spread, 0.0);
}

TEST(SampleStats, RejectsEmptyInputAndBadQuantile) {
  const std::vector<double> none;
  EXPECT_THROW(static_cast<void>(summarize_samples(none)), Error);
  const std::vector<double> one = {1.0};
  EXPECT_THROW(static_cast<void>(percentile_of_sorted(one, 1.5)), Error);
}

}  // namespace
}  // namespace gemmtune
