// `gemmtune compare BASE NEW`: performance regression check between two tuning tables or run
// folders. Exit 0 no regression, 1 regression, 2 usage or environment mismatch.
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/number_checks.hpp"
#include "cli/output.hpp"
#include "core/exit_codes.hpp"
#include "report/compare.hpp"

namespace gemmtune::cli {

namespace {
struct CompareArgs {
  std::string base, next, format = "md", out;
  bool json = false;
  report::CompareOptions options;
};
}  // namespace

void register_compare(CLI::App& root, int& exit_code) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = root.add_subcommand(
      "compare", "Compare NEW against BASE per (N, K, M); exit 1 on a regression");
  cmd->add_option("BASE", args->base, "tuning_table.json or run folder of the reference run")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("NEW", args->next, "tuning_table.json or run folder of the run to check")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--threshold", args->options.threshold,
                  "relative slowdown (and speed-up) below which a shape is SAME")
      ->capture_default_str()
      ->check(finite_in(0.0, 10.0));
  cmd->add_flag("--allow-env-mismatch", args->options.allow_env_mismatch,
                "compare even when GPU, driver, CUDA, NVRTC, cuBLASLt, timing mode, SM budget or "
                "batch invariance differ");
  cmd->add_flag("--json", args->json, "same as --format json");
  cmd->add_option("--format", args->format,
                  "md (table), json (gemmtune.compare/1) or gab (github-action-benchmark "
                  "customSmallerIsBetter)")
      ->capture_default_str()
      ->check(CLI::IsMember({"md", "json", "gab"}));
  cmd->add_option("-o,--output", args->out, "write the output to FILE instead of stdout");
  cmd->callback([args, &exit_code] {
    report::CompareResult result =
        report::compare_tables(report::load_tuning_table(args->base),
                               report::load_tuning_table(args->next), args->options);
    result.base_source = args->base;
    result.new_source = args->next;
    const std::string format = args->json ? "json" : args->format;
    const std::string text = format == "md"     ? report::render_compare_md(result)
                             : format == "json" ? report::compare_json(result).dump(2) + "\n"
                                                : report::compare_gab(result).dump(2) + "\n";
    emit_output(text, args->out);
    exit_code = result.regression() ? kExitFailed : kExitOk;
  });
}

}  // namespace gemmtune::cli
