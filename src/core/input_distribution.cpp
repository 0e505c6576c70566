#include "core/input_distribution.hpp"

#include <array>

namespace gemmtune {
namespace {

constexpr std::array kDistributions{InputDistribution::kUniform, InputDistribution::kNormal};

}  // namespace

const char* to_string(InputDistribution distribution) {
  switch (distribution) {
    case InputDistribution::kUniform: return "uniform";
    case InputDistribution::kNormal: return "normal";
  }
  return "unknown";
}

std::optional<InputDistribution> parse_input_distribution(std::string_view name) {
  for (const InputDistribution d : kDistributions) {
    if (name == to_string(d)) return d;
  }
  return std::nullopt;
}

std::vector<std::string> input_distribution_names() {
  std::vector<std::string> names;
  for (const InputDistribution d : kDistributions) names.emplace_back(to_string(d));
  return names;
}

}  // namespace gemmtune
