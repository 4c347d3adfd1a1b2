// Reference SOFTMAX kernels over the last axis, bit exact with TFLite's
// kReference path: float reference_ops::Softmax, and for uint8/int8 the
// gemmlowp fixed-point reference_ops::Softmax (Q5.26 scaled differences,
// exp_on_negative_values, Q12.19 accumulation, GetReciprocal). Each computes
// rows [row_begin, row_end) of a [rows, depth] view.
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

struct F32SoftmaxParams {
  float beta;
};

// From PreprocessSoftmaxScaling(beta, input_scale, 5) and CalculateInputRadius.
// Output scale is fixed at 1/256 (zero point 0 for uint8, -128 for int8).
struct QuantSoftmaxParams {
  int32_t input_multiplier;
  int input_left_shift;
  int32_t diff_min;  // differences below this give exactly the output minimum
};

void f32_softmax__ref(const float* x, float* y, int64_t depth, const F32SoftmaxParams& params, int64_t row_begin,
                      int64_t row_end);
void qu8_softmax__ref(const uint8_t* x, uint8_t* y, int64_t depth, const QuantSoftmaxParams& params,
                      int64_t row_begin, int64_t row_end);
void qs8_softmax__ref(const int8_t* x, int8_t* y, int64_t depth, const QuantSoftmaxParams& params,
                      int64_t row_begin, int64_t row_end);

}  // namespace edgerun::kernels::ref
