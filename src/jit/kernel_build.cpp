// One place that turns a KernelConfig into a compiled cubin, so `compile`, `run` and `sweep`
// build kernels identically (same source text, same options, same cache keys).
#include "jit/kernel_build.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <sstream>

#include "core/error.hpp"
#include "core/exit_codes.hpp"
#include "jit/codegen_sm90_fp8_gemm_1d2d.hpp"

namespace gemmtune::jit {

namespace {

/// $GEMMTUNE_KERNEL_DEFINES as it is ("" when unset) and its words (none when blank).
std::string defines_text() {
  const char* text = std::getenv("GEMMTUNE_KERNEL_DEFINES");
  return text == nullptr ? "" : text;
}
std::vector<std::string> defines_words() {
  std::istringstream in(defines_text());
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

/// Options for $GEMMTUNE_KERNEL_DEFINES (space-separated words), a hook for kernel experiments
/// (src/jit/README.md "Kernel defines"; the options are part of the cache key): `-DNAME=VALUE` for
/// each NAME=VALUE, and a word that starts with '-' as it is, e.g.
/// `-Xptxas=--register-usage-level=10` (DeepGEMM's JIT passes that to ptxas), so the A/B scripts
/// can time compiler options too.
std::vector<std::string> experiment_defines() {
  std::vector<std::string> options;
  for (const std::string& word : defines_words()) {
    options.push_back(word.front() == '-' ? word : "-D" + word);
  }
  const std::string text = defines_text();
  static std::once_flag logged;
  if (!options.empty()) {
    std::call_once(logged, [text] {
      spdlog::warn("kernel experiment: GEMMTUNE_KERNEL_DEFINES=\"{}\" changes every kernel built", text);
    });
  }
  return options;
}

}  // namespace

void require_shipped_kernels(std::string_view what) {
  if (defines_words().empty()) return;
  throw Error(kExitUsage,
              fmt::format("{}: GEMMTUNE_KERNEL_DEFINES is set (\"{}\"): tables and bundles are "
                          "built from the shipped kernels only; unset it (kernel experiments run "
                          "with `gemmtune run` and `compile`)",
                          what, one_line(defines_text())));
}

CompileRequest kernel_request(const KernelConfig& config) {
  GeneratedKernel generated = generate_sm90_fp8_gemm_1d2d(config);
  return CompileRequest{.kernel_name = std::move(generated.kernel_name),
                        .source = std::move(generated.source),
                        .extra_options = experiment_defines()};
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
    counts.advised += r.ok && !r.ptxas.advisories.empty() ? 1 : 0;
    counts.cache_hits += r.cache_hit ? 1 : 0;
  }
  return counts;
}

}  // namespace gemmtune::jit
