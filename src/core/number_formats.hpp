#pragma once
/// Host decoders of the narrow formats the GEMM reads and writes, bit-exact with the device's
/// cvt instructions (kernels/support_convert.cuh). Pure host code.
#include <bit>
#include <cmath>
#include <cstdint>

namespace gemmtune {

/// OCP FP8 E4M3 ("e4m3fn", sm_89+): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities,
/// S.1111.111 is NaN, largest finite 448.
[[nodiscard]] inline float e4m3_to_float(uint8_t bits) {
  const int exponent = (bits >> 3) & 0xF;
  const int mantissa = bits & 0x7;
  const float sign = (bits & 0x80) ? -1.0f : 1.0f;
  if (exponent == 0xF && mantissa == 0x7) return std::nanf("");
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -9);  // subnormal: m/8 * 2^-6
  return sign * std::ldexp(1.0f + static_cast<float>(mantissa) / 8.0f, exponent - 7);
}

/// bfloat16 bits to float (exact).
[[nodiscard]] inline float bf16_to_float(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

/// float to bfloat16 bits, round to nearest even; NaN stays NaN.
[[nodiscard]] inline uint16_t float_to_bf16(float value) {
  const uint32_t u = std::bit_cast<uint32_t>(value);
  if (std::isnan(value)) return static_cast<uint16_t>((u >> 16) | 0x40);
  const uint32_t rounding = 0x7FFF + ((u >> 16) & 1);
  return static_cast<uint16_t>((u + rounding) >> 16);
}

}  // namespace gemmtune
