// Reference hard activations (float32), elements [begin, end):
//   hard swish:   y = x * min(max(x + 3, 0), 6) / 6   (TFLite HARD_SWISH, ONNX HardSwish)
//   hard sigmoid: y = max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid)
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

void f32_hswish__ref(const float* x, float* y, int64_t begin, int64_t end);
void f32_hsigmoid__ref(const float* x, float* y, float alpha, float beta, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
