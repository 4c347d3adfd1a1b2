#include "kernels/ref/local_response_norm.h"

#include <algorithm>
#include <cmath>

namespace edgerun::kernels::ref {

void f32_local_response_norm__ref(const float* x, float* y, int64_t depth, const LocalResponseNormParams& p,
                                  int64_t row_begin, int64_t row_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    const float* in = x + r * depth;
    float* out = y + r * depth;
    for (int64_t c = 0; c < depth; ++c) {
      const int64_t begin = std::max<int64_t>(0, c - p.radius_before);
      const int64_t end = std::min<int64_t>(depth, c + p.radius_after + 1);
      float sum = 0.0f;
      for (int64_t j = begin; j < end; ++j) sum += in[j] * in[j];
      out[c] = in[c] * std::pow(p.bias + p.alpha * sum, -p.beta);
    }
  }
}

}  // namespace edgerun::kernels::ref
