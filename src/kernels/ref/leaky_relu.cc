#include "kernels/ref/leaky_relu.h"

namespace edgerun::kernels::ref {

void f32_leaky_relu__ref(const float* x, float* y, float alpha, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * alpha;
}

}  // namespace edgerun::kernels::ref
