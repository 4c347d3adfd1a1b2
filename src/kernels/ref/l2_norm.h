// Reference L2_NORMALIZATION kernels over the last axis, bit exact with
// TFLite's reference_ops::L2Normalization (float with epsilon 1e-6, uint8) and
// reference_integer_ops::L2Normalization (int8). Quantized outputs have scale
// 1/128 (zero point 128 for uint8, 0 for int8); the input scale cancels out.
// Each computes rows [row_begin, row_end) of a [rows, depth] view.
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

struct QuantL2NormParams {
  int32_t input_zero_point;
};

void f32_l2_norm__ref(const float* x, float* y, int64_t depth, int64_t row_begin, int64_t row_end);
void qu8_l2_norm__ref(const uint8_t* x, uint8_t* y, int64_t depth, const QuantL2NormParams& params,
                      int64_t row_begin, int64_t row_end);
void qs8_l2_norm__ref(const int8_t* x, int8_t* y, int64_t depth, const QuantL2NormParams& params,
                      int64_t row_begin, int64_t row_end);

}  // namespace edgerun::kernels::ref
