// Fusing a float LOGISTIC with the MUL of its output by its input (SiLU /
// Swish, as PyTorch exports EfficientNet's activations): one pass over the
// map instead of two, bit for bit the same results (kernels/f32_vunary.h).
#pragma once

#include <memory>

#include "ops/op.h"

namespace edgerun::ops {

// The kernel computing y = x * sigmoid(x) over the LOGISTIC's elements, reading
// the LOGISTIC's input and writing the MUL's output; null when `logistic` is
// not a float LOGISTIC kernel with a fast kernel (reference kernels stay unfused).
std::unique_ptr<Kernel> fuse_f32_swish(const Kernel& logistic);

}  // namespace edgerun::ops
