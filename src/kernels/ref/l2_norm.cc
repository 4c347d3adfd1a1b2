#include "kernels/ref/l2_norm.h"

#include <algorithm>
#include <cmath>

#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

// Sum of squared differences, wrapping like TFLite's int32 accumulator
// (prepare bounds depth so that it cannot wrap).
template <typename T>
int32_t sum_of_squares(const T* in, int64_t depth, int32_t zero_point) {
  uint32_t acc = 0;
  for (int64_t c = 0; c < depth; ++c) {
    const int32_t diff = static_cast<int32_t>(in[c]) - zero_point;
    acc += static_cast<uint32_t>(diff * diff);
  }
  return static_cast<int32_t>(acc);
}

}  // namespace

void f32_l2_norm__ref(const float* x, float* y, int64_t depth, int64_t row_begin, int64_t row_end) {
  const float epsilon = 1e-6f;
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float* in = x + r * depth;
    float* out = y + r * depth;
    float squared_l2_norm = 0.0f;
    for (int64_t c = 0; c < depth; ++c) squared_l2_norm += in[c] * in[c];
    float l2_norm = std::sqrt(squared_l2_norm);
    l2_norm = std::max(l2_norm, epsilon);
    for (int64_t c = 0; c < depth; ++c) out[c] = in[c] / l2_norm;
  }
}

void qu8_l2_norm__ref(const uint8_t* x, uint8_t* y, int64_t depth, const QuantL2NormParams& params,
                      int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const uint8_t* in = x + r * depth;
    uint8_t* out = y + r * depth;
    int32_t inv_l2norm_multiplier = 0;
    int inv_l2norm_shift = 0;
    get_inv_sqrt_quantized_multiplier_exp(sum_of_squares(in, depth, params.input_zero_point), -1,
                                          &inv_l2norm_multiplier, &inv_l2norm_shift);
    for (int64_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - params.input_zero_point;
      const int32_t rescaled =
          multiply_by_quantized_multiplier_smaller_than_one_exp(128 * diff, inv_l2norm_multiplier, inv_l2norm_shift);
      out[c] = static_cast<uint8_t>(std::min(255, std::max(0, 128 + rescaled)));
    }
  }
}

void qs8_l2_norm__ref(const int8_t* x, int8_t* y, int64_t depth, const QuantL2NormParams& params,
                      int64_t row_begin, int64_t row_end) {
  constexpr int kOutputScale = 7;  // output in 1/128 units
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int8_t* in = x + r * depth;
    int8_t* out = y + r * depth;
    int32_t inv_l2norm_multiplier = 0;
    int inv_l2norm_shift = 0;
    get_inv_sqrt_quantized_multiplier_exp(sum_of_squares(in, depth, params.input_zero_point), -1,
                                          &inv_l2norm_multiplier, &inv_l2norm_shift);
    for (int64_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - params.input_zero_point;
      const int32_t v =
          multiply_by_quantized_multiplier(diff, inv_l2norm_multiplier, inv_l2norm_shift + kOutputScale);
      out[c] = static_cast<int8_t>(std::min(127, std::max(-128, v)));
    }
  }
}

}  // namespace edgerun::kernels::ref
