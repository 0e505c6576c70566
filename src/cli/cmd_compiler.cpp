// `gemmtune __compiler`: a compiler process of the sweep's compile queue, hidden from --help. It
// reads one config text a line on stdin, builds it with NVRTC (disk cache first) and answers one
// JSON line a config (protocol: sweep/compiler_pool.hpp); it exits at EOF.
#include <iostream>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/sweep_cli.hpp"
#include "core/exit_codes.hpp"
#include "core/kernel_config.hpp"
#include "sweep/compiler_pool.hpp"

namespace gemmtune::cli {
namespace {

int serve_compiler_stdio() {
  for (std::string line; std::getline(std::cin, line);) {
    std::string error;
    const std::optional<KernelConfig> config = parse_kernel_config(line, &error);
    const sweep::CompileOutcome outcome =
        config ? compile_with_jit(*config)
               : sweep::CompileOutcome{.ok = false, .log = "not a config: " + error};
    std::cout << sweep::encode_compile_answer(line, outcome) << std::endl;  // flushed: one answer
  }
  return kExitOk;
}

}  // namespace

void register_compiler(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "__compiler", "Compiler process of sweep and check (internal; config lines in, JSON out)");
  cmd->group("");  // NOTE: hidden from --help: users never start it themselves
  cmd->callback([&exit_code] { exit_code = serve_compiler_stdio(); });
}

}  // namespace gemmtune::cli
