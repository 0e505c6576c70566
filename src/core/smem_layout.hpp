#pragma once
/// Shared-memory layout of one sm90_fp8_gemm_1d2d CTA. The kernel (kernels/sm90_fp8_gemm_1d2d.cuh)
/// carves its dynamic shared memory in exactly this order; the legality model checks the total.
///
///   [A stages][B stages][D tile][sA stages][sB stages][full barriers][empty barriers][split-K flag]
///   [group tables: grouped layouts only][sB of a tile, two buffers: sb_per_tile only]
///   [a peer's FP32 partial tile: split_k_in_cluster only]
///
/// It depends on the config only, not on the problem, so one compiled kernel serves every shape.
///
/// NOTE: A and B stage buffers are 1024-byte aligned because the 128B TMA swizzle pattern repeats
/// every 8 rows x 128 bytes and wgmma descriptors assume that base alignment (PTX ISA, "Matrix
/// Descriptor Format"). Every size below A/B/D is a multiple of 1024, so only the base is padded.
#include <cstdint>

#include "core/kernel_config.hpp"
#include "kernels/gemmtune_params.h"

namespace gemmtune {

struct SmemLayout {
  int64_t a_stage_bytes = 0;   ///< block_m x 128 e4m3
  int64_t b_stage_bytes = 0;   ///< block_n x 128 e4m3
  int64_t d_tile_bytes = 0;    ///< block_m x block_n bf16 staging tile for the TMA store
  int64_t sa_stage_bytes = 0;  ///< block_m fp32 activation scales (grouped: + 128 B, see
                               ///< gemmtune_grouped_sa_box_rows in kernels/gemmtune_params.h)
  int64_t sb_stage_bytes = 0;  ///< the sB TMA box (2 x kSbRunFloats fp32) padded to 128 B, or 0
                               ///< when the config reads sB from global memory (sb_in_stage)
  int64_t barrier_bytes = 0;   ///< full + empty mbarriers, 8 bytes each
  int64_t flag_bytes = 8;      ///< split-K "last CTA of this tile" broadcast slot; with
                               ///< split_k_in_cluster two mbarriers instead (16 bytes): rank 0's
                               ///< "partial received" and rank 1's "receive buffer free"
  int64_t group_table_bytes = 0;  ///< grouped layouts: kMaxGroups + 2 ints, else 0
  int64_t sb_tile_floats = 0;  ///< sb_per_tile: floats of one buffer (2 rows x a split's K blocks)
  int64_t sb_tile_bytes = 0;   ///< sb_per_tile: both buffers (one filled while the other is read)
  int64_t split_k_recv_bytes = 0;  ///< split_k_in_cluster: block_m x block_n fp32, the partial
                                   ///< rank 1 sends rank 0 (every CTA has it, rank 0 uses it)
  int64_t a_offset = 0, b_offset = 0, d_offset = 0, sa_offset = 0, sb_offset = 0,
          full_barrier_offset = 0, empty_barrier_offset = 0,
          flag_offset = 0, group_table_offset = 0, sb_tile_offset = 0, split_k_recv_offset = 0;
  int64_t total_bytes = 0;     ///< dynamic shared memory to request, alignment slack included
};

/// Alignment slack added because dynamic shared memory is only guaranteed 16-byte aligned.
inline constexpr int64_t kSmemAlignSlackBytes = 1024;
/// Opt-in shared memory per block on H100/H200: 227 KiB (cudaDevAttrMaxSharedMemoryPerBlockOptin).
inline constexpr int64_t kHopperSmemPerBlockBytes = 232448;

/// Weight scales travel with each stage as one TMA box of 2 rows x 4 floats: the aligned run of
/// 4 K blocks holding the stage's K block (a TMA box row must be a multiple of 16 bytes), from
/// the tile's first and second 128-row scale block of B. TMA destinations are 128-byte aligned.
inline constexpr int64_t kSbRunFloats = 4;
inline constexpr int64_t kSbStageBytes = 128;

/// Most groups a grouped launch may have (kernels/gemmtune_params.h owns the number).
inline constexpr int64_t kMaxGroups = kGemmtuneMaxGroups;

/// Number of 128-wide K blocks.
[[nodiscard]] constexpr int64_t num_k_blocks(int64_t k) { return (k + 127) / 128; }
/// Leading dimension of sB (floats): K blocks padded to 4, as cuBLASLt requires.
[[nodiscard]] constexpr int64_t sb_leading_dim(int64_t k) { return (num_k_blocks(k) + 3) / 4 * 4; }

/// The layout of `c`, with rank 0's split-K receive buffer when `split_k_in_cluster`.
[[nodiscard]] inline SmemLayout smem_layout_for(const KernelConfig& c, bool split_k_in_cluster) {
  SmemLayout s;
  s.a_stage_bytes = int64_t{c.block_m} * KernelConfig::kBlockK;
  s.b_stage_bytes = int64_t{c.block_n} * KernelConfig::kBlockK;
  s.d_tile_bytes = int64_t{c.block_m} * c.block_n * 2;
  // A multiple of 128 (block_m >= 64); grouped: 4 rows more for the aligned sA box (128 B).
  s.sa_stage_bytes = int64_t{c.block_m} * 4 + (c.layout == GroupLayout::kNone ? 0 : 128);
  s.sb_stage_bytes = c.sb_in_stage() ? kSbStageBytes : 0;
  s.barrier_bytes = int64_t{c.stages} * 2 * 8;
  s.a_offset = 0;
  s.b_offset = s.a_offset + c.stages * s.a_stage_bytes;
  s.d_offset = s.b_offset + c.stages * s.b_stage_bytes;
  s.sa_offset = s.d_offset + s.d_tile_bytes;
  s.sb_offset = s.sa_offset + c.stages * s.sa_stage_bytes;
  s.full_barrier_offset = (s.sb_offset + c.stages * s.sb_stage_bytes + 7) / 8 * 8;
  s.empty_barrier_offset = s.full_barrier_offset + c.stages * 8;
  s.flag_offset = s.empty_barrier_offset + c.stages * 8;
  s.flag_bytes = split_k_in_cluster ? 16 : 8;
  s.group_table_offset = s.flag_offset + s.flag_bytes;
  // kMaxGroups + 1 for the groups' first m-blocks, and one more so that the word past the last
  // group, where build_balanced_order keeps its in-use flag, exists at kMaxGroups groups too.
  s.group_table_bytes = c.layout == GroupLayout::kNone ? 0 : (kMaxGroups + 2) * 4;
  // Two scale rows: sb_per_tile tiles straddle two scale blocks.
  s.sb_tile_floats = c.sb_per_tile() ? 2 * int64_t{c.k_blocks_per_split()} : 0;
  s.sb_tile_bytes = 2 * s.sb_tile_floats * 4;
  const int64_t tables_end = s.group_table_offset + s.group_table_bytes;
  s.sb_tile_offset = s.sb_tile_bytes > 0 ? (tables_end + 15) / 16 * 16 : tables_end;
  // 16-byte aligned: rank 1 stores it 16 bytes at a time (st.async .v4).
  const int64_t sb_tile_end = s.sb_tile_offset + s.sb_tile_bytes;
  s.split_k_recv_bytes = split_k_in_cluster ? int64_t{c.block_m} * c.block_n * 4 : 0;
  s.split_k_recv_offset = s.split_k_recv_bytes > 0 ? (sb_tile_end + 15) / 16 * 16 : sb_tile_end;
  s.total_bytes = s.split_k_recv_offset + s.split_k_recv_bytes + kSmemAlignSlackBytes;
  return s;
}

[[nodiscard]] inline SmemLayout smem_layout(const KernelConfig& c) {
  return smem_layout_for(c, c.split_k_in_cluster());
}

/// Swizzle span in bytes (128, 64, 32, or 0 for none) of the bf16 D tile in shared memory. The
/// tile is stored as column chunks of this many bytes (block_n * 2 / span chunks of block_m rows)
/// with the matching TMA swizzle, so that the epilogue's shared-memory stores are free of bank
/// conflicts and each chunk is one TMA store. The widest span dividing a row of the tile wins.
[[nodiscard]] constexpr int d_swizzle_bytes(int block_n) {
  for (const int span : {128, 64, 32}) {
    if ((block_n * 2) % span == 0) return span;
  }
  return 0;
}

/// True when every tile [j*block_n, (j+1)*block_n) overlaps at most two 128-wide scale blocks of
/// B, the most the kernel's per-column scale select handles: block_n <= 128 + gcd(block_n, 128).
[[nodiscard]] constexpr bool block_n_fits_two_scale_blocks(int block_n) {
  int g = 128;
  while (block_n % g != 0) g /= 2;
  return block_n <= 128 + g;
}

}  // namespace gemmtune
