// support_convert.cuh: e4m3 / bf16 <-> fp32 conversions for the support kernels, written with
// inline PTX so that no CUDA header is needed (NVRTC-clean).
//
// NOTE: cvt to .e4m3x2 packs the value converted from operand a into the upper 8 bits and b into
// the lower 8 bits; cvt .f16x2.e4m3x2 widens the lower byte into the lower half (PTX ISA, "cvt").
// Both need sm_89+; .satfinite clamps to +-448, the largest finite e4m3.
#pragma once

/// Two floats to two e4m3 bytes, round to nearest even, saturating: lo in bits 0..7.
__device__ __forceinline__ unsigned short gt_f32x2_to_e4m3x2(float lo, float hi) {
  unsigned short packed;
  asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(packed) : "f"(hi), "f"(lo));
  return packed;
}

/// Two e4m3 bytes (lo in bits 0..7) to two floats (exact: every e4m3 is an f16).
__device__ __forceinline__ void gt_e4m3x2_to_f32x2(unsigned short packed, float& lo, float& hi) {
  unsigned int halves;
  asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(halves) : "h"(packed));
  const unsigned short lo_bits = static_cast<unsigned short>(halves & 0xFFFFu);
  const unsigned short hi_bits = static_cast<unsigned short>(halves >> 16);
  asm("cvt.f32.f16 %0, %1;" : "=f"(lo) : "h"(lo_bits));
  asm("cvt.f32.f16 %0, %1;" : "=f"(hi) : "h"(hi_bits));
}

/// Four e4m3 bytes of a 32-bit word (byte 0 first) to four floats.
__device__ __forceinline__ void gt_e4m3x4_to_f32x4(unsigned int word, float* out) {
  gt_e4m3x2_to_f32x2(static_cast<unsigned short>(word & 0xFFFFu), out[0], out[1]);
  gt_e4m3x2_to_f32x2(static_cast<unsigned short>(word >> 16), out[2], out[3]);
}

/// fp32 to bf16 bits, round to nearest even.
__device__ __forceinline__ unsigned short gt_f32_to_bf16(float value) {
  unsigned short bits;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(bits) : "f"(value));
  return bits;
}

/// bf16 bits to fp32 (exact: bf16 is the upper half of an fp32).
__device__ __forceinline__ float gt_bf16_to_f32(unsigned short bits) {
  return __uint_as_float(static_cast<unsigned int>(bits) << 16);
}
