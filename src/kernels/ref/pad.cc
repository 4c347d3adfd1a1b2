#include "kernels/ref/pad.h"

#include <cstring>

namespace edgerun::kernels {
namespace {

// `value` repeated `count` times; one memset when its bytes are all equal (0.0f,
// any 8-bit value), the common case.
void fill(uint8_t* dst, size_t count, size_t element_bytes, const uint8_t* value, bool uniform) {
  if (uniform) {
    std::memset(dst, value[0], count * element_bytes);
    return;
  }
  for (size_t i = 0; i < count; ++i) std::memcpy(dst + i * element_bytes, value, element_bytes);
}

}  // namespace

void xx_pad__ref(const PadParams& p, const void* input, void* output, size_t row_begin, size_t row_end) {
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  const size_t eb = p.element_bytes;
  const int32_t last = p.rank - 1;
  const auto out_w = static_cast<size_t>(p.out_dims[last]);
  const auto in_w = static_cast<size_t>(p.in_dims[last]);
  const int32_t* map_w = p.map[last];
  const auto run_begin = static_cast<size_t>(p.run_begin);
  const auto run_end = static_cast<size_t>(p.run_end);
  bool uniform = true;
  for (size_t b = 1; b < eb; ++b) uniform = uniform && p.value[b] == p.value[0];
  for (size_t r = row_begin; r < row_end; ++r) {
    uint8_t* dst = out + r * out_w * eb;
    // Map the output row to an input row, or find it lies in constant padding.
    size_t rem = r;
    size_t in_row = 0;
    size_t in_stride = 1;
    bool inside = true;
    for (int32_t d = last - 1; d >= 0; --d) {
      const auto out_dim = static_cast<size_t>(p.out_dims[d]);
      const int32_t coord = p.map[d][rem % out_dim];
      rem /= out_dim;
      if (coord < 0) {
        inside = false;
        break;
      }
      in_row += static_cast<size_t>(coord) * in_stride;
      in_stride *= static_cast<size_t>(p.in_dims[d]);
    }
    if (!inside) {
      fill(dst, out_w, eb, p.value, uniform);
      continue;
    }
    const uint8_t* src = in + in_row * in_w * eb;
    auto copy_one = [&](size_t o) {
      const int32_t c = map_w[o];
      if (c < 0) {
        std::memcpy(dst + o * eb, p.value, eb);
      } else {
        std::memcpy(dst + o * eb, src + static_cast<size_t>(c) * eb, eb);
      }
    };
    for (size_t o = 0; o < run_begin; ++o) copy_one(o);
    if (run_end > run_begin) {
      std::memcpy(dst + run_begin * eb, src + static_cast<size_t>(map_w[run_begin]) * eb, (run_end - run_begin) * eb);
    }
    for (size_t o = run_end; o < out_w; ++o) copy_one(o);
  }
}

}  // namespace edgerun::kernels
