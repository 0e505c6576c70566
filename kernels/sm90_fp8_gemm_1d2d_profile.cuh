// sm90_fp8_gemm_1d2d_profile.cuh: the measuring hooks of the sm90_fp8_gemm_1d2d kernel family,
// which time the kernel rather than change what it computes (GEMMTUNE_WAIT_PROFILE,
// GEMMTUNE_TILE_PROFILE and GEMMTUNE_TILE_PROFILE_EPI): per-CTA clocks summed in shared memory
// and printed once per launch.
// Without those defines GEMMTUNE_TP_PART and GEMMTUNE_TP_BARRIER take their plain forms and the math
// warpgroups' MathWaitProfile and MathTileProfile are empty objects whose calls compile to nothing.
// Included by sm90_fp8_gemm_1d2d.cuh before the producer, epilogue and math code that call them.
#pragma once

#include "gemmtune_params.h"
#include "sm90_fp8_gemm_1d2d_schedule.cuh"
#include "sm90_ptx.cuh"

namespace sm90_fp8_gemm_1d2d {

using namespace gemmtune_ptx;

// GEMMTUNE_WAIT_PROFILE (a diagnostic, never timed): where the pipeline waits.
// The producer sums the cycles it waits for free stages and the lag from the first math warp's
// release of a stage to its own wake-up (with multicast the lag includes the peer CTA's
// release); each math warpgroup's first thread sums its waits for full stages. Printed per CTA
// and launch.
//
// GEMMTUNE_TILE_PROFILE (a diagnostic): where a math warpgroup's time goes per
// tile, cheap enough to leave the kernel's speed alone (three clock reads per tile in one
// thread, sums in shared memory): K loops (waits included), epilogues, the gaps between them,
// the SM clock over the launch (cycles / globaltimer ns), and the prologue's marks (entry, group
// table, published, balanced order: TileProfileMark). Printed per CTA and launch.
// GEMMTUNE_TILE_PROFILE_EPI (a diagnostic): GEMMTUNE_TILE_PROFILE with the epilogue's parts
// (TileProfileSlot); it implies GEMMTUNE_TILE_PROFILE.
#if defined(GEMMTUNE_TILE_PROFILE_EPI) && !defined(GEMMTUNE_TILE_PROFILE)
#define GEMMTUNE_TILE_PROFILE 1
#endif
#if defined(GEMMTUNE_WAIT_PROFILE) || defined(GEMMTUNE_TILE_PROFILE)
__device__ __forceinline__ long long globaltimer_ns() {
  long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}
#endif
#ifdef GEMMTUNE_WAIT_PROFILE
__device__ __forceinline__ volatile long long* wp_release_clocks() {
  __shared__ long long clocks[32];  // per stage: when the first math warp released it
  return clocks;
}
#endif
/// GEMMTUNE_TILE_PROFILE's sums (declared without it too, so that MathTileProfile's calls
/// compile to nothing there): K loop, epilogue, gap cycles, the last mark, tiles, K blocks,
/// and the longest K loop of one tile with its ordinal in this CTA's sequence.
/// With GEMMTUNE_TILE_PROFILE_EPI also the epilogue's parts (tp_part), from the K loop's end: the
/// next tile's task and weight-scale loads, the wait for the last TMA store's reads, the first
/// barrier, the bf16 staging, fence + second barrier, the store's issue (the rest of the
/// epilogue is storing the next tile's weight scales); and the second warpgroup's first thread's
/// waits at the two barriers.
enum TileProfileSlot {
  kTpLoop, kTpEpilogue, kTpGap, kTpMark, kTpTiles, kTpBlocks, kTpMaxLoop, kTpMaxAt,
  kTpEpiPrep, kTpEpiWaitRead, kTpEpiBar1, kTpEpiStage, kTpEpiBar2, kTpEpiIssue, kTpPartMark,
  kTpBar1Wg1, kTpBar2Wg1, kTpSlots
};
/// The prologue's marks (GEMMTUNE_TILE_PROFILE): when this CTA entered the kernel, had its group
/// table, had it published and had its balanced order; its math warps start after the last
/// (start_ns). Dense members pass the grouped steps at once.
enum TileProfileMark { kTpEntry, kTpTable, kTpPublished, kTpOrder, kTpMarks };
#ifdef GEMMTUNE_TILE_PROFILE
__device__ __forceinline__ volatile long long* tp_sums() {
  __shared__ long long sums[kTpSlots];
  return sums;
}
/// CTAs of GEMMTUNE_TILE_PROFILE launches that have finished, over all launches of this module.
__device__ unsigned int tp_finished_ctas;
/// Waits until every CTA of this launch has finished its tiles, so that no CTA's printf runs
/// beside another's tiles: the printf slowed the CTAs still running 4-5x (the last tiles of a
/// 6144 x 7168 grouped launch). A ticket scheme, so no reset between launches; it assumes
/// every launch of the module has one grid size (a persistent grid is resident, so the spin
/// ends), and gives up after 20 ms so that a launch with another grid cannot hang.
/// Returns the launch's ordinal among this module's launches.
__device__ __forceinline__ unsigned int tp_wait_for_all_ctas() {
  const unsigned int ticket = atomicAdd(&tp_finished_ctas, 1u);
  const unsigned int target = (ticket / gridDim.x + 1) * gridDim.x;
  const long long give_up_ns = globaltimer_ns() + 20000000;
  while (static_cast<int>(*static_cast<volatile unsigned int*>(&tp_finished_ctas) - target) < 0 &&
         globaltimer_ns() < give_up_ns) {
  }
  return ticket / gridDim.x;
}
/// GEMMTUNE_TILE_PROFILE_EVERY=N: print every Nth launch only, so that a sustained run (hundreds
/// of launches at the power cap) is profiled without its output slowing it.
#ifndef GEMMTUNE_TILE_PROFILE_EVERY
#define GEMMTUNE_TILE_PROFILE_EVERY 1
#endif
/// GEMMTUNE_TILE_PROFILE_CTAS=N: only the first N CTAs print, so that every launch of a burst can
/// report its clock (one line) without 132 printfs inside the timed kernel
/// (scripts/device_clock_probe.sh).
#ifndef GEMMTUNE_TILE_PROFILE_CTAS
#define GEMMTUNE_TILE_PROFILE_CTAS 0x7fffffff
#endif
/// The prologue's marks (TileProfileMark), globaltimer ns noted by thread 0.
__device__ __forceinline__ volatile long long* tp_prologue_ns() {
  __shared__ long long marks[kTpMarks];
  return marks;
}
/// Adds the cycles since the last mark to `slot` and marks now (the first math thread only).
__device__ __forceinline__ void tp_lap(int slot) {
  if (threadIdx.x != 128) return;
  volatile long long* sums = tp_sums();
  const long long now = clock64();
  const long long lap = now - sums[kTpMark];
  if (slot >= 0) sums[slot] += lap;
  if (slot == kTpLoop && lap > sums[kTpMaxLoop]) {
    sums[kTpMaxLoop] = lap;
    sums[kTpMaxAt] = sums[kTpTiles];
  }
  sums[kTpMark] = now;
  sums[kTpPartMark] = now;
}
#endif
#ifdef GEMMTUNE_TILE_PROFILE_EPI
/// Adds the cycles since the last lap or part to `slot` (the first math thread only).
__device__ __forceinline__ void tp_part(int slot) {
  if (threadIdx.x != 128) return;
  volatile long long* sums = tp_sums();
  const long long now = clock64();
  sums[slot] += now - sums[kTpPartMark];
  sums[kTpPartMark] = now;
}
/// A named barrier whose wait the second warpgroup's first thread adds to `slot`.
#define GEMMTUNE_TP_BARRIER(id, threads, slot)                                   \
  do {                                                                           \
    const long long tp_before = clock64();                                       \
    named_barrier_sync(id, threads);                                             \
    if (threadIdx.x == 256) tp_sums()[slot] += clock64() - tp_before;            \
  } while (0)
#define GEMMTUNE_TP_PART(slot) tp_part(slot)
#else
#define GEMMTUNE_TP_BARRIER(id, threads, slot) named_barrier_sync(id, threads)
#define GEMMTUNE_TP_PART(slot) ((void)0)
#endif

/// GEMMTUNE_TILE_PROFILE: notes prologue mark `mark` (a TileProfileMark) in the thread that
/// passes `noting` (thread 0, or the balanced order's builder lane 0); nothing without it.
__device__ __forceinline__ void tp_note_prologue(int mark, bool noting = threadIdx.x == 0) {
#ifdef GEMMTUNE_TILE_PROFILE
  if (noting) tp_prologue_ns()[mark] = globaltimer_ns();
#endif
}
/// GEMMTUNE_WAIT_PROFILE in a math thread: its waits for full stages and the release clocks the
/// producer reads; without the define an empty object whose calls compile to the bare wait.
struct MathWaitProfile {
#ifdef GEMMTUNE_WAIT_PROFILE
  long long full_wait = 0, first = clock64(), first_ns = globaltimer_ns();
  int blocks = 0;
#endif

  /// Waits for `bar` to complete phase `parity` (timed).
  __device__ __forceinline__ void wait(u64* bar, u32 parity) {
#ifdef GEMMTUNE_WAIT_PROFILE
    const long long t0 = clock64();
#endif
    mbarrier_wait(bar, parity);
#ifdef GEMMTUNE_WAIT_PROFILE
    full_wait += clock64() - t0;
    ++blocks;
#endif
  }

  /// Marks when the first math warp releases stage `st` (the producer's lag).
  __device__ __forceinline__ void note_release(int st) const {
#ifdef GEMMTUNE_WAIT_PROFILE
    if (threadIdx.x == 128) wp_release_clocks()[st] = clock64();
#endif
  }

  /// Prints the sums, once per math warpgroup.
  __device__ __forceinline__ void report(u32 rank, int warpgroup) const {
#ifdef GEMMTUNE_WAIT_PROFILE
    if (threadIdx.x % 128 == 0) {
      printf("WP cta %d rank %u M%d wait %lld blocks %d total %lld ns %lld\n", blockIdx.x, rank,
             warpgroup, full_wait, blocks, clock64() - first, globaltimer_ns() - first_ns);
    }
#endif
  }
};

/// GEMMTUNE_TILE_PROFILE in the math warpgroups: the launch's start, each tile's laps, the report;
/// without the define an empty object whose calls compile to nothing.
struct MathTileProfile {
#ifdef GEMMTUNE_TILE_PROFILE
  long long first = clock64(), first_ns = globaltimer_ns();
#endif

  __device__ __forceinline__ MathTileProfile() {
#ifdef GEMMTUNE_TILE_PROFILE
    if (threadIdx.x == 128) {
      for (int i = 0; i < kTpSlots; ++i) tp_sums()[i] = 0;
    }
    tp_lap(-1);
#endif
  }

  /// Adds the cycles since the last lap to `slot` (TileProfileSlot).
  __device__ __forceinline__ void lap(int slot) const {
#ifdef GEMMTUNE_TILE_PROFILE
    tp_lap(slot);
#endif
  }

  /// The gap before a tile of `k_blocks` K blocks, and the tile counted.
  __device__ __forceinline__ void start_tile(int k_blocks) const {
#ifdef GEMMTUNE_TILE_PROFILE
    tp_lap(kTpGap);
    if (threadIdx.x == 128) {
      tp_sums()[kTpTiles] += 1;
      tp_sums()[kTpBlocks] += k_blocks;
    }
#endif
  }

  /// Prints this CTA's sums once every CTA of the launch has finished its tiles.
  /// GEMMTUNE_TILE_PROFILE_QUIET: the clock reads without the printf, to time what each costs.
  __device__ __forceinline__ void report(u32 rank) const {
#if defined(GEMMTUNE_TILE_PROFILE) && !defined(GEMMTUNE_TILE_PROFILE_QUIET)
    if (threadIdx.x == 128) {
      volatile long long* sums = tp_sums();
      const long long end_ns = globaltimer_ns(), cycles = clock64() - first;
      if (tp_wait_for_all_ctas() % GEMMTUNE_TILE_PROFILE_EVERY == 0 &&
          static_cast<int>(blockIdx.x) < GEMMTUNE_TILE_PROFILE_CTAS) {
        printf("TP cta %d rank %u tiles %lld blocks %lld loop %lld epi %lld gap %lld total %lld "
               "start_ns %lld end_ns %lld maxloop %lld maxat %lld entry_ns %lld table_ns %lld "
               "published_ns %lld order_ns %lld\n",
               blockIdx.x, rank, sums[kTpTiles], sums[kTpBlocks], sums[kTpLoop],
               sums[kTpEpilogue], sums[kTpGap], cycles, first_ns, end_ns, sums[kTpMaxLoop],
               sums[kTpMaxAt], tp_prologue_ns()[kTpEntry], tp_prologue_ns()[kTpTable],
               tp_prologue_ns()[kTpPublished], tp_prologue_ns()[kTpOrder]);
#ifdef GEMMTUNE_TILE_PROFILE_EPI
        printf("TPE cta %d prep %lld wread %lld bar1 %lld stage %lld bar2 %lld issue %lld "
               "bar1_wg1 %lld bar2_wg1 %lld\n",
               blockIdx.x, sums[kTpEpiPrep], sums[kTpEpiWaitRead], sums[kTpEpiBar1],
               sums[kTpEpiStage], sums[kTpEpiBar2], sums[kTpEpiIssue], sums[kTpBar1Wg1],
               sums[kTpBar2Wg1]);
#endif
      }
    }
#endif
  }
};

}  // namespace sm90_fp8_gemm_1d2d
