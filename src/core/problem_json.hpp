#pragma once
/// A problem as JSON, the one writer of its fields (plan, env.json): {"label", "m", "n", "k"},
/// plus for grouped problems "op" (to_string(GroupLayout)), "group_m" and, masked, "max_m".
#include <nlohmann/json.hpp>

#include "core/problem.hpp"

namespace gemmtune {

/// `Json` is nlohmann::json or nlohmann::ordered_json.
template <class Json>
[[nodiscard]] Json problem_to_json(const Problem& p) {
  Json j{{"label", p.label}, {"m", p.m}, {"n", p.n}, {"k", p.k}};
  if (p.layout != GroupLayout::kNone) {
    j["op"] = to_string(p.layout);
    j["groups"] = p.groups();
    j["group_m"] = p.group_m;
    j["useful_rows"] = p.useful_rows();
    if (p.layout == GroupLayout::kMasked) j["max_m"] = p.max_m;
  }
  return j;
}

}  // namespace gemmtune
