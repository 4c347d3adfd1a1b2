// Fixed-point helpers that reproduce TensorFlow Lite's integer arithmetic bit
// for bit (tensorflow/lite/kernels/internal/common.h, quantization_util.cc,
// gemmlowp fixedpoint). Every quantized kernel, reference or SIMD, uses these so
// rounding is identical everywhere.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace edgerun::kernels {

// Rounds half away from zero, like TfLiteRound / std::round.
inline int64_t round_half_away(double x) { return static_cast<int64_t>(std::round(x)); }

// Splits a positive real multiplier into a Q31 mantissa and a power-of-two
// exponent: m ~= quantized_multiplier * 2^(shift - 31). Same as TFLite's
// QuantizeMultiplier (frexp, round, renormalize, flush tiny values to zero).
inline void quantize_multiplier(double m, int32_t* quantized_multiplier, int* shift) {
  if (m == 0.0) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(m, shift);
  int64_t q_fixed = round_half_away(q * static_cast<double>(1LL << 31));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  if (*shift > 30) {
    *shift = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
}

// gemmlowp::SaturatingRoundingDoublingHighMul.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t ab_64 = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab_64 >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t ab_x2_high32 = static_cast<int32_t>((ab_64 + nudge) / (1LL << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : ab_x2_high32;
}

// gemmlowp::RoundingDivideByPOT: x / 2^exponent, rounding half away from zero.
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// TFLite's MultiplyByQuantizedMultiplier (double-rounding variant, the default build).
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(x * (1 << left_shift), quantized_multiplier), right_shift);
}

// TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp (left_shift <= 0).
inline int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x, int32_t quantized_multiplier,
                                                                    int left_shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, quantized_multiplier), -left_shift);
}

// TFLite's MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0).
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t quantized_multiplier,
                                                                int left_shift) {
  return saturating_rounding_doubling_high_mul(x * (1 << left_shift), quantized_multiplier);
}

}  // namespace edgerun::kernels
