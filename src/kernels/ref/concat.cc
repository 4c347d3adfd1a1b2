#include "kernels/ref/concat.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace edgerun::kernels {
namespace {

size_t row_size(const ConcatParams& p) {
  size_t total = 0;
  for (int32_t i = 0; i < p.inputs; ++i) total += p.copy_size[i];
  return total;
}

template <typename T>
void concat(const ConcatParams& p, const void* const* inputs, T* output, size_t row_begin, size_t row_end) {
  const size_t out_row = row_size(p);
  for (size_t k = row_begin; k < row_end; ++k) {
    T* out = output + k * out_row;
    for (int32_t i = 0; i < p.inputs; ++i) {
      const size_t n = p.copy_size[i];
      const T* in = static_cast<const T*>(inputs[i]) + k * n;
      if (p.requantize == nullptr || !p.requantize[i]) {
        if (n > 0) std::memcpy(out, in, n * sizeof(T));
      } else if constexpr (std::is_integral_v<T>) {
        const float scale = p.scale[i];
        const float bias = p.bias[i];
        for (size_t j = 0; j < n; ++j) {
          // Same float expression as TFLite; the rounded value is bounded
          // before the int conversion so hostile scales cannot cause UB
          // (anything that far out clamps to the same end of the range).
          float rounded = std::round(static_cast<float>(in[j]) * scale + bias);
          if (!(rounded >= -1.0e9f)) rounded = -1.0e9f;
          if (!(rounded <= 1.0e9f)) rounded = 1.0e9f;
          const int32_t value = static_cast<int32_t>(rounded) + p.output_zero_point;
          out[j] = static_cast<T>(std::clamp<int32_t>(value, std::numeric_limits<T>::min(),
                                                      std::numeric_limits<T>::max()));
        }
      }
      out += n;
    }
  }
}

}  // namespace

void f32_concat__ref(const ConcatParams& p, const void* const* inputs, float* output, size_t row_begin,
                     size_t row_end) {
  concat<float>(p, inputs, output, row_begin, row_end);
}

void qu8_concat__ref(const ConcatParams& p, const void* const* inputs, uint8_t* output, size_t row_begin,
                     size_t row_end) {
  concat<uint8_t>(p, inputs, output, row_begin, row_end);
}

void qs8_concat__ref(const ConcatParams& p, const void* const* inputs, int8_t* output, size_t row_begin,
                     size_t row_end) {
  concat<int8_t>(p, inputs, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
