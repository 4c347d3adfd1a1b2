#include "kernels/ref/fully_connected.h"

#include <algorithm>

#include <cmath>

#include "kernels/ref/output_stage.h"

namespace edgerun::kernels {
namespace {

template <typename T>
void quant_fully_connected(const FullyConnectedParams& p, const T* input, const T* weights, const int32_t* bias,
                           T* output, size_t row_begin, size_t row_end) {
  const size_t depth = static_cast<size_t>(p.input_depth);
  const size_t units = static_cast<size_t>(p.units);
  for (size_t b = row_begin; b < row_end; ++b) {
    const T* in = input + b * depth;
    for (size_t o = 0; o < units; ++o) {
      const T* w = weights + o * depth;
      int64_t acc = 0;
      for (size_t d = 0; d < depth; ++d) {
        acc += (static_cast<int32_t>(w[d]) + p.filter_offset) * (static_cast<int32_t>(in[d]) + p.input_offset);
      }
      if (p.scale != nullptr) {
        output[b * units + o] = static_cast<T>(
            output_stage_f32(acc, bias, static_cast<int32_t>(o), p.scale[o], p.output_offset, p.act_min, p.act_max));
        continue;
      }
      int32_t acc32 = static_cast<int32_t>(acc);  // TFLite's wrapping int32 accumulator
      if (bias != nullptr) acc32 = wrapping_add(acc32, bias[o]);
      const int32_t scaled = rounded_to_int32_x86(std::round(static_cast<double>(acc32) * p.output_scale[o]));
      const int32_t shifted = wrapping_add(scaled, p.output_offset);
      output[b * units + o] = static_cast<T>(std::min(std::max(shifted, p.act_min), p.act_max));
    }
  }
}

}  // namespace

void f32_fully_connected_minmax__ref(const FullyConnectedParams& p, const float* input, const float* weights,
                                     const float* bias, float* output, size_t row_begin, size_t row_end) {
  const size_t depth = static_cast<size_t>(p.input_depth);
  const size_t units = static_cast<size_t>(p.units);
  for (size_t b = row_begin; b < row_end; ++b) {
    const float* in = input + b * depth;
    for (size_t o = 0; o < units; ++o) {
      const float* w = weights + o * depth;
      float total = 0.0f;
      for (size_t d = 0; d < depth; ++d) total += in[d] * w[d];
      const float bias_value = bias != nullptr ? bias[o] : 0.0f;
      output[b * units + o] = std::min(std::max(total + bias_value, p.f32_min), p.f32_max);
    }
  }
}

void qu8_fully_connected__ref(const FullyConnectedParams& p, const uint8_t* input, const uint8_t* weights,
                              const int32_t* bias, uint8_t* output, size_t row_begin, size_t row_end) {
  quant_fully_connected<uint8_t>(p, input, weights, bias, output, row_begin, row_end);
}

void qs8_fully_connected__ref(const FullyConnectedParams& p, const int8_t* input, const int8_t* weights,
                              const int32_t* bias, int8_t* output, size_t row_begin, size_t row_end) {
  quant_fully_connected<int8_t>(p, input, weights, bias, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
