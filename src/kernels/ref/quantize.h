// Reference QUANTIZE / requantize / DEQUANTIZE kernels, bit exact with TFLite's
// reference_ops::AffineQuantize, reference_ops::Requantize and
// reference_ops::Dequantize (and with ONNX's QuantizeLinear / DequantizeLinear
// under round_half_to_even). Each computes elements [begin, end).
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

// float -> quantized: q = clamp(int32(round_half_away(x / scale)) + zero_point),
// in float like TFLite (out-of-int32-range values and NaN follow x86: INT32_MIN).
// round_half_to_even: ONNX's QuantizeLinear instead, q = saturate(rint(x / scale)
// + zero_point), saturating whatever the magnitude; NaN gives the type's
// minimum, as ONNX's reference does on x86.
struct AffineQuantizeParams {
  float scale;
  int32_t zero_point;
  bool round_half_to_even = false;
};

// float -> float8: q = float8(x / scale), the division in float, rounded to
// nearest even; `saturate` as ONNX's QuantizeLinear (see core/float_types.h).
struct Float8QuantizeParams {
  float scale;
  bool saturate = true;
};

// quantized -> quantized: q = clamp(MultiplyByQuantizedMultiplier(x - in_zp) + out_zp),
// multiplier = input_scale / output_scale.
struct RequantizeParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int shift;
};

// quantized -> float: y = float(double(scale) * (x - zero_point)); float8 x
// is converted to float exactly first.
struct DequantizeParams {
  double scale;
  int32_t zero_point;
};

void f32_qu8_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin,
                           int64_t end);
void f32_qs8_quantize__ref(const float* x, int8_t* y, const AffineQuantizeParams& params, int64_t begin,
                           int64_t end);
void f32_qu16_quantize__ref(const float* x, uint16_t* y, const AffineQuantizeParams& params, int64_t begin,
                            int64_t end);
void f32_qs16_quantize__ref(const float* x, int16_t* y, const AffineQuantizeParams& params, int64_t begin,
                            int64_t end);
void f32_f8e4m3fn_quantize__ref(const float* x, uint8_t* y, const Float8QuantizeParams& params, int64_t begin,
                                int64_t end);
void f32_f8e5m2_quantize__ref(const float* x, uint8_t* y, const Float8QuantizeParams& params, int64_t begin,
                              int64_t end);

// Sub-byte types, unpacked one per byte (see DType), saturating to [-8, 7],
// [0, 15], [-2, 1] and [0, 3].
void f32_qs4_quantize__ref(const float* x, int8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end);
void f32_qu4_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end);
void f32_qs2_quantize__ref(const float* x, int8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end);
void f32_qu2_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end);
// float -> float4e2m1 code: float_to_float4e2m1(x / scale + zero_point), as
// ONNX's QuantizeLinear (its reference adds the float zero point, which the
// importer only accepts as 0, so -0 results become +0).
void f32_fp4_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end);

void qu8_qu8_requantize__ref(const uint8_t* x, uint8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end);
void qu8_qs8_requantize__ref(const uint8_t* x, int8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end);
void qs8_qu8_requantize__ref(const int8_t* x, uint8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end);
void qs8_qs8_requantize__ref(const int8_t* x, int8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end);

void qu8_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                             int64_t end);
void qs8_f32_dequantize__ref(const int8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                             int64_t end);
void qu16_f32_dequantize__ref(const uint16_t* x, float* y, const DequantizeParams& params, int64_t begin,
                              int64_t end);
void qs16_f32_dequantize__ref(const int16_t* x, float* y, const DequantizeParams& params, int64_t begin,
                              int64_t end);
void f8e4m3fn_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                                  int64_t end);
void f8e5m2_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                                int64_t end);
// float4e2m1 codes: y = float(double(scale) * (value - zero_point)). int4 /
// uint4 / int2 / uint2 are stored as int8 / uint8 and use the 8-bit kernels.
void fp4_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
