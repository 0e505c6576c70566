// gemmtune_b_evict_first (kernels/support_l2_policy.h): which tiles stream B under the L2
// evict-first policy. The rule was measured (results/PERF_LOG.md, session 20); these pin it.
#include <gtest/gtest.h>

#include "kernels/support_l2_policy.h"

namespace {

TEST(L2Policy, DenseStreamsBWhereOneOrTwoMBlocksReadIt) {
  EXPECT_TRUE(gemmtune_b_evict_first(false, 1, false));   // M <= block_m
  EXPECT_TRUE(gemmtune_b_evict_first(false, 2, false));   // 128 rows on bm64: in step
  EXPECT_FALSE(gemmtune_b_evict_first(false, 3, false));
  EXPECT_FALSE(gemmtune_b_evict_first(false, 32, false));  // 4096 rows on bm128: L2 reuse
}

TEST(L2Policy, GroupedStreamsBOnlyForGroupsOfOneMBlockOrOneSharedPair) {
  EXPECT_TRUE(gemmtune_b_evict_first(true, 1, false));   // masked decode, ~20 rows a group
  EXPECT_FALSE(gemmtune_b_evict_first(true, 2, false));  // masked ~192 rows on bm128: 8-14% slower
  EXPECT_TRUE(gemmtune_b_evict_first(true, 2, true));    // one multicast-B pair loads B once
  EXPECT_FALSE(gemmtune_b_evict_first(true, 3, true));
  EXPECT_FALSE(gemmtune_b_evict_first(true, 64, false));  // contiguous prefill groups
}

}  // namespace
