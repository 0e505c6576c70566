// `gemmtune report RUN_DIR`: rebuilds tuning_table.json, summary.md, roofline.svg and report.html
// from a run folder's env.json and runs.jsonl, with an accuracy section when the folder has an
// accuracy.json (`gemmtune accuracy`). Needs no GPU.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "core/exit_codes.hpp"
#include "report/accuracy_report.hpp"
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
    const std::string out = out_dir->empty() ? *run_dir : *out_dir;
    // A folder with accuracy.json (`gemmtune accuracy --out`) gets its accuracy.md and .svg
    // rebuilt and an accuracy section in summary.md and report.html; one with only that file is
    // an accuracy folder, not a sweep's.
    const std::filesystem::path accuracy = std::filesystem::path(*run_dir) / report::kAccuracyJson;
    report::ReportExtras extras;
    if (std::filesystem::exists(accuracy)) {
      const report::AccuracyDocument document = report::read_accuracy_json(accuracy.string());
      for (const auto& path : report::write_accuracy_files(document, out)) spdlog::info("wrote {}", path.string());
      extras = {.summary_md = "\n## Accuracy\n\n" + report::render_accuracy_section_md(document) +
                              "\nMethod and every metric: accuracy.md.\n",
                .report_html = report::render_accuracy_section_html(document)};
      if (!std::filesystem::exists(std::filesystem::path(*run_dir) / "runs.jsonl")) {
        exit_code = kExitOk;
        return;
      }
    }
    const report::RunFolder folder = report::read_run_folder(*run_dir);
    const report::TuningTable table = report::build_tuning_table(folder);
    for (const auto& path : report::write_report_files(table, out, extras)) {
      spdlog::info("wrote {}", path.string());
    }
    exit_code = kExitOk;
  });
}

}  // namespace gemmtune::cli
