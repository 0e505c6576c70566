#pragma once
/// Resource usage of one kernel, parsed from the ptxas report that `-Xptxas=-v` puts into the
/// NVRTC program log.
#include <string>
#include <string_view>
#include <vector>

namespace gemmtune::jit {

/// Resource usage parsed from the ptxas report (`-Xptxas=-v`) of one kernel. -1 = not reported.
struct PtxasReport {
  int registers = -1;
  int stack_frame_bytes = -1;
  int spill_store_bytes = -1;
  int spill_load_bytes = -1;
  int smem_static_bytes = -1;       ///< static shared memory; 0 when ptxas prints no smem field
  int barriers = -1;                ///< named barriers used (`used N barriers`)
  /// ptxas warned "wgmma.mma_async instructions are serialized" (C7511 and kin): the math
  /// pipeline runs one wgmma at a time, a large and silent slowdown.
  bool wgmma_serialized = false;
  /// ptxas "(Cnnnn) ..." advisories naming this kernel, in log order, e.g. "(C7517)
  /// warpgroup.wait is injected in around line 450 by compiler to allow use of registers ...".
  std::vector<std::string> advisories;

  [[nodiscard]] bool operator==(const PtxasReport&) const = default;
  /// True when registers were reported for the kernel (it was found in the log).
  [[nodiscard]] bool found() const { return registers >= 0; }
  /// True when the kernel spills (stores or loads to local memory).
  [[nodiscard]] bool spills() const { return spill_store_bytes > 0 || spill_load_bytes > 0; }
};

/// Parses the lines of `log` that belong to entry function `kernel_name` (unmangled, as
/// `extern "C"` kernels appear). Lines of other kernels and of callees are ignored.
[[nodiscard]] PtxasReport parse_ptxas_report(std::string_view log, std::string_view kernel_name);

}  // namespace gemmtune::jit
