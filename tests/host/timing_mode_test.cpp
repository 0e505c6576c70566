// The timing protocols' one owner (core/timing_mode.hpp): names round-trip, unknown names are
// refused, and every mode has a description for reports; the same for baseline timings and
// run-off regimes and flush kinds.
#include <gtest/gtest.h>

#include "core/timing_mode.hpp"

namespace gemmtune::test {
namespace {

TEST(TimingMode, NamesRoundTripAndUnknownNamesAreRefused) {
  const std::vector<std::string> names = timing_mode_names();
  EXPECT_EQ(names, (std::vector<std::string>{"call", "call_sync", "kernel"}));
  for (const std::string& name : names) {
    const std::optional<TimingMode> mode = parse_timing_mode(name);
    ASSERT_TRUE(mode.has_value()) << name;
    EXPECT_EQ(to_string(*mode), name);
    EXPECT_NE(std::string(describe(*mode)).find(name), std::string::npos) << name;
  }
  EXPECT_FALSE(parse_timing_mode("Call").has_value());
  EXPECT_FALSE(parse_timing_mode("").has_value());
  EXPECT_FALSE(parse_timing_mode("call ").has_value());
}

TEST(BaselineTiming, NamesRoundTripAndUnknownNamesAreRefused) {
  const std::vector<std::string> names = baseline_timing_names();
  EXPECT_EQ(names, (std::vector<std::string>{"separate", "interleaved", "none"}));
  for (const std::string& name : names) {
    const std::optional<BaselineTiming> t = parse_baseline_timing(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_EQ(to_string(*t), name);
  }
  EXPECT_FALSE(parse_baseline_timing("blocks").has_value());
}

TEST(RunoffRegime, NamesRoundTripAndUnknownNamesAreRefused) {
  const std::vector<std::string> names = runoff_regime_names();
  EXPECT_EQ(names, (std::vector<std::string>{"burst", "sustained"}));
  for (const std::string& name : names) {
    const std::optional<RunoffRegime> regime = parse_runoff_regime(name);
    ASSERT_TRUE(regime.has_value()) << name;
    EXPECT_EQ(to_string(*regime), name);
  }
  EXPECT_EQ(parse_runoff_regime("burst"), RunoffRegime::kBurst);
  EXPECT_EQ(parse_runoff_regime("sustained"), RunoffRegime::kSustained);
  EXPECT_FALSE(parse_runoff_regime("Burst").has_value());
  EXPECT_FALSE(parse_runoff_regime("interleaved").has_value());
  EXPECT_FALSE(parse_runoff_regime("").has_value());
}

TEST(FlushKind, NamesRoundTripAndUnknownNamesAreRefused) {
  const std::vector<std::string> names = flush_kind_names();
  EXPECT_EQ(names, (std::vector<std::string>{"write", "read"}));
  for (const std::string& name : names) {
    const std::optional<FlushKind> kind = parse_flush_kind(name);
    ASSERT_TRUE(kind.has_value()) << name;
    EXPECT_EQ(to_string(*kind), name);
  }
  EXPECT_EQ(parse_flush_kind("write"), FlushKind::kWrite);
  EXPECT_FALSE(parse_flush_kind("memset").has_value());
  EXPECT_FALSE(parse_flush_kind("").has_value());
}

}  // namespace
}  // namespace gemmtune::test
