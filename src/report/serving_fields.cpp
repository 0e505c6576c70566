// The serving constraints in env.json and tuning tables.
#include "report/serving_fields.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "report/tuning_table.hpp"

namespace gemmtune::report {

ServingConstraints parse_serving_fields(const Json& j, const JsonAt& at) {
  ServingConstraints serving;
  if (!j.is_object()) return serving;
  if (j.contains("sms") && !j.at("sms").is_null()) {
    const int64_t sms = require_positive_int(j, "sms", at);
    // NOTE: no GPU has this many SMs; the bound keeps the value an int.
    if (sms > 1'000'000) (at / "sms").fail(fmt::format("an SM budget of {} SMs", sms));
    serving.sms = static_cast<int>(sms);
  }
  if (j.contains("batch_invariant") && !j.at("batch_invariant").is_null()) {
    if (!j.at("batch_invariant").is_boolean()) {
      (at / "batch_invariant").fail("expected true or false");
    }
    serving.batch_invariant = j.at("batch_invariant").get<bool>();
  }
  return serving;
}

void write_serving_fields(Json& j, const ServingConstraints& serving) {
  if (serving.sms) {
    j["sms"] = *serving.sms;
  } else if (j.is_object()) {
    j.erase("sms");
  }
  if (serving.batch_invariant) {
    j["batch_invariant"] = true;
  } else if (j.is_object()) {
    j.erase("batch_invariant");
  }
}

ServingConstraints env_serving(const Json& env, const JsonAt& at) {
  if (!env.is_object() || !env.contains("sweep")) return {};
  return parse_serving_fields(env.at("sweep"), at / "sweep");
}

void write_env_serving(Json& env, const ServingConstraints& serving) {
  const bool has_sweep = env.contains("sweep") && env.at("sweep").is_object();
  if (!has_sweep && serving == ServingConstraints{}) return;
  write_serving_fields(env["sweep"], serving);
}

std::optional<int> effective_sm_budget(const Json& env) {
  const ServingConstraints serving = env_serving(env, JsonAt{"env"});
  if (serving.sms) return serving.sms;
  if (!env.is_object() || !env.contains("gpu") || !env.at("gpu").is_object()) return std::nullopt;
  const Json count = env.at("gpu").value("sm_count", Json());
  if (!count.is_number_integer() || count.get<int64_t>() < 1) return std::nullopt;
  return static_cast<int>(count.get<int64_t>());
}

std::vector<std::string> serving_conflicts(const Json& a, const Json& b) {
  std::vector<std::string> conflicts;
  const std::optional<int> sms_a = effective_sm_budget(a), sms_b = effective_sm_budget(b);
  if (sms_a && sms_b && *sms_a != *sms_b) {
    conflicts.push_back(fmt::format("SM budget: {} -> {} SMs", *sms_a, *sms_b));
  }
  const bool invariant_a = env_serving(a, JsonAt{"env"}).batch_invariant;
  const bool invariant_b = env_serving(b, JsonAt{"env"}).batch_invariant;
  if (invariant_a != invariant_b) {
    conflicts.push_back(fmt::format("batch invariance: {} -> {}",
                                    invariant_a ? "batch-invariant" : "not batch-invariant",
                                    invariant_b ? "batch-invariant" : "not batch-invariant"));
  }
  return conflicts;
}

namespace {

/// Throws naming the entry when `text` (a canonical config) breaks `serving`.
void check_serving_config(const std::string& text, const ServingConstraints& serving,
                          const std::string& file, const std::string& where) {
  std::string error;
  const std::optional<KernelConfig> config = parse_kernel_config(text, &error);
  if (!config) return;  // NOTE: the table's reader has refused it already
  const std::string why = serving_violation(*config, serving);
  if (!why.empty()) {
    throw Error(kExitUsage, one_line(fmt::format("{}: {}: {} is not allowed in this table "
                                                 "({}): {}",
                                                 file, where, text, describe(serving), why)));
  }
}

}  // namespace

void check_table_serving(const TuningTable& table, const std::string& file) {
  const ServingConstraints& serving = table.env.serving;
  if (serving == ServingConstraints{}) return;
  for (size_t p = 0; p < table.problems.size(); ++p) {
    const TableProblem& problem = table.problems[p];
    for (size_t e = 0; e < problem.entries.size(); ++e) {
      const TableEntry& entry = problem.entries[e];
      const std::string where = fmt::format("$.problems[{}].entries[{}]", p, e);
      if (entry.config) check_serving_config(*entry.config, serving, file, where + ".config");
      if (!entry.side_by_side) continue;
      for (size_t r = 0; r < entry.side_by_side->runoff_us.size(); ++r) {
        check_serving_config(entry.side_by_side->runoff_us[r].first, serving, file,
                             fmt::format("{}.side_by_side.runoff[{}].config", where, r));
      }
    }
  }
}

std::string serving_constants_cpp(const ServingConstraints& serving, std::string_view int_type,
                                  std::string_view unit, std::string_view bound) {
  return fmt::format(
      "/// The table's SM budget (sweep --sms): no {1}'s {2} is larger; 0: the tuning GPU's\n"
      "/// SM count. kBatchInvariant: every {1} keeps each row of D independent of M and of\n"
      "/// the {1} selected (sweep --batch-invariant).\n"
      "inline constexpr {0} kSmBudget = {3};\n"
      "inline constexpr bool kBatchInvariant = {4};\n\n",
      int_type, unit, bound, serving.sms.value_or(0), serving.batch_invariant ? "true" : "false");
}

}  // namespace gemmtune::report
