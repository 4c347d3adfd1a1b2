#include "kernels/ref/mul.h"

#include <algorithm>

#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

template <typename T>
void quant_mul(const T* a, const T* b, T* y, const BroadcastIndex& bc, const QuantMulParams& p, int64_t begin,
               int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    const int32_t a_val = p.input1_offset + static_cast<int32_t>(a[ia]);
    const int32_t b_val = p.input2_offset + static_cast<int32_t>(b[ib]);
    const int32_t raw =
        p.output_offset + multiply_by_quantized_multiplier(a_val * b_val, p.output_multiplier, p.output_shift);
    y[i] = static_cast<T>(std::min(p.output_max, std::max(p.output_min, raw)));
  });
}

}  // namespace

void f32_mul_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    y[i] = std::min(std::max(a[ia] * b[ib], params.min), params.max);
  });
}

void qu8_mul__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                  const QuantMulParams& params, int64_t begin, int64_t end) {
  quant_mul(a, b, y, bc, params, begin, end);
}

void qs8_mul__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc,
                  const QuantMulParams& params, int64_t begin, int64_t end) {
  quant_mul(a, b, y, bc, params, begin, end);
}

}  // namespace edgerun::kernels::ref
