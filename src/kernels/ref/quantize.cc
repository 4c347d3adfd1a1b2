#include "kernels/ref/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/float4.h"
#include "core/float_types.h"
#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

// Saturates to [kMin, kMax]: T's range, or a sub-byte type's.
template <typename T, int32_t kMin = std::numeric_limits<T>::min(), int32_t kMax = std::numeric_limits<T>::max()>
void affine_quantize(const float* x, T* y, const AffineQuantizeParams& p, int64_t begin, int64_t end) {
  if (p.round_half_to_even) {
    constexpr auto kMinD = static_cast<double>(kMin), kMaxD = static_cast<double>(kMax);
    for (int64_t i = begin; i < end; ++i) {
      // ONNX: rint in float (the default rounding mode is to nearest, ties to
      // even), then the zero point added and clamped in double, where it is exact.
      const float r = std::nearbyint(x[i] / p.scale);
      const double q = static_cast<double>(r) + p.zero_point;
      y[i] = std::isnan(q) ? static_cast<T>(kMin) : static_cast<T>(std::min(std::max(q, kMinD), kMaxD));
    }
    return;
  }
  for (int64_t i = begin; i < end; ++i) {
    // TFLite: static_cast<int32_t>(round(x / scale)) + zero_point, then clamp.
    // Out-of-range and NaN conversions are undefined in C++; x86 (where LiteRT
    // was checked) yields INT32_MIN and the add wraps, so reproduce exactly that.
    const float r = std::round(x[i] / p.scale);
    const int32_t q = rounded_to_int32_x86(r);
    const auto unclamped =
        static_cast<int32_t>(static_cast<uint32_t>(q) + static_cast<uint32_t>(p.zero_point));
    y[i] = static_cast<T>(std::min(std::max(unclamped, kMin), kMax));
  }
}

template <uint8_t (*Encode)(float, bool)>
void float8_quantize(const float* x, uint8_t* y, const Float8QuantizeParams& p, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = Encode(x[i] / p.scale, p.saturate);
}

template <typename In, typename Out>
void requantize(const In* x, Out* y, const RequantizeParams& p, int64_t begin, int64_t end) {
  constexpr int32_t kMin = std::numeric_limits<Out>::min();
  constexpr int32_t kMax = std::numeric_limits<Out>::max();
  for (int64_t i = begin; i < end; ++i) {
    const int32_t in = static_cast<int32_t>(x[i]) - p.input_zero_point;
    const int32_t out = multiply_by_quantized_multiplier(in, p.multiplier, p.shift) + p.output_zero_point;
    y[i] = static_cast<Out>(std::max(std::min(out, kMax), kMin));
  }
}

template <typename T>
void dequantize(const T* x, float* y, const DequantizeParams& p, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const int32_t v = static_cast<int32_t>(x[i]);
    y[i] = static_cast<float>(p.scale * (v - p.zero_point));
  }
}

// float8 / float4e2m1 codes, decoded exactly to float.
template <float (*Decode)(uint8_t)>
void float_code_dequantize(const uint8_t* x, float* y, const DequantizeParams& p, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = static_cast<float>(p.scale * (static_cast<double>(Decode(x[i])) - p.zero_point));
}

}  // namespace

void f32_qu8_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin,
                           int64_t end) {
  affine_quantize(x, y, params, begin, end);
}
void f32_qs8_quantize__ref(const float* x, int8_t* y, const AffineQuantizeParams& params, int64_t begin,
                           int64_t end) {
  affine_quantize(x, y, params, begin, end);
}

void f32_qu16_quantize__ref(const float* x, uint16_t* y, const AffineQuantizeParams& params, int64_t begin,
                            int64_t end) {
  affine_quantize(x, y, params, begin, end);
}
void f32_qs16_quantize__ref(const float* x, int16_t* y, const AffineQuantizeParams& params, int64_t begin,
                            int64_t end) {
  affine_quantize(x, y, params, begin, end);
}

void f32_f8e4m3fn_quantize__ref(const float* x, uint8_t* y, const Float8QuantizeParams& params, int64_t begin,
                                int64_t end) {
  float8_quantize<float_to_float8e4m3fn>(x, y, params, begin, end);
}
void f32_f8e5m2_quantize__ref(const float* x, uint8_t* y, const Float8QuantizeParams& params, int64_t begin,
                              int64_t end) {
  float8_quantize<float_to_float8e5m2>(x, y, params, begin, end);
}

void f32_qs4_quantize__ref(const float* x, int8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end) {
  affine_quantize<int8_t, -8, 7>(x, y, params, begin, end);
}
void f32_qu4_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end) {
  affine_quantize<uint8_t, 0, 15>(x, y, params, begin, end);
}
void f32_qs2_quantize__ref(const float* x, int8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end) {
  affine_quantize<int8_t, -2, 1>(x, y, params, begin, end);
}
void f32_qu2_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end) {
  affine_quantize<uint8_t, 0, 3>(x, y, params, begin, end);
}

void f32_fp4_quantize__ref(const float* x, uint8_t* y, const AffineQuantizeParams& params, int64_t begin, int64_t end) {
  const auto zero_point = static_cast<float>(params.zero_point);
  for (int64_t i = begin; i < end; ++i) y[i] = float_to_float4e2m1(x[i] / params.scale + zero_point);
}

void qu8_qu8_requantize__ref(const uint8_t* x, uint8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end) {
  requantize(x, y, params, begin, end);
}
void qu8_qs8_requantize__ref(const uint8_t* x, int8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end) {
  requantize(x, y, params, begin, end);
}
void qs8_qu8_requantize__ref(const int8_t* x, uint8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end) {
  requantize(x, y, params, begin, end);
}
void qs8_qs8_requantize__ref(const int8_t* x, int8_t* y, const RequantizeParams& params, int64_t begin,
                             int64_t end) {
  requantize(x, y, params, begin, end);
}

void qu8_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                             int64_t end) {
  dequantize(x, y, params, begin, end);
}
void qs8_f32_dequantize__ref(const int8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                             int64_t end) {
  dequantize(x, y, params, begin, end);
}

void qu16_f32_dequantize__ref(const uint16_t* x, float* y, const DequantizeParams& params, int64_t begin,
                              int64_t end) {
  dequantize(x, y, params, begin, end);
}
void qs16_f32_dequantize__ref(const int16_t* x, float* y, const DequantizeParams& params, int64_t begin,
                              int64_t end) {
  dequantize(x, y, params, begin, end);
}
void f8e4m3fn_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                                  int64_t end) {
  float_code_dequantize<float8e4m3fn_to_float>(x, y, params, begin, end);
}
void f8e5m2_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin,
                                int64_t end) {
  float_code_dequantize<float8e5m2_to_float>(x, y, params, begin, end);
}

void fp4_f32_dequantize__ref(const uint8_t* x, float* y, const DequantizeParams& params, int64_t begin, int64_t end) {
  float_code_dequantize<float4e2m1_to_float>(x, y, params, begin, end);
}

}  // namespace edgerun::kernels::ref
