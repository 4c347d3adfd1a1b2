#include "kernels/ref/sub.h"

#include <algorithm>

#include "kernels/quant_util.h"

namespace edgerun::kernels::ref {
namespace {

// ADD's arithmetic (kernels/ref/add.cc) with a difference of the rescaled
// inputs; negating input 2's multiplier instead would round ties differently.
template <typename T>
void quant_sub(const T* a, const T* b, T* y, const BroadcastIndex& bc, const QuantAddParams& p, int64_t begin,
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
    const int32_t raw_diff = a_scaled - b_scaled;
    const int32_t raw_out =
        multiply_by_quantized_multiplier_smaller_than_one_exp(raw_diff, p.output_multiplier, p.output_shift) +
        p.output_offset;
    y[i] = static_cast<T>(std::min(p.output_max, std::max(p.output_min, raw_out)));
  });
}

}  // namespace

void f32_sub_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    y[i] = std::min(std::max(a[ia] - b[ib], params.min), params.max);
  });
}

void qu8_sub__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                  const QuantAddParams& params, int64_t begin, int64_t end) {
  quant_sub(a, b, y, bc, params, begin, end);
}

void qs8_sub__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, const QuantAddParams& params,
                  int64_t begin, int64_t end) {
  quant_sub(a, b, y, bc, params, begin, end);
}

}  // namespace edgerun::kernels::ref
