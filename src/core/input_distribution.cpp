#include "core/input_distribution.hpp"

#include "core/enum_names.hpp"

namespace gemmtune {
namespace {

constexpr EnumNames<InputDistribution, 2> kNames{
    {{{InputDistribution::kUniform, "uniform"}, {InputDistribution::kNormal, "normal"}}}};

}  // namespace

const char* to_string(InputDistribution distribution) { return kNames.name(distribution); }

std::optional<InputDistribution> parse_input_distribution(std::string_view name) {
  return kNames.parse(name);
}

std::vector<std::string> input_distribution_names() { return kNames.names(); }

}  // namespace gemmtune
