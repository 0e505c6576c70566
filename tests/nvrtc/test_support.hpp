#pragma once
// Shared helpers of the nvrtc tests: a private temporary cache folder per test and small sources.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

#include "jit/compiler.hpp"
#include "jit/kernel_cache.hpp"
#include "core/kernel_config.hpp"

namespace gemmtune::test {

/// A fresh folder under the system temp dir, removed (with everything in it) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gemmtune-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A small sm_90a kernel with real Hopper-only instructions (wgmma.fence, setmaxnreg) that uses
/// the embedded kernels/gemmtune_params.h.
inline jit::CompileRequest wgmma_fence_request(const std::string& kernel_name = "gt_test_wgmma_fence") {
  return jit::CompileRequest{.kernel_name = kernel_name, .source = R"(#include "gemmtune_params.h"
extern "C" __global__ void __launch_bounds__(384, 1) )" + kernel_name + R"((GemmtuneGemmParams p) {
  __shared__ float tile[256];
  if (threadIdx.x / 128 == 0) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
    return;
  }
  asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
  tile[threadIdx.x % 256] = float(p.m) * float(p.k);
  __syncthreads();
  if (p.workspace != nullptr) p.workspace[threadIdx.x] = tile[(threadIdx.x + 1) % 256];
}
)"};
}

/// A source with a C++ syntax error in kernel `gt_test_broken`.
inline jit::CompileRequest broken_request() {
  return jit::CompileRequest{
      .kernel_name = "gt_test_broken",
      .source = "extern \"C\" __global__ void gt_test_broken(int* p) { p[0] = gt_undeclared_value + ; }\n"};
}

/// The whole file as bytes.
inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Overwrites (or creates) a file with `bytes`.
inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// Number of entries in `dir` whose name starts with `prefix`.
inline int count_children_with_prefix(const std::filesystem::path& dir, const std::string& prefix) {
  int count = 0;
  std::error_code ec;
  for (const auto& child : std::filesystem::directory_iterator(dir, ec)) {
    if (child.path().filename().string().rfind(prefix, 0) == 0) ++count;
  }
  return count;
}

/// Exit code and output of one shell command.
struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

/// Runs `command` through the shell, stdout and stderr together.
inline CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  while (const size_t n = fread(buffer, 1, sizeof(buffer), pipe)) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// The repository root (the fixtures folder's grandparent) and the CUDA toolkit's folders.
inline const std::filesystem::path kRepo =
    std::filesystem::path(GEMMTUNE_TEST_FIXTURES).parent_path().parent_path();
inline const std::string kCudaInclude = GEMMTUNE_CUDA_INCLUDE_DIR;
inline const std::string kCudaLib = GEMMTUNE_CUDA_LIBRARY_DIR;

/// A config from its canonical name; throws on a name that does not parse.
inline KernelConfig config_of(const std::string& text) {
  std::string error;
  const std::optional<KernelConfig> c = parse_kernel_config(text, &error);
  if (!c) throw std::runtime_error(error);
  return *c;
}

}  // namespace gemmtune::test
