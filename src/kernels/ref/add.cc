#include "kernels/ref/add.h"

#include <algorithm>
#include <cmath>

#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

template <typename T>
void quant_add(const T* a, const T* b, T* y, const BroadcastIndex& bc, const QuantAddParams& p, int64_t begin,
               int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    const int32_t a_val = p.input1_offset + static_cast<int32_t>(a[ia]);
    const int32_t b_val = p.input2_offset + static_cast<int32_t>(b[ib]);
    const int32_t a_shifted = a_val * (1 << p.left_shift);
    const int32_t b_shifted = b_val * (1 << p.left_shift);
    const int32_t a_scaled =
        multiply_by_quantized_multiplier_smaller_than_one_exp(a_shifted, p.input1_multiplier, p.input1_shift);
    const int32_t b_scaled =
        multiply_by_quantized_multiplier_smaller_than_one_exp(b_shifted, p.input2_multiplier, p.input2_shift);
    const int32_t raw_sum = a_scaled + b_scaled;
    const int32_t raw_out =
        multiply_by_quantized_multiplier_smaller_than_one_exp(raw_sum, p.output_multiplier, p.output_shift) +
        p.output_offset;
    y[i] = static_cast<T>(std::min(p.output_max, std::max(p.output_min, raw_out)));
  });
}

template <typename T>
void quant_add_f32(const T* a, const T* b, T* y, const BroadcastIndex& bc, const F32QuantAddParams& p, int64_t begin,
                   int64_t end) {
  const auto lo = static_cast<float>(p.output_min - p.y_zero_point);
  const auto hi = static_cast<float>(p.output_max - p.y_zero_point);
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    float fa = static_cast<float>(static_cast<int32_t>(a[ia]) - p.a_zero_point) * p.a_scale;
    float fb = static_cast<float>(static_cast<int32_t>(b[ib]) - p.b_zero_point) * p.b_scale;
    // Rounded products, as ONNX Runtime's separate DequantizeLinear outputs
    // are: no fusing the multiply into the add (an FMA rounds once).
    asm("" : "+g"(fa), "+g"(fb));
    const float sum = fa + fb;
    const float v = std::min(std::max(sum / p.y_scale, lo), hi);
    y[i] = static_cast<T>(static_cast<int32_t>(std::nearbyint(v)) + p.y_zero_point);
  });
}

}  // namespace

void f32_add_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    y[i] = std::min(std::max(a[ia] + b[ib], params.min), params.max);
  });
}

void qu8_add__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                  const QuantAddParams& params, int64_t begin, int64_t end) {
  quant_add(a, b, y, bc, params, begin, end);
}

void qs8_add__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc,
                  const QuantAddParams& params, int64_t begin, int64_t end) {
  quant_add(a, b, y, bc, params, begin, end);
}

void qu8_add_f32__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                      const F32QuantAddParams& params, int64_t begin, int64_t end) {
  quant_add_f32(a, b, y, bc, params, begin, end);
}

void qs8_add_f32__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc,
                      const F32QuantAddParams& params, int64_t begin, int64_t end) {
  quant_add_f32(a, b, y, bc, params, begin, end);
}

}  // namespace edgerun::kernels::ref
