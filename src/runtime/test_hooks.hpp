#pragma once
/// Test hooks of the measuring worker (src/worker/README.md "Test hooks"): environment variables
/// naming a config whose measurement is replaced by a kernel that faults or never finishes
/// (kernels/support_test_hooks.cuh), so that the sweep's fault isolation can be tested on a GPU.
/// Only the worker reads them.
#include <cuda_runtime_api.h>

#include <optional>
#include <string>

#include "jit/compiler.hpp"

namespace gemmtune {

/// Names a config (canonical text) whose measurement runs a trapping kernel instead.
inline constexpr const char* kTestFaultConfigEnv = "GEMMTUNE_TEST_FAULT_CONFIG";
/// Names a config whose measurement runs a kernel that never finishes instead.
inline constexpr const char* kTestHangConfigEnv = "GEMMTUNE_TEST_HANG_CONFIG";

/// Symbols of kernels/support_test_hooks.cuh.
inline constexpr const char* kTestHookTrapKernel = "support_test_hooks_trap";
inline constexpr const char* kTestHookHangKernel = "support_test_hooks_hang";

/// The request compiling both hook kernels for `arch` (e.g. "sm_90"); the ptxas report names
/// `kernel_name`. Header-only so that the NVRTC tests compile exactly what the worker loads.
[[nodiscard]] inline jit::CompileRequest test_hooks_compile_request(const std::string& arch,
                                                                    const char* kernel_name) {
  return {.kernel_name = kernel_name,
          .source = "// gemmtune test hooks: a trapping and a hanging kernel.\n"
                    "#include \"support_test_hooks.cuh\"\n",
          .arch = arch,
          .extra_options = {}};
}

/// What a hook does instead of the measurement.
enum class TestHook { kFault, kHang };

/// The hook the environment sets for `config_text`, if any.
[[nodiscard]] std::optional<TestHook> test_hook_for(const std::string& config_text);

/// Compiles (through the JIT and its cache) and runs the hook's kernel on the current device, then
/// waits for it: returns the error the fault left (a sticky one: the context is dead); for kHang
/// it does not return.
[[nodiscard]] cudaError_t run_test_hook(TestHook hook);

}  // namespace gemmtune
