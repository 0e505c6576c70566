// Shape-set loading: JSON structure and types here, size rules from the legality model.
#include "core/shape_set.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "core/group_sizes.hpp"
#include "core/json_input.hpp"

namespace gemmtune {
namespace {

using nlohmann::json;
// The field a problem rule blames: per-dimension rule ids start with "n_" or "k_" (legality.hpp);
// every other rule, M's included, is reported at the M entry that made the problem.
std::string blamed_path(const std::string& rule_id, const std::string& problem_path,
                        const std::string& m_path) {
  if (rule_id.starts_with("n_")) return problem_path + "/n";
  if (rule_id.starts_with("k_")) return problem_path + "/k";
  return m_path;
}

// The limits of a `groups` distribution object's fields.
struct IntField {
  const char* name;
  int64_t GroupSizeDistribution::*member;
  int64_t min, max;
  bool required;
};
constexpr IntField kDistributionFields[] = {
    {"count", &GroupSizeDistribution::count, 1, kMaxGroups, true},
    {"expected_m", &GroupSizeDistribution::expected_m, 0, kMaxDimension, true},
    {"spread_percent", &GroupSizeDistribution::spread_percent, 0, 100, false},
    {"empty", &GroupSizeDistribution::empty, 0, kMaxGroups, false},
    {"hot", &GroupSizeDistribution::hot, 0, kMaxGroups, false},
    {"hot_factor", &GroupSizeDistribution::hot_factor, 1, 1000, false},
};

// One entry of `groups`: an explicit list of rows per group, or a distribution object.
std::vector<int64_t> read_group_sizes(const JsonInput& input, const json& value,
                                      const std::string& path, int64_t max_m) {
  if (value.is_array()) {
    if (value.empty()) input.fail(path, "empty list of group rows: give at least one group");
    if (static_cast<int64_t>(value.size()) > kMaxGroups) {
      input.fail(path, fmt::format("{} groups > {} (the kernel's group table)", value.size(),
                                   kMaxGroups));
    }
    std::vector<int64_t> rows;
    for (const JsonItem& item : input.to_list(value, path)) {
      rows.push_back(input.to_int64(*item.value, item.path));
    }
    return rows;
  }
  if (!value.is_object()) {
    input.fail(path, "each entry of groups is one problem: a list of rows per group, or a "
                     "distribution object {\"count\", \"expected_m\", ...}");
  }
  input.warn_unknown_keys(value, path, {"count", "expected_m", "spread_percent", "empty", "hot",
                                        "hot_factor", "seed"});
  GroupSizeDistribution d;
  for (const IntField& field : kDistributionFields) {
    const json* member = JsonInput::optional_member(value, field.name);
    if (member == nullptr) {
      if (field.required) input.fail(json_child(path, field.name), "missing (required)");
      continue;
    }
    const int64_t v = input.to_int64(*member, json_child(path, field.name));
    if (v < field.min || v > field.max) {
      input.fail(json_child(path, field.name),
                 fmt::format("{} is not in [{}, {}]", v, field.min, field.max));
    }
    d.*field.member = v;
  }
  if (d.empty + d.hot > d.count) {
    input.fail(path, fmt::format("empty {} + hot {} groups > count {}", d.empty, d.hot, d.count));
  }
  if (const json* seed = JsonInput::optional_member(value, "seed")) {
    d.seed = static_cast<uint64_t>(input.to_int64(*seed, json_child(path, "seed")));
  }
  if (d.expected_m * d.hot_factor > kMaxDimension) {
    input.fail(path, fmt::format("hot groups of {} x {} rows exceed 2^31-1", d.expected_m,
                                 d.hot_factor));
  }
  return draw_group_sizes(d, max_m);
}

// A grouped entry: one problem per entry of `groups`.
void read_grouped(const JsonInput& input, const json& entry, const std::string& path,
                  GroupLayout layout, const std::string& label, int64_t n, int64_t k,
                  const DeviceLimits& limits, std::map<std::string, std::string>& seen,
                  std::vector<Problem>& problems) {
  if (JsonInput::optional_member(entry, "m") != nullptr) {
    input.fail(path + "/m", "a grouped op takes \"groups\" (rows per group), not \"m\"");
  }
  int64_t max_m = 0;
  if (layout == GroupLayout::kMasked) {
    max_m = input.to_int64(input.member(entry, path, "max_m"), path + "/max_m");
    if (max_m < 1) input.fail(path + "/max_m", fmt::format("max_m {} must be >= 1", max_m));
  } else if (JsonInput::optional_member(entry, "max_m") != nullptr) {
    input.fail(path + "/max_m", "only the masked layout has max_m");
  }
  const json& groups = input.member(entry, path, "groups");
  input.expect_array(groups, path + "/groups");
  if (groups.empty()) input.fail(path + "/groups", "empty: give at least one problem");
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string at = json_child(path + "/groups", i);
    const Problem problem = Problem::grouped(
        layout, n, k, read_group_sizes(input, groups[i], at, max_m), max_m, label);
    const Legality verdict = check_problem(problem, limits);
    if (!verdict.legal) input.fail(blamed_path(verdict.rule_id, path, at), verdict.reason);
    const auto [first, inserted] = seen.emplace(problem_key(problem), at);
    if (!inserted) {
      input.fail(at, fmt::format("duplicate problem {}, first given at {}", describe(problem),
                                 first->second));
    }
    problems.push_back(std::move(problem));
  }
}

void read_problem(const JsonInput& input, const json& entry, const std::string& path,
                  const DeviceLimits& limits, std::map<std::string, std::string>& seen,
                  std::vector<Problem>& problems) {
  input.expect_object(entry, path);
  input.warn_unknown_keys(entry, path, {"label", "op", "n", "k", "m", "groups", "max_m"});
  std::string label;
  if (const json* value = JsonInput::optional_member(entry, "label")) {
    label = input.to_string(*value, path + "/label");
  }
  GroupLayout layout = GroupLayout::kNone;
  if (const json* value = JsonInput::optional_member(entry, "op")) {
    const std::string op = input.to_string(*value, path + "/op");
    const std::optional<GroupLayout> grouped = parse_group_layout(op);
    if (op != kOpFp8GemmNt && (!grouped || *grouped == GroupLayout::kNone)) {
      input.fail(path + "/op", fmt::format("unknown op \"{}\": the ops are \"{}\", \"{}\" and "
                                           "\"{}\"", op, kOpFp8GemmNt,
                                           to_string(GroupLayout::kContiguous),
                                           to_string(GroupLayout::kMasked)));
    }
    if (op != kOpFp8GemmNt) layout = *grouped;
  }
  const int64_t n = input.to_int64(input.member(entry, path, "n"), path + "/n");
  const int64_t k = input.to_int64(input.member(entry, path, "k"), path + "/k");
  if (layout != GroupLayout::kNone) {
    read_grouped(input, entry, path, layout, label, n, k, limits, seen, problems);
    return;
  }
  if (JsonInput::optional_member(entry, "groups") != nullptr ||
      JsonInput::optional_member(entry, "max_m") != nullptr) {
    input.fail(path + "/op", "\"groups\" and \"max_m\" need a grouped op (\"grouped_contiguous\" "
                             "or \"grouped_masked\")");
  }
  for (const JsonItem& item : input.to_list(input.member(entry, path, "m"), path + "/m")) {
    const Problem problem{.label = label, .m = input.to_int64(*item.value, item.path), .n = n,
                          .k = k};
    const Legality verdict = check_problem(problem, limits);
    if (!verdict.legal) input.fail(blamed_path(verdict.rule_id, path, item.path), verdict.reason);
    const auto [first, inserted] = seen.emplace(problem_key(problem), item.path);
    if (!inserted) {
      input.fail(item.path, fmt::format("duplicate problem M {} N {} K {}, first given at {}",
                                        problem.m, n, k, first->second));
    }
    problems.push_back(problem);
  }
}

/// The shape set's name becomes a folder (`sweep` writes runs/<name>, `--shard` runs/<name>-
/// shard-I-of-N), so it must be one plain folder name: it can never climb out of runs/ or name
/// runs/ itself.
void check_set_name(const JsonInput& input, const std::string& name) {
  constexpr size_t kMaxNameBytes = 100;
  const auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  if (name.empty()) input.fail("/name", "empty: give a folder name of letters, digits, '.', '_' or '-'");
  if (name.size() > kMaxNameBytes) {
    input.fail("/name", fmt::format("{} bytes, more than {}: give a shorter name", name.size(), kMaxNameBytes));
  }
  if (name == "." || name == ".." || !std::all_of(name.begin(), name.end(), plain)) {
    input.fail("/name", fmt::format("'{}' is not a plain folder name: use letters, digits, '.', '_' "
                                    "or '-' (not \".\" or \"..\")", name));
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
  check_set_name(input, set.name);
  if (const json* value = JsonInput::optional_member(root, "description")) {
    set.description = input.to_string(*value, "/description");
  }
  const json& problems = input.member(root, "", "problems");
  if (problems.is_array() && problems.empty()) {
    input.fail("/problems", "empty problem list: give at least one problem");
  }
  input.expect_array(problems, "/problems");
  const DeviceLimits limits{.device_memory_bytes = device_memory_bytes};
  std::map<std::string, std::string> seen;
  for (size_t i = 0; i < problems.size(); ++i) {
    read_problem(input, problems[i], json_child("/problems", i), limits, seen, set.problems);
  }
  return set;
}

}  // namespace gemmtune
