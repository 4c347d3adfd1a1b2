// Reference LOGISTIC kernels, bit exact with TFLite's kReference path:
// float reference_ops::Logistic (with its cutoffs), and for uint8/int8 a
// 256-entry lookup table built at prepare time exactly as LUTPopulate does.
// Each computes elements [begin, end).
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

// Indexed by the input byte reinterpreted as uint8 (int8 -1 is entry 255).
struct Lut8Params {
  uint8_t table[256];
};

// TFLite's LUTPopulate<uint8_t/int8_t> with transform 1 / (1 + exp(-x)).
void populate_logistic_lut_u8(float input_scale, int32_t input_zero_point, float output_scale,
                              int32_t output_zero_point, Lut8Params* lut);
void populate_logistic_lut_s8(float input_scale, int32_t input_zero_point, float output_scale,
                              int32_t output_zero_point, Lut8Params* lut);

void f32_logistic__ref(const float* x, float* y, int64_t begin, int64_t end);
void qu8_logistic__ref(const uint8_t* x, uint8_t* y, const Lut8Params& lut, int64_t begin, int64_t end);
void qs8_logistic__ref(const int8_t* x, int8_t* y, const Lut8Params& lut, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
