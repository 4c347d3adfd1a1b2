// Reference float TANH (TFLite reference_ops::Tanh, ONNX Tanh): y = tanh(x),
// elements [begin, end).
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

void f32_tanh__ref(const float* x, float* y, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
