// Reference kernels for FULLY_CONNECTED: output[b, o] = sum_d input[b, d] * weights[o, d] + bias[o].
// Rows are batches: a call computes batches [row_begin, row_end).
//
// Quantized kernels match TFLite bit for bit:
//   qu8_fully_connected__ref  reference_ops::FullyConnected (uint8)
//   qs8_fully_connected__ref  reference_integer_ops::FullyConnected (per-tensor weights,
//                             filter_offset = -weights zero point) and
//                             FullyConnectedPerChannel (filter_offset = 0, one
//                             multiplier/shift per output unit)
// Per-tensor weights use the same multiplier for every unit (broadcast by the op).
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
  const int32_t* multiplier = nullptr;  // [units]
  const int32_t* shift = nullptr;       // [units], TFLite exponent
  int32_t act_min = 0, act_max = 0;
};

void f32_fully_connected_minmax__ref(const FullyConnectedParams& p, const float* input, const float* weights,
                                     const float* bias, float* output, size_t row_begin, size_t row_end);
void qu8_fully_connected__ref(const FullyConnectedParams& p, const uint8_t* input, const uint8_t* weights,
                              const int32_t* bias, uint8_t* output, size_t row_begin, size_t row_end);
void qs8_fully_connected__ref(const FullyConnectedParams& p, const int8_t* input, const int8_t* weights,
                              const int32_t* bias, int8_t* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
