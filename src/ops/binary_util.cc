#include "ops/binary_util.h"

#include <algorithm>
#include <limits>
#include <string>

#include "kernels/quant_util.h"
#include "kernels/ref/int_arith.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

template <typename T>
using IntegerFn = void (*)(const T*, const T*, T*, const ref::BroadcastIndex&, int64_t, int64_t);

template <typename T>
void run_integer(IntegerBinaryOp op, IntegerFn<T> add, IntegerFn<T> sub, IntegerFn<T> mul, IntegerFn<T> div,
                 const KernelIO& io, const ref::BroadcastIndex& bc, int64_t count) {
  const IntegerFn<T> fns[] = {add, sub, mul, div};
  fns[static_cast<int>(op)](static_cast<const T*>(io.inputs[0]), static_cast<const T*>(io.inputs[1]),
                            static_cast<T*>(io.outputs[0]), bc, 0, count);
}

// The plain integers that run_integer_binary has kernels for: CLAMP's
// (is_integer_dtype) and the wider unsigned types.
bool is_arith_integer_dtype(DType t) {
  return is_integer_dtype(t) || t == DType::kUInt16 || t == DType::kUInt32 || t == DType::kUInt64;
}

}  // namespace

Result<BinaryOpShape> prepare_binary_elementwise(const ir::Graph& g, const ir::Node& n) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 2, 1));
  const auto* attrs = std::get_if<ir::ElementwiseAttrs>(&n.attrs);
  if (!attrs) return node_error(n, "attributes: expected ElementwiseAttrs");
  const ir::Value& a = input(g, n, 0);
  const ir::Value& b = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  BinaryOpShape s;
  s.dtype = a.info.dtype;
  s.activation = attrs->activation;
  if (s.dtype != DType::kFloat32 && !is_arith_integer_dtype(s.dtype)) {
    return node_error(n,
                      std::string("input 0 dtype: expected float32, int8, uint8, int16, uint16, int32, uint32, int64 "
                                  "or uint64, found ") +
                          dtype_name(s.dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 1", b, s.dtype));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, s.dtype));
  Shape broadcast;
  if (!kernels::ref::make_broadcast_index(a.info.shape, b.info.shape, &broadcast, &s.bc)) {
    return node_error(n, "input shapes: expected broadcast-compatible shapes of rank <= " +
                             std::to_string(kernels::ref::kMaxIndexRank) + ", found " + shape_string(a.info.shape) +
                             " and " + shape_string(b.info.shape));
  }
  if (broadcast != out.info.shape) {
    return node_error(n,
                      "output shape: expected " + shape_string(broadcast) + ", found " + shape_string(out.info.shape));
  }
  s.count = shape_elements(broadcast);
  if (s.dtype == DType::kFloat32) return s;

  const bool any_quant = !a.info.quant.empty() || !b.info.quant.empty() || !out.info.quant.empty();
  if (any_quant) {
    if (s.dtype != DType::kUInt8 && s.dtype != DType::kInt8) {
      return node_unsupported(n, std::string("quantized ") + dtype_name(s.dtype) +
                                     " is not supported (quantized uint8 / int8, or plain integers without "
                                     "quantization parameters)");
    }
    EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 0", a));
    EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 1", b));
    EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));
    s.quantized = true;
    return s;
  }
  if (s.activation != ir::Activation::kNone) {
    return node_unsupported(n, std::string("a fused activation on plain ") + dtype_name(s.dtype) +
                                   " tensors is not supported (expected NONE)");
  }
  return s;
}

Result<kernels::ref::QuantAddParams> quant_add_params(const ir::Node& n, const ir::Value& a, const ir::Value& b,
                                                      const ir::Value& out, ir::Activation activation) {
  const float s1 = a.info.quant.scale[0];
  const float s2 = b.info.quant.scale[0];
  const float so = out.info.quant.scale[0];
  ref::QuantAddParams q{};
  q.input1_offset = -static_cast<int32_t>(a.info.quant.zero_point[0]);
  q.input2_offset = -static_cast<int32_t>(b.info.quant.zero_point[0]);
  q.output_offset = static_cast<int32_t>(out.info.quant.zero_point[0]);
  q.left_shift = 20;
  // Same float/double mix as TFLite's Prepare.
  const double twice_max_input_scale = static_cast<double>(2 * std::max(s1, s2));
  const double real_input1_multiplier = s1 / twice_max_input_scale;
  const double real_input2_multiplier = s2 / twice_max_input_scale;
  const double real_output_multiplier =
      twice_max_input_scale / static_cast<double>(static_cast<float>(1 << q.left_shift) * so);
  if (!(real_output_multiplier < 1.0)) {
    return node_error(n, "quantization: expected output scale > 2 * max(input scales) / 2^20, found output scale " +
                             std::to_string(so) + " for input scales " + std::to_string(s1) + " and " +
                             std::to_string(s2));
  }
  kernels::quantize_multiplier(real_input1_multiplier, &q.input1_multiplier, &q.input1_shift);
  kernels::quantize_multiplier(real_input2_multiplier, &q.input2_multiplier, &q.input2_shift);
  kernels::quantize_multiplier(real_output_multiplier, &q.output_multiplier, &q.output_shift);
  const QuantRange range = activation_range_quantized(activation, out);
  q.output_min = range.min;
  q.output_max = range.max;
  if (q.output_min > q.output_max) {
    return node_error(n, "fused activation range is empty for the output quantization (min " +
                             std::to_string(range.min) + " > max " + std::to_string(range.max) + ")");
  }
  return q;
}

FloatRange elementwise_range_float(ir::Activation activation) {
  if (activation == ir::Activation::kNone) {
    return {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  }
  return activation_range_float(activation);
}

void run_integer_binary(IntegerBinaryOp op, DType dtype, const KernelIO& io, const ref::BroadcastIndex& bc,
                        int64_t count) {
  switch (dtype) {
    case DType::kInt8:
      run_integer<int8_t>(op, ref::s8_add__ref, ref::s8_sub__ref, ref::s8_mul__ref, ref::s8_div__ref, io, bc, count);
      break;
    case DType::kUInt8:
      run_integer<uint8_t>(op, ref::u8_add__ref, ref::u8_sub__ref, ref::u8_mul__ref, ref::u8_div__ref, io, bc, count);
      break;
    case DType::kInt16:
      run_integer<int16_t>(op, ref::s16_add__ref, ref::s16_sub__ref, ref::s16_mul__ref, ref::s16_div__ref, io, bc,
                           count);
      break;
    case DType::kInt32:
      run_integer<int32_t>(op, ref::s32_add__ref, ref::s32_sub__ref, ref::s32_mul__ref, ref::s32_div__ref, io, bc,
                           count);
      break;
    case DType::kInt64:
      run_integer<int64_t>(op, ref::s64_add__ref, ref::s64_sub__ref, ref::s64_mul__ref, ref::s64_div__ref, io, bc,
                           count);
      break;
    case DType::kUInt16:
      run_integer<uint16_t>(op, ref::u16_add__ref, ref::u16_sub__ref, ref::u16_mul__ref, ref::u16_div__ref, io, bc,
                            count);
      break;
    case DType::kUInt32:
      run_integer<uint32_t>(op, ref::u32_add__ref, ref::u32_sub__ref, ref::u32_mul__ref, ref::u32_div__ref, io, bc,
                            count);
      break;
    case DType::kUInt64:
      run_integer<uint64_t>(op, ref::u64_add__ref, ref::u64_sub__ref, ref::u64_mul__ref, ref::u64_div__ref, io, bc,
                            count);
      break;
    default:
      break;
  }
}

}  // namespace edgerun::ops
