// gemmtune_b_evict_first (kernels/support_l2_policy.h): which tiles stream B under the L2
// evict-first policy. The rule was measured (results/PERF_LOG.md and its history); these pin it.
#include <gtest/gtest.h>

#include "kernels/support_l2_policy.h"

namespace {

TEST(L2Policy, DenseStreamsBWhereOneMBlockOrTwoOfAtMost128RowsReadIt) {
  EXPECT_TRUE(gemmtune_b_evict_first(false, 1, false, 64, false));    // M <= block_m
  EXPECT_TRUE(gemmtune_b_evict_first(false, 1, false, 256, false));
  EXPECT_TRUE(gemmtune_b_evict_first(false, 2, false, 64, false));    // 128 rows on bm64: in step
  EXPECT_TRUE(gemmtune_b_evict_first(false, 2, false, 128, false));   // 256 rows on bm128: up to +9%
  EXPECT_FALSE(gemmtune_b_evict_first(false, 2, false, 256, false));  // 512 x 32768 x 512: 9% slower
  EXPECT_FALSE(gemmtune_b_evict_first(false, 3, false, 64, false));
  EXPECT_FALSE(gemmtune_b_evict_first(false, 32, false, 128, false));  // 4096 rows: L2 reuse
}

TEST(L2Policy, GroupedStreamsBOnlyForGroupsOfOneMBlockOrOneSharedPair) {
  EXPECT_TRUE(gemmtune_b_evict_first(true, 1, false, 64, false));   // masked decode, ~20 rows a group
  EXPECT_TRUE(gemmtune_b_evict_first(true, 1, false, 256, false));
  EXPECT_FALSE(gemmtune_b_evict_first(true, 2, false, 128, false));  // masked ~192 rows: 8-14% slower
  EXPECT_FALSE(gemmtune_b_evict_first(true, 2, false, 64, false));
  EXPECT_TRUE(gemmtune_b_evict_first(true, 2, true, 128, false));    // one multicast-B pair loads B once
  EXPECT_FALSE(gemmtune_b_evict_first(true, 3, true, 128, false));
  EXPECT_FALSE(gemmtune_b_evict_first(true, 64, false, 128, false));  // contiguous prefill groups
}

TEST(L2Policy, GroupedStreamsBForTwoReadersOnlyWhereTheLaunchIsOneWave) {
  EXPECT_TRUE(gemmtune_b_evict_first(true, 2, false, 128, true));  // g4 of 432 rows: -5%
  EXPECT_FALSE(gemmtune_b_evict_first(true, 2, false, 128, false));
  EXPECT_FALSE(gemmtune_b_evict_first(true, 3, false, 128, true));  // not measured
  EXPECT_TRUE(gemmtune_b_evict_first(true, 1, false, 128, true));
  // Dense rules by its m-blocks alone.
  EXPECT_FALSE(gemmtune_b_evict_first(false, 2, false, 256, true));
  EXPECT_FALSE(gemmtune_b_evict_first(false, 3, false, 64, true));
}

}  // namespace
