// Reference kernels for FULLY_CONNECTED: output[b, o] = sum_d input[b, d] * weights[o, d] + bias[o].
// Rows are batches: a call computes batches [row_begin, row_end).
//
// Quantized kernels match LiteRT's reference FULLY_CONNECTED bit for bit: the
// int32 accumulator (+ bias) is rescaled in double with one rounding,
// round(acc * output_scale[o]) with output_scale = in_scale * filter_scale / out_scale
// (per unit for per-channel int8 weights, the same value broadcast otherwise),
// then offset and clamped. uint8 and per-tensor int8 apply the weight zero point
// (filter_offset); per-channel int8 weights are symmetric (filter_offset = 0).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

struct FullyConnectedParams {
  int32_t batch = 0;        // rows
  int32_t input_depth = 0;  // accumulation depth
  int32_t units = 0;        // output depth

  float f32_min = 0.0f, f32_max = 0.0f;

  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  const double* output_scale = nullptr;  // [units]
  // [units] or null. Set: ONNX Runtime's output stage (output_stage_f32 in
  // kernels/ref/output_stage.h) with these scales, instead of output_scale.
  const float* scale = nullptr;
  int32_t act_min = 0, act_max = 0;
};

void f32_fully_connected_minmax__ref(const FullyConnectedParams& p, const float* input, const float* weights,
                                     const float* bias, float* output, size_t row_begin, size_t row_end);
void qu8_fully_connected__ref(const FullyConnectedParams& p, const uint8_t* input, const uint8_t* weights,
                              const int32_t* bias, uint8_t* output, size_t row_begin, size_t row_end);
void qs8_fully_connected__ref(const FullyConnectedParams& p, const int8_t* input, const int8_t* weights,
                              const int32_t* bias, int8_t* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
