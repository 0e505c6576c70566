// support_fast_div.h: division of non-negative ints by a divisor fixed at launch time, by its
// float reciprocal and an exact correction. Plain C++ for host tests, NVRTC-clean.
//
// Why: a persistent CTA decodes its next tile (sm90_fp8_gemm_1d2d_schedule.cuh, Schedule::work)
// between two tiles, and an int division by a run-time value is ~25 dependent instructions
// (I2F, MUFU.RCP, F2I, IMAD.HI and fix-ups, SASS). The tile profile of session 19 put the whole
// decode at ~370 cycles per tile on dense bm128_bn192, where the tensor cores wait.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define GEMMTUNE_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GEMMTUNE_HOST_DEVICE inline
#endif

/// n / d for 0 <= n < 2^30 and 1 <= d < 2^30, d fixed when constructed: n times the float
/// reciprocal of d, truncated, then corrected by whole steps of d until the remainder lies in
/// [0, d) (one step at most where n < 2^22: the float product is within 1 of n / d there).
/// NOTE: a reciprocal, not the exact multiply-high magic number of Granlund and Montgomery: that
/// needs a 64-bit division to set up, which every thread (the producer before its first TMA)
/// paid at the kernel's start, 0.3-0.5 us on 23-75 us grouped launches of one tile per CTA
/// (H200, session 19). tests/host/fast_div_test.cpp checks it against `/`.
struct FastDivisor {
  int divisor = 1;
  float reciprocal = 1.f;

  FastDivisor() = default;
  GEMMTUNE_HOST_DEVICE explicit FastDivisor(int d) : divisor(d) {
#if defined(__CUDA_ARCH__)
    reciprocal = __frcp_rn(static_cast<float>(d));
#else
    reciprocal = 1.f / static_cast<float>(d);  // correctly rounded, as __frcp_rn
#endif
  }

  /// n / d, 0 <= n < 2^30.
  GEMMTUNE_HOST_DEVICE int div(int n) const {
    int q = static_cast<int>(static_cast<float>(n) * reciprocal);
    long long r = n - static_cast<long long>(q) * divisor;
    while (r < 0) {
      --q;
      r += divisor;
    }
    while (r >= divisor) {
      ++q;
      r -= divisor;
    }
    return q;
  }
};
