#include "kernels/ref/hard_activation.h"

#include <algorithm>

namespace edgerun::kernels::ref {

void f32_hswish__ref(const float* x, float* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = x[i] * std::min(std::max(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
}

void f32_hsigmoid__ref(const float* x, float* y, float alpha, float beta, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = std::max(0.0f, std::min(1.0f, alpha * x[i] + beta));
}

}  // namespace edgerun::kernels::ref
