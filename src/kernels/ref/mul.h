// Reference MUL kernels (TFLite reference_ops::Mul / BroadcastMul*DSlow and
// reference_integer_ops::Mul, bit exact). Each computes output elements
// [begin, end) of a possibly broadcast multiply.
#pragma once

#include <cstdint>

#include "kernels/ref/add.h"  // F32MinMaxParams
#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {

// y = clamp(output_offset + MultiplyByQuantizedMultiplier((a + input1_offset) * (b + input2_offset))).
struct QuantMulParams {
  int32_t input1_offset;  // -input1 zero point
  int32_t input2_offset;  // -input2 zero point
  int32_t output_offset;  // output zero point
  int32_t output_multiplier;
  int output_shift;  // > 0: left shift
  int32_t output_min;
  int32_t output_max;
};

void f32_mul_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end);
void qu8_mul__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                  const QuantMulParams& params, int64_t begin, int64_t end);
void qs8_mul__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc,
                  const QuantMulParams& params, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
