// Reference kernels for CONCATENATION. The output is viewed as
// [outer, sum_i copy_size[i]] where outer is the product of the dims before the
// axis and copy_size[i] = input i's axis dim * the product of the dims after it.
// A call writes outer rows [row_begin, row_end).
//
// Quantized inputs whose scale or zero point differ from the output's are
// requantized exactly as TFLite's reference_ops::ConcatenationWithScaling does,
// in float: q_out = round(q_in * scale + bias) + output_zero_point, clamped,
// with scale = input_scale * (1.f / output_scale) and bias = -input_zero_point * scale.
// Inputs with identical quantization are copied. Input pointers are untyped
// (they come straight from KernelIO) and point at elements of the kernel's dtype.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

struct ConcatParams {
  int32_t inputs = 0;
  size_t outer = 0;                    // rows
  const size_t* copy_size = nullptr;   // [inputs], elements per row of each input
  // Quantized only ([inputs] each; null for float).
  const uint8_t* requantize = nullptr;  // 1: requantize this input, 0: copy it
  const float* scale = nullptr;
  const float* bias = nullptr;
  int32_t output_zero_point = 0;
};

void f32_concat__ref(const ConcatParams& p, const void* const* inputs, float* output, size_t row_begin,
                     size_t row_end);
void qu8_concat__ref(const ConcatParams& p, const void* const* inputs, uint8_t* output, size_t row_begin,
                     size_t row_end);
void qs8_concat__ref(const ConcatParams& p, const void* const* inputs, int8_t* output, size_t row_begin,
                     size_t row_end);

}  // namespace edgerun::kernels
