// Reference MEAN kernels, bit exact with TFLite's kReference path:
// float: reference_ops::Mean (sum in input order, then divide by the count);
// uint8/int8: reference_ops::QuantizedMeanOrSum (int32 sum, then one
// MultiplyByQuantizedMultiplier with 1/count folded into the multiplier).
// Each computes output elements [begin, end).
#pragma once

#include <cstdint>

#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {

// With no axes LiteRT (2.3.0, kReference) still runs the reduction with a
// count of 1: the float path computes x / 1 and the quantized path requantizes.
struct QuantMeanParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;  // input_scale / output_scale / count, as TFLite folds it
  int shift;
  // > 0: ONNX Runtime's QLinearGlobalAveragePool arithmetic instead of
  // multiplier / shift: float(sum - input_zero_point * count) times this
  // float(input_scale / (output_scale * float(count))), clamped, rounded half
  // to even, + output_zero_point.
  float scale = 0.0f;
};

void f32_mean__ref(const float* x, float* y, const ReduceIndex& ri, int64_t begin, int64_t end);
void qu8_mean__ref(const uint8_t* x, uint8_t* y, const ReduceIndex& ri, const QuantMeanParams& params,
                   int64_t begin, int64_t end);
void qs8_mean__ref(const int8_t* x, int8_t* y, const ReduceIndex& ri, const QuantMeanParams& params,
                   int64_t begin, int64_t end);

// One quantized mean output from the int32 sum of its `count` inputs (the
// output stage of qu8_mean__ref / qs8_mean__ref; count > 0).
int32_t quant_mean_output(int32_t sum, int64_t count, const QuantMeanParams& params, int32_t lo, int32_t hi);

// Folds 1/count into (multiplier, shift) exactly as QuantizedMeanOrSum does.
void fold_mean_count(int64_t count, int32_t* multiplier, int* shift);

}  // namespace edgerun::kernels::ref
