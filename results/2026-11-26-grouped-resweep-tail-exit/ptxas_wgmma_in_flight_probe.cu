// ptxas probe (session 37, no GPU needed): which K-loop shapes keep a wgmma group in flight while
// the other accumulator is promoted without ptxas serializing every wgmma (advisory C7514).
//   nvcc -arch=sm_90a -cubin -Xptxas -v -DVARIANT_... ptxas_wgmma_in_flight_probe.cu
// Default (a group in flight across the back edge) and VARIANT_PAIRS: C7514. VARIANT_LOOP_DRAIN2
// (pairs, drained each pass: the kernel since e45aa70), VARIANT_QUAD (four blocks a pass, three
// overlapped), VARIANT_STRAIGHT(_CONST) (no loop): no advisory. CUDA 13.0.
#include <cstdint>
typedef unsigned long long u64;
__device__ __forceinline__ void mma(u64 a, u64 b, float (&d)[16], unsigned sc) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %18, 0;\n"
  "wgmma.mma_async.sync.aligned.m64n32k32.f32.e4m3.e4m3 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, %16, %17, p, 1, 1;\n}\n"
  : "+f"(d[0]),"+f"(d[1]),"+f"(d[2]),"+f"(d[3]),"+f"(d[4]),"+f"(d[5]),"+f"(d[6]),"+f"(d[7]),"+f"(d[8]),"+f"(d[9]),"+f"(d[10]),"+f"(d[11]),"+f"(d[12]),"+f"(d[13]),"+f"(d[14]),"+f"(d[15])
  : "l"(a), "l"(b), "r"(sc));
}
__device__ __forceinline__ void fence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void commit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
template <int N> __device__ __forceinline__ void wait() { asm volatile("wgmma.wait_group.sync.aligned %0;" :: "n"(N) : "memory"); }
__global__ void k(float* out, u64 da, u64 db, int n, float s) {
  float acc[16], acc2[16], sum[16];
  for (int i = 0; i < 16; ++i) sum[i] = 0;
  auto issue = [&](int kb, float (&d)[16]) { fence(); for (int ks = 0; ks < 4; ++ks) mma(da + kb * 64 + ks * 2, db + kb * 32 + ks * 2, d, ks > 0); commit(); };
  auto fin = [&](float (&d)[16]) { for (int i = 0; i < 16; ++i) sum[i] = fmaf(d[i], s, sum[i]); };
#if defined(VARIANT_STRAIGHT)
  issue(0, acc); issue(1, acc2); wait<1>(); fin(acc); wait<0>(); fin(acc2);
#elif defined(VARIANT_STRAIGHT_CONST)
  issue(0, acc); issue(1, acc2); wait<1>(); fin(acc); issue(2, acc); wait<1>(); fin(acc2); wait<0>(); fin(acc);
#elif defined(VARIANT_LOOP_DRAIN)
  for (int kb = 0; kb < n; kb += 2) {
    issue(kb, acc);
    if (kb + 1 < n) { issue(kb + 1, acc2); wait<1>(); } else wait<0>();
    fin(acc);
    if (kb + 1 < n) { wait<0>(); fin(acc2); }
  }
#elif defined(VARIANT_LOOP_DRAIN2)
  int kb = 0;
  for (; kb + 1 < n; kb += 2) {
    issue(kb, acc); issue(kb + 1, acc2); wait<1>(); fin(acc); wait<0>(); fin(acc2);
  }
  if (kb < n) { issue(kb, acc); wait<0>(); fin(acc); }
#elif defined(VARIANT_QUAD)
  int kb = 0;
  for (; kb + 3 < n; kb += 4) {
    issue(kb, acc); issue(kb + 1, acc2); wait<1>(); fin(acc);
    issue(kb + 2, acc); wait<1>(); fin(acc2);
    issue(kb + 3, acc2); wait<1>(); fin(acc);
    wait<0>(); fin(acc2);
  }
  for (; kb < n; ++kb) { issue(kb, acc); wait<0>(); fin(acc); }
#elif defined(VARIANT_PAIRS)
  issue(0, acc);
  for (int kb = 0; kb < n; kb += 2) {
    if (kb + 1 < n) { issue(kb + 1, acc2); wait<1>(); } else wait<0>();
    fin(acc);
    if (kb + 1 == n) break;
    if (kb + 2 < n) { issue(kb + 2, acc); wait<1>(); } else wait<0>();
    fin(acc2);
  }
  wait<0>();
#else
  // even n only, no branches inside
  issue(0, acc);
  for (int kb = 0; kb < n; kb += 2) {
    issue(kb + 1, acc2); wait<1>();
    fin(acc);
    issue(kb + 2, acc); wait<1>();
    fin(acc2);
  }
  wait<0>();
#endif
  for (int i = 0; i < 16; ++i) out[threadIdx.x * 16 + i] = sum[i];
}
