// support_timing.cuh: the stream-blocking kernel of the "kernel" timing mode (src/runtime/timing.hpp).
//
// One thread spins on a flag in host-mapped memory. While it spins, the host enqueues the L2
// flush, the start event, the launch being timed and the stop event behind it, then sets the flag:
// when the GPU reaches the timed launch it is already queued, so host launch latency is excluded
// (the method of nvbench's blocking_kernel). A timeout (read from %globaltimer, ns) bounds the
// wait if the host never sets the flag; the sample is then reported as timed out.
//
// support_timing_clock_probe (`run --clock-per-sample`): queued right behind a timed call, it
// reads the SM clock the call ended at, as cycles over ns of a short spin. Why: at the 700 W cap
// a burst of calls can throttle within its 30 samples, and NVML's one sample after the burst
// cannot say when; the anchors' DeepGEMM side runs the same probe (scripts/dg_sustained.py).
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

extern "C" __global__ void support_timing_clock_probe(GemmtuneSupportClockProbeParams p) {
  unsigned long long start_ns, now_ns, start_cycles, end_cycles;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start_ns));
  asm volatile("mov.u64 %0, %%clock64;" : "=l"(start_cycles));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now_ns));
  } while (now_ns - start_ns < p.spin_ns);
  asm volatile("mov.u64 %0, %%clock64;" : "=l"(end_cycles));
  p.out[0] = end_cycles - start_cycles;
  p.out[1] = now_ns - start_ns;
  p.out[2] = start_ns;
}
