// support_fast_div.h: division of non-negative ints by a divisor fixed at launch time, as a
// multiply-high, an add and a shift (the round-up method of Granlund and Montgomery, "Division by
// invariant integers using multiplication", PLDI 1994). Plain C++ for host tests, NVRTC-clean.
//
// Why: a persistent CTA decodes its next tile (sm90_fp8_gemm_1d2d_schedule.cuh, Schedule::work)
// between two tiles, and an int division by a run-time value is ~25 dependent instructions
// (I2F, MUFU.RCP, F2I, IMAD.HI and fix-ups, SASS). The tile profile of session 19 put the whole
// decode at ~370 cycles per tile on dense bm128_bn192, where the tensor cores wait. With these
// divisors dense rows of many tiles per CTA ran 1.1-1.5% faster in one call and 0-0.7% in
// another (results/2026-11-24-grouped-vs-deepgemm/0216-..., 0246-...): not adopted, used only
// by the GEMMTUNE_SCHEDULE_MAGIC hook. Setting one up costs a 64-bit division, so the hook does
// it after a CTA's first tile, never before its first TMA (0216: 0.3-0.5 us on short launches).
#pragma once

#include "gemmtune_params.h"  // GEMMTUNE_HOST_DEVICE

/// n / d for 0 <= n < 2^31 and 1 <= d < 2^31, d fixed when constructed.
/// NOTE: multiplier = floor(2^32 * (2^shift - d) / d) + 1 with shift = ceil(log2 d); then
/// n / d = (umulhi(n, multiplier) + n) >> shift, and the sum cannot overflow 32 bits because
/// umulhi(n, multiplier) < n < 2^31 (tests/host/fast_div_test.cpp checks it against `/`).
struct FastDivisor {
  unsigned int divisor = 1;
  unsigned int multiplier = 1;
  unsigned int shift = 0;

  FastDivisor() = default;
  GEMMTUNE_HOST_DEVICE explicit FastDivisor(int d) : divisor(static_cast<unsigned int>(d)) {
    while (shift < 31 && (1u << shift) < divisor) ++shift;
    const unsigned long long span = (1ull << shift) - divisor;  // < 2^31
    multiplier = static_cast<unsigned int>((span << 32) / divisor + 1);
  }

  /// n / d, 0 <= n < 2^31.
  GEMMTUNE_HOST_DEVICE int div(int n) const {
    const unsigned int u = static_cast<unsigned int>(n);
#if defined(__CUDA_ARCH__)
    const unsigned int high = __umulhi(u, multiplier);
#else
    const unsigned int high =
        static_cast<unsigned int>((static_cast<unsigned long long>(u) * multiplier) >> 32);
#endif
    return static_cast<int>((high + u) >> shift);
  }
};
