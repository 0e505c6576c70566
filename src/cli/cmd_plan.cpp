// `gemmtune plan`: loads a shape set and a config space and prints, for every problem, which
// configs the legality model accepts and why the others are rejected. Needs no GPU.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "core/config_space.hpp"
#include "core/error.hpp"
#include "core/json_input.hpp"
#include "core/plan.hpp"
#include "core/shape_set.hpp"

namespace gemmtune::cli {
namespace {

/// The default config space, relative to the working directory or else to the source tree.
constexpr const char* kDefaultSpacePath = "configs/spaces/default.json";

struct PlanOptions {
  std::string shapes_path;
  std::string space_path = kDefaultSpacePath;
  int sm_count = kH200SmCount;
  bool verbose = false;
  bool json = false;
  bool batch_invariant = false;
};

int run_plan(const PlanOptions& options) {
  const ShapeSet shapes = load_shape_set(resolve_input_path(options.shapes_path));
  const ConfigSpace space = load_config_space(resolve_input_path(options.space_path),
                                              options.sm_count);
  const PlanRequest request{
      .shapes = shapes,
      .space = space,
      .limits = DeviceLimits{.sm_count = options.sm_count},
      .format = options.json      ? PlanFormat::kJson
                : options.verbose ? PlanFormat::kVerbose
                                  : PlanFormat::kSummary,
      .command = fmt::format("gemmtune plan --shapes {} --space {} --sms {}{}{}{}",
                             options.shapes_path, options.space_path, options.sm_count,
                             options.batch_invariant ? " --batch-invariant" : "",
                             options.verbose ? " --verbose" : "", options.json ? " --json" : ""),
      .batch_invariant = options.batch_invariant};
  const int64_t without_legal = write_plan(std::cout, request);
  std::cout.flush();
  if (!std::cout) throw Error(kExitIoError, "plan: cannot write to standard output");
  if (without_legal > 0) {
    spdlog::warn("{} problem(s) of {} have no legal config in space {}", without_legal,
                 shapes.path, space.path);
  }
  return kExitOk;
}

}  // namespace

void register_plan(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "plan", "For every problem of a shape set, check every config of a space against the "
              "legality model and report legal counts and rejection reasons (no GPU needed)");
  auto options = std::make_shared<PlanOptions>();
  cmd->add_option("--shapes", options->shapes_path, "shape-set JSON file (configs/README.md \"Shape sets\")")
      ->required();
  cmd->add_option("--space", options->space_path,
                  "config-space JSON file (configs/README.md \"Config spaces\")")
      ->capture_default_str();
  cmd->add_option("--sms", options->sm_count,
                  "SM count, as sweep --sms N: the value of \"all\" and the bound on num_sms "
                  "(an H200's 132 by default; another value models an SM budget or another GPU)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_flag("--batch-invariant", options->batch_invariant,
                "as sweep --batch-invariant: only configs that keep each row of D independent "
                "of M and of the config (split_k 1)");
  CLI::Option* verbose =
      cmd->add_flag("--verbose", options->verbose, "list every config with its verdict");
  cmd->add_flag("--json", options->json,
                "print JSON (schema gemmtune.plan/1) with every config's verdict")
      ->excludes(verbose);
  cmd->callback([options, &exit_code] { exit_code = run_plan(*options); });
}

}  // namespace gemmtune::cli
