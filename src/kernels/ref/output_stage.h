// The output stages shared by the quantized reference conv, depthwise conv
// and fully-connected kernels. TFLite's (output_stage): int32 accumulator
// (+ bias), MultiplyByQuantizedMultiplier, + output offset, clamp to the
// activation range. ONNX Runtime's (output_stage_f32, MLAS's
// MlasRequantizeOutput): int32 accumulator (+ bias) to float, times a float
// scale, clamped to the range less the offset, rounded half to even, + offset.
//
// TFLite does this in plain int32 arithmetic, which wraps on every real target;
// here the wrap-around is made explicit (unsigned arithmetic) so results stay
// bit-identical and free of signed-overflow UB even for hostile weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/quant_util.h"

namespace edgerun::kernels {

// Adds two int32 values with two's-complement wrap-around, like int32 `+` in TFLite.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// acc64 is the exact sum of products; truncating it to int32 gives the value
// TFLite's wrapping int32 accumulator holds.
inline int32_t output_stage(int64_t acc64, const int32_t* bias, int32_t channel, int32_t multiplier, int32_t shift,
                            int32_t output_offset, int32_t act_min, int32_t act_max) {
  int32_t acc = static_cast<int32_t>(acc64);
  if (bias != nullptr) acc = wrapping_add(acc, bias[channel]);
  acc = multiply_by_quantized_multiplier(acc, multiplier, shift);
  acc = wrapping_add(acc, output_offset);
  acc = std::max(acc, act_min);
  acc = std::min(acc, act_max);
  return acc;
}

// Clamping before rounding (as MLAS does) equals clamping after, the bounds
// being integers, and keeps the float -> int32 conversion in range.
inline int32_t output_stage_f32(int64_t acc64, const int32_t* bias, int32_t channel, float scale,
                                int32_t output_offset, int32_t act_min, int32_t act_max) {
  int32_t acc = static_cast<int32_t>(acc64);
  if (bias != nullptr) acc = wrapping_add(acc, bias[channel]);
  float v = static_cast<float>(acc) * scale;
  v = std::max(v, static_cast<float>(act_min - output_offset));
  v = std::min(v, static_cast<float>(act_max - output_offset));
  return static_cast<int32_t>(std::nearbyint(v)) + output_offset;
}

// Either stage, as a conv-like kernel's params choose.
template <typename P>
inline int32_t conv_output_stage(const P& p, int64_t acc, const int32_t* bias, int32_t channel) {
  if (p.scale != nullptr) {
    return output_stage_f32(acc, bias, channel, p.scale[channel], p.output_offset, p.act_min, p.act_max);
  }
  return output_stage(acc, bias, channel, p.multiplier[channel], p.shift[channel], p.output_offset, p.act_min,
                      p.act_max);
}

}  // namespace edgerun::kernels
