// Validation and parameters shared by the two-input elementwise ops (ADD, SUB,
// MUL, DIV).
#pragma once

#include "edgerun/status.h"
#include "ir/graph.h"
#include "kernels/ref/add.h"
#include "kernels/ref/broadcast.h"
#include "ops/op_util.h"

namespace edgerun::ops {

struct BinaryOpShape {
  DType dtype = DType::kFloat32;
  bool quantized = false;  // uint8 / int8 with per-tensor quantization; other integers are plain
  ir::Activation activation = ir::Activation::kNone;
  kernels::ref::BroadcastIndex bc;
  int64_t count = 0;  // output elements
};

// Checks arity, ElementwiseAttrs, one dtype for both inputs and the output
// (float32, or a signed or unsigned integer of 8 to 64 bits),
// NumPy-broadcast-compatible input shapes equal to the output shape, and the
// quantization: uint8 / int8 tensors are quantized when any of the three has
// quantization parameters (then all three need per-tensor quantization),
// plain integers otherwise. Plain integers take no fused activation; quantized
// integers wider than 8 bits are unsupported.
Result<BinaryOpShape> prepare_binary_elementwise(const ir::Graph& g, const ir::Node& n);

// TFLite's 8-bit ADD parameters (add.cc Prepare: left_shift 20, inputs
// rescaled to twice the larger input scale), also those of 8-bit SUB
// (sub.cc's PrepareGeneralSubOp computes the same).
Result<kernels::ref::QuantAddParams> quant_add_params(const ir::Node& n, const ir::Value& a, const ir::Value& b,
                                                      const ir::Value& out, ir::Activation activation);

// The fused activation range of a float SUB / DIV: no clamp at all for kNone,
// so that infinities pass through as in IEEE arithmetic (TFLite clamps them to
// +-FLT_MAX; finite results are the same).
FloatRange elementwise_range_float(ir::Activation activation);

enum class IntegerBinaryOp : uint8_t { kAdd, kSub, kMul, kDiv };

// Runs the plain-integer reference kernel (kernels/ref/int_arith.h) of `op`
// for `dtype` (int8 to int64, uint8 to uint64) over the whole output.
void run_integer_binary(IntegerBinaryOp op, DType dtype, const KernelIO& io, const kernels::ref::BroadcastIndex& bc,
                        int64_t count);

}  // namespace edgerun::ops
