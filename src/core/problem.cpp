// Keys and descriptions of problems (core/problem.hpp).
#include "core/problem.hpp"

#include <fmt/format.h>

namespace gemmtune {

std::string problem_key(const Problem& p) {
  if (p.layout == GroupLayout::kNone) return fmt::format("{}x{}x{}", p.m, p.n, p.k);
  std::string key = fmt::format("{} G{} {}x{}", to_string(p.layout), p.groups(), p.n, p.k);
  if (p.layout == GroupLayout::kMasked) key += fmt::format(" max_m {}", p.max_m);
  key += " rows ";
  for (size_t g = 0; g < p.group_m.size(); ++g) key += fmt::format("{}{}", g ? "," : "", p.group_m[g]);
  return key;
}

std::string describe(const Problem& p) {
  if (p.layout == GroupLayout::kNone) return fmt::format("M {} N {} K {}", p.m, p.n, p.k);
  return fmt::format("{} G {} N {} K {} rows {}", to_string(p.layout), p.groups(), p.n, p.k,
                     p.useful_rows());
}

}  // namespace gemmtune
