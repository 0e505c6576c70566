// Shared pieces of `gemmtune sweep` and `gemmtune check`.
#include "cli/sweep_cli.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <exception>

#include "core/timing_mode.hpp"
#include "jit/kernel_build.hpp"

namespace gemmtune::cli {
namespace {

std::string& command_line_storage() {
  static std::string text = "gemmtune";
  return text;
}

/// `arg` as a shell word: unchanged when it is safe, else single-quoted.
std::string shell_word(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,+@%") == std::string::npos) {
    return arg;
  }
  std::string quoted = "'";
  for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

void set_command_line(int argc, char** argv) {
  std::string text = "gemmtune";
  for (int i = 1; i < argc; ++i) text += " " + shell_word(argv[i]);
  command_line_storage() = text;
}

const std::string& command_line() { return command_line_storage(); }

void add_measure_flags(CLI::App* cmd, MeasureFlags& flags) {
  // Each command's own default: a sweep's is kernel, a check re-times in its baseline's mode.
  const std::string timing_default = cmd->get_name() == "check"
                                         ? "Default: the baseline table's mode"
                                         : "Default: kernel";
  cmd->add_option("--timing", flags.timing,
                  "call: events around one call behind an L2 flush in stream order (the "
                  "anchors' DeepGEMM protocol); call_sync: the same with the host waiting for "
                  "the flush (adds host launch latency); kernel: queued behind a spin kernel. " +
                      timing_default)
      ->check(CLI::IsMember(timing_mode_names()));
  cmd->add_option("--iters", flags.iters, "timed samples per measurement (median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", flags.warmup, "untimed warm-up samples per measurement")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", flags.seed, "input seed")->capture_default_str();
  cmd->add_option("-j,--jobs", flags.jobs,
                  "kernels compiled at once, each in a compiler process (0 = every core this "
                  "process may run on: its affinity mask, e.g. taskset or a Slurm allocation)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--watchdog-s", flags.watchdog_s,
                  "fixed allowance per measurement before the worker is killed as hung; "
                  "50x the predicted time of its launches is added")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_flag("--quiet", flags.quiet, "no progress on stderr");
}

sweep::SweepOptions sweep_options(const MeasureFlags& flags, const std::string& timing_mode) {
  sweep::SweepOptions o;
  o.out_dir = flags.out;
  o.timing = {.mode = timing_mode, .warmup = flags.warmup, .iters = flags.iters,
              .runoff_regime = flags.runoff_regime};
  o.seed = flags.seed;
  // NOTE: the worker logs warnings only unless the user asked for debug or trace output, so its
  // lines do not interleave with the progress line.
  const spdlog::level::level_enum level = spdlog::get_level();
  o.worker_argv = sweep::default_worker_argv(
      level <= spdlog::level::debug ? std::string(spdlog::level::to_string_view(level).data())
                                    : std::string("warn"));
  o.watchdog_base_s = flags.watchdog_s;
  o.compile_jobs = flags.jobs;
  o.quiet = flags.quiet;
  o.progress_in_place = ::isatty(STDERR_FILENO) != 0;
  o.command = command_line();
  return o;
}

sweep::CompileOutcome compile_with_jit(const KernelConfig& config) {
  try {
    const jit::CompileResult r = jit::build_kernel(config);
    return {.ok = r.ok, .log = r.log, .compile_seconds = r.compile_seconds,
            .cache_hit = r.cache_hit};
  } catch (const std::exception& e) {
    return {.ok = false, .log = e.what(), .compile_seconds = 0.0, .cache_hit = false};
  }
}

sweep::CompileFn compile_in_processes(sweep::CompilerPool& pool) {
  return [&pool](const KernelConfig& config) { return pool.compile(config); };
}

void log_outcome(const sweep::SweepOutcome& o) {
  spdlog::info("{} measurement(s) recorded ({} already there), {} compile failure(s), {} "
               "fault(s), {} time-out(s), {} worker start(s){}",
               o.recorded, o.already_recorded, o.compile_failed, o.faulted, o.timed_out,
               o.worker_starts, o.interrupted ? "; interrupted" : "");
  for (const auto& path : o.report_files) spdlog::info("wrote {}", path.string());
}

}  // namespace gemmtune::cli
