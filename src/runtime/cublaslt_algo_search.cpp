#include "runtime/cublaslt_algo_search.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/stopwatch.hpp"

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

using SplitChoice = std::pair<int32_t, uint32_t>;  // (split_k, reduction scheme)

/// (split_k, reduction scheme) pairs an algorithm supports from `split_k`.
std::vector<SplitChoice> split_k_choices(const cublasLtMatmulAlgo_t& algo, const std::vector<int32_t>& split_k) {
  const bool supported = cap_value<int32_t>(algo, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT) != 0;
  const auto schemes = cap_value<uint32_t>(algo, CUBLASLT_ALGO_CAP_REDUCTION_SCHEME_MASK);
  std::vector<SplitChoice> choices;
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

/// The values each configuration field can take for one algorithm id (its capabilities).
struct AlgoDomain {
  int32_t algo_id = 0;
  std::vector<uint32_t> tiles;
  std::vector<uint32_t> stages;
  int32_t max_custom_option = 0;
  std::vector<SplitChoice> splits;
};

std::vector<AlgoDomain> algo_domains(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space) {
  const LtMatmulTypes& t = gemm.types();
  std::vector<int> ids(static_cast<size_t>(space.max_algo_ids));
  int id_count = 0;
  GT_CUBLAS_CHECK(cublasLtMatmulAlgoGetIds(gemm.handle(), t.compute, t.scale, t.a, t.b, t.c, t.d, space.max_algo_ids,
                                           ids.data(), &id_count));
  std::vector<AlgoDomain> domains;
  for (int i = 0; i < id_count; ++i) {
    cublasLtMatmulAlgo_t algo{};
    if (cublasLtMatmulAlgoInit(gemm.handle(), t.compute, t.scale, t.a, t.b, t.c, t.d, ids[i], &algo) !=
        CUBLAS_STATUS_SUCCESS) {
      continue;
    }
    domains.push_back({.algo_id = ids[i],
                       .tiles = cap_ids(algo, CUBLASLT_ALGO_CAP_TILE_IDS),
                       .stages = space.enumerate_stages ? cap_ids(algo, CUBLASLT_ALGO_CAP_STAGES_IDS)
                                                        : std::vector<uint32_t>{0},
                       .max_custom_option = cap_value<int32_t>(algo, CUBLASLT_ALGO_CAP_CUSTOM_OPTION_MAX),
                       .splits = split_k_choices(algo, space.split_k)});
  }
  return domains;
}

using ConfigKey = std::tuple<int32_t, uint32_t, uint32_t, uint16_t, uint32_t, int32_t, uint32_t>;

ConfigKey key_of(const AlgoRecord& r) {
  return {r.algo_id, r.tile_id, r.stages_id, r.cluster_shape_id, r.custom_option, r.split_k, r.reduction_scheme};
}

/// cublasLtMatmulAlgoCheck of each configuration at most once, counting the checks.
class Checker {
 public:
  Checker(const CublasLtFp8Gemm& gemm, AlgoSearchResult& result) : gemm_(gemm), result_(result) {}
  /// The checked record if `candidate` is new and accepted; nullopt otherwise.
  std::optional<AlgoRecord> check_new(const AlgoRecord& candidate) {
    if (!seen_.insert(key_of(candidate)).second) return std::nullopt;
    ++result_.checked_count;
    std::optional<AlgoRecord> checked = gemm_.check(candidate, nullptr);
    if (checked) result_.valid.push_back(*checked);
    return checked;
  }

 private:
  const CublasLtFp8Gemm& gemm_;
  AlgoSearchResult& result_;
  std::set<ConfigKey> seen_;
};

/// Every configuration that differs from `r` in exactly one field, within the domains.
std::vector<AlgoRecord> neighbours(const AlgoRecord& r, const std::map<int32_t, const AlgoDomain*>& domains,
                                   const AlgoSearchSpace& space) {
  std::vector<AlgoRecord> out;
  const auto own = domains.find(r.algo_id);
  if (own == domains.end()) return out;
  const AlgoDomain& d = *own->second;
  auto add = [&out, &r](auto&& change) {
    AlgoRecord n = r;
    n.workspace_bytes = 0;
    n.waves_count = 0.0f;
    change(n);
    out.push_back(n);
  };
  for (const auto& [id, other] : domains) add([&](AlgoRecord& n) { n.algo_id = id; });
  for (const uint32_t tile : d.tiles) add([&](AlgoRecord& n) { n.tile_id = tile; });
  for (const uint32_t stage : d.stages) add([&](AlgoRecord& n) { n.stages_id = stage; });
  for (const uint16_t cluster : space.cluster_shape_ids) add([&](AlgoRecord& n) { n.cluster_shape_id = cluster; });
  for (int32_t option = 0; option <= d.max_custom_option; ++option) {
    add([&](AlgoRecord& n) { n.custom_option = static_cast<uint32_t>(option); });
  }
  for (const auto& [split, scheme] : d.splits) {
    add([&](AlgoRecord& n) {
      n.split_k = split;
      n.reduction_scheme = scheme;
    });
  }
  return out;
}

}  // namespace

AlgoSearchResult search_algos(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space,
                              const std::vector<AlgoRecord>& seeds) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<AlgoDomain> domain_list = algo_domains(gemm, space);
  std::map<int32_t, const AlgoDomain*> domains;
  for (const AlgoDomain& d : domain_list) domains[d.algo_id] = &d;
  AlgoSearchResult result;
  Checker checker(gemm, result);
  std::deque<AlgoRecord> frontier;
  auto visit = [&](const AlgoRecord& candidate) {
    if (auto accepted = checker.check_new(candidate)) frontier.push_back(*accepted);
  };
  for (const AlgoRecord& seed : seeds) {
    AlgoRecord clean = seed;
    clean.cta_swizzling = 0;
    clean.inner_shape_id = 0;
    visit(clean);
  }
  for (const AlgoDomain& d : domain_list) {
    for (const uint32_t tile : d.tiles) {
      for (const uint32_t stage : d.stages) {
        visit(AlgoRecord{.algo_id = d.algo_id, .tile_id = tile, .stages_id = stage,
                         .cluster_shape_id = CUBLASLT_CLUSTER_SHAPE_1x1x1});
      }
    }
  }
  while (!frontier.empty()) {
    const AlgoRecord accepted = frontier.front();
    frontier.pop_front();
    for (const AlgoRecord& n : neighbours(accepted, domains, space)) visit(n);
  }
  result.seconds = seconds_since(start);
  spdlog::debug("cuBLASLt walk: {} algorithm ids, {} configurations checked, {} valid, {:.3f} s", domain_list.size(),
                result.checked_count, result.valid.size(), result.seconds);
  return result;
}

AlgoSearchResult enumerate_algos(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space) {
  const auto start = std::chrono::steady_clock::now();
  AlgoSearchResult result;
  const std::vector<AlgoDomain> domains = algo_domains(gemm, space);
  for (const AlgoDomain& d : domains) {
    for (const uint32_t tile : d.tiles) {
      for (const uint32_t stage : d.stages) {
        for (const uint16_t cluster : space.cluster_shape_ids) {
          for (int32_t option = 0; option <= d.max_custom_option; ++option) {
            for (const auto& [split, scheme] : d.splits) {
              const AlgoRecord candidate{.algo_id = d.algo_id, .tile_id = tile, .stages_id = stage,
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
  result.seconds = seconds_since(start);
  spdlog::debug("cuBLASLt product: {} algorithm ids, {} configurations checked, {} valid, {:.2f} s", domains.size(),
                result.checked_count, result.valid.size(), result.seconds);
  return result;
}

}  // namespace gemmtune
