// IEEE half (F16) and bfloat16 (BF16) to float conversion, bit-exact (every
// half value, subnormals, infinities and NaNs included), as torch upcasts.
#pragma once

#include <cstdint>
#include <cstring>

namespace bertpp {
namespace detail {

inline float float_from_bits(std::uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// bfloat16 is the upper half of a float32.
inline float bf16_to_float(std::uint16_t bits) {
  return float_from_bits(static_cast<std::uint32_t>(bits) << 16);
}

inline float f16_to_float(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  int exponent = (bits >> 10) & 0x1f;
  std::uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f)  // infinity or NaN: keep the payload
    return float_from_bits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0) return float_from_bits(sign);  // signed zero
    // Subnormal half: normalise it (every half subnormal is a float normal).
    exponent = 1;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    mantissa &= 0x3ffu;
  }
  // Rebias 15 -> 127; the lowest subnormal ends at exponent -9, still >= 1 after.
  return float_from_bits(sign | (static_cast<std::uint32_t>(exponent + 112) << 23) |
                         (mantissa << 13));
}

// Little-endian 16-bit read from possibly unaligned memory.
inline std::uint16_t load_u16_le(const std::uint8_t* bytes) {
  return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

}  // namespace detail
}  // namespace bertpp
