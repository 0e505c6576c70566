#pragma once
/// Rows per group of a grouped problem drawn from a seeded distribution (shape sets' `groups`
/// objects, configs/README.md "Shape sets"): ordinary groups around an expected size, some empty
/// groups (no token routed to the expert) and some hot ones (popular experts), in seeded random
/// positions. The draw is a pure function of the fields: std::mt19937_64's outputs are fixed by the
/// C++ standard and the arithmetic below is gemmtune's own, so every platform draws the same sizes.
#include <cstdint>
#include <vector>

namespace gemmtune {

struct GroupSizeDistribution {
  int64_t count = 0;           ///< groups, 1..kMaxGroups
  int64_t expected_m = 0;      ///< mean rows of an ordinary group
  int64_t spread_percent = 0;  ///< an ordinary group has expected_m x U(1 - s, 1 + s) rows, 0..100
  int64_t empty = 0;           ///< groups with no rows
  int64_t hot = 0;             ///< groups with expected_m x hot_factor rows
  int64_t hot_factor = 1;      ///< 1..1000
  uint64_t seed = 1;
};

/// The rows of each group; `max_m` > 0 clips every group to it (the masked layout).
[[nodiscard]] std::vector<int64_t> draw_group_sizes(const GroupSizeDistribution& d, int64_t max_m);

}  // namespace gemmtune
