#pragma once
/// One configuration of a cuBLASLt matmul algorithm, as plain numbers: what the baseline search
/// (src/runtime/cublaslt_algo_search.hpp) enumerates, what results and exports store, and what
/// replays rebuild a cublasLtMatmulAlgo_t from. Lives in core so that report/export code can read
/// and write it without linking cuBLASLt. Field meanings: cublasLt.h, cublasLtMatmulAlgoConfigAttributes_t.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace gemmtune {

struct AlgoRecord {
  int32_t algo_id = 0;            ///< CUBLASLT_ALGO_CONFIG_ID
  uint32_t tile_id = 0;           ///< cublasLtMatmulTile_t (0 = undefined)
  uint32_t stages_id = 0;         ///< cublasLtMatmulStages_t (0 = undefined)
  uint16_t cluster_shape_id = 0;  ///< cublasLtClusterShape_t (0 = auto)
  uint32_t custom_option = 0;     ///< 0..CUBLASLT_ALGO_CAP_CUSTOM_OPTION_MAX
  int32_t split_k = 1;            ///< CUBLASLT_ALGO_CONFIG_SPLITK_NUM
  uint32_t reduction_scheme = 0;  ///< cublasLtReductionScheme_t, 0 (none) when split_k == 1
  uint32_t cta_swizzling = 0;     ///< 0 or 1
  uint16_t inner_shape_id = 0;    ///< cublasLtMatmulInnerShape_t (0 = undefined)
  uint64_t workspace_bytes = 0;   ///< reported by cublasLtMatmulAlgoCheck
  float waves_count = 0.0f;       ///< reported by cublasLtMatmulAlgoCheck

  /// Equal configuration (workspace and waves are derived, not compared).
  [[nodiscard]] bool same_config(const AlgoRecord& other) const;
};

/// Short label, e.g. `algo66_tile20_stages0_cluster2_opt3_splitk2_red1_swz0`.
[[nodiscard]] std::string to_string(const AlgoRecord& record);

/// JSON object with one key per field.
void to_json(nlohmann::json& j, const AlgoRecord& record);
/// Parses what to_json wrote. Throws Error(kExitUsage) naming `file`, `json_path` and the problem.
[[nodiscard]] AlgoRecord parse_algo_record(const nlohmann::json& j, const std::string& file,
                                           const std::string& json_path);
/// nlohmann adapter for parse_algo_record (file "<json>").
void from_json(const nlohmann::json& j, AlgoRecord& record);

}  // namespace gemmtune
