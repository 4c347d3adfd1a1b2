#include "kernels/ref/pad.h"

#include <algorithm>
#include <cstring>

namespace edgerun::kernels {
namespace {

template <typename T>
void pad(const PadParams& p, const T* input, T* output, T value, size_t row_begin, size_t row_end) {
  const int32_t last = p.rank - 1;
  const auto out_w = static_cast<size_t>(p.out_dims[last]);
  const auto in_w = static_cast<size_t>(p.in_dims[last]);
  const auto left = static_cast<size_t>(p.before[last]);
  for (size_t r = row_begin; r < row_end; ++r) {
    T* out = output + r * out_w;
    // Map the output row to an input row, or find it lies in the padding.
    size_t rem = r;
    size_t in_row = 0;
    size_t in_stride = 1;
    bool inside = true;
    for (int32_t d = last - 1; d >= 0; --d) {
      const auto out_dim = static_cast<size_t>(p.out_dims[d]);
      const auto coord = static_cast<int64_t>(rem % out_dim) - p.before[d];
      rem /= out_dim;
      if (coord < 0 || coord >= p.in_dims[d]) {
        inside = false;
        break;
      }
      in_row += static_cast<size_t>(coord) * in_stride;
      in_stride *= static_cast<size_t>(p.in_dims[d]);
    }
    if (!inside) {
      std::fill(out, out + out_w, value);
      continue;
    }
    std::fill(out, out + left, value);
    if (in_w > 0) std::memcpy(out + left, input + in_row * in_w, in_w * sizeof(T));
    std::fill(out + left + in_w, out + out_w, value);
  }
}

}  // namespace

void f32_pad__ref(const PadParams& p, const float* input, float* output, size_t row_begin, size_t row_end) {
  pad<float>(p, input, output, p.f32_value, row_begin, row_end);
}

void qu8_pad__ref(const PadParams& p, const uint8_t* input, uint8_t* output, size_t row_begin, size_t row_end) {
  pad<uint8_t>(p, input, output, static_cast<uint8_t>(p.quant_value), row_begin, row_end);
}

void qs8_pad__ref(const PadParams& p, const int8_t* input, int8_t* output, size_t row_begin, size_t row_end) {
  pad<int8_t>(p, input, output, static_cast<int8_t>(p.quant_value), row_begin, row_end);
}

}  // namespace edgerun::kernels
