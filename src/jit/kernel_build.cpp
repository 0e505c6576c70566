// One place that turns a KernelConfig into a compiled cubin, so `compile`, `run` and `sweep`
// build kernels identically (same source text, same options, same cache keys).
#include "jit/kernel_build.hpp"

#include "jit/codegen_sm90_fp8_gemm_1d2d.hpp"

namespace gemmtune::jit {

CompileRequest kernel_request(const KernelConfig& config) {
  GeneratedKernel generated = generate_sm90_fp8_gemm_1d2d(config);
  return CompileRequest{.kernel_name = std::move(generated.kernel_name),
                        .source = std::move(generated.source)};
}

CompileResult build_kernel(const KernelConfig& config) { return compile(kernel_request(config)); }

std::vector<CompileResult> build_kernels(const std::vector<KernelConfig>& configs, int jobs) {
  std::vector<CompileRequest> requests;
  requests.reserve(configs.size());
  for (const KernelConfig& config : configs) requests.push_back(kernel_request(config));
  return compile_many(requests, jobs);
}

BuildCounts count_builds(const std::vector<CompileResult>& results) {
  BuildCounts counts;
  for (const CompileResult& r : results) {
    counts.failed += r.ok ? 0 : 1;
    counts.spilled += r.ok && r.ptxas.spills() ? 1 : 0;
    counts.cache_hits += r.cache_hit ? 1 : 0;
  }
  return counts;
}

}  // namespace gemmtune::jit
