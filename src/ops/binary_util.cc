#include "ops/binary_util.h"

#include <string>

namespace edgerun::ops {

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
  if (s.dtype != DType::kFloat32 && s.dtype != DType::kUInt8 && s.dtype != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(s.dtype));
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
    return node_error(n, "output shape: expected " + shape_string(broadcast) + ", found " +
                             shape_string(out.info.shape));
  }
  s.count = shape_elements(broadcast);
  if (s.dtype != DType::kFloat32) {
    EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 0", a));
    EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 1", b));
    EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));
  }
  return s;
}

}  // namespace edgerun::ops
