// `gemmtune __worker`: the measuring worker of `sweep` and `check`, hidden from --help. The
// worker itself is the worker layer's (worker/worker_stdio.hpp); this file only registers it.
#include "cli/commands.hpp"
#include "worker/worker_stdio.hpp"

namespace gemmtune::cli {

void register_worker(CLI::App& root, int& exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "__worker", "Measuring worker of sweep and check (internal; speaks JSON lines on stdio)");
  cmd->group("");  // NOTE: hidden from --help: users never start it themselves
  cmd->callback([&exit_code] { exit_code = worker::serve_worker_stdio(); });
}

}  // namespace gemmtune::cli
