#pragma once
/// Seeded input distributions of `gemmtune accuracy` (src/core/accuracy/README.md "Inputs"):
/// activations A [M][K] and weights B [N][K] in FP32, generated on the host from a counter-based
/// hash (splitmix64), so the same (input, seed, shape) gives the same values on every machine and
/// thread count. Weights are scaled by 1/sqrt(K) (fan-in initialisation), so outputs have an RMS
/// near 1 at every K and absolute errors read as fractions of a typical output.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace gemmtune {

enum class AccuracyInput {
  kGaussian,            ///< A ~ N(0, 1), B ~ N(0, 1) / sqrt(K)
  kStudentT,            ///< heavy-tailed: Student-t with 3 degrees of freedom, unit variance
  kOutlierChannels,     ///< activations with a few channels (columns of A) 20-200x the rest
  kOutlierBlocks,       ///< weights with 32x32 blocks 10-100x the rest
  kMassiveActivations,  ///< a few tokens with a few channels 1e3-1e4x the rest
};

/// Every input, in output order.
[[nodiscard]] const std::vector<AccuracyInput>& all_accuracy_inputs();
[[nodiscard]] std::string_view to_string(AccuracyInput input);
[[nodiscard]] std::optional<AccuracyInput> parse_accuracy_input(std::string_view name);
/// One sentence with every parameter of the distribution (written into accuracy.json / .md).
[[nodiscard]] std::string describe(AccuracyInput input);
/// The parameters as a JSON object.
[[nodiscard]] nlohmann::json parameters_json(AccuracyInput input);

/// Parameters of the outlier inputs; the defaults are what `gemmtune accuracy` uses.
struct OutlierParams {
  /// kOutlierChannels: one outlier channel per this many columns of A (at least 2), each scaled
  /// by a factor drawn log-uniform in [factor_min, factor_max] (LLM.int8(), Dettmers et al. 2022:
  /// a few feature dimensions tens of times larger than the rest).
  int64_t columns_per_outlier_channel = 1024;
  double channel_factor_min = 20.0, channel_factor_max = 200.0;
  /// kOutlierBlocks: one 32x32 block of B in this many is scaled log-uniform in [min, max].
  int64_t blocks_per_outlier_block = 16;
  double block_factor_min = 10.0, block_factor_max = 100.0;
  /// kMassiveActivations (Sun et al. 2024, "Massive Activations in Large Language Models":
  /// ~1e4x the median, in very few channels of very few tokens, e.g. the first token):
  /// row 0 plus one row per `rows_per_massive_token`, each in `massive_channels` channels.
  int64_t rows_per_massive_token = 256;
  int64_t massive_channels = 2;
  double massive_factor_min = 1e3, massive_factor_max = 1e4;
};

/// A and B of one problem.
struct AccuracyOperands {
  int64_t m = 0, n = 0, k = 0;
  std::vector<float> a;  ///< [m][k]
  std::vector<float> b;  ///< [n][k]
};

/// Generates `input` for an M x N x K problem from `seed`.
[[nodiscard]] AccuracyOperands generate_accuracy_operands(AccuracyInput input, int64_t m, int64_t n, int64_t k,
                                                          uint64_t seed, const OutlierParams& params = {});

}  // namespace gemmtune
