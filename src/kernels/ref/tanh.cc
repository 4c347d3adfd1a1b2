#include "kernels/ref/tanh.h"

#include <cmath>

namespace edgerun::kernels::ref {

void f32_tanh__ref(const float* x, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = std::tanh(x[i]);
}

}  // namespace edgerun::kernels::ref
