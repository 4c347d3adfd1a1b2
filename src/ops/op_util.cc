#include "ops/op_util.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "kernels/quant_util.h"
#include "ops/conv_util.h"

namespace edgerun::ops {

Status node_error(const ir::Node& node, const std::string& what) {
  const OpInfo* info = find_op(node.op);
  return InvalidModel(std::string(info ? info->name : ir::op_name(node.op)) + " (operator " +
                      std::to_string(node.source_index) + "): " + what);
}

Status node_unsupported(const ir::Node& node, const std::string& what) {
  return Unsupported(node_error(node, what).message());
}

Status expect_arity(const ir::Graph& g, const ir::Node& n, size_t min_inputs, size_t max_inputs,
                    size_t outputs) {
  if (n.inputs.size() < min_inputs || n.inputs.size() > max_inputs) {
    return node_error(n, "input count: expected " + std::to_string(min_inputs) +
                             (max_inputs != min_inputs ? ".." + std::to_string(max_inputs) : "") +
                             ", found " + std::to_string(n.inputs.size()));
  }
  if (n.outputs.size() != outputs) {
    return node_error(n, "output count: expected " + std::to_string(outputs) + ", found " +
                             std::to_string(n.outputs.size()));
  }
  const auto count = static_cast<int32_t>(g.values.size());
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const int32_t v = n.inputs[i];
    const bool optional_absent = v == ir::kNoValue && i >= min_inputs;
    if (!optional_absent && (v < 0 || v >= count)) {
      return node_error(n, "input " + std::to_string(i) + " tensor index " + std::to_string(v) +
                               " out of range [0, " + std::to_string(count) + ")");
    }
  }
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    if (n.outputs[i] < 0 || n.outputs[i] >= count) {
      return node_error(n, "output " + std::to_string(i) + " tensor index " + std::to_string(n.outputs[i]) +
                               " out of range");
    }
  }
  return Status::Ok();
}

const ir::Value& input(const ir::Graph& g, const ir::Node& n, size_t i) { return g.values[n.inputs[i]]; }
const ir::Value& output(const ir::Graph& g, const ir::Node& n, size_t i) { return g.values[n.outputs[i]]; }
bool has_input(const ir::Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != ir::kNoValue; }

Status expect_dtype(const ir::Node& n, const char* which, const ir::Value& v, DType expected) {
  if (v.info.dtype == expected) return Status::Ok();
  return node_error(n, std::string(which) + " dtype: expected " + dtype_name(expected) + ", found " +
                           dtype_name(v.info.dtype));
}

Status expect_rank(const ir::Node& n, const char* which, const ir::Value& v, size_t rank) {
  if (v.info.shape.size() == rank) return Status::Ok();
  return node_error(n, std::string(which) + " rank: expected " + std::to_string(rank) + ", found " +
                           std::to_string(v.info.shape.size()) + " (shape " + shape_string(v.info.shape) + ")");
}

Status expect_constant(const ir::Node& n, const char* which, const ir::Value& v) {
  if (v.is_constant()) return Status::Ok();
  return node_error(n, std::string(which) + " must be a constant tensor (" + v.info.name + ")");
}

Status expect_per_tensor_quant(const ir::Node& n, const char* which, const ir::Value& v) {
  const QuantParams& q = v.info.quant;
  if (q.scale.size() != 1 || q.zero_point.size() != 1) {
    return node_error(n, std::string(which) + " quantization: expected one scale and zero point, found " +
                             std::to_string(q.scale.size()) + " scales");
  }
  if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0])) {
    return node_error(n, std::string(which) + " quantization scale must be positive and finite, found " +
                             std::to_string(q.scale[0]));
  }
  return Status::Ok();
}

Status expect_quant8(const ir::Node& n, const std::string& which, const ir::Value& v) {
  EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, which.c_str(), v));
  const int64_t zp = v.info.quant.zero_point[0];
  const int64_t lo = v.info.dtype == DType::kUInt8 ? 0 : -128;
  const int64_t hi = v.info.dtype == DType::kUInt8 ? 255 : 127;
  if (zp < lo || zp > hi) {
    return node_error(n, which + " zero point: expected in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                             "] for " + dtype_name(v.info.dtype) + ", found " + std::to_string(zp));
  }
  return Status::Ok();
}

Result<QuantRuns> quant_runs(const ir::Graph& g, const ir::Node& n, const char* which, const ir::Value& q) {
  const std::string w = which;
  int64_t lo = 0, hi = 0;
  switch (q.info.dtype) {
    case DType::kUInt8: hi = 255; break;
    case DType::kInt8: lo = -128; hi = 127; break;
    case DType::kUInt16: hi = 65535; break;
    case DType::kInt16: lo = -32768; hi = 32767; break;
    case DType::kUInt4: hi = 15; break;
    case DType::kInt4: lo = -8; hi = 7; break;
    case DType::kUInt2: hi = 3; break;
    case DType::kInt2: lo = -2; hi = 1; break;
    case DType::kFloat4E2M1:  // zero point 0: ONNX's DequantizeLinear ignores it
    case DType::kFloat8E4M3FN:
    case DType::kFloat8E5M2: break;  // scale only: the zero point must be 0
    default:
      return node_error(n, w + " dtype: expected int8, uint8, int16, uint16, int4, uint4, int2, uint2, float4e2m1, "
                               "float8e4m3fn or float8e5m2, found " +
                               dtype_name(q.info.dtype));
  }
  auto check = [&](size_t i, float scale, int64_t zp) -> Status {
    if (!(scale > 0.0f) || !std::isfinite(scale)) {
      return node_error(n, w + " quantization scale " + std::to_string(i) + ": expected positive and finite, found " +
                               std::to_string(scale));
    }
    if (zp < lo || zp > hi) {
      return node_error(n, w + " zero point " + std::to_string(i) + ": expected in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "] for " + dtype_name(q.info.dtype) + ", found " +
                               std::to_string(zp));
    }
    return Status::Ok();
  };
  QuantRuns r;
  if (has_input(n, 1) || has_input(n, 2)) {
    if (!has_input(n, 1) || !has_input(n, 2)) {
      return node_error(n, "inputs 1 and 2 (element-wise scales and zero points): expected both, found one");
    }
    if (!q.info.quant.empty()) {
      return node_error(n, w + " quantization: expected none with element-wise scales (inputs 1 and 2), found " +
                               std::to_string(q.info.quant.scale.size()) + " scales");
    }
    const ir::Value& scale = input(g, n, 1);
    const ir::Value& zp = input(g, n, 2);
    EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 1 (scales)", scale, DType::kFloat32));
    EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 2 (zero points)", zp, DType::kInt32));
    for (const ir::Value* v : {&scale, &zp}) {
      const char* name = v == &scale ? "input 1 (scales)" : "input 2 (zero points)";
      if (v->info.shape != q.info.shape) {
        return node_error(n, std::string(name) + " shape: expected " + shape_string(q.info.shape) + " (" + w +
                                 "'s), found " + shape_string(v->info.shape));
      }
      EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, name, *v));
    }
    const auto count = static_cast<size_t>(q.info.elements());
    r.scale.resize(count);
    r.zero_point.resize(count);
    if (count > 0) {
      std::memcpy(r.scale.data(), scale.data, count * sizeof(float));
      std::memcpy(r.zero_point.data(), zp.data, count * sizeof(int32_t));
    }
    for (size_t i = 0; i < count; ++i) EDGERUN_RETURN_IF_ERROR(check(i, r.scale[i], r.zero_point[i]));
    return r;
  }
  const QuantParams& qp = q.info.quant;
  const size_t count = qp.scale.size();
  if (count == 0 || qp.zero_point.size() != count) {
    return node_error(n, w + " quantization: expected scales and as many zero points, found " +
                             std::to_string(count) + " scales and " + std::to_string(qp.zero_point.size()) +
                             " zero points");
  }
  const auto rank = static_cast<int32_t>(q.info.shape.size());
  r.inner = q.info.elements();
  if (count > 1) {
    if (qp.axis < 0 || qp.axis >= rank || q.info.shape[static_cast<size_t>(qp.axis)] != static_cast<int64_t>(count)) {
      return node_error(n, w + " quantization: expected one scale or one per index of the quantized axis, found " +
                               std::to_string(count) + " scales along axis " + std::to_string(qp.axis) +
                               " of shape " + shape_string(q.info.shape));
    }
    r.inner = 1;
    for (int32_t d = qp.axis + 1; d < rank; ++d) r.inner *= q.info.shape[static_cast<size_t>(d)];
  }
  for (size_t i = 0; i < count; ++i) {
    EDGERUN_RETURN_IF_ERROR(check(i, qp.scale[i], qp.zero_point[i]));
    r.zero_point.push_back(static_cast<int32_t>(qp.zero_point[i]));
  }
  r.scale = qp.scale;
  return r;
}

QuantRange activation_range_quantized(ir::Activation act, const ir::Value& out) {
  int32_t qmin = 0, qmax = 0;
  switch (out.info.dtype) {
    case DType::kUInt8: qmin = 0; qmax = 255; break;
    case DType::kInt8: qmin = -128; qmax = 127; break;
    case DType::kInt16: qmin = -32768; qmax = 32767; break;
    default: qmin = std::numeric_limits<int32_t>::min(); qmax = std::numeric_limits<int32_t>::max(); break;
  }
  const float scale = out.info.quant.scale.empty() ? 1.0f : out.info.quant.scale[0];
  const int32_t zp = out.info.quant.zero_point.empty() ? 0 : static_cast<int32_t>(out.info.quant.zero_point[0]);
  auto quantize = [&](float f) { return zp + static_cast<int32_t>(kernels::round_half_away(f / scale)); };
  switch (act) {
    case ir::Activation::kRelu: return {std::max(qmin, quantize(0.0f)), qmax};
    case ir::Activation::kRelu6: return {std::max(qmin, quantize(0.0f)), std::min(qmax, quantize(6.0f))};
    case ir::Activation::kReluN1To1: return {std::max(qmin, quantize(-1.0f)), std::min(qmax, quantize(1.0f))};
    case ir::Activation::kNone: break;
  }
  return {qmin, qmax};
}

FloatRange activation_range_float(ir::Activation act) {
  switch (act) {
    case ir::Activation::kRelu: return {0.0f, std::numeric_limits<float>::max()};
    case ir::Activation::kRelu6: return {0.0f, 6.0f};
    case ir::Activation::kReluN1To1: return {-1.0f, 1.0f};
    case ir::Activation::kNone: break;
  }
  return {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max()};
}

int32_t conv_padding(ir::Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                     int32_t out) {
  if (padding == ir::Padding::kValid) return 0;
  const int64_t effective = (static_cast<int64_t>(filter) - 1) * dilation + 1;
  const int64_t total = (static_cast<int64_t>(out) - 1) * stride + effective - in;
  return static_cast<int32_t>(std::max<int64_t>(0, total / 2));
}

bool is_integer_dtype(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16 || t == DType::kInt32 || t == DType::kInt64;
}

Status expect_unary_elementwise(const ir::Graph& g, const ir::Node& n, bool plain_integers) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType dt = in.info.dtype;
  const char* expected = plain_integers ? "float32, int8, uint8, int16, int32 or int64" : "float32";
  if (dt != DType::kFloat32 && !(plain_integers && is_integer_dtype(dt))) {
    if (dt == DType::kUInt8 || dt == DType::kInt8) {  // a quantized model's op: valid, not implemented
      return node_unsupported(n, std::string("input 0 dtype: ") + dtype_name(dt) + " is not supported (" + expected +
                                     " only)");
    }
    return node_error(n, std::string("input 0 dtype: expected ") + expected + ", found " + dtype_name(dt));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dt));
  if (dt != DType::kFloat32 && (!in.info.quant.empty() || !out.info.quant.empty())) {
    return node_unsupported(n, std::string("quantized ") + dtype_name(dt) + " is not supported (" + expected +
                                   " without quantization)");
  }
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  return Status::Ok();
}

}  // namespace edgerun::ops
