// Reference ADD kernels (TFLite reference_ops::Add / BroadcastAdd*DSlow and
// reference_integer_ops::Add, bit exact). Each computes output elements
// [begin, end) of a possibly broadcast add.
#pragma once

#include <cstdint>

#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {

// Fused activation clamp for float elementwise ops: y = min(max(x, min), max).
struct F32MinMaxParams {
  float min;
  float max;
};

// TFLite's 8-bit ADD parameters (add.cc Prepare): both inputs are shifted
// left by `left_shift` (20), rescaled to twice the larger input scale, summed,
// and rescaled to the output; all multipliers are < 1 (shifts <= 0).
struct QuantAddParams {
  int32_t input1_offset;  // -input1 zero point
  int32_t input2_offset;  // -input2 zero point
  int32_t output_offset;  // output zero point
  int left_shift;
  int32_t input1_multiplier;
  int input1_shift;
  int32_t input2_multiplier;
  int input2_shift;
  int32_t output_multiplier;
  int output_shift;
  int32_t output_min;  // fused activation range in the output's quantized domain
  int32_t output_max;
};

// ONNX's definition of a quantized Add, QuantizeLinear(DequantizeLinear(a) +
// DequantizeLinear(b)), each step in float as ONNX Runtime computes it when it
// runs the nodes as they are (which it does for a residual Add, whose input
// DequantizeLinear is shared, keeping it from fusing them into QLinearAdd):
//   y = round_half_even((float(a - a_zp) * a_scale + float(b - b_zp) * b_scale) / y_scale)
//       clamped to the range less y_zp, + y_zp.
struct F32QuantAddParams {
  float a_scale;
  float b_scale;
  float y_scale;
  int32_t a_zero_point;
  int32_t b_zero_point;
  int32_t y_zero_point;
  int32_t output_min;  // fused activation range in the output's quantized domain
  int32_t output_max;
};

void f32_add_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end);
void qu8_add__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                  const QuantAddParams& params, int64_t begin, int64_t end);
void qs8_add__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc,
                  const QuantAddParams& params, int64_t begin, int64_t end);

void qu8_add_f32__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                      const F32QuantAddParams& params, int64_t begin, int64_t end);
void qs8_add_f32__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc,
                      const F32QuantAddParams& params, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
