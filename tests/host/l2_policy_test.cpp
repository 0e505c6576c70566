// gemmtune_b_evict_first (kernels/support_l2_policy.h): which tiles stream B under the L2
// evict-first policy. The rule was measured (results/PERF_LOG.md and its history); these pin it.
#include <gtest/gtest.h>

#include "kernels/support_l2_policy.h"

namespace {

// gemmtune_b_evict_first, `one_wave` false unless given.
bool evict_first(bool grouped, int readers, bool pair_shares_b, int block_m,
                 bool one_wave = false) {
  return gemmtune_b_evict_first(grouped, readers, pair_shares_b, block_m, one_wave);
}

TEST(L2Policy, DenseStreamsBWhereOneMBlockOrTwoOfAtMost128RowsReadIt) {
  EXPECT_TRUE(evict_first(false, 1, false, 64));    // M <= block_m
  EXPECT_TRUE(evict_first(false, 1, false, 256));
  EXPECT_TRUE(evict_first(false, 2, false, 64));    // 128 rows on bm64: in step
  EXPECT_TRUE(evict_first(false, 2, false, 128));   // 256 rows on bm128: up to +9%
  EXPECT_FALSE(evict_first(false, 2, false, 256));  // 512 x 32768 x 512: 9% slower
  EXPECT_FALSE(evict_first(false, 3, false, 64));
  EXPECT_FALSE(evict_first(false, 32, false, 128));  // 4096 rows: L2 reuse
}

TEST(L2Policy, GroupedStreamsBOnlyForGroupsOfOneMBlockOrOneSharedPair) {
  EXPECT_TRUE(evict_first(true, 1, false, 64));   // masked decode, ~20 rows a group
  EXPECT_TRUE(evict_first(true, 1, false, 256));
  EXPECT_FALSE(evict_first(true, 2, false, 128));  // masked ~192 rows: 8-14% slower
  EXPECT_FALSE(evict_first(true, 2, false, 64));
  EXPECT_TRUE(evict_first(true, 2, true, 128));    // one multicast-B pair loads B once
  EXPECT_FALSE(evict_first(true, 3, true, 128));
  EXPECT_FALSE(evict_first(true, 64, false, 128));  // contiguous prefill groups
}

TEST(L2Policy, GroupedStreamsBForTwoReadersOnlyWhereTheLaunchIsOneWave) {
  EXPECT_TRUE(evict_first(true, 2, false, 128, true));  // g4 of 432 rows: -5%
  EXPECT_FALSE(evict_first(true, 2, false, 128));
  EXPECT_FALSE(evict_first(true, 3, false, 128, true));  // not measured
  EXPECT_TRUE(evict_first(true, 1, false, 128, true));
  // Dense rules by its m-blocks alone.
  EXPECT_FALSE(evict_first(false, 2, false, 256, true));
  EXPECT_FALSE(evict_first(false, 3, false, 64, true));
}

}  // namespace
