// Fast float32 kernels of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, taken
// from the dispatch tables of a PrepareContext: each returned Kernel owns its
// weights (and bias) packed once here and splits its rows over the Session's
// thread pool. Each function returns null when the tables hold no fast kernel
// for the case; the op then keeps its reference kernel.
#pragma once

#include <memory>

#include "ir/graph.h"
#include "kernels/dispatch.h"
#include "kernels/ref/conv.h"
#include "kernels/ref/fully_connected.h"
#include "ops/op.h"

namespace edgerun::ops {

// `p` is the validated geometry and activation range; filter and bias
// (optional) are the node's constant float32 tensors.
std::unique_ptr<Kernel> make_f32_conv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                        const kernels::KernelTables& tables);
std::unique_ptr<Kernel> make_f32_dwconv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                          const kernels::KernelTables& tables);
std::unique_ptr<Kernel> make_f32_fully_connected(const kernels::FullyConnectedParams& p, const ir::Value& weights,
                                                 const ir::Value* bias, const kernels::KernelTables& tables);

}  // namespace edgerun::ops
