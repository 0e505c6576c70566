// `gemmtune merge DIR... --out DIR [--force]`: joins run folders (the shards of `sweep --shard
// I/N`, e.g. a Slurm job array's, scripts/slurm/) into one run folder with the reports of all
// their records (src/sweep/README.md "Slurm"). Needs no GPU.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/sweep_cli.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/exit_codes.hpp"
#include "core/problem.hpp"
#include "report/merge.hpp"

namespace gemmtune::cli {
namespace {

struct MergeFlags {
  std::vector<std::string> dirs;
  std::string out;
  bool force = false;
};

/// Refuses the same folder given twice (also as ./A or through a link): its records would be
/// merged twice.
void check_distinct_inputs(const MergeFlags& f) {
  for (size_t i = 0; i < f.dirs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      std::error_code ec;
      if (std::filesystem::equivalent(f.dirs[i], f.dirs[j], ec) && !ec) {
        throw Error(kExitUsage, one_line("cannot merge: " + f.dirs[j] + " and " + f.dirs[i] +
                                         " are the same folder; give each run folder once"));
      }
    }
  }
}

/// Refuses an output folder that is one of the inputs, or that holds records (unless --force).
void check_out_dir(const MergeFlags& f) {
  const std::filesystem::path out = std::filesystem::weakly_canonical(f.out);
  for (const std::string& dir : f.dirs) {
    std::error_code ec;
    if (std::filesystem::weakly_canonical(dir) == out || std::filesystem::equivalent(dir, f.out, ec)) {
      throw Error(kExitUsage, one_line("merge: --out " + f.out + " is one of the folders to merge"));
    }
  }
  std::error_code ec;
  if (!f.force && std::filesystem::file_size(out / "runs.jsonl", ec) > 0 && !ec) {
    throw Error(kExitUsage, one_line("merge: " + (out / "runs.jsonl").string() +
                                     " already holds measurements (pass --force to overwrite it)"));
  }
}

int run_merge_command(const MergeFlags& f) {
  check_distinct_inputs(f);
  check_out_dir(f);
  // NOTE: the output folder is checked (and its staging folder made) before the inputs are read.
  StagedFolder out(f.out, "merge", "--out");
  std::vector<std::filesystem::path> dirs(f.dirs.begin(), f.dirs.end());
  const report::MergedRunFolder merged =
      report::merge_run_folders(dirs, {.force = f.force, .command = command_line()});
  for (const std::string& note : merged.notes) spdlog::warn("{}", note);
  for (const auto& path : report::write_merged_run_folder(merged, out)) {
    spdlog::info("wrote {}", path.string());
  }
  std::set<std::string> problems;
  for (const report::RunRecord& r : merged.folder.runs) problems.insert(problem_key(r.problem));
  spdlog::info("merged {} folder(s){}: {} record(s) of {} problem(s) into {}", f.dirs.size(),
               merged.shard_count > 0 ? fmt::format(" (shards of {})", merged.shard_count) : "",
               merged.records.size(), problems.size(), f.out);
  return kExitOk;
}

}  // namespace

void register_merge(CLI::App& root, int& exit_code) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd = root.add_subcommand(
      "merge", "Join run folders (the shards of `sweep --shard I/N`) into one run folder: "
               "env.json, runs.jsonl, tuning table, summary, roofline and report (no GPU needed)");
  cmd->add_option("DIR", flags->dirs, "run folders to merge (e.g. runs/dsv3-shard-*-of-8)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", flags->out,
                  "the merged run folder: new, empty, or an earlier merge's (replaced whole, with --force: "
                  "its runs.jsonl holds measurements)")
      ->required();
  cmd->add_flag("--force", flags->force,
                "merge despite mismatched environments (GPU, versions, timing mode, shape set, "
                "N), missing or duplicated shards; overwrite --out's runs.jsonl");
  cmd->callback([flags, &exit_code] { exit_code = run_merge_command(*flags); });
}

}  // namespace gemmtune::cli
