#pragma once
/// NVRTC compilation of generated translation units to sm_90a cubins, with a disk cache.
/// Needs NVRTC only (no GPU, no driver). See src/jit/README.md "Cache".
#include <cstdint>
#include <string>
#include <vector>

#include "jit/ptxas_report.hpp"

namespace gemmtune::jit {

class KernelCache;

/// One translation unit to compile. `source` may #include any file of kernels/ by its name
/// relative to kernels/ (the headers are embedded in the binary at build time).
struct CompileRequest {
  std::string kernel_name;               ///< the extern "C" __global__ symbol to report on
  std::string source;                    ///< full generated source
  std::string arch = "sm_90a";
  std::vector<std::string> extra_options;
};

/// Outcome of a compile: failure is a value (ok == false, log says why), not an exception.
struct CompileResult {
  bool ok = false;
  std::string kernel_name;
  std::string log;                 ///< NVRTC + ptxas log
  std::vector<char> cubin;
  PtxasReport ptxas;
  double compile_seconds = 0.0;    ///< wall time of the NVRTC call (0 on a cache hit)
  bool cache_hit = false;
  std::string cache_key;           ///< hex hash identifying the entry
};

/// Compiles (or loads from the disk cache at cache_dir()) one request. Thread-safe. A source
/// that does not compile gives ok == false; only a broken NVRTC installation throws.
[[nodiscard]] CompileResult compile(const CompileRequest& request);

/// As compile(request), with an explicit cache (tests, `--cache-dir`; a default-constructed
/// KernelCache disables caching).
[[nodiscard]] CompileResult compile(const CompileRequest& request, const KernelCache& cache);

/// Compiles many requests on `jobs` threads (0 = core_count()); results in request order.
/// Never throws for one request: an exception becomes that request's ok == false result.
[[nodiscard]] std::vector<CompileResult> compile_many(const std::vector<CompileRequest>& requests,
                                                      int jobs);

/// As compile_many(requests, jobs), with an explicit cache.
[[nodiscard]] std::vector<CompileResult> compile_many(const std::vector<CompileRequest>& requests,
                                                      int jobs, const KernelCache& cache);

/// NVRTC version as "major.minor".
[[nodiscard]] std::string nvrtc_version();

}  // namespace gemmtune::jit
