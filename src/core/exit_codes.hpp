#pragma once
/// Process exit codes of every gemmtune subcommand. Documented in `gemmtune --help` and README.
namespace gemmtune {

enum ExitCode : int {
  kExitOk = 0,            ///< success
  kExitFailed = 1,        ///< the thing measured failed: validation error, perf regression
  kExitUsage = 2,         ///< bad command line, bad input file, environment mismatch
  kExitNoGpu = 3,         ///< the command needs a GPU/driver and none was found
  kExitCudaError = 4,     ///< a CUDA / NVRTC / cuBLASLt call failed unexpectedly
  kExitIoError = 5,       ///< a file could not be written (full disk, permissions)
  kExitInterrupted = 130, ///< stopped by SIGINT; results measured so far are kept
};

/// One-paragraph description of the exit codes, shared by --help and the README.
inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 ok; 1 validation failure or performance regression; 2 usage or input error "
    "(bad flag, malformed/invalid JSON, input over a limit, impossible shape, illegal config, "
    "environment mismatch); 3 no GPU or driver; 4 CUDA/NVRTC/cuBLASLt error; 5 I/O error (cannot "
    "write output, disk full); "
    "130 interrupted.";

}  // namespace gemmtune
