// One NVRTC compile of a generated source to an sm_90a cubin, with the kernels/ headers given to
// NVRTC in memory (embedded_files.hpp).
#include "jit/nvrtc_compile.hpp"

#include <nvrtc.h>

#include <chrono>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/stopwatch.hpp"
#include "jit/embedded_files.hpp"

/// Throws gemmtune::Error (NVRTC failure) with file:line, the call text and NVRTC's message.
#define GT_NVRTC_CHECK(call)                                                                     \
  do {                                                                                           \
    const nvrtcResult gt_nvrtc_status = (call);                                                  \
    GT_CHECK(gt_nvrtc_status == NVRTC_SUCCESS, ::gemmtune::kExitCudaError,                       \
             std::string(#call) + " returned " + nvrtcGetErrorString(gt_nvrtc_status));          \
  } while (0)

namespace gemmtune::jit {
namespace {

/// Move-only owner of an nvrtcProgram.
class NvrtcProgram {
 public:
  NvrtcProgram(const std::string& source, const char* file_name) {
    const auto& files = embedded_kernel_files();
    std::vector<const char*> contents, names;
    for (const EmbeddedFile& file : files) {
      contents.push_back(file.contents.data());  // NOTE: NUL-terminated (embedded_files.hpp)
      names.push_back(file.name.data());
    }
    GT_NVRTC_CHECK(nvrtcCreateProgram(&program_, source.c_str(), file_name,
                                      static_cast<int>(files.size()), contents.data(), names.data()));
  }
  NvrtcProgram(const NvrtcProgram&) = delete;
  NvrtcProgram& operator=(const NvrtcProgram&) = delete;
  NvrtcProgram(NvrtcProgram&& other) noexcept : program_(std::exchange(other.program_, nullptr)) {}
  NvrtcProgram& operator=(NvrtcProgram&& other) noexcept {
    std::swap(program_, other.program_);
    return *this;
  }
  ~NvrtcProgram() {
    if (program_ != nullptr) nvrtcDestroyProgram(&program_);
  }
  [[nodiscard]] nvrtcProgram get() const { return program_; }

 private:
  nvrtcProgram program_ = nullptr;
};

std::string program_log(const NvrtcProgram& program) {
  size_t size_bytes = 0;
  GT_NVRTC_CHECK(nvrtcGetProgramLogSize(program.get(), &size_bytes));
  std::string log(size_bytes, '\0');
  GT_NVRTC_CHECK(nvrtcGetProgramLog(program.get(), log.data()));
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

std::vector<char> program_cubin(const NvrtcProgram& program) {
  size_t size_bytes = 0;
  GT_NVRTC_CHECK(nvrtcGetCUBINSize(program.get(), &size_bytes));
  std::vector<char> cubin(size_bytes);
  if (size_bytes > 0) GT_NVRTC_CHECK(nvrtcGetCUBIN(program.get(), cubin.data()));
  return cubin;
}

}  // namespace

std::vector<std::string> nvrtc_options(const CompileRequest& request) {
  // NOTE: -Xptxas takes one ptxas option per flag; -v puts registers, stack frame and spill bytes
  // into the program log. The kernels include no CUDA headers (compile time),
  // the -I is there for a source that does.
  // NOTE: no precompiled header. NVRTC 13.0's -pch works with in-memory headers, but its PCH lives
  // in a per-process heap and the whole C++ front end of a generated source is ~12 ms of ~165 ms
  // (-fdevice-time-trace on the stand-in FP8 mainloop: NVVM ~82 ms, ptxas ~70 ms); creating the
  // PCH costs more than it saves. Parallel compiles (compile_many) and the disk cache are the
  // levers; `-pch` can still be passed in extra_options.
  // NOTE: --no-cache: since 12.9 NVRTC keeps compiled cubins in the driver's compute cache (where a
  // driver is loaded) and answers a repeated source from it without running ptxas, so the -v report
  // is missing: a second sweep on one H200 read registers and spills as unknown for 509 of 510
  // configs (PERF_LOG). gemmtune's kernel cache is the one cache (its key holds these options).
  std::vector<std::string> options = {
      "-arch=" + request.arch, "-std=c++17", "-default-device", "-Xptxas=-v", "-lineinfo",
      "--no-cache", std::string("-I") + GEMMTUNE_CUDA_INCLUDE_DIR};
  options.insert(options.end(), request.extra_options.begin(), request.extra_options.end());
  return options;
}

NvrtcOutcome compile_with_nvrtc(const CompileRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const NvrtcProgram program(request.source, (request.kernel_name + ".cu").c_str());
  const std::vector<std::string> options = nvrtc_options(request);
  std::vector<const char*> option_ptrs;
  for (const std::string& option : options) option_ptrs.push_back(option.c_str());

  const nvrtcResult status =
      nvrtcCompileProgram(program.get(), static_cast<int>(option_ptrs.size()), option_ptrs.data());
  NvrtcOutcome outcome;
  CompileResult& result = outcome.result;
  result.kernel_name = request.kernel_name;
  result.log = program_log(program);
  if (status == NVRTC_SUCCESS) {
    result.cubin = program_cubin(program);
    result.ptxas = parse_ptxas_report(result.log, request.kernel_name);
    result.ok = !result.cubin.empty();
    outcome.cacheable = true;
  } else {
    // NOTE: a compile error or a bad option depends only on the source and the options, so it is
    // cached as failed (a sweep does not retry it); anything else may be transient.
    outcome.cacheable = status == NVRTC_ERROR_COMPILATION || status == NVRTC_ERROR_INVALID_OPTION;
    if (!outcome.cacheable && status != NVRTC_ERROR_OUT_OF_MEMORY) GT_NVRTC_CHECK(status);
    result.log = std::string("nvrtcCompileProgram: ") + nvrtcGetErrorString(status) +
                 (result.log.empty() ? "" : "\n" + result.log);
  }
  result.compile_seconds = seconds_since(start);
  return outcome;
}

}  // namespace gemmtune::jit
