#include "kernels/ref/strided_slice.h"

#include <cstring>

namespace edgerun::kernels {

void xx_strided_slice__ref(const StridedSliceParams& p, const void* input, void* output, size_t row_begin,
                           size_t row_end) {
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  const size_t eb = p.element_bytes;
  const size_t last = p.rank - 1;
  const auto width = static_cast<size_t>(p.extent[last]);
  const int64_t step = p.in_step[last];
  for (size_t r = row_begin; r < row_end; ++r) {
    size_t rest = r;
    int64_t src = p.base;
    for (size_t d = last; d-- > 0;) {
      const auto extent = static_cast<size_t>(p.extent[d]);
      src += static_cast<int64_t>(rest % extent) * p.in_step[d];
      rest /= extent;
    }
    uint8_t* dst = out + r * width * eb;
    if (step == 1) {
      if (width > 0) std::memcpy(dst, in + static_cast<size_t>(src) * eb, width * eb);
      continue;
    }
    for (size_t k = 0; k < width; ++k, src += step) {
      std::memcpy(dst + k * eb, in + static_cast<size_t>(src) * eb, eb);
    }
  }
}

}  // namespace edgerun::kernels
