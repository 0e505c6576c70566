// A standalone consumer of exported cuBLASLt algorithm records (`gemmtune export TABLE --format
// cublaslt`, schema gemmtune.cublaslt_algos/1): for every record it rebuilds the algorithm the
// way a cuBLASLt user would (cublasLtMatmulAlgoInit with the record's id, then one
// cublasLtMatmulAlgoConfigSetAttribute per field, as src/runtime/cublaslt_handles.cpp's
// build_algo does), checks it (cublasLtMatmulAlgoCheck), validates its output against the
// heuristic's algorithm, and times it with gemmtune's `call` and `call_sync` protocols
// (harness.hpp). One JSON line per record (schema gemmtune.cublaslt_replay/1) with the recorded
// time and the ratios; exit 0 when every record was accepted and valid, 1 otherwise.
//
//   build: g++ -std=c++17 -O2 -I tests/bundle_consumer -I /usr/local/cuda/include
//          tests/bundle_consumer/cublaslt_replay.cpp -L /usr/local/cuda/lib64 -lcublasLt -lcudart -lcuda
//          (scripts/device_bundle_check.sh has the exact line)
//   run:   ./cublaslt_replay algos.json
#include <nlohmann/json.hpp>

#include <fstream>

#include "harness.hpp"

namespace {

template <typename T>
bool set_config(cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attribute, T value) {
  return cublasLtMatmulAlgoConfigSetAttribute(&algo, attribute, &value, sizeof(value)) == CUBLAS_STATUS_SUCCESS;
}

/// The algorithm of one record (field names: src/core/cublaslt_algo_record.hpp) in *algo, or
/// why cuBLASLt refused it.
std::string build_algo(cublasLtHandle_t handle, const nlohmann::json& r, cublasLtMatmulAlgo_t* algo) {
  const cublasStatus_t init = cublasLtMatmulAlgoInit(handle, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_8F_E4M3,
                                                     CUDA_R_8F_E4M3, CUDA_R_16BF, CUDA_R_16BF,
                                                     r.at("algo_id").get<int32_t>(), algo);
  if (init != CUBLAS_STATUS_SUCCESS) return std::string("AlgoInit: ") + cublasLtGetStatusName(init);
  const bool ok =
      set_config(*algo, CUBLASLT_ALGO_CONFIG_TILE_ID, r.at("tile_id").get<uint32_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, r.at("stages_id").get<uint32_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, r.at("split_k").get<int32_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, r.at("reduction_scheme").get<uint32_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, r.at("cta_swizzling").get<uint32_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, r.at("custom_option").get<uint32_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID, r.at("inner_shape_id").get<uint16_t>()) &&
      set_config(*algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, r.at("cluster_shape_id").get<uint16_t>());
  return ok ? std::string() : std::string("AlgoConfigSetAttribute refused a field");
}

/// Replays one entry; returns whether it was accepted and valid.
bool replay(const nlohmann::json& e, harness::CallTimer& timer) {
  const int64_t m = e.at("m"), n = e.at("n"), k = e.at("k");
  const double recorded_us = e.at("median_us");
  harness::Operands op;
  harness::make_operands(m, n, k, 1, op);
  const size_t d_bytes = static_cast<size_t>(op.m_pad4 * n * 2);
  harness::DeviceBytes d(d_bytes), d_ref(d_bytes);
  harness::LtBlockScaledGemm replayed(op, d.ptr), reference(op, d_ref.ptr);
  const bool have_ref = reference.select_heuristic();
  const nlohmann::json& record = e.at("algo");
  cublasLtMatmulAlgo_t algo{};
  std::string rejected = record.is_object() ? build_algo(replayed.handle(), record, &algo)
                                            : std::string("no algorithm record");
  if (rejected.empty()) rejected = replayed.select(algo);
  bool valid = false;
  harness::Comparison vs_ref;
  harness::Timing call{}, call_sync{};
  if (rejected.empty() && have_ref) {
    const cudaStream_t stream = timer.stream();
    HARNESS_CUDA(cudaMemsetAsync(d.ptr, 0xff, d_bytes, stream));
    replayed.run(stream);
    reference.run(stream);
    HARNESS_CUDA(cudaStreamSynchronize(stream));
    vs_ref = harness::compare(harness::download_bf16(d.ptr, m, n), harness::download_bf16(d_ref.ptr, m, n));
    valid = vs_ref.nonfinite == 0 && vs_ref.ref_nonfinite == 0 && vs_ref.diff <= harness::kMaxDiffVsCublaslt;
    call = timer.time([&](cudaStream_t s) { replayed.run(s); });
    call_sync = timer.time([&](cudaStream_t s) { replayed.run(s); }, true);
  }
  const std::string label = e.value("label", "");
  std::printf(
      "{\"schema\": \"gemmtune.cublaslt_replay/1\", \"label\": %s, \"m\": %lld, \"n\": %lld, \"k\": %lld, "
      "\"algo\": %s, \"accepted\": %s, \"rejected_because\": %s, \"diff_vs_heuristic\": %.3e, "
      "\"valid\": %s, \"recorded_us\": %.3f, \"call_us\": %.3f, \"call_sync_us\": %.3f, "
      "\"call_over_recorded\": %.4f, \"call_sync_over_recorded\": %.4f}\n",
      nlohmann::json(label).dump().c_str(), static_cast<long long>(m), static_cast<long long>(n),
      static_cast<long long>(k), e.at("algo").dump().c_str(), rejected.empty() ? "true" : "false",
      nlohmann::json(rejected).dump().c_str(), vs_ref.diff, valid ? "true" : "false", recorded_us,
      call.median_us, call_sync.median_us, call.median_us / recorded_us, call_sync.median_us / recorded_us);
  std::fflush(stdout);
  return rejected.empty() && valid;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s ALGOS_JSON (gemmtune export TABLE --format cublaslt)\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || doc.value("schema", "") != "gemmtune.cublaslt_algos/1") {
    std::fprintf(stderr, "%s: not a gemmtune.cublaslt_algos/1 document\n", argv[1]);
    return 2;
  }
  const size_t version = cublasLtGetVersion();
  std::fprintf(stderr, "records: %zu, recorded with cuBLASLt %s on %s (timing %s); replaying with cuBLASLt %zu\n",
               doc.at("entries").size(), doc.value("cublaslt_version", "?").c_str(),
               doc.value("gpu", "?").c_str(), doc.value("timing_mode", "?").c_str(), version);
  harness::CallTimer timer;
  int failed = 0;
  for (const nlohmann::json& e : doc.at("entries")) failed += replay(e, timer) ? 0 : 1;
  std::fprintf(stderr, "cublaslt replay: %d of %zu records failed\n", failed, doc.at("entries").size());
  return failed == 0 ? 0 : 1;
}
