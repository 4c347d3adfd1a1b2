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
  // TFLite only clamps here in its single-rounding build; edgerun always does,
  // so a multiplier >= 2^30 (no real model has one) never shifts by 31 or more.
  if (*shift > 30) {
    *shift = 30;
    q_fixed = (1LL << 31) - 1;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
}

// static_cast<int32_t>(r) for an already-rounded value as TFLite computes it on
// x86: values outside int32 (and NaN) become INT32_MIN, as cvttsd2si gives,
// instead of C++'s undefined behaviour.
inline int32_t rounded_to_int32_x86(double r) {
  return (r >= -2147483648.0 && r < 2147483648.0) ? static_cast<int32_t>(r) : std::numeric_limits<int32_t>::min();
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

// x * 2^left_shift with two's-complement wrap-around, as TFLite's int32
// multiply behaves in practice, without signed-overflow undefined behaviour.
inline int32_t shift_left_wrapping(int32_t x, int left_shift) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
}

// TFLite's MultiplyByQuantizedMultiplier (double-rounding variant, the default build).
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(shift_left_wrapping(x, left_shift), quantized_multiplier), right_shift);
}

// MultiplyByQuantizedMultiplier's rounding as one 64-bit add and arithmetic
// shift, for SIMD output stages. With P = x * m (x after the left shift, m >= 0
// the Q31 multiplier, r >= 0 the right shift), SaturatingRoundingDoublingHighMul
// is H = floor((P + 2^30) / 2^31) (its nudge 1 - 2^30 for negative P, truncated
// toward zero, floors the same), and RoundingDivideByPOT(H, r) is
// floor((H + 2^(r-1) - [H < 0]) / 2^r) for r > 0. Since
// floor((floor(a / b) + c) / d) = floor((a + c * b) / (b * d)) and H < 0 iff
// P + 2^30 < 0, the whole stage is
//   (P + add - (P < negative_below ? 2^31 : 0)) >> shift
// with add = 2^30 + 2^(30+r), negative_below = -2^30, shift = 31 + r for r > 0,
// and add = 2^30, shift = 31, no correction (negative_below = INT64_MIN) for
// r = 0. |P| <= 2^62 and r <= 31 keep every sum inside int64.
struct Q31Rounding {
  int64_t add;
  int64_t negative_below;
  int64_t shift;
};
inline Q31Rounding q31_rounding(int right_shift) {
  if (right_shift == 0) return {int64_t{1} << 30, std::numeric_limits<int64_t>::min(), 31};
  return {(int64_t{1} << 30) + (int64_t{1} << (30 + right_shift)), -(int64_t{1} << 30), 31 + right_shift};
}
// multiply_by_quantized_multiplier(x, m, shift) for m >= 0, with x already
// shifted left (shift_left_wrapping) and k = q31_rounding(max(-shift, 0)).
inline int32_t multiply_by_q31_rounding(int32_t x_shifted, int32_t m, const Q31Rounding& k) {
  const int64_t product = static_cast<int64_t>(x_shifted) * m;
  const int64_t sum = product + k.add - (product < k.negative_below ? int64_t{1} << 31 : 0);
  return static_cast<int32_t>(sum >> k.shift);
}

// TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp (left_shift <= 0).
inline int32_t multiply_by_quantized_multiplier_smaller_than_one_exp(int32_t x, int32_t quantized_multiplier,
                                                                    int left_shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, quantized_multiplier), -left_shift);
}

// TFLite's MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0).
inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t quantized_multiplier,
                                                                int left_shift) {
  return saturating_rounding_doubling_high_mul(shift_left_wrapping(x, left_shift), quantized_multiplier);
}


// ---------------------------------------------------------------------------
// gemmlowp FixedPoint<int32_t, N> arithmetic on raw int32 values, and the
// TFLite helpers built on it (SOFTMAX, L2_NORMALIZATION). A value with N
// integer bits is raw / 2^(31 - N). Additions wrap like the int32 adds in
// gemmlowp (which never overflow for the inputs TFLite feeds them) but without
// signed-overflow UB.

inline int32_t fp_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t fp_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

// Count of leading zero bits; 32 for 0 (TFLite's CountLeadingZeros<uint32_t>).
inline int count_leading_zeros_u32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while ((x & 0x80000000u) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}
inline int count_leading_zeros_u64(uint64_t x) {
  int n = 0;
  if (x == 0) return 64;
  while ((x & 0x8000000000000000ull) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

// gemmlowp::SaturatingRoundingMultiplyByPOT with a run-time exponent:
// exponent > 0 is a saturating left shift, exponent < 0 a rounding right shift.
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((1LL << (31 - exponent)) - 1);
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(static_cast<int64_t>(x) * (int64_t{1} << exponent));
}

// gemmlowp::Rescale<dst_integer_bits>(FixedPoint<int32_t, src_integer_bits>).
inline int32_t fixed_point_rescale(int32_t raw, int src_integer_bits, int dst_integer_bits) {
  return saturating_rounding_multiply_by_pot(raw, src_integer_bits - dst_integer_bits);
}

// gemmlowp::RoundingHalfSum for int32: (a + b) / 2 rounded half away from zero.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + static_cast<int64_t>(b);
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// gemmlowp::exp_on_interval_between_negative_one_quarter_and_0_excl: exp(a)
// for a in [-1/4, 0), input and output in Q0.31.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;     // exp(-1/8) in Q0.31
  const int32_t constant_1_over_3 = 715827883;  // 1/3 in Q0.31
  const int32_t x = fp_add(a, 1 << 28);         // a + 1/8
  const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);
  const int32_t x3 = saturating_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = saturating_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(
      fp_add(saturating_rounding_doubling_high_mul(fp_add(x4_over_4, x3), constant_1_over_3), x2), 1);
  return fp_add(constant_term, saturating_rounding_doubling_high_mul(constant_term, fp_add(x, poly)));
}

// gemmlowp::exp_on_negative_values: exp(a) for a <= 0, `a` with `integer_bits`
// integer bits (0..30), result in Q0.31.
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = static_cast<int32_t>(1) << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = fp_sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      fixed_point_rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = fp_sub(a_mod_quarter_minus_one_quarter, a);
  // exp(-2^k) for k = -2..4, in Q0.31: the barrel shifter over the integer part.
  static constexpr int32_t kMultipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                              39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int shift = fractional_bits + k;
      if (remainder & (static_cast<int32_t>(1) << shift)) {
        result = saturating_rounding_doubling_high_mul(result, kMultipliers[k + 2]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -(static_cast<int32_t>(1) << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = std::numeric_limits<int32_t>::max();  // One() in Q0.31
  return result;
}

// gemmlowp::one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a in [0, 1),
// input and output in Q0.31 (three Newton-Raphson steps in Q2.29).
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, std::numeric_limits<int32_t>::max());
  const int32_t constant_48_over_17 = 1515870810;       // Q2.29
  const int32_t constant_neg_32_over_17 = -1010580540;  // Q2.29
  const int32_t one_q2 = 1 << 29;
  int32_t x = fp_add(constant_48_over_17,
                     saturating_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = saturating_rounding_doubling_high_mul(half_denominator, x);
    const int32_t one_minus = fp_sub(one_q2, half_denominator_times_x);
    x = fp_add(x, fixed_point_rescale(saturating_rounding_doubling_high_mul(x, one_minus), 4, 2));
  }
  return fixed_point_rescale(x, 1, 0);  // ExactMulByPot<-1> then Rescale<0>
}

// TFLite's GetReciprocal: 1 / x for x > 0 with `x_integer_digits` integer bits.
// Returns the reciprocal in Q0.31 scaled by 2^num_bits_over_unit.
inline int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros_u32(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_sum_minus_one =
      static_cast<int32_t>((static_cast<uint32_t>(x) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

// TFLite's GetInvSqrtQuantizedMultiplierExp: 1/sqrt(input) as a multiplier and
// shift (reverse_shift = -1 gives a left-shift convention: negative = right).
inline void get_inv_sqrt_quantized_multiplier_exp(int32_t input, int reverse_shift, int32_t* output_inv_sqrt,
                                                  int* output_shift) {
  if (input <= 1) {
    *output_inv_sqrt = std::numeric_limits<int32_t>::max();
    *output_shift = 0;
    return;
  }
  *output_shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++*output_shift;
  }
  const unsigned max_left_shift_bits = static_cast<unsigned>(count_leading_zeros_u32(static_cast<uint32_t>(input))) - 1;
  const unsigned max_left_shift_bit_pairs = max_left_shift_bits / 2;
  const unsigned left_shift_bit_pairs = max_left_shift_bit_pairs - 1;
  *output_shift -= static_cast<int>(left_shift_bit_pairs);
  input <<= 2 * left_shift_bit_pairs;
  // Newton-Raphson for 1/sqrt in Q3.28.
  const int32_t fixedpoint_input = input >> 1;
  const int32_t fixedpoint_half_input = rounding_divide_by_pot(fixedpoint_input, 1);
  const int32_t fixedpoint_half_three = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28;  // 1.0 in Q3.28
  for (int i = 0; i < 5; ++i) {
    const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);      // Q6
    const int32_t x3_q9 = saturating_rounding_doubling_high_mul(x2, x);  // Q9
    const int32_t x3 = fixed_point_rescale(x3_q9, 9, 3);
    const int32_t t = fp_sub(saturating_rounding_doubling_high_mul(fixedpoint_half_three, x),
                             saturating_rounding_doubling_high_mul(fixedpoint_half_input, x3));  // Q6
    x = fixed_point_rescale(t, 6, 3);
  }
  const int32_t fixedpoint_half_sqrt_2 = 1518500250;  // sqrt(2)/2 in Q0.31
  x = saturating_rounding_doubling_high_mul(x, fixedpoint_half_sqrt_2);
  *output_inv_sqrt = x;
  if (*output_shift < 0) {
    *output_inv_sqrt = static_cast<int32_t>(static_cast<uint32_t>(*output_inv_sqrt) << -*output_shift);
    *output_shift = 0;
  }
  *output_shift *= reverse_shift;
}

// TFLite's CalculateInputRadius: the largest input difference that the
// fixed-point rescaling can represent.
inline int calculate_input_radius(int input_integer_bits, int input_left_shift, int total_signed_bits = 31) {
  const double max_input_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
                                    static_cast<double>(1LL << (total_signed_bits - input_integer_bits)) /
                                    static_cast<double>(1LL << input_left_shift);
  return static_cast<int>(std::floor(max_input_rescaled));
}

// TFLite's PreprocessSoftmaxScaling: beta * input_scale as a Q(input_integer_bits)
// multiplier, capped at 2^31 - 1, then QuantizeMultiplierGreaterThanOne. Unlike
// quantize_multiplier it keeps TFLite's unclamped shift (31 for the capped value).
// Returns false where TFLite would fail its CHECK (multiplier <= 1).
inline bool preprocess_softmax_scaling(double beta, double input_scale, int input_integer_bits,
                                       int32_t* quantized_multiplier, int* left_shift) {
  const double real = std::min(beta * input_scale * static_cast<double>(1 << (31 - input_integer_bits)),
                               static_cast<double>((1LL << 31) - 1));
  if (!(real > 1.0)) return false;
  int shift = 0;
  const double q = std::frexp(real, &shift);
  int64_t q_fixed = round_half_away(q * static_cast<double>(1LL << 31));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
  *left_shift = shift;
  return shift >= 0;
}

}  // namespace edgerun::kernels
