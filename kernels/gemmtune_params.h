// gemmtune_params.h: the launch parameters shared by host code (src/) and device code (kernels/).
// NVRTC-clean: no includes; plain integer and pointer fields, and the GEMMTUNE_HOST_DEVICE macro.
//
// Layouts (kernels/README.md "The operation"):
//   A  e4m3 [M][K] row-major            (tensor map)
//   B  e4m3 [N][K] row-major            (tensor map)
//   sA fp32 [ceil(K/128)][m_pad4]       (tensor map; M contiguous, M padded to a multiple of 4)
//   sB fp32 [ceil(N/128)][sb_ld]        (tensor map; sb_ld = roundup(ceil(K/128), 4), so rows are
//                                        16-byte multiples as TMA requires)
//   D  bf16 [M][N] row-major            (tensor map for the TMA store; plain pointer for split-K
//                                        and for the grouped layouts' partial tiles)
// Grouped layouts (kernels/README.md "Grouped GEMMs"): G groups share N and K. B is [G*N][K], sB is
// [G*ceil(N/128)][sb_ld] (group g's scale rows first at g*ceil(N/128)). A, sA and D hold M rows:
//   contiguous  the groups' rows concatenated, group g owns rows [offsets[g], offsets[g+1])
//   masked      group g owns rows [g*max_m, g*max_m + masked_m[g]) of M = G*max_m
#pragma once

/// A function both host code (and its tests) and kernels call (kernels/support_*.h).
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define GEMMTUNE_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GEMMTUNE_HOST_DEVICE inline
#endif

/// Most groups of a grouped launch: each CTA keeps a table of kGemmtuneMaxGroups + 2 ints in
/// shared memory (each group's first m-block), 2 KB.
/// NOTE: 512 covers the routed experts of the MoE models gemmtune ships shape sets for on one
/// GPU (DeepSeek-V3 256, Kimi K2 384); more would take shared memory deep pipelines need.
constexpr int kGemmtuneMaxGroups = 512;

/// DeepGEMM's contiguous grouped layout pads every group's rows to a multiple of this: the
/// bundle's calls in that layout (gemm_grouped_contiguous_padded) and the padded rows a bundle
/// records for each contiguous entry (sm90_fp8_gemm_1d2d_bundle.h).
constexpr int kGemmtuneDeepgemmGroupRowAlign = 128;

/// Grouped layouts: sA boxes per stage, and rows per box. A group may start at any row, but a
/// TMA box must start on a 16-byte boundary of its row (4 floats of sA; a box at an unaligned
/// start faulted with an illegal instruction on the H200): each stage loads sA from the 4-aligned
/// row at or below the tile's first, 4 rows more than the tile. block_m 256 takes two boxes (a box
/// dimension is at most 256 elements). Host code uses these; the kernel gets the numbers baked in.
constexpr int gemmtune_grouped_sa_boxes(int block_m) { return block_m == 256 ? 2 : 1; }
constexpr int gemmtune_grouped_sa_box_rows(int block_m) {
  return block_m / gemmtune_grouped_sa_boxes(block_m) + 4;
}

struct GemmtuneGemmParams {
  int m;                        // rows of A and D
  int n;                        // rows of B, columns of D
  int k;                        // reduction length (multiple of 16)
  int sb_ld;                    // leading dimension of sB in floats
  int a_box_rows;               // rows of A (and of sA) one stage loads per CTA: block_m, or
                                // fewer when M < block_m (see the launcher's a_box_rows)
  const float* sb;              // sB, see above (the kernel reads it through its tensor map)
  unsigned short* d;            // D as raw bf16 bits, used by the split-K reduction
  float* workspace;             // split-K partials: [split_k][m][n] fp32 (null when split_k == 1)
  unsigned int* tile_counters;  // split-K arrival counters, one per tile, zero at rest
  // Grouped layouts only (zero for dense). Read by the kernel, never by the host.
  int num_groups;               // G, 1..kGemmtuneMaxGroups
  int max_m;                    // masked: rows per group in A and D; contiguous: 0
  const int* group_rows;        // contiguous: offsets [G + 1]; masked: masked_m [G]
  const int* group_ends;        // contiguous, optional: group g's rows end at group_ends[g]
                                // (clamped to [offsets[g], offsets[g + 1]]), the rows after it
                                // owned by no group; null: at offsets[g + 1]
};
