// Reference float LEAKY_RELU (TFLite reference_ops::LeakyRelu, ONNX LeakyRelu):
// y = x > 0 ? x : alpha * x, elements [begin, end).
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

void f32_leaky_relu__ref(const float* x, float* y, float alpha, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
