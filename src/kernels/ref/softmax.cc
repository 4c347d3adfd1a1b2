#include "kernels/ref/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

constexpr int kScaledDiffIntegerBits = 5;    // input to exp() in Q5.26
constexpr int kAccumulationIntegerBits = 12;  // sum of exps in Q12.19

// MultiplyByQuantizedMultiplierGreaterThanOne. diff >= diff_min guarantees
// diff * 2^left_shift fits in int32 (that is what diff_min is for), so the
// 64-bit product equals TFLite's int32 one.
inline int32_t rescale_diff(int32_t diff, const QuantSoftmaxParams& p) {
  const int32_t shifted = static_cast<int32_t>(static_cast<int64_t>(diff) * (int64_t{1} << p.input_left_shift));
  return saturating_rounding_doubling_high_mul(shifted, p.input_multiplier);
}

// RoundingDivideByPOT for the final rescale. TFLite asserts exponent <= 31;
// it exceeds 31 only when the row's sum of exps reaches 2^28 (>= 512 entries
// at the row maximum), where LiteRT's reference kernel aborts. Past 31 this
// rounds x / 2^exponent half away from zero in 64 bits instead of shifting an
// int32 out of range.
inline int32_t rounding_divide_by_pot_any(int32_t x, int exponent) {
  if (exponent <= 31) return rounding_divide_by_pot(x, exponent);
  if (exponent >= 62) return 0;
  const int64_t half = int64_t{1} << (exponent - 1);
  const int64_t v = x;
  return static_cast<int32_t>(v >= 0 ? (v + half) >> exponent : -((-v + half) >> exponent));
}

// The reference's output for one exp_q0 of a row with the given reciprocal.
template <typename T>
inline T softmax_output(int32_t exp_q0, int32_t shifted_scale, int num_bits_over_unit) {
  constexpr int32_t kOutMin = std::numeric_limits<T>::min();
  constexpr int32_t kOutMax = std::numeric_limits<T>::max();
  constexpr int kOutBits = 8 * static_cast<int>(sizeof(T));
  const int32_t unsat = rounding_divide_by_pot_any(saturating_rounding_doubling_high_mul(shifted_scale, exp_q0),
                                                   num_bits_over_unit + 31 - kOutBits);
  return static_cast<T>(std::max(std::min(unsat + kOutMin, kOutMax), kOutMin));
}

template <typename T>
void quant_softmax(const T* x, T* y, int64_t depth, const QuantSoftmaxParams& p, int64_t row_begin,
                   int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const T* in = x + r * depth;
    T* out = y + r * depth;
    T max_in_row = std::numeric_limits<T>::min();
    for (int64_t c = 0; c < depth; ++c) max_in_row = std::max(max_in_row, in[c]);

    int32_t sum_of_exps = 0;  // Q12.19
    for (int64_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - static_cast<int32_t>(max_in_row);
      if (diff >= p.diff_min) {
        const int32_t exp_q0 = exp_on_negative_values(rescale_diff(diff, p), kScaledDiffIntegerBits);
        sum_of_exps = fp_add(sum_of_exps, fixed_point_rescale(exp_q0, 0, kAccumulationIntegerBits));
      }
    }

    int num_bits_over_unit = 0;
    const int32_t shifted_scale = get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);

    for (int64_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - static_cast<int32_t>(max_in_row);
      if (diff >= p.diff_min) {
        const int32_t exp_q0 = exp_on_negative_values(rescale_diff(diff, p), kScaledDiffIntegerBits);
        out[c] = softmax_output<T>(exp_q0, shifted_scale, num_bits_over_unit);
      } else {
        out[c] = std::numeric_limits<T>::min();
      }
    }
  }
}

template <typename T>
void table_softmax(const T* x, T* y, int64_t depth, const QuantSoftmaxTable& t, int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const T* in = x + r * depth;
    T* out = y + r * depth;
    int32_t max_in_row = std::numeric_limits<T>::min();
    for (int64_t c = 0; c < depth; ++c) max_in_row = std::max<int32_t>(max_in_row, in[c]);
    int32_t sum_of_exps = 0;  // Q12.19, wrapping like the reference's fp_add
    for (int64_t c = 0; c < depth; ++c) sum_of_exps = fp_add(sum_of_exps, t.sum_term[max_in_row - in[c]]);
    int num_bits_over_unit = 0;
    const int32_t shifted_scale = get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    if (depth > 256) {
      T row_out[256];
      for (int d = 0; d < 256; ++d) row_out[d] = softmax_output<T>(t.exp_q0[d], shifted_scale, num_bits_over_unit);
      for (int64_t c = 0; c < depth; ++c) out[c] = row_out[max_in_row - in[c]];
    } else {
      for (int64_t c = 0; c < depth; ++c) {
        out[c] = softmax_output<T>(t.exp_q0[max_in_row - in[c]], shifted_scale, num_bits_over_unit);
      }
    }
  }
}

}  // namespace

void quant_softmax_table(const QuantSoftmaxParams& p, QuantSoftmaxTable* t) {
  for (int32_t d = 0; d < 256; ++d) {
    const int32_t diff = -d;
    const int32_t exp_q0 =
        diff >= p.diff_min ? exp_on_negative_values(rescale_diff(diff, p), kScaledDiffIntegerBits) : 0;
    t->exp_q0[d] = exp_q0;
    t->sum_term[d] = fixed_point_rescale(exp_q0, 0, kAccumulationIntegerBits);
  }
}

void qu8_softmax__table(const uint8_t* x, uint8_t* y, int64_t depth, const QuantSoftmaxTable& table,
                        int64_t row_begin, int64_t row_end) {
  table_softmax(x, y, depth, table, row_begin, row_end);
}
void qs8_softmax__table(const int8_t* x, int8_t* y, int64_t depth, const QuantSoftmaxTable& table,
                        int64_t row_begin, int64_t row_end) {
  table_softmax(x, y, depth, table, row_begin, row_end);
}

void f32_softmax__ref(const float* x, float* y, int64_t depth, const F32SoftmaxParams& params, int64_t row_begin,
                      int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float* in = x + r * depth;
    float* out = y + r * depth;
    float max = std::numeric_limits<float>::lowest();
    for (int64_t c = 0; c < depth; ++c) max = std::max(max, in[c]);
    float sum = 0.0f;
    for (int64_t c = 0; c < depth; ++c) {
      const float e = std::exp((in[c] - max) * params.beta);
      out[c] = e;
      sum += e;
    }
    for (int64_t c = 0; c < depth; ++c) out[c] = out[c] / sum;
  }
}

void qu8_softmax__ref(const uint8_t* x, uint8_t* y, int64_t depth, const QuantSoftmaxParams& params,
                      int64_t row_begin, int64_t row_end) {
  quant_softmax(x, y, depth, params, row_begin, row_end);
}

void qs8_softmax__ref(const int8_t* x, int8_t* y, int64_t depth, const QuantSoftmaxParams& params,
                      int64_t row_begin, int64_t row_end) {
  quant_softmax(x, y, depth, params, row_begin, row_end);
}

}  // namespace edgerun::kernels::ref
