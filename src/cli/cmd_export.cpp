// `gemmtune export TABLE --format json|csv|cpp|cublaslt [-o FILE]`.
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/exit_codes.hpp"
#include "report/export.hpp"

namespace gemmtune::cli {

void register_export(CLI::App& root, int& exit_code) {
  struct ExportArgs {
    std::string table, format, out;
  };
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = root.add_subcommand(
      "export", "Write a tuning table as JSON, CSV, a C++17 header or cuBLASLt algorithm records");
  cmd->add_option("TABLE", args->table, "tuning_table.json or run folder")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--format", args->format,
                  "json (canonical table), csv (a row per N,K,M), cpp (header with select(m, n, "
                  "k)), cublaslt (best cuBLASLt algorithm per shape)")
      ->required()
      ->check(CLI::IsMember({"json", "csv", "cpp", "cublaslt"}));
  cmd->add_option("-o,--output", args->out, "write to FILE instead of stdout");
  cmd->callback([args, &exit_code] {
    const report::TuningTable table = report::load_tuning_table(args->table);
    emit_output(report::export_table(table, *report::parse_export_format(args->format)), args->out);
    exit_code = kExitOk;
  });
}

}  // namespace gemmtune::cli
