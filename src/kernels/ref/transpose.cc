#include "kernels/ref/transpose.h"

#include <cstring>

namespace edgerun::kernels {

void xx_transpose__ref(const TransposeParams& p, const void* input, void* output, size_t begin, size_t end) {
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  const size_t eb = p.element_bytes;
  for (size_t o = begin; o < end; ++o) {
    size_t rest = o;
    int64_t src = 0;
    for (size_t d = p.rank; d-- > 0;) {
      const auto extent = static_cast<size_t>(p.out_shape[d]);
      src += static_cast<int64_t>(rest % extent) * p.in_stride[d];
      rest /= extent;
    }
    std::memcpy(out + o * eb, in + static_cast<size_t>(src) * eb, eb);
  }
}

}  // namespace edgerun::kernels
