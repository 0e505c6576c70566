// busy_neighbour: a stand-in for a communication kernel that holds some SMs and HBM bandwidth
// while a GEMM runs on the others (MoE expert-parallel serving keeps SMs for its all-to-all).
//
// Launch: one block of 1024 threads per SM to hold, with dynamic shared memory at the per-block
// opt-in maximum. NOTE: on H100/H200 the opt-in maximum (227 KB) plus the 1 KB the hardware
// reserves per block fill an SM's 228 KB of shared memory, so exactly one block fits per SM and
// no other kernel's block (each reserves its 1 KB too) shares that SM.
//
// Each block copies its slice of src to dst (16-byte loads and stores, four in flight per
// thread), over and over. After each slice copy its thread 0 publishes the count of copies
// done and checks two exits: *stop_flag == 1 (mapped host memory the host sets), or max_ns of
// %globaltimer since the block began (a safety bound, so a host that never sets the flag cannot
// hold the GPU for ever). Per block, in mapped host memory: sm_ids (its %smid), progress (slice
// copies done) and exit_reasons (1: the stop flag, 2: the time bound).
//
// NVRTC-clean: no headers.

namespace {

__device__ __forceinline__ unsigned int busy_neighbour_smid() {
  unsigned int id;
  asm volatile("mov.u32 %0, %%smid;" : "=r"(id));
  return id;
}

__device__ __forceinline__ unsigned long long busy_neighbour_globaltimer_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

}  // namespace

extern "C" __global__ void __launch_bounds__(1024, 1)
    busy_neighbour(const uint4* __restrict__ src, uint4* __restrict__ dst,
                   unsigned long long slice_vectors, const volatile int* stop_flag,
                   volatile unsigned long long* progress, volatile unsigned int* sm_ids,
                   volatile int* exit_reasons, unsigned long long max_ns) {
  // NOTE: the dynamic shared memory is never touched: the launch reserves it, which is its
  // whole purpose (one block per SM).
  constexpr unsigned int kBusyNeighbourUnroll = 4;  // 16-byte loads in flight per thread
  constexpr int kBusyNeighbourExitFlag = 1;
  constexpr int kBusyNeighbourExitTimeBound = 2;
  __shared__ int exit_reason;
  const unsigned long long begin_ns = busy_neighbour_globaltimer_ns();
  const uint4* slice_src = src + slice_vectors * blockIdx.x;
  uint4* slice_dst = dst + slice_vectors * blockIdx.x;
  const unsigned long long step = blockDim.x;
  if (threadIdx.x == 0) {
    sm_ids[blockIdx.x] = busy_neighbour_smid();
  }
  for (unsigned long long copies = 1;; ++copies) {
    unsigned long long i = threadIdx.x;
    for (; i + (kBusyNeighbourUnroll - 1) * step < slice_vectors;
         i += kBusyNeighbourUnroll * step) {
      uint4 v[kBusyNeighbourUnroll];
#pragma unroll
      for (unsigned int u = 0; u < kBusyNeighbourUnroll; ++u) v[u] = slice_src[i + u * step];
#pragma unroll
      for (unsigned int u = 0; u < kBusyNeighbourUnroll; ++u) slice_dst[i + u * step] = v[u];
    }
    for (; i < slice_vectors; i += step) slice_dst[i] = slice_src[i];
    __syncthreads();  // the whole slice is copied before it counts
    if (threadIdx.x == 0) {
      progress[blockIdx.x] = copies;
      __threadfence_system();
      const bool stop = *stop_flag == 1;
      const bool too_long = busy_neighbour_globaltimer_ns() - begin_ns > max_ns;
      exit_reason = stop ? kBusyNeighbourExitFlag : (too_long ? kBusyNeighbourExitTimeBound : 0);
      if (exit_reason != 0) {
        exit_reasons[blockIdx.x] = exit_reason;
        __threadfence_system();
      }
    }
    __syncthreads();  // every thread reads exit_reason before thread 0 writes it again
    if (exit_reason != 0) return;
  }
}
