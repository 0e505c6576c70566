#include "runtime/cublaslt_algo_search.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace gemmtune {

namespace {

/// An array capability (CAP_TILE_IDS, CAP_STAGES_IDS); {0} (= undefined) when it is empty.
std::vector<uint32_t> cap_ids(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoCapAttributes_t attribute) {
  size_t bytes = 0;
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoCapGetAttribute(&algo, attribute, nullptr, 0, &bytes));
  std::vector<uint32_t> ids(bytes / sizeof(uint32_t));
  if (!ids.empty()) {
    GT_CUBLAS_CHECK(cublasLtMatmulAlgoCapGetAttribute(&algo, attribute, ids.data(), bytes, &bytes));
  }
  if (ids.empty()) ids.push_back(0);
  return ids;
}

template <typename T>
T cap_value(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoCapAttributes_t attribute) {
  T value{};
  size_t written = 0;
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoCapGetAttribute(&algo, attribute, &value, sizeof(value), &written));
  return value;
}

/// (split_k, reduction scheme) pairs an algorithm supports from `split_k`.
std::vector<std::pair<int32_t, uint32_t>> split_k_choices(const cublasLtMatmulAlgo_t& algo,
                                                          const std::vector<int32_t>& split_k) {
  const bool supported = cap_value<int32_t>(algo, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT) != 0;
  const auto schemes = cap_value<uint32_t>(algo, CUBLASLT_ALGO_CAP_REDUCTION_SCHEME_MASK);
  std::vector<std::pair<int32_t, uint32_t>> choices;
  for (const int32_t splits : split_k) {
    if (splits == 1) {
      choices.emplace_back(1, CUBLASLT_REDUCTION_SCHEME_NONE);
      continue;
    }
    if (!supported) continue;
    for (const uint32_t scheme : {CUBLASLT_REDUCTION_SCHEME_INPLACE, CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE,
                                  CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE}) {
      if (schemes & scheme) choices.emplace_back(splits, scheme);
    }
  }
  return choices;
}

}  // namespace

AlgoSearchResult enumerate_algos(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space) {
  const auto start = std::chrono::steady_clock::now();
  const LtMatmulTypes& t = gemm.types();
  std::vector<int> ids(static_cast<size_t>(space.max_algo_ids));
  int id_count = 0;
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoGetIds(gemm.handle(), t.compute, t.scale, t.a, t.b, t.c, t.d, space.max_algo_ids,
                                           ids.data(), &id_count));
  AlgoSearchResult result;
  for (int i = 0; i < id_count; ++i) {
    cublasLtMatmulAlgo_t algo{};
    if (cublasLtMatmulAlgoInit(gemm.handle(), t.compute, t.scale, t.a, t.b, t.c, t.d, ids[i], &algo) !=
        CUBLAS_STATUS_SUCCESS) {
      continue;
    }
    const std::vector<uint32_t> tiles = cap_ids(algo, CUBLASLT_ALGO_CAP_TILE_IDS);
    const std::vector<uint32_t> stages =
        space.enumerate_stages ? cap_ids(algo, CUBLASLT_ALGO_CAP_STAGES_IDS) : std::vector<uint32_t>{0};
    const auto max_custom_option = cap_value<int32_t>(algo, CUBLASLT_ALGO_CAP_CUSTOM_OPTION_MAX);
    const auto splits = split_k_choices(algo, space.split_k);
    for (const uint32_t tile : tiles) {
      for (const uint32_t stage : stages) {
        for (const uint16_t cluster : space.cluster_shape_ids) {
          for (int32_t option = 0; option <= max_custom_option; ++option) {
            for (const auto& [split, scheme] : splits) {
              const AlgoRecord candidate{.algo_id = ids[i], .tile_id = tile, .stages_id = stage,
                                         .cluster_shape_id = cluster, .custom_option = static_cast<uint32_t>(option),
                                         .split_k = split, .reduction_scheme = scheme};
              ++result.checked_count;
              if (auto checked = gemm.check(candidate, nullptr)) result.valid.push_back(*checked);
            }
          }
        }
      }
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::debug("cuBLASLt search: {} algorithm ids, {} configurations checked, {} valid, {:.2f} s", id_count,
                result.checked_count, result.valid.size(), result.seconds);
  return result;
}

}  // namespace gemmtune
