// `gemmtune accuracy`: what each FP8 scaling recipe costs in accuracy on a shape set, against the
// float64 product of the unquantized inputs (src/core/accuracy/README.md "The command"). GPU paths
// when there is a GPU; otherwise the host reference path on problems small enough, saying what it
// skipped.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/sweep_cli.hpp"
#include "core/atomic_file.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/legality_entry.hpp"
#include "core/utc_time.hpp"
#include "core/json_input.hpp"
#include "core/shape_set.hpp"
#include "report/accuracy_report.hpp"
#include "runtime/accuracy_gpu.hpp"
#include "runtime/driver_api.hpp"
#include "runtime/environment.hpp"

namespace gemmtune::cli {
namespace {

struct AccuracyFlags {
  std::string shapes;
  std::string recipes;
  std::string inputs;
  int64_t seeds = 3;
  std::string out = "runs/accuracy";
  std::string config;
  int64_t cpu_max_macs = int64_t{1} << 26;
  std::string accumulation_k = "512,1024,2048,4096,8192,16384";
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t cut = std::min(text.find(',', start), text.size());
    items.push_back(text.substr(start, cut - start));
    start = cut + 1;
  }
  return items;
}

/// Parses a comma-separated list of names with `parse`; "" or "all" gives `all`.
template <typename T, typename Parse>
std::vector<T> parse_names(const std::string& flag, const std::string& text, const std::vector<T>& all, Parse parse) {
  if (text.empty() || text == "all") return all;
  std::vector<T> out;
  for (const std::string& name : split_list(text)) {
    const std::optional<T> value = parse(name);
    if (!value) {
      std::string known;
      for (const T& v : all) known += (known.empty() ? "" : ", ") + std::string(to_string(v));
      throw Error(kExitUsage, one_line(fmt::format("{}: unknown name '{}' (known: {}, all)", flag, name, known)));
    }
    if (std::find(out.begin(), out.end(), *value) != out.end()) {
      throw Error(kExitUsage, one_line(fmt::format("{}: '{}' is listed twice", flag, name)));
    }
    out.push_back(*value);
  }
  return out;
}

std::vector<int64_t> parse_k_list(const std::string& text) {
  std::vector<int64_t> ks;
  for (const std::string& item : split_list(text)) {
    char* end = nullptr;
    const long long k = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != 0 || k < 16 || k > (int64_t{1} << 20) || k % 16 != 0) {
      throw Error(kExitUsage, one_line("--accumulation-k: '" + item +
                                       "' is not a multiple of 16 between 16 and 1048576"));
    }
    ks.push_back(k);
  }
  return ks;
}

/// Creates `dir` (a link there is refused) and checks a file can be written there, before any
/// long computation.
void check_writable(const std::filesystem::path& dir) {
  make_real_folder(dir, "--out");
  if (::access(dir.c_str(), W_OK) != 0) {
    throw Error(kExitIoError, one_line("--out " + dir.string() + ": cannot write into the folder: " +
                                       std::strerror(errno)));
  }
}


nlohmann::json header_json(const AccuracyFlags& f, const ShapeSet& set, const AccuracyOptions& o,
                           const EnvironmentInfo& env, const std::string& config) {
  nlohmann::json recipes = nlohmann::json::array(), inputs = nlohmann::json::array(), paths = nlohmann::json::array();
  nlohmann::json recipe_names = nlohmann::json::array(), input_names = nlohmann::json::array();
  for (const AccuracyRecipe r : o.recipes) {
    recipe_names.push_back(to_string(r));
    recipes.push_back({{"name", to_string(r)}, {"description", describe(r)}});
  }
  for (const AccuracyInput i : o.inputs) {
    input_names.push_back(to_string(i));
    inputs.push_back({{"name", to_string(i)}, {"description", describe(i)}, {"parameters", parameters_json(i)}});
  }
  for (const AccuracyPath p : all_accuracy_paths()) {
    paths.push_back({{"name", to_string(p)}, {"description", describe(p)}, {"emulated", is_emulated(p)}});
  }
  return {{"schema", report::kAccuracySchema},
          {"tool_version", GEMMTUNE_VERSION},
          {"git_rev", build_git_rev()},
          {"command", command_line()},
          {"timestamp", utc_timestamp_now()},
          {"environment", env},
          {"shapes_file", f.shapes},
          {"shape_set", set.name},
          {"options", {{"recipes", recipe_names}, {"inputs", input_names}, {"seeds", o.seeds},
                       {"cpu_max_macs", o.cpu_max_macs}, {"accumulation_k", o.accumulation_k},
                       {"accumulation_mn", o.accumulation_mn}, {"kernel_config", config}}},
          {"method", report::accuracy_method_json()},
          {"recipes", recipes},
          {"paths", paths},
          {"inputs", inputs}};
}

int run_accuracy_command(const AccuracyFlags& f) {
  if (f.seeds < 1 || f.seeds > kMaxAccuracySeeds) {
    throw Error(kExitUsage, fmt::format("--seeds: {} is out of range (1..{})", f.seeds, kMaxAccuracySeeds));
  }
  if (f.cpu_max_macs < 1) throw Error(kExitUsage, "--cpu-max-macs: must be at least 1");
  AccuracyOptions options{
      .recipes = parse_names("--recipes", f.recipes, all_accuracy_recipes(), parse_accuracy_recipe),
      .inputs = parse_names("--inputs", f.inputs, all_accuracy_inputs(),
                            [](const std::string& n) { return parse_accuracy_input(n); }),
      .seeds = static_cast<int>(f.seeds),
      .cpu_max_macs = f.cpu_max_macs,
      .accumulation_k = parse_k_list(f.accumulation_k)};
  std::optional<KernelConfig> config;
  if (!f.config.empty()) {
    // NOTE: the config runs on every problem of the set; each problem's own rules decide there.
    config = require_legal_config_alone(f.config, {.file = "--config", .entry = ""});
  }
  const ShapeSet set = load_shape_set(resolve_input_path(f.shapes));
  const std::filesystem::path out(f.out);
  check_writable(out);

  std::string no_gpu;
  const bool gpu = gpu_available(&no_gpu);
  const EnvironmentInfo env = gather_environment();
  std::unique_ptr<AccuracyGpu> device;
  if (gpu) {
    if (!config) config = default_accuracy_config(env.devices.empty() ? 132 : env.devices[0].sm_count);
    device = std::make_unique<AccuracyGpu>(*config);
  }
  const std::string config_text = config ? to_string(*config) : "";
  spdlog::info("accuracy: {} problems of {}, {} recipes, {} inputs, {} seeds, on {}", set.problems.size(), set.name,
               options.recipes.size(), options.inputs.size(), options.seeds,
               gpu ? device->description() : "the host (no GPU: " + no_gpu + ")");
  report::AccuracyDocument document;
  document.results = run_accuracy(set.problems, options, device.get(), no_gpu);
  document.header = header_json(f, set, options, env, config_text);
  for (const auto& path : report::write_accuracy_files(document, out)) spdlog::info("wrote {}", path.string());
  std::cout << report::render_accuracy_section_md(document);
  if (const std::string skipped = skipped_summary(document.results); !skipped.empty()) {
    std::fprintf(stderr, "gemmtune: accuracy: %s\n", skipped.c_str());
  }
  const bool measured_any = std::any_of(document.results.entries.begin(), document.results.entries.end(),
                                        [](const AccuracyEntry& e) { return e.measured; });
  if (!measured_any) {
    std::fprintf(stderr, "gemmtune: accuracy: nothing was measured\n");
    return gpu ? kExitFailed : kExitNoGpu;
  }
  if (document.results.validation_failed()) {
    std::fprintf(stderr, "gemmtune: accuracy: gemmtune's output differs from the reference path beyond the "
                         "validation bar (accuracy.md, \"Kernel vs reference path\")\n");
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

void register_accuracy(CLI::App& root, int& exit_code) {
  auto flags = std::make_shared<AccuracyFlags>();
  CLI::App* cmd = root.add_subcommand(
      "accuracy", "What each FP8 scaling recipe costs in accuracy on a shape set, against the float64 product of "
                  "the unquantized inputs; writes accuracy.json, accuracy.md, accuracy.svg (GPU paths with a "
                  "GPU, the host reference path without)");
  cmd->add_option("--shapes", flags->shapes, "shape set (configs/README.md \"Shape sets\"); dense problems are studied")
      ->required();
  cmd->add_option("--recipes", flags->recipes,
                  "comma-separated: bf16, fp8_tensor, fp8_channel, fp8_block128, fp8_block64, fp8_block256, "
                  "fp8_block128_ue8m0, accumulation (default: all)");
  cmd->add_option("--inputs", flags->inputs,
                  "comma-separated: gaussian, student_t, outlier_channels, outlier_blocks, massive_activations "
                  "(default: all)");
  cmd->add_option("--seeds", flags->seeds, "seeds 1..N per problem and input (1 to 100, default 3)");
  cmd->add_option("--out", flags->out, "folder for accuracy.json, accuracy.md, accuracy.svg (default runs/accuracy)");
  cmd->add_option("--config", flags->config,
                  "gemmtune kernel config for the gemmtune path (default bm128_bn128_s4_mc0_sm<SMs>_rN8_sk1)");
  cmd->add_option("--cpu-max-macs", flags->cpu_max_macs,
                  "without a GPU, skip problems with M*N*K above this (default 67108864)");
  cmd->add_option("--accumulation-k", flags->accumulation_k,
                  "K values of the accumulation study (default 512,1024,2048,4096,8192,16384)");
  cmd->callback([flags, &exit_code] { exit_code = run_accuracy_command(*flags); });
}

}  // namespace gemmtune::cli
