#include "core/group_sizes.hpp"

#include <algorithm>
#include <random>

namespace gemmtune {
namespace {

// A double in [0, 1) from the top 53 bits of one draw (portable, unlike the std distributions).
double unit_draw(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

std::vector<int64_t> draw_group_sizes(const GroupSizeDistribution& d, int64_t max_m) {
  std::mt19937_64 rng(d.seed);
  const double spread = static_cast<double>(d.spread_percent) / 100.0;
  std::vector<int64_t> rows(static_cast<size_t>(d.count));
  for (int64_t& r : rows) {
    const double factor = 1.0 - spread + 2.0 * spread * unit_draw(rng);
    r = static_cast<int64_t>(static_cast<double>(d.expected_m) * factor + 0.5);
  }
  // Which groups are empty and which hot: the first `empty`, then `hot`, of a seeded shuffle
  // (Fisher-Yates on the same generator).
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  for (int64_t i = 0; i < d.empty && i < d.count; ++i) rows[order[i]] = 0;
  for (int64_t i = d.empty; i < d.empty + d.hot && i < d.count; ++i) {
    rows[order[i]] = d.expected_m * d.hot_factor;
  }
  if (max_m > 0) {
    for (int64_t& r : rows) r = std::min(r, max_m);
  }
  return rows;
}

}  // namespace gemmtune
