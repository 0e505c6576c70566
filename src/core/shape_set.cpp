// Shape-set loading: JSON structure and types here, size rules from the legality model.
#include "core/shape_set.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "core/json_input.hpp"

namespace gemmtune {
namespace {

using nlohmann::json;
using ProblemKey = std::tuple<int64_t, int64_t, int64_t>;

// The field a problem rule blames: per-dimension rule ids start with "n_" or "k_" (legality.hpp);
// every other rule, M's included, is reported at the M entry that made the problem.
std::string blamed_path(const std::string& rule_id, const std::string& problem_path,
                        const std::string& m_path) {
  if (rule_id.starts_with("n_")) return problem_path + "/n";
  if (rule_id.starts_with("k_")) return problem_path + "/k";
  return m_path;
}

void read_problem(const JsonInput& input, const json& entry, const std::string& path,
                  const DeviceLimits& limits, std::map<ProblemKey, std::string>& seen,
                  std::vector<Problem>& problems) {
  input.expect_object(entry, path);
  input.warn_unknown_keys(entry, path, {"label", "op", "n", "k", "m"});
  std::string label;
  if (const json* value = JsonInput::optional_member(entry, "label")) {
    label = input.to_string(*value, path + "/label");
  }
  if (const json* value = JsonInput::optional_member(entry, "op")) {
    const std::string op = input.to_string(*value, path + "/op");
    if (op != kOpFp8GemmNt) {
      input.fail(path + "/op", fmt::format("unknown op \"{}\": the only op is \"{}\"", op,
                                           kOpFp8GemmNt));
    }
  }
  const int64_t n = input.to_int64(input.member(entry, path, "n"), path + "/n");
  const int64_t k = input.to_int64(input.member(entry, path, "k"), path + "/k");
  for (const JsonItem& item : input.to_list(input.member(entry, path, "m"), path + "/m")) {
    const Problem problem{.label = label, .m = input.to_int64(*item.value, item.path), .n = n,
                          .k = k};
    const Legality verdict = check_problem(problem, limits);
    if (!verdict.legal) input.fail(blamed_path(verdict.rule_id, path, item.path), verdict.reason);
    const auto [first, inserted] = seen.emplace(ProblemKey{problem.m, n, k}, item.path);
    if (!inserted) {
      input.fail(item.path, fmt::format("duplicate problem M {} N {} K {}, first given at {}",
                                        problem.m, n, k, first->second));
    }
    problems.push_back(problem);
  }
}

}  // namespace

ShapeSet load_shape_set(const std::string& path, int64_t device_memory_bytes) {
  const JsonInput input = JsonInput::read(path);
  const json& root = input.root();
  input.expect_object(root, "");
  input.warn_unknown_keys(root, "", {"name", "description", "problems"});
  ShapeSet set{.name = input.to_string(input.member(root, "", "name"), "/name"),
               .description = "",
               .path = path,
               .problems = {}};
  if (const json* value = JsonInput::optional_member(root, "description")) {
    set.description = input.to_string(*value, "/description");
  }
  const json& problems = input.member(root, "", "problems");
  if (problems.is_array() && problems.empty()) {
    input.fail("/problems", "empty problem list: give at least one problem");
  }
  input.expect_array(problems, "/problems");
  const DeviceLimits limits{.device_memory_bytes = device_memory_bytes};
  std::map<ProblemKey, std::string> seen;
  for (size_t i = 0; i < problems.size(); ++i) {
    read_problem(input, problems[i], json_child("/problems", i), limits, seen, set.problems);
  }
  return set;
}

}  // namespace gemmtune
