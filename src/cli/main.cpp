// gemmtune: autotuner for FP8 block-scaled GEMMs on Hopper. Entry point: parses the command line,
// dispatches to a subcommand and maps every error to one line on stderr plus a documented exit code.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/sweep_cli.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/exit_codes.hpp"

namespace {

/// Opens /dev/null on whichever of fds 0-2 the caller closed, so that no file gemmtune opens
/// later takes their number and receives results or logs meant for stdout or stderr. Read-only
/// on purpose: a write to a closed stdout still fails and exits 5 (its result went nowhere).
void occupy_closed_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int opened = ::open("/dev/null", O_RDONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

/// The one line a command-line parse error prints: CLI11's message (its second line, "Run with
/// --help", left out), or, where the first word names no command, that word.
std::string parse_error_line(CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
  if (argc > 1 && argv[1][0] != '-') {
    const std::string word = argv[1];
    const std::vector<CLI::App*> known =
        app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == word; });
    if (known.empty()) {
      std::string names;
      for (CLI::App* sub : app.get_subcommands([](CLI::App* sub) {
             return !sub->get_group().empty();  // the listed ones, not the internal workers
           })) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      return "unknown command '" + word + "' (commands: " + names + "; gemmtune --help)";
    }
  }
  return gemmtune::one_line(e.what()) + " (gemmtune --help; each command has its own --help)";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gemmtune;
  occupy_closed_standard_fds();
  // NOTE: past RLIMIT_FSIZE a write raises SIGXFSZ, which kills the process mid-file; ignored,
  // the write fails with EFBIG and the writer reports it (exit 5) and cleans up.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"gemmtune: JIT-built, autotuned FP8 block-scaled GEMMs for Hopper (sm_90a)"};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  // Options of the root (--log-level) are accepted after the command too: subcommands inherit it.
  app.fallthrough();
  app.set_version_flag("--version", std::string(GEMMTUNE_VERSION) + " (" + build_git_rev() + ")");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.parse_complete_callback([&] {
    spdlog::set_level(spdlog::level::from_str(log_level));
  });

  int exit_code = kExitOk;
  cli::register_devices(app, exit_code);
  cli::register_plan(app, exit_code);
  cli::register_compile(app, exit_code);
  cli::register_run(app, exit_code);
  cli::register_report(app, exit_code);
  cli::register_merge(app, exit_code);
  cli::register_compare(app, exit_code);
  cli::register_export(app, exit_code);
  cli::register_sweep(app, exit_code);
  cli::register_check(app, exit_code);
  cli::register_accuracy(app, exit_code);
  cli::register_help(app, exit_code);
  cli::register_worker(app, exit_code);
  cli::register_compiler(app, exit_code);
  cli::register_replay_worker(app, exit_code);
  cli::set_command_line(argc, argv);

  // NOTE: logs go to stderr so that stdout carries only results (tables, --json).
  spdlog::set_default_logger(spdlog::stderr_color_mt("gemmtune"));
  spdlog::set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      // --help and --version print (their stdout checked below, as every command's); every
      // other parse error is one line, exit 2.
      if (e.get_exit_code() != static_cast<int>(CLI::ExitCodes::Success)) {
        std::fprintf(stderr, "gemmtune: error: %s\n", parse_error_line(app, argc, argv, e).c_str());
        return kExitUsage;
      }
      (void)app.exit(e);
    }
    // NOTE: every command's stdout is checked here, whatever wrote it (printf, std::cout).
    cli::require_stdout_written();
  } catch (const Error& e) {
    std::fprintf(stderr, "gemmtune: error: %s\n", e.what());
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemmtune: internal error: %s\n", e.what());
    return kExitCudaError;
  }
  return exit_code;
}
