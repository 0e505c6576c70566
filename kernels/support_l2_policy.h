// support_l2_policy.h: which loads of the sm90_fp8_gemm_1d2d family go under the L2 evict-first
// policy (the kernel's producer issues them with l2_evict_first_policy, sm90_ptx.cuh). Plain C++
// for host tests (tests/host/l2_policy_test.cpp), NVRTC-clean.
//
// Why: B that few tiles read is streamed through an L2 full of dirty lines of what ran before
// (in the call protocol the 512 MB flush; in a model the previous kernels' outputs). Each B line
// that displaces a dirty line costs a write-back to HBM beside its read; under evict-first, B
// lines displace each other instead. Measured on the H200: dense
// M <= 128 rows 1.885 -> 1.968 TB/s (64 x 7168 x 16384 41.2 -> 37.5 us, and 128 rows on two bm64
// m-blocks 42.5 -> 38.7 us); masked groups of one m-block up to 11% faster. But where a group has
// two bm128 m-blocks (masked ~192 rows) 8-14% slower, contiguous prefill rows 1-9% slower: the
// second reader comes too late and reads B from HBM again. Dense two m-blocks are neighbouring
// units of the raster order with equal rows and run in step, but not two bm256 ones on short K.
#pragma once

#include "gemmtune_params.h"  // GEMMTUNE_HOST_DEVICE

/// Whether a tile's B loads go under evict-first. `readers`: the m-blocks that load the same B
/// (dense: the schedule's m-blocks, multicast-B pairs counted once; grouped: the tile's group's
/// m-blocks); `pair_shares_b`: grouped, the tile's multicast-B pair loads one B for both CTAs;
/// `block_m`: the tile's rows; `one_wave`: grouped, every tile of the launch runs at once (its
/// units fit its clusters). Two dense readers only where each holds at most 128 rows: two
/// bm256 m-blocks (M 257-512) ran 2-9% slower under evict-first at K 512-1536, two bm64 or bm128
/// ones 0-9% faster.
/// Two grouped readers only in one wave, where they start together and stream B in step (the
/// late second reader above cannot happen): dsv3-moe's gate+up of 4 groups, 432 rows (101, 136,
/// 104, 91; bm128_bn160, 130 tiles), whose 136-row group has two m-blocks, 45.5 -> 43.2 µs
/// (H200, two runs beside DeepGEMM's 43.8: 0.965 -> 1.015); the only such row in either MoE set.
/// More readers in one wave are not measured.
GEMMTUNE_HOST_DEVICE bool gemmtune_b_evict_first(bool grouped, int readers, bool pair_shares_b,
                                                 int block_m, bool one_wave) {
  if (grouped) return readers <= (pair_shares_b ? 2 : 1) || (one_wave && readers <= 2);
  return readers == 1 || (readers == 2 && block_m <= 128);
}
