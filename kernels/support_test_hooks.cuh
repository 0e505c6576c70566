// support_test_hooks.cuh: two kernels that misbehave on purpose, for the sweep's fault-isolation
// hooks (src/runtime/test_hooks.hpp, src/worker/README.md "Test hooks"). NVRTC-clean, no includes.
//
//   support_test_hooks_trap  executes `trap` (PTX ISA, "trap"): the launch aborts with an
//                            unrecoverable error and the process's CUDA context is unusable.
//   support_test_hooks_hang  spins on a flag in device memory that nothing ever sets: the launch
//                            never finishes, only killing the process ends it.
// Launch either with one thread; neither touches memory it was not given.
#pragma once

extern "C" __global__ void support_test_hooks_trap() { asm volatile("trap;"); }

extern "C" __global__ void support_test_hooks_hang(const volatile int* flag) {
  while (*flag == 0) {
  }
}
