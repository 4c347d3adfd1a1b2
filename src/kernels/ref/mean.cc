#include "kernels/ref/mean.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

template <typename T>
void quant_mean(const T* x, T* y, const ReduceIndex& ri, const QuantMeanParams& p, int64_t begin, int64_t end) {
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  constexpr int32_t kMax = std::numeric_limits<T>::max();
  for (int64_t o = begin; o < end; ++o) {
    if (ri.reduced_count == 0) {  // empty input: TFLite writes "NaN" cast to an integer, i.e. 0
      y[o] = 0;
      continue;
    }
    int32_t sum = 0;
    for_each_reduced(ri, reduce_base_offset(ri, o), [&](int64_t i) { sum += static_cast<int32_t>(x[i]); });
    y[o] = static_cast<T>(quant_mean_output(sum, ri.reduced_count, p, kMin, kMax));
  }
}

}  // namespace

int32_t quant_mean_output(int32_t sum, int64_t count, const QuantMeanParams& p, int32_t lo, int32_t hi) {
  const auto shifted_sum =
      static_cast<int32_t>(static_cast<int64_t>(sum) - static_cast<int64_t>(p.input_zero_point) * count);
  if (p.scale > 0.0f) {
    float v = static_cast<float>(shifted_sum) * p.scale;
    v = std::min(std::max(v, static_cast<float>(lo - p.output_zero_point)),
                 static_cast<float>(hi - p.output_zero_point));
    return static_cast<int32_t>(std::nearbyint(v)) + p.output_zero_point;
  }
  const int32_t out = multiply_by_quantized_multiplier(shifted_sum, p.multiplier, p.shift) + p.output_zero_point;
  return std::min(std::max(out, lo), hi);
}

void fold_mean_count(int64_t count, int32_t* multiplier, int* shift) {
  if (count <= 0) return;
  int s = 63 - count_leading_zeros_u64(static_cast<uint64_t>(count));
  s = std::min(s, 32);
  s = std::min(s, 31 + *shift);
  *multiplier = static_cast<int32_t>((static_cast<int64_t>(*multiplier) << s) / count);
  *shift = *shift - s;
}

void f32_mean__ref(const float* x, float* y, const ReduceIndex& ri, int64_t begin, int64_t end) {
  for (int64_t o = begin; o < end; ++o) {
    if (ri.reduced_count == 0) {
      y[o] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    float sum = 0.0f;
    for_each_reduced(ri, reduce_base_offset(ri, o), [&](int64_t i) { sum += x[i]; });
    y[o] = sum / static_cast<float>(ri.reduced_count);
  }
}

void qu8_mean__ref(const uint8_t* x, uint8_t* y, const ReduceIndex& ri, const QuantMeanParams& params,
                   int64_t begin, int64_t end) {
  quant_mean(x, y, ri, params, begin, end);
}

void qs8_mean__ref(const int8_t* x, int8_t* y, const ReduceIndex& ri, const QuantMeanParams& params,
                   int64_t begin, int64_t end) {
  quant_mean(x, y, ri, params, begin, end);
}

}  // namespace edgerun::kernels::ref
