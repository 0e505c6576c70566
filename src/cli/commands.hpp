#pragma once
/// Subcommand registration. Each subcommand lives in its own cmd_<name>.cpp and registers itself
/// on the root app; its callback stores the process exit code in `exit_code`.
#include <CLI/CLI.hpp>

namespace gemmtune::cli {

/// `gemmtune plan`: the legality of every config of a space for every problem of a shape set.
void register_devices(CLI::App& root, int& exit_code);
void register_plan(CLI::App& root, int& exit_code);
void register_compile(CLI::App& root, int& exit_code);
void register_run(CLI::App& root, int& exit_code);
void register_report(CLI::App& root, int& exit_code);
/// `gemmtune merge`: join run folders (sweep shards) into one (src/sweep/README.md "Slurm").
void register_merge(CLI::App& root, int& exit_code);
void register_compare(CLI::App& root, int& exit_code);
void register_export(CLI::App& root, int& exit_code);
/// `gemmtune sweep`: tune a shape set into a run folder (src/sweep/README.md "Sweep").
void register_sweep(CLI::App& root, int& exit_code);
/// `gemmtune check`: re-measure a tuning table and compare (src/sweep/README.md "Check").
void register_check(CLI::App& root, int& exit_code);
/// `gemmtune accuracy`: what each FP8 scaling recipe costs in accuracy (src/core/accuracy/README.md
/// "The command").
void register_accuracy(CLI::App& root, int& exit_code);
/// `gemmtune help [TOPIC]`: the embedded reference READMEs (cli/help_topics.hpp).
void register_help(CLI::App& root, int& exit_code);
/// `gemmtune __worker`: the measuring worker of sweep and check; hidden from --help.
void register_worker(CLI::App& root, int& exit_code);
/// `gemmtune __compiler`: a compiler process of sweep and check; hidden from --help.
void register_compiler(CLI::App& root, int& exit_code);
/// `gemmtune __replay RUN_DIR`: a worker answering from a finished run folder; hidden.
void register_replay_worker(CLI::App& root, int& exit_code);

}  // namespace gemmtune::cli
