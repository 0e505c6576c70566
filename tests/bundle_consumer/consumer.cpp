// A standalone consumer of an exported kernel bundle (`gemmtune export TABLE --format bundle
// --out DIR`), the device proof of issue 14: it uses the bundle the way an inference engine
// would (gemmtune_bundle.h and libcuda only), and checks it with a harness that may use more.
//
// For every tuned (n, k, m) of the bundle's table (grouped entries: grouped_check.hpp):
//   - generates inputs on the host (harness.hpp), poisons D with 0xFF bytes (bf16 NaN),
//   - runs the bundle's gemm() and validates D against cuBLASLt's block-scaled GEMM on the same
//     inputs with the dense bar (diff <= 1e-5, nothing non-finite; src/runtime/README.md
// "Validation"),
//   - times gemm() with gemmtune's `call` protocol (3 warm-ups, median of 30),
//   - captures gemm() in a CUDA graph, replays it into a second poisoned D and requires the
//     bytes to equal the direct call's, and times the replay the same way,
//   - with --dir DIR, also loads the bundle from DIR/cubins and requires identical bytes,
// and prints one JSON line per problem (schema gemmtune.bundle_check/1), then one summary line
// with the error-code checks. Exit 0 when everything passed, 1 otherwise, 4 on a CUDA error.
//
//   build: g++ -std=c++17 -O2 -I DIR -I tests/bundle_consumer -I /usr/local/cuda/include
//          tests/bundle_consumer/consumer.cpp -L /usr/local/cuda/lib64 -lcublasLt -lcudart -lcuda
//          (scripts/device_bundle_check.sh has the exact line)
//   run:   ./consumer [--dir DIR] [--seed S] [--only M N K]
#include "gemmtune_bundle_cubins.h"
#include "grouped_check.hpp"
#include "harness.hpp"

namespace {

struct Options {
  const char* dir = nullptr;
  uint64_t seed = 1;
  int64_t only_m = 0, only_n = 0, only_k = 0;  // --only M N K: that table row alone
};

/// One problem of the table through every check; returns whether it passed.
bool check_entry(const gemmtune_bundle::Bundle& bundle, const gemmtune_bundle::Bundle* from_dir,
                 const gemmtune::sm90_fp8_gemm_1d2d::BundleEntry& e, const Options& o,
                 harness::CallTimer& timer) {
  using harness::DeviceBytes;
  const int64_t m = e.m, n = e.n, k = e.k;
  harness::Operands op;
  harness::make_operands(m, n, k, o.seed, op);
  const size_t d_bytes = static_cast<size_t>(op.m_pad4 * n * 2);
  DeviceBytes d(d_bytes), d_ref(d_bytes), d_graph(d_bytes), d_dir(d_bytes);
  const cudaStream_t stream = timer.stream();

  // The reference: cuBLASLt's block-scaled heuristic algorithm.
  harness::LtBlockScaledGemm lt(op, d_ref.ptr);
  const bool have_ref = lt.select_heuristic();
  if (have_ref) lt.run(stream);

  const int32_t selected = bundle.select(m, n, k);
  const size_t workspace_bytes = bundle.workspace_bytes(m, n, k);
  DeviceBytes workspace(workspace_bytes);
  // NOTE: the workspace rule: zero once before first use; the kernel leaves its counters at zero.
  if (workspace_bytes > 0) HARNESS_CUDA(cudaMemset(workspace.ptr, 0, workspace_bytes));
  const auto gemm = [&](void* out, cudaStream_t s) {
    return bundle.gemm(m, n, k, op.a, op.sa, op.b, op.sb, out, workspace.ptr, workspace_bytes, s);
  };

  HARNESS_CUDA(cudaMemsetAsync(d.ptr, 0xff, d_bytes, stream));
  const CUresult direct = gemm(d.ptr, stream);
  HARNESS_CUDA(cudaStreamSynchronize(stream));
  const std::vector<uint16_t> out = harness::download_bf16(d.ptr, m, n);
  harness::Comparison vs_ref;
  if (have_ref) vs_ref = harness::compare(out, harness::download_bf16(d_ref.ptr, m, n));
  const bool valid = direct == CUDA_SUCCESS && have_ref && vs_ref.nonfinite == 0 &&
                     vs_ref.ref_nonfinite == 0 && vs_ref.diff <= harness::kMaxDiffVsCublaslt;

  CUresult timed_status = CUDA_SUCCESS;
  const harness::Timing call = timer.time([&](cudaStream_t s) {
    const CUresult r = gemm(d.ptr, s);
    if (r != CUDA_SUCCESS) timed_status = r;
  });
  harness::Timing lt_call{};
  if (have_ref) lt_call = timer.time([&](cudaStream_t s) { lt.run(s); });

  // The same call captured in a CUDA graph, replayed into a second poisoned D.
  const harness::CapturedCall graph([&](cudaStream_t s) { return gemm(d_graph.ptr, s); }, stream);
  const size_t graph_nodes = graph.nodes();
  HARNESS_CUDA(cudaMemsetAsync(d_graph.ptr, 0xff, d_bytes, stream));
  graph.replay(stream);
  HARNESS_CUDA(cudaStreamSynchronize(stream));
  const bool graph_matches =
      graph.status() == CUDA_SUCCESS && harness::download_bf16(d_graph.ptr, m, n) == out;
  const harness::Timing graph_call = timer.time([&](cudaStream_t s) { graph.replay(s); });

  bool dir_matches = true;
  if (from_dir != nullptr) {
    HARNESS_CUDA(cudaMemsetAsync(d_dir.ptr, 0xff, d_bytes, stream));
    const CUresult r = from_dir->gemm(m, n, k, op.a, op.sa, op.b, op.sb, d_dir.ptr, workspace.ptr,
                                      workspace_bytes, stream);
    HARNESS_CUDA(cudaStreamSynchronize(stream));
    dir_matches = r == CUDA_SUCCESS && harness::download_bf16(d_dir.ptr, m, n) == out;
  }

  const bool selected_ok = selected == e.kernel;
  const bool passed = valid && selected_ok && timed_status == CUDA_SUCCESS && graph_matches &&
                      graph_nodes == 1 && dir_matches;
  const char* config = selected >= 0 ? gemmtune_bundle::kKernels[selected].config : "";
  std::printf(
      "{\"schema\": \"gemmtune.bundle_check/1\", \"label\": %s, \"m\": %lld, \"n\": %lld, \"k\": %lld, "
      "\"config\": \"%s\", \"selected_as_tuned\": %s, \"status\": \"%s\", \"diff_vs_cublaslt\": %.3e, "
      "\"nonfinite\": %lld, \"valid\": %s, \"workspace_bytes\": %zu, \"median_us\": %.3f, "
      "\"p10_us\": %.3f, \"p90_us\": %.3f, \"cublaslt_heuristic_us\": %.3f, \"graph_nodes\": %zu, "
      "\"graph_matches\": %s, \"graph_median_us\": %.3f, \"dir_matches\": %s, \"passed\": %s}\n",
      harness::json_string(e.label).c_str(), static_cast<long long>(m), static_cast<long long>(n),
      static_cast<long long>(k), config, selected_ok ? "true" : "false",
      harness::cu_name(direct != CUDA_SUCCESS ? direct : timed_status).c_str(), vs_ref.diff,
      static_cast<long long>(vs_ref.nonfinite), valid ? "true" : "false", workspace_bytes,
      call.median_us, call.p10_us, call.p90_us, lt_call.median_us, graph_nodes,
      graph_matches ? "true" : "false", graph_call.median_us, dir_matches ? "true" : "false",
      passed ? "true" : "false");
  std::fflush(stdout);
  return passed;
}

/// The documented error codes: a shape the table does not cover, a bad shape, a fallback by
/// name (unknown; built for a grouped layout, refused; dense, then used for the uncovered shape).
/// A bundle of grouped entries only has no dense shape to get wrong and no dense kernel to fall
/// back to: it checks what applies.
bool check_error_codes(gemmtune_bundle::Bundle& bundle) {
  const CUresult not_found = bundle.gemm(64, 8, 16, nullptr, nullptr, nullptr, nullptr,
                                         nullptr, nullptr, 0, nullptr);
  CUresult bad_shape = CUDA_ERROR_INVALID_VALUE;
  if (gemmtune_bundle::kNumEntries > 0) {
    const auto& e = gemmtune_bundle::kEntries[0];
    bad_shape = bundle.gemm(64, e.n + 1, e.k, nullptr, nullptr, nullptr, nullptr, nullptr,
                            nullptr, 0, nullptr);
  }
  const CUresult unknown_fallback = bundle.set_fallback("bm1_bn1_s1_mc0_sm1_rN1_sk1");
  int32_t dense = -1, grouped = -1;  // the first bundled kernel of each kind
  for (int32_t i = 0; i < gemmtune_bundle::kNumKernels; ++i) {
    const bool is_dense = gemmtune_bundle::kKernels[i].facts.layout ==
                          gemmtune::sm90_fp8_gemm_1d2d::GroupLayout::kNone;
    int32_t& first = is_dense ? dense : grouped;
    if (first < 0) first = i;
  }
  const CUresult grouped_fallback =
      grouped < 0 ? CUDA_ERROR_INVALID_VALUE
                  : bundle.set_fallback(gemmtune_bundle::kKernels[grouped].config);
  const int32_t after_grouped = bundle.select(64, 8, 16);  // must still be none
  CUresult fallback = CUDA_SUCCESS;
  int32_t via_fallback = dense;
  if (dense >= 0) {
    fallback = bundle.set_fallback(gemmtune_bundle::kKernels[dense].config);
    via_fallback = bundle.select(64, 8, 16);
  }
  static_cast<void>(bundle.set_fallback(nullptr));
  const bool ok = not_found == CUDA_ERROR_NOT_FOUND && bad_shape == CUDA_ERROR_INVALID_VALUE &&
                  unknown_fallback == CUDA_ERROR_NOT_FOUND &&
                  grouped_fallback == CUDA_ERROR_INVALID_VALUE && after_grouped == -1 &&
                  fallback == CUDA_SUCCESS && via_fallback == dense;
  std::printf("{\"schema\": \"gemmtune.bundle_check/1\", \"error_codes\": {\"not_in_table\": \"%s\", "
              "\"bad_shape\": \"%s\", \"unknown_fallback\": \"%s\", \"grouped_fallback\": \"%s\", "
              "\"dense_fallback_kernel\": %d, \"fallback_selected\": %d}, \"passed\": %s}\n",
              harness::cu_name(not_found).c_str(), harness::cu_name(bad_shape).c_str(),
              harness::cu_name(unknown_fallback).c_str(), harness::cu_name(grouped_fallback).c_str(),
              dense, via_fallback, ok ? "true" : "false");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      o.dir = argv[++i];
    } else if (arg == "--seed" && i + 1 < argc) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--only" && i + 3 < argc) {
      o.only_m = std::strtoll(argv[++i], nullptr, 10);
      o.only_n = std::strtoll(argv[++i], nullptr, 10);
      o.only_k = std::strtoll(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--dir BUNDLE_DIR] [--seed S] [--only M N K]\n", argv[0]);
      return 2;
    }
  }
  HARNESS_CUDA(cudaFree(nullptr));  // creates and binds the primary context the bundle loads into
  gemmtune_bundle::Bundle bundle;
  const CUresult loaded = bundle.load(gemmtune_bundle::kCubins);
  if (loaded != CUDA_SUCCESS) {
    std::fprintf(stderr, "Bundle::load: %s\n", harness::cu_name(loaded).c_str());
    return 4;
  }
  gemmtune_bundle::Bundle from_dir;
  if (o.dir != nullptr) {
    const CUresult r = from_dir.load_dir(o.dir);
    if (r != CUDA_SUCCESS) {
      std::fprintf(stderr, "Bundle::load_dir(%s): %s\n", o.dir, harness::cu_name(r).c_str());
      return 4;
    }
  }
  std::fprintf(stderr, "bundle: %d kernels, %d entries, %d grouped, gemmtune %s (git %s), NVRTC %s, tuned on %s\n",
               gemmtune_bundle::kNumKernels, gemmtune_bundle::kNumEntries,
               gemmtune_bundle::kNumGroupedEntries, gemmtune_bundle::kToolVersion,
               gemmtune_bundle::kGitRev, gemmtune_bundle::kNvrtcVersion, gemmtune_bundle::kTunedOnGpu);
  harness::CallTimer timer;
  int failed = 0, checks = 0;
  for (int32_t i = 0; i < gemmtune_bundle::kNumEntries; ++i) {
    const auto& e = gemmtune_bundle::kEntries[i];
    if (o.only_m > 0 && (e.m != o.only_m || e.n != o.only_n || e.k != o.only_k)) continue;
    ++checks;
    failed += check_entry(bundle, o.dir != nullptr ? &from_dir : nullptr, e, o, timer) ? 0 : 1;
  }
  if (o.only_m == 0) {
    for (int32_t i = 0; i < gemmtune_bundle::kNumGroupedEntries; ++i) {
      ++checks;
      failed += grouped_check::check(bundle, gemmtune_bundle::kGroupedEntries[i], o.seed, timer) ? 0 : 1;
    }
    ++checks;
    failed += check_error_codes(bundle) ? 0 : 1;
  }
  std::fprintf(stderr, "bundle consumer: %d of %d checks failed\n", failed, checks);
  return failed == 0 && checks > 0 ? 0 : 1;
}
