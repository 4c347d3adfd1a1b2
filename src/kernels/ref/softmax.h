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

// The quantized softmax reorganized around its 256 possible differences: the
// exp of every difference x - max in [-255, 0] is computed once per op by the
// reference's own functions (quant_softmax_table), a row sums table entries
// and, when it is longer than 256, maps each difference to its output through
// a per-row table of the same reference arithmetic. Bit-exact with the
// reference kernels (a difference below diff_min gets exp 0, which adds
// nothing to the sum and outputs the minimum, as the reference's skip does);
// about 10x faster on a 1001-class row.
struct QuantSoftmaxTable {
  int32_t exp_q0[256];     // [-diff]: exp_on_negative_values(rescaled diff), Q0.31
  int32_t sum_term[256];   // [-diff]: that exp in the Q12.19 accumulator
};
void quant_softmax_table(const QuantSoftmaxParams& params, QuantSoftmaxTable* table);
void qu8_softmax__table(const uint8_t* x, uint8_t* y, int64_t depth, const QuantSoftmaxTable& table,
                        int64_t row_begin, int64_t row_end);
void qs8_softmax__table(const int8_t* x, int8_t* y, int64_t depth, const QuantSoftmaxTable& table,
                        int64_t row_begin, int64_t row_end);

void f32_softmax__ref(const float* x, float* y, int64_t depth, const F32SoftmaxParams& params, int64_t row_begin,
                      int64_t row_end);
void qu8_softmax__ref(const uint8_t* x, uint8_t* y, int64_t depth, const QuantSoftmaxParams& params,
                      int64_t row_begin, int64_t row_end);
void qs8_softmax__ref(const int8_t* x, int8_t* y, int64_t depth, const QuantSoftmaxParams& params,
                      int64_t row_begin, int64_t row_end);

}  // namespace edgerun::kernels::ref
