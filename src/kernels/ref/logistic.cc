#include "kernels/ref/logistic.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgerun::kernels::ref {
namespace {

float logistic_transform(float value) { return 1.0f / (1.0f + std::exp(-value)); }

template <typename T>
void populate_lut(float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point,
                  Lut8Params* lut) {
  const float inverse_scale = 1.0f / output_scale;
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  constexpr int32_t kMax = std::numeric_limits<T>::max();
  for (int32_t val = kMin; val <= kMax; ++val) {
    const float dequantized = input_scale * static_cast<float>(val - input_zero_point);
    const float transformed = logistic_transform(dequantized);
    const float rescaled = std::round(transformed * inverse_scale);
    const int32_t quantized = static_cast<int32_t>(rescaled + static_cast<float>(output_zero_point));
    const T q = static_cast<T>(std::max(std::min(kMax, quantized), kMin));
    lut->table[static_cast<uint8_t>(static_cast<T>(val))] = static_cast<uint8_t>(q);
  }
}

}  // namespace

void populate_logistic_lut_u8(float input_scale, int32_t input_zero_point, float output_scale,
                              int32_t output_zero_point, Lut8Params* lut) {
  populate_lut<uint8_t>(input_scale, input_zero_point, output_scale, output_zero_point, lut);
}

void populate_logistic_lut_s8(float input_scale, int32_t input_zero_point, float output_scale,
                              int32_t output_zero_point, Lut8Params* lut) {
  populate_lut<int8_t>(input_scale, input_zero_point, output_scale, output_zero_point, lut);
}

void f32_logistic__ref(const float* x, float* y, int64_t begin, int64_t end) {
  const float cutoff_upper = 16.619047164916992188f;
  const float cutoff_lower = -9.0f;
  for (int64_t i = begin; i < end; ++i) {
    const float v = x[i];
    float r;
    if (v > cutoff_upper) {
      r = 1.0f;
    } else if (v < cutoff_lower) {
      r = std::exp(v);
    } else {
      r = 1.0f / (1.0f + std::exp(-v));
    }
    y[i] = r;
  }
}

void qu8_logistic__ref(const uint8_t* x, uint8_t* y, const Lut8Params& lut, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = lut.table[x[i]];
}

void qs8_logistic__ref(const int8_t* x, int8_t* y, const Lut8Params& lut, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = static_cast<int8_t>(lut.table[static_cast<uint8_t>(x[i])]);
}

}  // namespace edgerun::kernels::ref
