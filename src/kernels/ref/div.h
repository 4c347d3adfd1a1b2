// Reference float DIV kernel (TFLite reference_ops::Div / BroadcastDivSlow):
// output elements [begin, end) of a possibly broadcast a / b (IEEE: x / 0 is
// +-inf, 0 / 0 is NaN), clamped to the fused activation range.
#pragma once

#include <cstdint>

#include "kernels/ref/add.h"  // F32MinMaxParams
#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {

void f32_div_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
