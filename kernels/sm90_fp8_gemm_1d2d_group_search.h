// sm90_fp8_gemm_1d2d_group_search.h: which group owns a schedule position of a grouped launch of
// the sm90_fp8_gemm_1d2d family (sm90_fp8_gemm_1d2d_schedule.cuh decodes every tile with it).
// Plain C++ for host tests (tests/host/group_search_test.cpp), NVRTC-clean.
#pragma once

#include "gemmtune_params.h"  // GEMMTUNE_HOST_DEVICE

namespace sm90_fp8_gemm_1d2d {

// NOTE: the device build keeps CUDA's min, max and __float2int_rz: the same arithmetic written as
// conditionals and a cast compiled to other SASS (128-256 bytes more in four members).
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define GT_SEARCH_MIN(a, b) min(a, b)
#define GT_SEARCH_MAX(a, b) max(a, b)
#define GT_SEARCH_TO_INT(x) __float2int_rz(x)
#else
#define GT_SEARCH_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GT_SEARCH_MAX(a, b) ((a) > (b) ? (a) : (b))
#define GT_SEARCH_TO_INT(x) static_cast<int>(x)
#endif

/// The last g in [0, groups) with table[g] * scale <= position, where `table` holds each group's
/// first m-block (table[0] = 0, non-decreasing, table[groups] = m_blocks, position < m_blocks *
/// scale): with scale 1 the group of an m-block, with scale grid_n the group of a unit
/// (bands_follow_groups) without dividing by it. Empty groups own no m-block.
/// It starts where groups of equal size would put the position, gallops to a bracket and bisects
/// that: two shared-memory reads where the guess is right, against log2(groups) dependent reads
/// for bisecting all groups, which were ~2-6% of a contiguous tile of 6-16 K blocks (the next
/// tile's decode in the epilogue, tile profile). Measured against bisecting all groups (each
/// pick alone, validated, 4 rounds): 22 rows of 6-384 experts +0.7% (Qwen3-30B-A3B down g128
/// +3.3%, three more g128-g160 rows +1.4-1.8%), 9 rows of 4-32 experts -0.1% (-0.9 to +0.3%).
GEMMTUNE_HOST_DEVICE int group_of_m_block(const int* table, int groups, int position, int m_blocks,
                                          int scale = 1) {
  const float per_position = static_cast<float>(groups) / static_cast<float>(m_blocks * scale);
  const int guess = GT_SEARCH_MIN(
      groups - 1, GT_SEARCH_MAX(0, GT_SEARCH_TO_INT(static_cast<float>(position) * per_position)));
  int lo, hi;  // table[lo] * scale <= position < table[hi] * scale (table[groups]: past all)
  if (table[guess] * scale <= position) {
    lo = guess;
    hi = guess + 1;
    for (int step = 1; hi < groups && table[hi] * scale <= position; step *= 2) {
      lo = hi;
      hi = GT_SEARCH_MIN(groups, hi + 2 * step);
    }
  } else {  // guess >= 1: table[0] = 0 <= position
    hi = guess;
    lo = guess - 1;
    for (int step = 1; lo > 0 && table[lo] * scale > position; step *= 2) {
      hi = lo;
      lo = GT_SEARCH_MAX(0, lo - 2 * step);
    }
  }
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (table[mid] * scale <= position) lo = mid; else hi = mid;
  }
  return lo;
}

#undef GT_SEARCH_MIN
#undef GT_SEARCH_MAX
#undef GT_SEARCH_TO_INT

}  // namespace sm90_fp8_gemm_1d2d
