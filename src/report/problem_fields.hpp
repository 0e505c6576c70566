#pragma once
/// Reading a problem back from result JSON (run records, tuning tables, worker requests): the
/// inverse of core/problem_json.hpp's problem_to_json, with errors naming file and JSON path.
#include "core/problem.hpp"
#include "report/json_fields.hpp"

namespace gemmtune::report {

/// Parses {"label", "m", "n", "k"} and, for grouped problems, "op", "group_m" and (masked)
/// "max_m". Checks that the rows agree: contiguous m = sum of group_m, masked m = G * max_m and
/// every group_m <= max_m; 1 to kMaxGroups groups. Derived fields ("groups", "useful_rows") are
/// recomputed, not read.
[[nodiscard]] Problem parse_problem(const Json& j, const JsonAt& at);

/// Parses a list of non-negative integers (group sizes) of at most kMaxGroups entries.
[[nodiscard]] std::vector<int64_t> parse_group_sizes(const Json& j, const JsonAt& at);

}  // namespace gemmtune::report
