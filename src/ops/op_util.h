// Validation and parameter helpers shared by the op files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"
#include "ir/graph.h"
#include "ops/op.h"

namespace edgerun::ops {

// Checks the node has between min and max inputs and exactly `outputs` outputs,
// and that every present index is in range (importers check this too; ops must
// not rely on it).
Status expect_arity(const ir::Graph& g, const ir::Node& n, size_t min_inputs, size_t max_inputs,
                    size_t outputs);

// The Value of input i (must be present: call after expect_arity).
const ir::Value& input(const ir::Graph& g, const ir::Node& n, size_t i);
const ir::Value& output(const ir::Graph& g, const ir::Node& n, size_t i);
bool has_input(const ir::Node& n, size_t i);

Status expect_dtype(const ir::Node& n, const char* which, const ir::Value& v, DType expected);
Status expect_rank(const ir::Node& n, const char* which, const ir::Value& v, size_t rank);
Status expect_constant(const ir::Node& n, const char* which, const ir::Value& v);
// Per-tensor quantization (exactly one scale and zero point, scale > 0 and finite).
Status expect_per_tensor_quant(const ir::Node& n, const char* which, const ir::Value& v);

// Per-tensor quantization with a zero point in the 8-bit dtype's range
// ([0, 255] for uint8, [-128, 127] for int8).
Status expect_quant8(const ir::Node& n, const std::string& which, const ir::Value& v);

// The affine quantization of QUANTIZE's output / DEQUANTIZE's input `q` (an
// int8 / uint8 / int16 / uint16 / int4 / uint4 / int2 / uint2 tensor, or
// float4e2m1 / float8e4m3fn / float8e5m2 with zero points 0), validated: element i has
// scale[(i / inner) % scale.size()] and the zero point at the same index. From
// q's QuantParams (per tensor: inner = q's elements; per channel along axis:
// inner = the product of the later dims), or, when the node has inputs 1 and
// 2, from those: float32 scales and int32 zero points, constants of q's shape
// (inner = 1), q then having no QuantParams (see ir::QuantizeAttrs).
struct QuantRuns {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int64_t inner = 1;
};
Result<QuantRuns> quant_runs(const ir::Graph& g, const ir::Node& n, const char* which, const ir::Value& q);

// [min, max] of the fused activation in the output's quantized domain, as
// TFLite's CalculateActivationRangeQuantized computes it.
struct QuantRange {
  int32_t min;
  int32_t max;
};
QuantRange activation_range_quantized(ir::Activation act, const ir::Value& out);

// [min, max] of the fused activation for float outputs (CalculateActivationRange).
struct FloatRange {
  float min;
  float max;
};
FloatRange activation_range_float(ir::Activation act);

// Leading padding for one spatial dim, as TFLite's ComputePaddingHeightWidth
// computes it, given the output size.
int32_t conv_padding(ir::Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                     int32_t out);

// int8, uint8, int16, int32 or int64: the plain integers of CLAMP (ADD, SUB,
// MUL and DIV also take uint16 / uint32 / uint64: binary_util.h).
bool is_integer_dtype(DType t);

// The one-input elementwise ops (TANH, LEAKY_RELU, CLAMP): one input and one
// output of the same dtype and shape; float32, or also plain integers (see
// is_integer_dtype; no quantization parameters) when `plain_integers`.
// Quantized tensors are unsupported (kUnsupported).
Status expect_unary_elementwise(const ir::Graph& g, const ir::Node& n, bool plain_integers);

}  // namespace edgerun::ops
