#pragma once
/// The serving constraints (core/serving.hpp) in run folders and tables: `env.json`'s `sweep`
/// object holds `sms` and `batch_invariant` where the sweep had them; a tuning table repeats them
/// at its top level. Readers refuse a config the constraints forbid, and `merge`, `compare` and
/// `sweep --resume` refuse folders or tables of other constraints (src/sweep/README.md
/// "Serving").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/serving.hpp"
#include "report/json_fields.hpp"

namespace gemmtune::report {

struct TuningTable;

/// `sms` (a positive integer) and `batch_invariant` (a boolean) of object `j`; absent: none.
/// Anything else is an input error at `at`.
[[nodiscard]] ServingConstraints parse_serving_fields(const Json& j, const JsonAt& at);
/// Writes `serving` into object `j`: each member where set, removed where not.
void write_serving_fields(Json& j, const ServingConstraints& serving);

/// The constraints an env object records (its `sweep` object's members).
[[nodiscard]] ServingConstraints env_serving(const Json& env, const JsonAt& at);
/// Writes them into the env object's `sweep` (created only when there is something to say).
void write_env_serving(Json& env, const ServingConstraints& serving);

/// The SM count the configs of a folder or table could use: its `sms`, else its GPU's SM count
/// (`gpu.sm_count`); nullopt when neither is recorded.
[[nodiscard]] std::optional<int> effective_sm_budget(const Json& env);

/// Why folders or tables of envs `a` and `b` must not be mixed, one line per difference: the SM
/// budget (effective_sm_budget(), where both say) and batch invariance. Empty when they may.
[[nodiscard]] std::vector<std::string> serving_conflicts(const Json& a, const Json& b);

/// The constraints as constants of a generated C++ header, with their comment: kSmBudget of type
/// `int_type` (0: the tuning GPU's SM count) and kBatchInvariant. `unit` names what they bound
/// ("kernel", "config") and `bound` what of it the budget caps ("grid", "num_sms").
[[nodiscard]] std::string serving_constants_cpp(const ServingConstraints& serving,
                                                std::string_view int_type, std::string_view unit,
                                                std::string_view bound);

/// Refuses (kExitUsage, naming `file`, the entry and the config) a table whose chosen configs or
/// run-off candidates break its constraints.
void check_table_serving(const TuningTable& table, const std::string& file);

}  // namespace gemmtune::report
