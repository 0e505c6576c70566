// compile(): the disk cache around one NVRTC run; compile_many(): a pool of std::threads.
#include "jit/compiler.hpp"

#include <nvrtc.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "core/parallel.hpp"
#include "jit/kernel_cache.hpp"
#include "jit/nvrtc_compile.hpp"

namespace gemmtune::jit {
namespace {

CompileResult failed_result(const CompileRequest& request, std::string log) {
  CompileResult result;
  result.kernel_name = request.kernel_name;
  result.log = std::move(log);
  return result;
}

}  // namespace

CompileResult compile(const CompileRequest& request) {
  return compile(request, KernelCache::from_environment());
}

CompileResult compile(const CompileRequest& request, const KernelCache& cache) {
  const std::string key = cache_key(request);
  if (std::optional<CompileResult> hit = cache.load(request.arch, key, request.kernel_name)) {
    return *std::move(hit);
  }
  NvrtcOutcome outcome = compile_with_nvrtc(request);
  outcome.result.cache_key = key;
  if (!outcome.cacheable) return std::move(outcome.result);
  return cache.store(request.arch, outcome.result);
}

std::vector<CompileResult> compile_many(const std::vector<CompileRequest>& requests, int jobs) {
  return compile_many(requests, jobs, KernelCache::from_environment());
}

std::vector<CompileResult> compile_many(const std::vector<CompileRequest>& requests, int jobs,
                                        const KernelCache& cache) {
  std::vector<CompileResult> results(requests.size());
  const int threads_wanted = jobs > 0 ? jobs : static_cast<int>(core_count());
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(threads_wanted, 1)), 1,
                                            std::max<size_t>(requests.size(), 1));
  // NOTE: concurrent nvrtcCompileProgram calls on distinct programs are supported (NVRTC User
  // Guide, "Thread Safety"; exercised by the nvrtc tests). Workers pull the next index from a shared counter, so a slow config does not hold up
  // a fixed share of the list; each writes only its own slot of `results`.
  std::atomic<size_t> next{0};
  const auto worker = [&] {
    for (size_t i = next.fetch_add(1); i < requests.size(); i = next.fetch_add(1)) {
      try {
        results[i] = compile(requests[i], cache);
      } catch (const std::exception& e) {
        results[i] = failed_result(requests[i], std::string("compile threw: ") + e.what());
      } catch (...) {
        results[i] = failed_result(requests[i], "compile threw an unknown exception");
      }
    }
  };
  std::vector<std::jthread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();  // the calling thread works too
  return results;
}

std::string nvrtc_version() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "unknown";
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace gemmtune::jit
