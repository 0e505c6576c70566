// `gemmtune report RUN_DIR`: rebuilds tuning_table.json, summary.md, roofline.svg and report.html
// from a run folder's env.json and runs.jsonl, with an accuracy section when the folder has an
// accuracy.json (`gemmtune accuracy`). Needs no GPU.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/exit_codes.hpp"
#include "report/accuracy_report.hpp"
#include "report/render.hpp"
#include "report/run_folder.hpp"

namespace gemmtune::cli {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

/// True when the output is the run folder itself (no --out, or --out naming it another way).
bool writes_in_place(const std::string& run_dir, const std::string& out_dir) {
  std::error_code ec;
  return out_dir.empty() || std::filesystem::equivalent(run_dir, out_dir, ec);
}

/// Writes `files` into the run folder beside its records (each file atomically), or as a new
/// report folder at --out that appears whole (core/atomic_file.hpp).
void write_outputs(const std::string& run_dir, const std::string& out_dir, const Files& files) {
  if (writes_in_place(run_dir, out_dir)) {
    for (const auto& path : write_files_into(run_dir, "RUN_DIR", files)) spdlog::info("wrote {}", path.string());
    return;
  }
  StagedFolder out(out_dir, "report", "--out");
  std::vector<std::filesystem::path> written;
  for (const auto& [name, text] : files) written.push_back(out.write(name, text));
  out.commit();
  for (const auto& path : written) spdlog::info("wrote {}", path.string());
}

/// The files of `report`: the accuracy files and section when RUN_DIR has accuracy.json, and the
/// tuning table and reports when it has runs.jsonl (a folder with only accuracy.json is an
/// accuracy folder, not a sweep's).
Files report_outputs(const std::string& run_dir) {
  const std::filesystem::path accuracy = std::filesystem::path(run_dir) / report::kAccuracyJson;
  Files files;
  report::ReportExtras extras;
  if (std::filesystem::exists(accuracy)) {
    const report::AccuracyDocument document = report::read_accuracy_json(accuracy.string());
    files = report::render_accuracy_files(document);
    extras = {.summary_md = "\n## Accuracy\n\n" + report::render_accuracy_section_md(document) +
                            "\nMethod and every metric: accuracy.md.\n",
              .report_html = report::render_accuracy_section_html(document)};
    if (!std::filesystem::exists(std::filesystem::path(run_dir) / "runs.jsonl")) return files;
  }
  const report::RunFolder folder = report::read_run_folder(run_dir);
  const report::TuningTable table = report::build_tuning_table(folder);
  for (auto& file : report::render_report_files(table, extras)) files.push_back(std::move(file));
  return files;
}

}  // namespace

void register_report(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "report", "Rebuild tuning_table.json, summary.md, roofline.svg and report.html of a run "
                "folder (no GPU needed)");
  auto run_dir = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  cmd->add_option("RUN_DIR", *run_dir, "run folder written by `gemmtune sweep --out`")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", *out_dir,
                  "folder to write into (default: RUN_DIR): new, empty, or an earlier report's "
                  "(replaced whole)");
  cmd->callback([run_dir, out_dir, &exit_code] {
    write_outputs(*run_dir, *out_dir, report_outputs(*run_dir));
    exit_code = kExitOk;
  });
}

}  // namespace gemmtune::cli
