// The input distributions' one owner (core/input_distribution.hpp): names round-trip, unknown
// names are refused, and the enum's values are the ones the support kernel reads.
#include <gtest/gtest.h>

#include "core/input_distribution.hpp"

namespace gemmtune::test {
namespace {

TEST(InputDistribution, NamesRoundTripAndUnknownNamesAreRefused) {
  const std::vector<std::string> names = input_distribution_names();
  EXPECT_EQ(names, (std::vector<std::string>{"uniform", "normal"}));
  for (const std::string& name : names) {
    const std::optional<InputDistribution> d = parse_input_distribution(name);
    ASSERT_TRUE(d.has_value()) << name;
    EXPECT_EQ(to_string(*d), name);
  }
  EXPECT_FALSE(parse_input_distribution("gaussian").has_value());
  EXPECT_FALSE(parse_input_distribution("").has_value());
  // GemmtuneSupportQuantizeParams::distribution: 0 uniform, 1 normal.
  EXPECT_EQ(static_cast<int>(InputDistribution::kUniform), 0);
  EXPECT_EQ(static_cast<int>(InputDistribution::kNormal), 1);
}

}  // namespace
}  // namespace gemmtune::test
