// Validation shared by the two-input elementwise ops (ADD, MUL).
#pragma once

#include "edgerun/status.h"
#include "ir/graph.h"
#include "kernels/ref/broadcast.h"
#include "ops/op_util.h"

namespace edgerun::ops {

struct BinaryOpShape {
  DType dtype = DType::kFloat32;
  ir::Activation activation = ir::Activation::kNone;
  kernels::ref::BroadcastIndex bc;
  int64_t count = 0;  // output elements
};

// Checks arity, ElementwiseAttrs, one dtype (float32, uint8 or int8) for both
// inputs and the output, NumPy-broadcast-compatible input shapes equal to the
// output shape, and, for 8-bit dtypes, per-tensor quantization of all three.
Result<BinaryOpShape> prepare_binary_elementwise(const ir::Graph& g, const ir::Node& n);

}  // namespace edgerun::ops
