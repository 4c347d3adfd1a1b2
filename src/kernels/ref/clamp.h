// Reference CLAMP (TFLite RELU / RELU6 / RELU_N1_TO_1, ONNX Clip):
// y = min(max(x, lo), hi), elements [begin, end). lo > hi gives hi everywhere
// (ONNX's test_clip_min_greater_than_max); a float NaN input stays NaN.
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

void f32_clamp__ref(const float* x, float* y, float lo, float hi, int64_t begin, int64_t end);
void s8_clamp__ref(const int8_t* x, int8_t* y, int8_t lo, int8_t hi, int64_t begin, int64_t end);
void u8_clamp__ref(const uint8_t* x, uint8_t* y, uint8_t lo, uint8_t hi, int64_t begin, int64_t end);
void s16_clamp__ref(const int16_t* x, int16_t* y, int16_t lo, int16_t hi, int64_t begin, int64_t end);
void s32_clamp__ref(const int32_t* x, int32_t* y, int32_t lo, int32_t hi, int64_t begin, int64_t end);
void s64_clamp__ref(const int64_t* x, int64_t* y, int64_t lo, int64_t hi, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
