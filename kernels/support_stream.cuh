// support_stream.cuh: read-only streams of one buffer, the floor under a memory-bound GEMM
// (`gemmtune run --stream-floor`, src/runtime/stream_floor.hpp). Timed like the GEMMs (an L2
// flush, then events around one call), the fastest of them is what any kernel needs to read a
// problem's bytes once in that protocol: launch, first-byte latency and the tail included.
//
//   support_stream_read_ldg:  every thread loads 16-byte vectors (ld.global.nc, no L1
//                             allocation), kStreamLdgUnroll a round, over a grid-stride
//                             walk, and adds the 32-bit words it read to p.sum (so that no load
//                             can be dropped, and a test can check that every word was read).
//   support_stream_read_bulk: one thread per CTA copies the CTA's contiguous share into a ring of
//                             p.stages shared-memory buffers with cp.async.bulk, p.chunk_bytes a
//                             copy: the TMA path the GEMM kernels load with, no tensor map. It
//                             adds the bytes that landed to p.sum.
// Both take p.evict_first: the L2 evict-first policy the GEMM's streamed B loads use
// (support_l2_policy.h), so that the lines read displace each other and not the dirty lines the
// flush left, which would cost a write-back each.
//
// Limits: p.src 16-byte aligned, p.bytes a multiple of 16; the launch shapes are
// src/core/stream_floor_plan.hpp's (ldg: blocks of kGemmtuneStreamLdgThreads; bulk: one warp per CTA,
// p.stages * p.chunk_bytes + 8 * p.stages bytes of dynamic shared memory).
#pragma once

#include "sm90_ptx.cuh"
#include "support_params.h"

namespace gt_stream {

constexpr int kStreamLdgUnroll = 8;

/// One 16-byte load that allocates no L1 line, optionally under an L2 cache policy.
/// NOTE: not volatile, so that ptxas may schedule the loads ahead of the adds. It keeps 32
/// registers and 4 loads in flight per thread (SASS, CUDA 13.0): 4 x 16 B x 2048 threads is
/// 128 KiB per SM, over 3x the HBM's bandwidth x latency per SM (~4.8 TB/s x ~1 µs / 132).
__device__ __forceinline__ uint4 load_stream(const uint4* p, bool hinted,
                                             gemmtune_ptx::u64 policy) {
  uint4 v;
  if (hinted) {
    asm("ld.global.nc.L1::no_allocate.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p), "l"(policy));
  } else {
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  }
  return v;
}

__device__ __forceinline__ unsigned long long word_sum(uint4 v) {
  return static_cast<unsigned long long>(v.x) + v.y + v.z + v.w;
}

}  // namespace gt_stream

extern "C" __global__ void __launch_bounds__(kGemmtuneStreamLdgThreads)
    support_stream_read_ldg(GemmtuneSupportStreamParams p) {
  using namespace gt_stream;
  const uint4* src = reinterpret_cast<const uint4*>(p.src);
  const unsigned long long vectors = p.bytes / 16;
  const unsigned long long stride = static_cast<unsigned long long>(gridDim.x) * blockDim.x;
  unsigned long long i = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  const bool hinted = p.evict_first != 0;
  const gemmtune_ptx::u64 policy = hinted ? gemmtune_ptx::l2_evict_first_policy() : 0;
  unsigned long long total = 0;
  for (; i + (kStreamLdgUnroll - 1) * stride < vectors; i += kStreamLdgUnroll * stride) {
    uint4 v[kStreamLdgUnroll];
#pragma unroll
    for (int u = 0; u < kStreamLdgUnroll; ++u) v[u] = load_stream(src + i + u * stride, hinted, policy);
#pragma unroll
    for (int u = 0; u < kStreamLdgUnroll; ++u) total += word_sum(v[u]);
  }
  for (; i < vectors; i += stride) total += word_sum(load_stream(src + i, hinted, policy));
  for (int offset = 16; offset > 0; offset >>= 1) total += __shfl_xor_sync(0xFFFFFFFFu, total, offset);
  if ((threadIdx.x & 31) == 0 && total != 0) atomicAdd(p.sum, total);
}

extern "C" __global__ void __launch_bounds__(32) support_stream_read_bulk(GemmtuneSupportStreamParams p) {
  using namespace gemmtune_ptx;
  extern __shared__ __align__(128) unsigned char ring[];
  u64* full = reinterpret_cast<u64*>(ring + static_cast<unsigned long long>(p.stages) * p.chunk_bytes);
  if (threadIdx.x != 0) return;
  const unsigned long long begin = min(static_cast<unsigned long long>(blockIdx.x) * p.share_bytes, p.bytes);
  const unsigned long long end = min(begin + p.share_bytes, p.bytes);
  for (u32 s = 0; s < p.stages; ++s) mbarrier_init(&full[s], 1);
  fence_barrier_init();
  const u64 policy = l2_evict_first_policy();
  u32 issued = 0;
  unsigned long long landed = 0;
  for (unsigned long long offset = begin; offset < end; offset += p.chunk_bytes, ++issued) {
    const u32 stage = issued % p.stages;
    // NOTE: use u of a stage completes the barrier's phase u; before use u + 1 the copy of use u
    // must have landed (try_wait.parity returns once the phase of that parity has completed).
    if (issued >= p.stages) mbarrier_wait(&full[stage], (issued / p.stages - 1) & 1);
    const u32 bytes = static_cast<u32>(min(static_cast<unsigned long long>(p.chunk_bytes), end - offset));
    unsigned char* dst = ring + static_cast<unsigned long long>(stage) * p.chunk_bytes;
    mbarrier_arrive_expect_tx(&full[stage], bytes);
    if (p.evict_first != 0) {
      bulk_load_hint(dst, p.src + offset, bytes, &full[stage], policy);
    } else {
      bulk_load(dst, p.src + offset, bytes, &full[stage]);
    }
    landed += bytes;
  }
  // The copies still in flight: the last min(issued, stages) uses.
  for (u32 use = issued > p.stages ? issued - p.stages : 0; use < issued; ++use) {
    mbarrier_wait(&full[use % p.stages], (use / p.stages) & 1);
  }
  if (landed != 0) atomicAdd(p.sum, landed);
}
