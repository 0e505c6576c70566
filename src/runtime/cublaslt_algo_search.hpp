#pragma once
/// "Best cuBLASLt": the configurations of a matmul that cublasLtMatmulAlgoCheck accepts, over
/// algorithm ids (cublasLtMatmulAlgoGetIds) x tile ids (CAP_TILE_IDS) x stages ids
/// (CAP_STAGES_IDS) x cluster shapes x custom options (0..CAP_CUSTOM_OPTION_MAX) x split-K (with
/// every supported reduction scheme when > 1). The heuristic returns a single algorithm in
/// block-scaled mode (cuBLASLt 13 on sm_90), and the best checked configuration beat it by up to
/// 1.4-1.9x there, so an honest baseline enumerates. Timing the survivors is the caller's job.
///
/// Two ways to find the accepted set:
///   search_algos:    a breadth-first walk from seed configurations to every configuration that
///                    differs from an accepted one in one field. ~0.1-0.5 million checks.
///   enumerate_algos: the Cartesian product, 27 million checks (0.55 us each: ~15 s per problem
///                    on the H200, the sweep's largest cost before the walk replaced it).
/// NOTE: why the walk finds the whole set: on the H200 (cuBLASLt 13.1) the accepted block-scaled
/// set is a product of per-field sets (algorithm 66, stages 128xAUTO, 19 tiles, clusters without
/// AUTO, options {0,2,4,6}, split-K 1/2/4 on small problems) trimmed by a few tile x cluster
/// exclusions, so it is connected under one-field moves. The GPU test
/// CublasLtAlgoSearch.WalkFindsTheCartesianSet checks that both ways give the same set.
#include <cstdint>
#include <vector>

#include "core/cublaslt_algo_record.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"

namespace gemmtune {

struct AlgoSearchSpace {
  /// cublasLtClusterShape_t values: auto, 1x1, 2x1, 4x1, 1x2, 2x2, 4x2, 1x4, 2x4 (the heuristic
  /// itself picks 4x2 and 2x4 on dsv3 shapes).
  std::vector<uint16_t> cluster_shape_ids = {
      CUBLASLT_CLUSTER_SHAPE_AUTO,  CUBLASLT_CLUSTER_SHAPE_1x1x1, CUBLASLT_CLUSTER_SHAPE_2x1x1,
      CUBLASLT_CLUSTER_SHAPE_4x1x1, CUBLASLT_CLUSTER_SHAPE_1x2x1, CUBLASLT_CLUSTER_SHAPE_2x2x1,
      CUBLASLT_CLUSTER_SHAPE_4x2x1, CUBLASLT_CLUSTER_SHAPE_1x4x1, CUBLASLT_CLUSTER_SHAPE_2x4x1};
  std::vector<int32_t> split_k = {1, 2, 4};
  bool enumerate_stages = true;  ///< false: leave stages undefined (cuBLASLt picks)
  int max_algo_ids = 256;        ///< how many ids to ask cublasLtMatmulAlgoGetIds for
};

struct AlgoSearchResult {
  std::vector<AlgoRecord> valid;  ///< accepted configurations, in the order they were found
  int64_t checked_count = 0;      ///< configurations passed to cublasLtMatmulAlgoCheck
  double seconds = 0.0;           ///< wall time of the search
};

/// The breadth-first walk for `gemm`'s problem (no GPU work, no timing). Seeds: `seeds` (e.g.
/// the heuristic's pick) plus, per algorithm id, each tile x stages pair with cluster 1x1,
/// option 0 and no split-K.
[[nodiscard]] AlgoSearchResult search_algos(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space,
                                            const std::vector<AlgoRecord>& seeds);

/// The Cartesian product for `gemm`'s problem (no GPU work, no timing): the reference the walk
/// is tested against.
[[nodiscard]] AlgoSearchResult enumerate_algos(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space);

}  // namespace gemmtune
