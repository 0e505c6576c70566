#pragma once
/// NVRTC compilation of generated translation units to sm_90a cubins, with a disk cache.
/// Needs NVRTC only (no GPU, no driver). See README "JIT and cache".
#include <cstdint>
#include <string>
#include <vector>

namespace gemmtune::jit {

/// Resource usage parsed from the ptxas report (`-Xptxas=-v`) of one kernel.
struct PtxasReport {
  int registers = -1;
  int stack_frame_bytes = -1;
  int spill_store_bytes = -1;
  int spill_load_bytes = -1;
  int smem_static_bytes = -1;
};

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

/// Compiles (or loads from the disk cache) one request. Thread-safe.
[[nodiscard]] CompileResult compile(const CompileRequest& request);

/// Compiles many requests on `jobs` threads (0 = all cores); results in request order.
[[nodiscard]] std::vector<CompileResult> compile_many(const std::vector<CompileRequest>& requests,
                                                      int jobs);

/// NVRTC version as "major.minor".
[[nodiscard]] std::string nvrtc_version();

}  // namespace gemmtune::jit
