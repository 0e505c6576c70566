// `gemmtune check --baseline TABLE`: re-measures a tuning table's chosen configs and the cuBLASLt
// heuristic on this GPU through the sweep's worker into a new run folder, then compares the two
// tables like `gemmtune compare` and exits like it: 0 no regression, 1 regression, 2 usage or
// environment mismatch (src/sweep/README.md "Check").
#include <memory>

#include "cli/commands.hpp"
#include "cli/number_checks.hpp"
#include "cli/output.hpp"
#include "cli/serving_flags.hpp"
#include "cli/sweep_cli.hpp"
#include "core/problem_json.hpp"
#include "core/error.hpp"
#include "core/legality.hpp"
#include "report/compare.hpp"
#include "report/serving_fields.hpp"
#include "report/tuning_table.hpp"
#include "sweep/runs_log.hpp"
#include "sweep/work_plan.hpp"

namespace gemmtune::cli {
namespace {

struct CheckFlags {
  std::string baseline;
  std::string format = "md";
  report::CompareOptions compare;
  MeasureFlags measure;
  ServingFlags serving;  ///< --sms, --batch-invariant: over the table's own
};

/// runs/check-20261121T101500Z: a new folder per check.
std::string default_check_folder() {
  std::string compact;
  for (const char c : utc_timestamp_now()) {
    if (c != '-' && c != ':') compact += c;
  }
  return "runs/check-" + compact;
}

/// Per entry of the table: the cuBLASLt heuristic (grouped: the per-group graph replay), then the
/// chosen config (skipped with the rule's reason when this GPU, or the serving constraints,
/// cannot run it).
std::vector<sweep::ProblemWork> plan_check(const report::TuningTable& table,
                                           const DeviceLimits& limits,
                                           const ServingConstraints& serving) {
  std::vector<sweep::ProblemWork> plan;
  for (const report::TableProblem& p : table.problems) {
    for (const report::TableEntry& e : p.entries) {
      const Problem problem = report::problem_of(p, e);
      const double expected_us = e.config ? e.median_us : 0.0;
      sweep::ProblemWork work{.problem = problem, .items = {}, .legal_configs = 0};
      work.items.push_back({.kind = problem.layout == GroupLayout::kNone
                                        ? report::RunKind::kCublasltHeuristic
                                        : report::RunKind::kCublasltPerGroupGraph,
                            .config = std::nullopt, .predicted_us = expected_us});
      if (e.config) {
        std::string error;
        const std::optional<KernelConfig> config = parse_kernel_config(*e.config, &error);
        if (!config) {
          throw Error(kExitUsage, one_line("baseline config " + *e.config + ": " + error));
        }
        const Legality legality = check_legality(problem, *config, limits);
        const std::string refused = serving_violation(*config, serving);
        work.items.push_back({.kind = report::RunKind::kGemmtune, .config = config,
                              .predicted_us = expected_us,
                              .skip_reason = !legality.legal ? "illegal on this GPU: " +
                                                                   legality.rule_id + ": " +
                                                                   legality.reason
                                             : !refused.empty() ? "not allowed: " + refused
                                                                : ""});
      }
      plan.push_back(std::move(work));
    }
  }
  return plan;
}

int run_check(CheckFlags f) {
  check_sm_budget_floor(f.serving);
  const report::TuningTable base = report::load_tuning_table(f.baseline);
  // The table's serving constraints, each flag given over its own (compare then says they differ).
  ServingConstraints serving = base.env.serving;
  if (f.serving.sms) serving.sms = f.serving.sms;
  serving.batch_invariant = serving.batch_invariant || f.serving.batch_invariant;
  const std::string mode = f.measure.timing.empty() ? base.env.timing_mode : f.measure.timing;
  if (f.measure.out.empty()) f.measure.out = default_check_folder();
  sweep::SweepOptions options = sweep_options(f.measure, mode);
  report::Json problems = report::Json::array();
  for (const report::TableProblem& p : base.problems) {
    for (const report::TableEntry& e : p.entries) {
      problems.push_back(problem_to_json<report::Json>(report::problem_of(p, e)));
    }
  }
  options.shapes = {{"name", "check"}, {"path", f.baseline}, {"problems", problems}};
  options.settings = {{"check_baseline", f.baseline}, {"threshold", f.compare.threshold},
                      {"watchdog_s", f.measure.watchdog_s}};
  report::write_serving_fields(options.settings, serving);
  sweep::CompilerPool compilers(sweep::default_compiler_argv("error"));
  const sweep::SweepOutcome outcome = sweep::run_sweep(
      options,
      [&](const DeviceLimits& limits) {
        static_cast<void>(resolve_sm_budget(serving.sms, limits.sm_count));  // N <= the GPU's
        return plan_check(base, limits, serving);
      },
      compile_in_processes(compilers));
  log_outcome(outcome);
  if (outcome.interrupted) return kExitInterrupted;
  report::CompareResult result = report::compare_tables(base, outcome.table, f.compare);
  result.base_source = f.baseline;
  result.new_source = f.measure.out;
  const std::string format = f.measure.json ? "json" : f.format;
  emit_output(format == "json" ? report::compare_json(result).dump(2) + "\n"
                               : report::render_compare_md(result),
              "");
  return result.regression() ? kExitFailed : kExitOk;
}

}  // namespace

void register_check(CLI::App& root, int& exit_code) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = root.add_subcommand(
      "check", "Re-measure a tuning table's configs on this GPU and compare; exit 1 on a "
               "regression (needs a GPU)");
  cmd->add_option("--baseline", flags->baseline,
                  "tuning_table.json or run folder whose chosen configs are re-measured")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--threshold", flags->compare.threshold,
                  "relative slowdown (and speed-up) below which a shape is SAME")
      ->capture_default_str()
      ->check(finite_in(0.0, 10.0));
  cmd->add_flag("--allow-env-mismatch", flags->compare.allow_env_mismatch,
                "compare even when GPU, driver, CUDA, NVRTC, cuBLASLt, timing mode, SM budget or "
                "batch invariance differ");
  cmd->add_option("--out", flags->measure.out,
                  "run folder of the new measurements (default: runs/check-<UTC time>)");
  cmd->add_option("--format", flags->format, "md (table) or json (gemmtune.compare/1)")
      ->capture_default_str()
      ->check(CLI::IsMember({"md", "json"}));
  add_measure_flags(cmd, flags->measure);
  add_serving_flags(cmd, flags->serving);
  cmd->add_flag("--json", flags->measure.json, "same as --format json");
  cmd->callback([flags, &exit_code] { exit_code = run_check(*flags); });
}

}  // namespace gemmtune::cli
