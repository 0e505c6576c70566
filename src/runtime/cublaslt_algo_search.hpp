#pragma once
/// "Best cuBLASLt": every configuration of a matmul that cublasLtMatmulAlgoCheck accepts.
/// The heuristic returns a single algorithm in block-scaled mode (shared/DEVICE.md), and the best
/// checked configuration beat it by up to 1.4-1.9x there, so an honest baseline enumerates:
/// algorithm ids (cublasLtMatmulAlgoGetIds) x tile ids (CAP_TILE_IDS) x stages ids
/// (CAP_STAGES_IDS) x cluster shapes x custom options (0..CAP_CUSTOM_OPTION_MAX) x split-K
/// (with every supported reduction scheme when > 1). Timing the survivors is the caller's job.
#include <cstdint>
#include <vector>

#include "core/cublaslt_algo_record.hpp"
#include "runtime/cublaslt_fp8_gemm.hpp"

namespace gemmtune {

struct AlgoSearchSpace {
  /// cublasLtClusterShape_t values: auto, 1x1, 2x1, 1x2, 2x2, 4x1, 1x4.
  std::vector<uint16_t> cluster_shape_ids = {CUBLASLT_CLUSTER_SHAPE_AUTO,  CUBLASLT_CLUSTER_SHAPE_1x1x1,
                                             CUBLASLT_CLUSTER_SHAPE_2x1x1, CUBLASLT_CLUSTER_SHAPE_1x2x1,
                                             CUBLASLT_CLUSTER_SHAPE_2x2x1, CUBLASLT_CLUSTER_SHAPE_4x1x1,
                                             CUBLASLT_CLUSTER_SHAPE_1x4x1};
  std::vector<int32_t> split_k = {1, 2, 4};
  bool enumerate_stages = true;  ///< false: leave stages undefined (cuBLASLt picks)
  int max_algo_ids = 256;        ///< how many ids to ask cublasLtMatmulAlgoGetIds for
};

struct AlgoSearchResult {
  std::vector<AlgoRecord> valid;  ///< accepted configurations, in enumeration order
  int64_t checked_count = 0;      ///< configurations passed to cublasLtMatmulAlgoCheck
  double seconds = 0.0;           ///< wall time of the enumeration
};

/// Enumerates the search space for `gemm`'s problem (no GPU work, no timing).
[[nodiscard]] AlgoSearchResult enumerate_algos(const CublasLtFp8Gemm& gemm, const AlgoSearchSpace& space);

}  // namespace gemmtune
