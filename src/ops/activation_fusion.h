// Float activations fused into the kernel before them (runtime/fusion.cc):
// the vector function a LOGISTIC or HARD_SWISH kernel applies, for a conv to
// apply to its output slices (ops::fuse_f32_post_op), and LOGISTIC fused with
// the MUL of its output by its input (SiLU / Swish, as PyTorch exports
// EfficientNet's activations) when no conv takes it. Bit for bit the results
// of the separate ops (kernels/f32_vunary.h).
#pragma once

#include <memory>

#include "kernels/f32_vunary.h"
#include "ops/op.h"

namespace edgerun::ops {

// x * sigmoid(x) over the LOGISTIC's elements, reading the LOGISTIC's input
// and writing the MUL's output; null when `logistic` is not a float LOGISTIC
// kernel with a fast kernel (reference kernels stay unfused).
std::unique_ptr<Kernel> fuse_f32_swish(const Kernel& logistic);

// The fast x * sigmoid(x) of a float LOGISTIC kernel, null for reference kernels.
kernels::F32VUnaryFn f32_swish_fn(const Kernel& logistic);

// The fast hard swish of a HARD_SWISH kernel, null for reference kernels.
kernels::F32VUnaryFn f32_hard_swish_fn(const Kernel& hard_swish);

}  // namespace edgerun::ops
