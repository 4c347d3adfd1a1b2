// float4e2m1 (OCP MX FP4: sign, 2 exponent bits with bias 1, 1 mantissa bit;
// no infinities or NaN) codes <-> float, as ONNX's reference (ml_dtypes) converts.
#pragma once

#include <cmath>
#include <cstdint>

namespace edgerun {

// The low nibble of `code`.
inline float float4e2m1_to_float(uint8_t code) {
  static constexpr float kMagnitude[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  const float m = kMagnitude[code & 0x7];
  return (code & 0x8) ? -m : m;
}

// Round to nearest, ties to the even code; beyond 6 (infinities included)
// saturates to +-6. NaN gives a zero of the opposite sign, as ml_dtypes does.
inline uint8_t float_to_float4e2m1(float x) {
  const auto sign = static_cast<uint8_t>(std::signbit(x) ? 0x8 : 0x0);
  if (std::isnan(x)) return sign ^ 0x8;
  // Midpoints between consecutive magnitudes; the code is how many lie below
  // |x|, a tie counting only when it rounds up to an even code.
  static constexpr float kMidpoint[7] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f};
  const float a = std::fabs(x);
  uint8_t code = 0;
  for (uint8_t k = 0; k < 7; ++k) {
    if (a > kMidpoint[k] || (a == kMidpoint[k] && (k + 1) % 2 == 0)) code = k + 1;
  }
  return sign | code;
}

}  // namespace edgerun
