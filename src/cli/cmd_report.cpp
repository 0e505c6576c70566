// `gemmtune report RUN_DIR`: rebuilds tuning_table.json, summary.md, roofline.svg and report.html
// from a run folder's env.json and runs.jsonl. Needs no GPU.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "report/render.hpp"
#include "report/run_folder.hpp"

namespace gemmtune::cli {

void register_report(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "report", "Rebuild tuning_table.json, summary.md, roofline.svg and report.html of a run "
                "folder (no GPU needed)");
  auto run_dir = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  cmd->add_option("RUN_DIR", *run_dir, "run folder written by `gemmtune sweep --out`")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", *out_dir, "folder to write into (default: RUN_DIR)");
  cmd->callback([run_dir, out_dir, &exit_code] {
    const report::RunFolder folder = report::read_run_folder(*run_dir);
    const report::TuningTable table = report::build_tuning_table(folder);
    for (const auto& path : report::write_report_files(table, out_dir->empty() ? *run_dir : *out_dir)) {
      spdlog::info("wrote {}", path.string());
    }
    exit_code = kExitOk;
  });
}

}  // namespace gemmtune::cli
