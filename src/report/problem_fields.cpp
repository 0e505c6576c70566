// Problems from result JSON (report/problem_fields.hpp).
#include "report/problem_fields.hpp"

#include <limits>

#include "core/smem_layout.hpp"

namespace gemmtune::report {

std::vector<int64_t> parse_group_sizes(const Json& j, const JsonAt& at) {
  if (!j.is_array()) at.fail("expected a list of rows per group, found " + std::string(j.type_name()));
  if (j.empty() || static_cast<int64_t>(j.size()) > kMaxGroups) {
    at.fail("expected 1 to " + std::to_string(kMaxGroups) + " groups, found " +
            std::to_string(j.size()));
  }
  std::vector<int64_t> rows;
  rows.reserve(j.size());
  for (std::size_t g = 0; g < j.size(); ++g) {
    if (!j[g].is_number_integer() || j[g].get<int64_t>() < 0 ||
        j[g].get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      at[g].fail("expected rows in [0, 2^31-1], found " + j[g].dump());
    }
    rows.push_back(j[g].get<int64_t>());
  }
  return rows;
}

Problem parse_problem(const Json& j, const JsonAt& at) {
  if (!j.is_object()) at.fail("expected an object, found " + std::string(j.type_name()));
  Problem p;
  p.label = optional_string(j, "label", at);
  p.n = require_positive_int(j, "n", at);
  p.k = require_positive_int(j, "k", at);
  const std::string op = optional_string(j, "op", at, "gemm");
  if (op == "gemm" || op == to_string(GroupLayout::kNone)) {
    p.m = require_positive_int(j, "m", at);
    return p;
  }
  const std::optional<GroupLayout> layout = parse_group_layout(op);
  if (!layout) {
    (at / "op").fail("unknown op \"" + op + "\" (expected gemm, grouped_contiguous or grouped_masked)");
  }
  p.layout = *layout;
  p.group_m = parse_group_sizes(require_member(j, "group_m", at), at / "group_m");
  p.m = require_positive_int(j, "m", at);
  if (p.layout == GroupLayout::kMasked) {
    p.max_m = require_positive_int(j, "max_m", at);
    for (std::size_t g = 0; g < p.group_m.size(); ++g) {
      if (p.group_m[g] > p.max_m) {
        (at / "group_m")[g].fail("rows " + std::to_string(p.group_m[g]) + " > max_m " +
                                 std::to_string(p.max_m));
      }
    }
    if (p.m != p.max_m * p.groups()) {
      (at / "m").fail("a masked problem has G * max_m = " + std::to_string(p.max_m * p.groups()) +
                      " rows, found " + std::to_string(p.m));
    }
  } else if (p.m != p.useful_rows()) {
    (at / "m").fail("a contiguous problem has the sum of group_m = " +
                    std::to_string(p.useful_rows()) + " rows, found " + std::to_string(p.m));
  }
  return p;
}

}  // namespace gemmtune::report
