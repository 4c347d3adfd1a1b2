#include "kernels/ref/conv_transpose.h"

#include <algorithm>

namespace edgerun::kernels {
namespace {

// The input index i with i * stride - pad + k * dilation == o, or -1 when
// there is none in [0, size).
inline int64_t source_index(int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dilation, int64_t size) {
  const int64_t t = o + pad - k * dilation;
  if (t < 0 || t % stride != 0 || t / stride >= size) return -1;
  return t / stride;
}

}  // namespace

void f32_conv_transpose__ref(const ConvTransposeParams& p, const float* input, const float* filter, const float* bias,
                             float* output, size_t row_begin, size_t row_end) {
  const int64_t group_in = p.in_c / p.groups, group_out = p.out_c / p.groups;
  for (size_t r = row_begin; r < row_end; ++r) {
    const int64_t b = static_cast<int64_t>(r / static_cast<size_t>(p.out_h));
    const int64_t oy = static_cast<int64_t>(r % static_cast<size_t>(p.out_h));
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      float* out = output + static_cast<size_t>(((b * p.out_h + oy) * p.out_w + ox) * p.out_c);
      for (int64_t oc = 0; oc < p.out_c; ++oc) {
        const int64_t first_in = oc / group_out * group_in;  // oc's group
        float total = 0.0f;
        for (int64_t ky = 0; ky < p.filter_h; ++ky) {
          const int64_t iy = source_index(oy, ky, p.stride_h, p.pad_top, p.dilation_h, p.in_h);
          if (iy < 0) continue;
          for (int64_t kx = 0; kx < p.filter_w; ++kx) {
            const int64_t ix = source_index(ox, kx, p.stride_w, p.pad_left, p.dilation_w, p.in_w);
            if (ix < 0) continue;
            const float* in = input + static_cast<size_t>(((b * p.in_h + iy) * p.in_w + ix) * p.in_c + first_in);
            const float* w = filter + static_cast<size_t>(((oc * p.filter_h + ky) * p.filter_w + kx) * group_in);
            for (int64_t i = 0; i < group_in; ++i) total += in[i] * w[i];
          }
        }
        const float bias_value = bias != nullptr ? bias[oc] : 0.0f;
        out[oc] = std::min(std::max(total + bias_value, p.f32_min), p.f32_max);
      }
    }
  }
}

}  // namespace edgerun::kernels
