// group_of_m_block (kernels/sm90_fp8_gemm_1d2d_group_search.h): the group that owns a schedule
// position, found from a guess, a gallop and a bisection; checked against a scan of every group.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/sm90_fp8_gemm_1d2d_group_search.h"

namespace {

using sm90_fp8_gemm_1d2d::group_of_m_block;

/// The group table of `blocks` (m-blocks per group): each group's first m-block, then the total.
std::vector<int> table_of(const std::vector<int>& blocks) {
  std::vector<int> table(blocks.size() + 1, 0);
  for (size_t g = 0; g < blocks.size(); ++g) table[g + 1] = table[g] + blocks[g];
  return table;
}

/// The last g with table[g] * scale <= position, by scanning every group.
int scanned_group(const std::vector<int>& table, int position, int scale) {
  int owner = 0;
  for (size_t g = 0; g + 1 < table.size(); ++g) {
    if (table[g] * scale <= position) owner = static_cast<int>(g);
  }
  return owner;
}

/// Every position of `blocks` at `scale`: the search agrees with the scan. Returns the mismatches.
int mismatches(const std::vector<int>& blocks, int scale) {
  const std::vector<int> table = table_of(blocks);
  const int groups = static_cast<int>(blocks.size());
  const int m_blocks = table.back();
  int wrong = 0;
  for (int position = 0; position < m_blocks * scale; ++position) {
    if (group_of_m_block(table.data(), groups, position, m_blocks, scale) !=
        scanned_group(table, position, scale)) {
      ++wrong;
    }
  }
  return wrong;
}

TEST(GroupSearch, EvenGroupsAndOneGroup) {
  EXPECT_EQ(mismatches({1}, 1), 0);
  EXPECT_EQ(mismatches({7}, 3), 0);
  EXPECT_EQ(mismatches(std::vector<int>(32, 2), 1), 0);
  EXPECT_EQ(mismatches(std::vector<int>(512, 1), 11), 0);
}

TEST(GroupSearch, EmptyGroupsOwnNoMBlock) {
  // Empty groups first, last, between, and every group but one empty: the guess lands on them.
  EXPECT_EQ(mismatches({0, 0, 0, 5}, 1), 0);
  EXPECT_EQ(mismatches({5, 0, 0, 0}, 1), 0);
  EXPECT_EQ(mismatches({2, 0, 3, 0, 0, 1, 0}, 4), 0);
  std::vector<int> one_full(384, 0);
  one_full[200] = 9;
  EXPECT_EQ(mismatches(one_full, 1), 0);
  EXPECT_EQ(mismatches(one_full, 22), 0);
}

TEST(GroupSearch, SkewedGroupsMakeTheGuessGallopBothWays) {
  // One group holds most m-blocks: positions past it are guessed low, those in it high.
  std::vector<int> skewed(128, 1);
  skewed[3] = 400;
  EXPECT_EQ(mismatches(skewed, 1), 0);
  skewed[3] = 1;
  skewed[120] = 400;
  EXPECT_EQ(mismatches(skewed, 7), 0);
}

TEST(GroupSearch, RandomTablesAgreeWithTheScan) {
  std::mt19937 rng(20261129);
  for (int trial = 0; trial < 400; ++trial) {
    const int groups = 1 + static_cast<int>(rng() % 512);
    std::vector<int> blocks(groups);
    const int mode = static_cast<int>(rng() % 3);
    for (int& b : blocks) {
      if (mode == 0) b = static_cast<int>(rng() % 4);                            // ~balanced
      else if (mode == 1) b = rng() % 8 == 0 ? static_cast<int>(rng() % 200) : 0;  // sparse
      else b = rng() % 2 == 0 ? 0 : static_cast<int>(rng() % 50);                // ragged
    }
    if (table_of(blocks).back() == 0) blocks[rng() % groups] = 1;
    const int scale = rng() % 2 == 0 ? 1 : 1 + static_cast<int>(rng() % 40);
    ASSERT_EQ(mismatches(blocks, scale), 0) << "trial " << trial << ", " << groups << " groups";
  }
}

}  // namespace
