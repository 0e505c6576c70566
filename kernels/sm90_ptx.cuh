// sm90_ptx.cuh: thin wrappers over the Hopper (sm_90a) PTX instructions the gemmtune kernels use:
// mbarriers, TMA (cp.async.bulk.tensor) loads/stores with optional cluster multicast, plain bulk
// copies (cp.async.bulk: the support module's stream floor), wgmma fences, setmaxnreg and cluster
// barriers. NVRTC-clean: no includes, no host code.
//
// Sources: PTX ISA 8.x sections "mbarrier", "cp.async.bulk.tensor", "wgmma", "setmaxnreg".
#pragma once

namespace gemmtune_ptx {

typedef unsigned int u32;
typedef unsigned long long u64;

/// A CUtensorMap as the driver encodes it (128 bytes, 64-byte aligned); passed to kernels by value
/// as a __grid_constant__ parameter so TMA instructions can address it in param space.
struct alignas(64) TmaDescriptor {
  u64 opaque[16];
};

__device__ __forceinline__ u32 smem_addr(const void* p) {
  return static_cast<u32>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ u32 cluster_cta_rank() {
  u32 r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
}

// ---- mbarrier -------------------------------------------------------------------------------

__device__ __forceinline__ void mbarrier_init(u64* bar, u32 arrive_count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(smem_addr(bar)), "r"(arrive_count));
}

/// Makes barrier initialisation visible to the async proxy and to the other CTAs of the cluster.
__device__ __forceinline__ void fence_barrier_init() {
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

/// Spins on try_wait until the barrier completes phase `parity`.
/// NOTE: without a suspend-time hint (CUTLASS passes 0x989680, and DeepGEMM's SASS then sleeps in
/// NANOSLEEP.SYNCS): with the hint the dense and grouped rows moved within +-0.7% on the H200,
/// since sleeping waits buy no clock at the power cap.
__device__ __forceinline__ void mbarrier_wait(u64* bar, u32 parity) {
  const u32 addr = smem_addr(bar);
  asm volatile(
      "{\n"
      ".reg .pred done;\n"
      "WAIT_%=:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT_%=;\n"
      "}\n" ::"r"(addr),
      "r"(parity)
      : "memory");
}

__device__ __forceinline__ void mbarrier_arrive_expect_tx(u64* bar, u32 bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem_addr(bar)),
               "r"(bytes)
               : "memory");
}

/// True in one lane of the (fully active) warp: `elect.sync`, a predicate without the lane index
/// in a register.
__device__ __forceinline__ bool elect_one_sync() {
  u32 elected = 0;
  asm volatile(
      "{\n.reg .pred p;\nelect.sync _|p, 0xffffffff;\nselp.u32 %0, 1, 0, p;\n}\n"
      : "=r"(elected));
  return elected != 0;
}

/// `kCount` arrivals at once (more than one: a thread standing in for others).
template <u32 kCount = 1>
__device__ __forceinline__ void mbarrier_arrive(u64* bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0], %1;" ::"r"(smem_addr(bar)), "n"(kCount)
               : "memory");
}

/// Arrives on the barrier at the same shared-memory offset in CTA `cta_rank` of the cluster.
/// NOTE: default (.release.cta) semantics on purpose: `.release.cluster` compiles to a GPU-wide
/// MEMBAR before every arrive (seen in SASS, 2x slower); the arrive only has to follow the
/// wgmma reads of the stage, which wgmma.wait_group has already completed.
template <u32 kCount = 1>
__device__ __forceinline__ void mbarrier_arrive_cluster(u64* bar, u32 cta_rank) {
  asm volatile(
      "{\n"
      ".reg .b32 remote;\n"
      "mapa.shared::cluster.u32 remote, %0, %1;\n"
      "mbarrier.arrive.shared::cluster.b64 _, [remote], %2;\n"
      "}\n" ::"r"(smem_addr(bar)),
      "r"(cta_rank), "n"(kCount)
      : "memory");
}

/// `kCount` arrivals on the barrier at shared::cluster address `remote` (cluster_smem_addr): the
/// form where each lane arrives on its own CTA's barrier, the address computed once.
/// NOTE: default (.release.cta) semantics, as mbarrier_arrive_cluster says.
template <u32 kCount = 1>
__device__ __forceinline__ void mbarrier_arrive_remote(u32 remote) {
  asm volatile("mbarrier.arrive.shared::cluster.b64 _, [%0], %1;" ::"r"(remote), "n"(kCount)
               : "memory");
}

/// This thread's lane (%laneid), read once where a per-lane choice must not re-read SR_TID.X.
__device__ __forceinline__ u32 lane_id() {
  u32 lane;
  asm("mov.u32 %0, %%laneid;" : "=r"(lane));
  return lane;
}

// ---- distributed shared memory ----------------------------------------------------------------

/// The shared::cluster address of `local` (this CTA's shared memory) in CTA `cta_rank`.
__device__ __forceinline__ u32 cluster_smem_addr(const void* local, u32 cta_rank) {
  u32 remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(smem_addr(local)), "r"(cta_rank));
  return remote;
}

/// Stores 16 bytes at `remote` (a shared::cluster address of another CTA, cluster_smem_addr)
/// and counts them on that CTA's mbarrier `remote_bar` (its tx-count, as a TMA load would), so a
/// thread there that waits on the barrier sees them.
__device__ __forceinline__ void st_async_v4(u32 remote, float x, float y, float z, float w,
                                            u32 remote_bar) {
  asm volatile(
      "st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32 [%0], {%1, %2, %3, %4}, [%5];"
      ::"r"(remote), "r"(__float_as_uint(x)), "r"(__float_as_uint(y)), "r"(__float_as_uint(z)),
      "r"(__float_as_uint(w)), "r"(remote_bar)
      : "memory");
}

// ---- TMA ------------------------------------------------------------------------------------

__device__ __forceinline__ void tma_prefetch_descriptor(const TmaDescriptor* desc) {
  asm volatile("prefetch.tensormap [%0];" ::"l"(reinterpret_cast<u64>(desc)) : "memory");
}

/// 2D tile load into this CTA's shared memory, completing `bytes` on `bar`.
__device__ __forceinline__ void tma_load_2d(void* dst, const TmaDescriptor* desc, u64* bar, int c0,
                                            int c1) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
      " [%0], [%1, {%3, %4}], [%2];" ::"r"(smem_addr(dst)),
      "l"(reinterpret_cast<u64>(desc)), "r"(smem_addr(bar)), "r"(c0), "r"(c1)
      : "memory");
}

/// 2D tile load written to the same shared-memory offset in every CTA of `cta_mask`; each
/// destination CTA's barrier at `bar`'s offset receives the completed bytes.
__device__ __forceinline__ void tma_load_2d_multicast(void* dst, const TmaDescriptor* desc,
                                                      u64* bar, int c0, int c1,
                                                      unsigned short cta_mask) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
      ".multicast::cluster [%0], [%1, {%3, %4}], [%2], %5;" ::"r"(smem_addr(dst)),
      "l"(reinterpret_cast<u64>(desc)), "r"(smem_addr(bar)), "r"(c0), "r"(c1), "h"(cta_mask)
      : "memory");
}

/// An L2 cache policy under which the lines a load brings in are the first to be evicted
/// (createpolicy, PTX ISA "createpolicy"): for data read once, so that it displaces itself
/// rather than lines the L2 holds for others (b_evict_first_rule).
__device__ __forceinline__ u64 l2_evict_first_policy() {
  u64 policy;
  asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
  return policy;
}

/// tma_load_2d with an L2 cache policy (l2_evict_first_policy).
__device__ __forceinline__ void tma_load_2d_hint(void* dst, const TmaDescriptor* desc, u64* bar,
                                                 int c0, int c1, u64 policy) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes.L2::cache_hint"
      " [%0], [%1, {%3, %4}], [%2], %5;" ::"r"(smem_addr(dst)),
      "l"(reinterpret_cast<u64>(desc)), "r"(smem_addr(bar)), "r"(c0), "r"(c1), "l"(policy)
      : "memory");
}

/// tma_load_2d_multicast with an L2 cache policy.
__device__ __forceinline__ void tma_load_2d_multicast_hint(void* dst, const TmaDescriptor* desc,
                                                           u64* bar, int c0, int c1,
                                                           unsigned short cta_mask, u64 policy) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"
      ".multicast::cluster.L2::cache_hint [%0], [%1, {%3, %4}], [%2], %5, %6;" ::"r"(
          smem_addr(dst)),
      "l"(reinterpret_cast<u64>(desc)), "r"(smem_addr(bar)), "r"(c0), "r"(c1), "h"(cta_mask),
      "l"(policy)
      : "memory");
}

/// Copies `bytes` from global memory into this CTA's shared memory, completing them on `bar`
/// (cp.async.bulk, PTX ISA "cp.async.bulk"): the TMA copy of a contiguous range, no tensor map.
/// Both addresses 16-byte aligned, `bytes` a multiple of 16.
__device__ __forceinline__ void bulk_load(void* dst, const void* src, u32 bytes, u64* bar) {
  asm volatile(
      "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
          smem_addr(dst)),
      "l"(reinterpret_cast<u64>(src)), "r"(bytes), "r"(smem_addr(bar))
      : "memory");
}

/// bulk_load with an L2 cache policy (l2_evict_first_policy).
__device__ __forceinline__ void bulk_load_hint(void* dst, const void* src, u32 bytes, u64* bar,
                                               u64 policy) {
  asm volatile(
      "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.L2::cache_hint"
      " [%0], [%1], %2, [%3], %4;" ::"r"(smem_addr(dst)),
      "l"(reinterpret_cast<u64>(src)), "r"(bytes), "r"(smem_addr(bar)), "l"(policy)
      : "memory");
}

/// 2D tile store from shared memory; the bulk group tracks completion.
__device__ __forceinline__ void tma_store_2d(const TmaDescriptor* desc, const void* src, int c0,
                                             int c1) {
  asm volatile("cp.async.bulk.tensor.2d.global.shared::cta.bulk_group [%0, {%2, %3}], [%1];" ::"l"(
                   reinterpret_cast<u64>(desc)),
               "r"(smem_addr(src)), "r"(c0), "r"(c1)
               : "memory");
}

__device__ __forceinline__ void tma_store_commit() {
  asm volatile("cp.async.bulk.commit_group;" ::: "memory");
}

/// Waits until the shared-memory source of every committed store has been read.
__device__ __forceinline__ void tma_store_wait_read() {
  asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
}

/// Waits until every committed store is complete in global memory.
__device__ __forceinline__ void tma_store_wait_all() {
  asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
}

/// Orders this thread's generic-proxy shared-memory writes before later async-proxy (TMA) reads.
__device__ __forceinline__ void fence_proxy_async_smem() {
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}

// ---- wgmma ----------------------------------------------------------------------------------

__device__ __forceinline__ void wgmma_fence() {
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
}
template <int kPending>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(kPending) : "memory");
}

/// Shared-memory matrix descriptor for a K-major operand stored with the 128-byte swizzle: rows
/// of 128 bytes, 8-row core groups 1024 bytes apart (stride byte offset). The leading byte offset
/// is unused for swizzled K-major layouts. PTX ISA "Matrix Descriptor Format" (sm_90 wgmma).
__device__ __forceinline__ u64 wgmma_desc_k_major_sw128(u32 smem_byte_addr) {
  const u64 start = (smem_byte_addr & 0x3FFFF) >> 4;
  const u64 stride_1024 = 1024 >> 4;
  return start | (stride_1024 << 32) | (1ull << 62);
}

/// `desc` (wgmma_desc_k_major_sw128's) with its low word, the start address, replaced by `lo`:
/// stage, slice and K-step offsets change only that word.
__device__ __forceinline__ u64 desc_with_low_word(u64 desc, u32 lo) {
  return (desc & 0xFFFFFFFF00000000ull) | lo;
}

// ---- registers, barriers --------------------------------------------------------------------

template <int kRegs>
__device__ __forceinline__ void setmaxnreg_inc() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" ::"n"(kRegs));
}
template <int kRegs>
__device__ __forceinline__ void setmaxnreg_dec() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" ::"n"(kRegs));
}

/// Named barrier over `threads` threads (a multiple of 32); id 0 is __syncthreads.
__device__ __forceinline__ void named_barrier_sync(u32 id, u32 threads) {
  asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(threads) : "memory");
}

__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::
                   : "memory");
}

/// Programmatic dependent launch (PTX ISA "griddepcontrol"). wait: returns once every grid this
/// one depends on has completed and its memory operations are visible to this grid; at once for
/// a launch without a programmatic dependency. launch_dependents: a grid launched after this one
/// with the programmatic attribute may be scheduled once every CTA of this grid has issued it or
/// exited (one thread a CTA suffices; harmless when no such grid follows).
__device__ __forceinline__ void griddepcontrol_wait() {
  asm volatile("griddepcontrol.wait;" ::: "memory");
}
__device__ __forceinline__ void griddepcontrol_launch_dependents() {
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
}

/// cluster_sync in two halves: the arrive early, the wait just before the first access to a
/// peer's shared memory, so that a CTA does not wait for its peer to start where it need not.
__device__ __forceinline__ void cluster_arrive_relaxed() {
  asm volatile("barrier.cluster.arrive.relaxed.aligned;" ::: "memory");
}
__device__ __forceinline__ void cluster_wait() {
  asm volatile("barrier.cluster.wait.acquire.aligned;" ::: "memory");
}

/// Packs two floats into bf16x2 (round to nearest even); the first argument is the low half.
/// Stores four 8x8 b16 matrices to shared memory: lane l gives the address of row l % 8 of matrix
/// l / 8; register i holds this lane's pair of matrix i in the mma fragment layout (row lane / 4,
/// columns 2 * (lane % 4) + {0, 1}), the layout wgmma leaves its accumulators in.
__device__ __forceinline__ void stmatrix_x4(u32 addr, u32 r0, u32 r1, u32 r2, u32 r3) {
  asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};" ::"r"(addr),
               "r"(r0), "r"(r1), "r"(r2), "r"(r3)
               : "memory");
}

/// Two-matrix form of stmatrix_x4: lanes 0-15 give the row addresses.
__device__ __forceinline__ void stmatrix_x2(u32 addr, u32 r0, u32 r1) {
  asm volatile("stmatrix.sync.aligned.m8n8.x2.shared.b16 [%0], {%1, %2};" ::"r"(addr), "r"(r0),
               "r"(r1)
               : "memory");
}

__device__ __forceinline__ u32 pack_bf16x2(float lo, float hi) {
  u32 r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

}  // namespace gemmtune_ptx
