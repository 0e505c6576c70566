#pragma once
/// One NVRTC run, without the disk cache: the fixed option set, the embedded headers, the cubin,
/// the log and the ptxas report. compile() (compiler.hpp) wraps this with the cache.
#include <string>
#include <vector>

#include "jit/compiler.hpp"

namespace gemmtune::jit {

/// The full NVRTC option list for `request`: `-arch=<arch>`, `-std=c++17`, `-default-device`,
/// `-Xptxas=-v`, `-lineinfo`, `-I<CUDA include dir>`, then request.extra_options in order.
[[nodiscard]] std::vector<std::string> nvrtc_options(const CompileRequest& request);

/// Outcome of one NVRTC run, before the cache.
struct NvrtcOutcome {
  CompileResult result;
  /// True when the outcome depends only on the cache key (success, a compile error, a bad option),
  /// so it may be cached; false for transient failures such as NVRTC running out of memory.
  bool cacheable = false;
};

/// Compiles `request` with NVRTC, bypassing the disk cache. A source or option error is a value
/// (ok == false, log says why); an unexpected NVRTC API failure throws gemmtune::Error.
[[nodiscard]] NvrtcOutcome compile_with_nvrtc(const CompileRequest& request);

}  // namespace gemmtune::jit
