#pragma once
/// What `gemmtune sweep` and `gemmtune check` share: their measurement flags, the JIT compile the
/// sweep layer calls, the worker command and the mapping of an outcome to an exit code.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "core/kernel_config.hpp"
#include "sweep/compile_queue.hpp"
#include "sweep/compiler_pool.hpp"
#include "sweep/sweep_runner.hpp"

namespace gemmtune::cli {

/// Flags both commands take.
struct MeasureFlags {
  std::string out;
  std::string timing;  ///< "kernel" or "call"; empty: the command's default
  int iters = 30;
  int warmup = 3;
  /// How a run-off times its candidates (core/timing_mode.hpp RunoffRegime); `sweep --runoff`.
  std::string runoff_regime = "burst";
  uint64_t seed = 1;
  int jobs = 0;
  double watchdog_s = sweep::kDefaultWatchdogBaseS;
  bool quiet = false;
  bool json = false;
};

/// Adds --timing, --iters, --warmup, --seed, -j, --watchdog-s, --quiet to `cmd`.
void add_measure_flags(CLI::App* cmd, MeasureFlags& flags);

/// The sweep options of `flags` with `timing_mode`: worker command, progress on stderr (in place
/// when it is a terminal), the exact command line.
[[nodiscard]] sweep::SweepOptions sweep_options(const MeasureFlags& flags,
                                                const std::string& timing_mode);

/// Builds one kernel with NVRTC (disk cache first) in this process; never throws.
[[nodiscard]] sweep::CompileOutcome compile_with_jit(const KernelConfig& config);
/// The compile function of sweep and check: each kernel built in one of `pool`'s compiler
/// processes (`gemmtune __compiler`, sweep/compiler_pool.hpp says why). `pool` must outlive it.
[[nodiscard]] sweep::CompileFn compile_in_processes(sweep::CompilerPool& pool);

/// Logs what a sweep did (one line) and the reports it wrote.
void log_outcome(const sweep::SweepOutcome& outcome);

/// The command line as typed, arguments with spaces or quotes single-quoted; set by main().
void set_command_line(int argc, char** argv);
[[nodiscard]] const std::string& command_line();

}  // namespace gemmtune::cli
