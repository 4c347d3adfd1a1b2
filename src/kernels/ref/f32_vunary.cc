#include "kernels/f32_vunary.h"

#include <cstdint>

#include "kernels/ref/hard_activation.h"
#include "kernels/ref/logistic.h"

namespace edgerun::kernels {

void f32_vsigmoid__ref(size_t n, const float* x, float* y) { ref::f32_logistic__ref(x, y, 0, static_cast<int64_t>(n)); }

void f32_vhswish__ref(size_t n, const float* x, float* y) { ref::f32_hswish__ref(x, y, 0, static_cast<int64_t>(n)); }

void f32_vswish__ref(size_t n, const float* x, float* y) {
  for (size_t i = 0; i < n; ++i) {
    float s;
    ref::f32_logistic__ref(x + i, &s, 0, 1);
    y[i] = x[i] * s;
  }
}

}  // namespace edgerun::kernels
