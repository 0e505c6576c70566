#include "core/accuracy/accuracy_inputs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <thread>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/parallel.hpp"

namespace gemmtune {
namespace {

/// splitmix64's finalizer: a bijective 64-bit hash.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Counter-based random numbers: value `index` of stream `stream` under `seed`.
class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream) : key_(mix64(seed * 0x9E3779B97F4A7C15ull + mix64(stream + 1))) {}
  /// Uniform in (0, 1), never 0 or 1.
  [[nodiscard]] double uniform(uint64_t index) const {
    return (static_cast<double>(mix64(key_ ^ mix64(index)) >> 11) + 0.5) * 0x1p-53;
  }
  /// Standard normal (Box-Muller, the cosine branch) from uniforms 2i and 2i + 1.
  [[nodiscard]] double normal(uint64_t index) const {
    return std::sqrt(-2.0 * std::log(uniform(2 * index))) * std::cos(2.0 * std::numbers::pi * uniform(2 * index + 1));
  }
  /// Student-t with 3 degrees of freedom over sqrt(3), variance 1: z / sqrt(chi2_3 / 3) / sqrt(3).
  [[nodiscard]] double student_t3(uint64_t index) const {
    const double z = normal(4 * index);
    double chi2 = 0.0;
    for (uint64_t i = 1; i <= 3; ++i) chi2 += normal(4 * index + i) * normal(4 * index + i);
    return z / std::sqrt(chi2 / 3.0) / std::sqrt(3.0);
  }
  /// Log-uniform in [lo, hi].
  [[nodiscard]] double log_uniform(uint64_t index, double lo, double hi) const {
    return lo * std::exp(uniform(index) * std::log(hi / lo));
  }
  /// `count` distinct integers of [0, range), in a seeded order (partial Fisher-Yates).
  [[nodiscard]] std::vector<int64_t> pick(int64_t count, int64_t range, uint64_t first_index) const {
    std::vector<int64_t> all(static_cast<size_t>(range));
    for (int64_t i = 0; i < range; ++i) all[static_cast<size_t>(i)] = i;
    count = std::min(count, range);
    for (int64_t i = 0; i < count; ++i) {
      const auto j = i + static_cast<int64_t>(uniform(first_index + static_cast<uint64_t>(i)) * static_cast<double>(range - i));
      std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(std::min(j, range - 1))]);
    }
    all.resize(static_cast<size_t>(count));
    return all;
  }

 private:
  uint64_t key_;
};

// Streams: one per operand and purpose, so changing one never moves another's values.
enum Stream : uint64_t { kStreamA = 1, kStreamB = 2, kStreamOutlierPick = 3, kStreamOutlierFactor = 4 };

const OutlierParams kDefaults{};

}  // namespace

const std::vector<AccuracyInput>& all_accuracy_inputs() {
  static const std::vector<AccuracyInput> all = {AccuracyInput::kGaussian, AccuracyInput::kStudentT,
                                                 AccuracyInput::kOutlierChannels, AccuracyInput::kOutlierBlocks,
                                                 AccuracyInput::kMassiveActivations};
  return all;
}

std::string_view to_string(AccuracyInput input) {
  switch (input) {
    case AccuracyInput::kGaussian: return "gaussian";
    case AccuracyInput::kStudentT: return "student_t";
    case AccuracyInput::kOutlierChannels: return "outlier_channels";
    case AccuracyInput::kOutlierBlocks: return "outlier_blocks";
    case AccuracyInput::kMassiveActivations: return "massive_activations";
  }
  return "unknown";
}

std::optional<AccuracyInput> parse_accuracy_input(std::string_view name) {
  for (const AccuracyInput input : all_accuracy_inputs()) {
    if (to_string(input) == name) return input;
  }
  return std::nullopt;
}

std::string describe(AccuracyInput input) {
  const OutlierParams& p = kDefaults;
  const std::string weights = "B ~ N(0, 1) / sqrt(K)";
  switch (input) {
    case AccuracyInput::kGaussian: return "A ~ N(0, 1); " + weights;
    case AccuracyInput::kStudentT:
      return "A and B ~ Student-t, 3 degrees of freedom, divided by sqrt(3) (unit variance); B also / sqrt(K)";
    case AccuracyInput::kOutlierChannels:
      return fmt::format("A ~ N(0, 1) with max(2, K/{}) channels (columns) each x log-uniform[{:g}, {:g}]; {}",
                         p.columns_per_outlier_channel, p.channel_factor_min, p.channel_factor_max, weights);
    case AccuracyInput::kOutlierBlocks:
      return fmt::format("A ~ N(0, 1); {}, with 1 in {} of its 32x32 blocks x log-uniform[{:g}, {:g}]", weights,
                         p.blocks_per_outlier_block, p.block_factor_min, p.block_factor_max);
    case AccuracyInput::kMassiveActivations:
      return fmt::format("A ~ N(0, 1), with row 0 and 1 row in {} (massive tokens) holding +-log-uniform[{:g}, {:g}] "
                         "in {} channels; {}",
                         p.rows_per_massive_token, p.massive_factor_min, p.massive_factor_max, p.massive_channels,
                         weights);
  }
  return "";
}

nlohmann::json parameters_json(AccuracyInput input) {
  const OutlierParams& p = kDefaults;
  nlohmann::json j = {{"weights_scale", "1/sqrt(K)"}, {"generator", "splitmix64 counter hash, Box-Muller"}};
  switch (input) {
    case AccuracyInput::kGaussian: j["a"] = "N(0,1)"; j["b"] = "N(0,1)"; break;
    case AccuracyInput::kStudentT: j["a"] = j["b"] = "student_t(3)/sqrt(3)"; break;
    case AccuracyInput::kOutlierChannels:
      j["a"] = "N(0,1)"; j["b"] = "N(0,1)";
      j["outlier_channels"] = {{"one_per_columns", p.columns_per_outlier_channel}, {"at_least", 2},
                               {"factor_log_uniform", {p.channel_factor_min, p.channel_factor_max}}};
      break;
    case AccuracyInput::kOutlierBlocks:
      j["a"] = "N(0,1)"; j["b"] = "N(0,1)";
      j["outlier_blocks"] = {{"block", {32, 32}}, {"one_per_blocks", p.blocks_per_outlier_block},
                             {"factor_log_uniform", {p.block_factor_min, p.block_factor_max}}};
      break;
    case AccuracyInput::kMassiveActivations:
      j["a"] = "N(0,1)"; j["b"] = "N(0,1)";
      j["massive_activations"] = {{"rows", "row 0 and one per " + std::to_string(p.rows_per_massive_token)},
                                  {"channels_per_row", p.massive_channels},
                                  {"value_log_uniform", {p.massive_factor_min, p.massive_factor_max}}};
      break;
  }
  return j;
}

AccuracyOperands generate_accuracy_operands(AccuracyInput input, int64_t m, int64_t n, int64_t k, uint64_t seed,
                                            const OutlierParams& p) {
  GT_CHECK(m > 0 && n > 0 && k > 0, kExitUsage, "problem sizes must be positive");
  AccuracyOperands op{.m = m, .n = n, .k = k, .a = {}, .b = {}};
  op.a.resize(static_cast<size_t>(m * k));
  op.b.resize(static_cast<size_t>(n * k));
  const CounterRng rng_a(seed, kStreamA), rng_b(seed, kStreamB);
  const CounterRng pick(seed, kStreamOutlierPick), factor(seed, kStreamOutlierFactor);
  const double weight_scale = 1.0 / std::sqrt(static_cast<double>(k));
  const bool heavy = input == AccuracyInput::kStudentT;
  // Counter-based: element i depends on (seed, stream, i) only, so threads cannot change a value.
  const auto fill = [&](size_t first, size_t step) {
    for (size_t i = first; i < op.a.size(); i += step) {
      op.a[i] = static_cast<float>(heavy ? rng_a.student_t3(i) : rng_a.normal(i));
    }
    for (size_t i = first; i < op.b.size(); i += step) {
      op.b[i] = static_cast<float>((heavy ? rng_b.student_t3(i) : rng_b.normal(i)) * weight_scale);
    }
  };
  run_on_threads(std::clamp<int64_t>(static_cast<int64_t>(op.a.size() + op.b.size()) >> 20, 1,
                                     core_count()),
                 [&](int64_t t, int64_t count) {
                   fill(static_cast<size_t>(t), static_cast<size_t>(count));
                 });
  if (input == AccuracyInput::kOutlierChannels) {
    const int64_t count = std::max<int64_t>(2, k / p.columns_per_outlier_channel);
    const std::vector<int64_t> channels = pick.pick(count, k, 0);
    for (size_t c = 0; c < channels.size(); ++c) {
      const auto f = static_cast<float>(factor.log_uniform(c, p.channel_factor_min, p.channel_factor_max));
      for (int64_t r = 0; r < m; ++r) op.a[static_cast<size_t>(r * k + channels[c])] *= f;
    }
  } else if (input == AccuracyInput::kOutlierBlocks) {
    const int64_t block_rows = (n + 31) / 32, block_cols = (k + 31) / 32;
    const int64_t count = std::max<int64_t>(1, block_rows * block_cols / p.blocks_per_outlier_block);
    const std::vector<int64_t> blocks = pick.pick(count, block_rows * block_cols, 0);
    for (size_t i = 0; i < blocks.size(); ++i) {
      const auto f = static_cast<float>(factor.log_uniform(i, p.block_factor_min, p.block_factor_max));
      const int64_t r0 = blocks[i] / block_cols * 32, c0 = blocks[i] % block_cols * 32;
      for (int64_t r = r0; r < std::min(n, r0 + 32); ++r) {
        for (int64_t c = c0; c < std::min(k, c0 + 32); ++c) op.b[static_cast<size_t>(r * k + c)] *= f;
      }
    }
  } else if (input == AccuracyInput::kMassiveActivations) {
    std::vector<int64_t> rows = {0};  // the first token, then others drawn among rows 1..M-1
    for (const int64_t r : pick.pick(m / p.rows_per_massive_token, m - 1, 0)) rows.push_back(r + 1);
    const std::vector<int64_t> channels = pick.pick(p.massive_channels, k, 1u << 30);
    uint64_t draw = 0;
    for (const int64_t r : rows) {
      for (const int64_t c : channels) {
        const double f = factor.log_uniform(draw++, p.massive_factor_min, p.massive_factor_max);
        op.a[static_cast<size_t>(r * k + c)] = static_cast<float>(f * (op.a[static_cast<size_t>(r * k + c)] < 0 ? -1 : 1));
      }
    }
  }
  return op;
}

}  // namespace gemmtune
