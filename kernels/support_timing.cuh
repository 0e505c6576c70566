// support_timing.cuh: the stream-blocking kernel of the "kernel" timing mode (src/runtime/timing.hpp).
//
// One thread spins on a flag in host-mapped memory. While it spins, the host enqueues the L2
// flush, the start event, the launch being timed and the stop event behind it, then sets the flag:
// when the GPU reaches the timed launch it is already queued, so host launch latency is excluded
// (the method of nvbench's blocking_kernel). A timeout (read from %globaltimer, ns) bounds the
// wait if the host never sets the flag; the sample is then reported as timed out.
#pragma once

#include "support_params.h"

extern "C" __global__ void support_timing_spin(GemmtuneSupportSpinParams p) {
  unsigned long long start_ns;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start_ns));
  while (*p.flag == 0) {
    unsigned long long now_ns;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now_ns));
    if (now_ns - start_ns > p.timeout_ns) {
      *p.timed_out = 1;
      break;
    }
    asm volatile("nanosleep.u32 %0;" ::"r"(1000u));
  }
}
