// L2_NORMALIZATION over the last axis. float32, uint8, int8; quantized outputs
// have scale 1/128 and zero point 128 (uint8) or 0 (int8), as TFLite requires.
#include <memory>
#include <string>

#include "kernels/ref/l2_norm.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

// The int32 sum of squared differences (each <= 255^2) must not overflow.
constexpr int64_t kMaxQuantDepth = 2147483647LL / (255 * 255);

class L2NormKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t rows = 0;
  int64_t depth = 0;
  ref::QuantL2NormParams q{};

  void run(const KernelIO& io) const override {
    switch (dtype) {
      case DType::kFloat32:
        ref::f32_l2_norm__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), depth, 0,
                              rows);
        break;
      case DType::kUInt8:
        ref::qu8_l2_norm__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), depth,
                              q, 0, rows);
        break;
      case DType::kInt8:
        ref::qs8_l2_norm__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]), depth,
                              q, 0, rows);
        break;
      default:
        break;
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_l2_normalization(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType dt = in.info.dtype;
  if (dt != DType::kFloat32 && dt != DType::kUInt8 && dt != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(dt));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dt));
  const size_t rank = in.info.shape.size();
  if (rank < 1 || rank > 4) {
    return node_error(n, "input 0 rank: expected 1 to 4, found " + std::to_string(rank));
  }
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  if (const auto* attrs = std::get_if<ir::L2NormAttrs>(&n.attrs);
      attrs && attrs->activation != ir::Activation::kNone) {
    return node_error(n, "fused activation: expected NONE (TFLite supports no other), found " +
                             std::to_string(static_cast<int>(attrs->activation)));
  }

  auto k = std::make_unique<L2NormKernel>();
  k->dtype = dt;
  k->depth = in.info.shape.back();
  k->rows = k->depth > 0 ? in.info.elements() / k->depth : 0;
  if (dt == DType::kFloat32) return std::unique_ptr<Kernel>(std::move(k));

  EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, "input 0", in));
  EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, "output", out));
  const int64_t in_zp = in.info.quant.zero_point[0];
  const int64_t lo = dt == DType::kUInt8 ? 0 : -128;
  if (in_zp < lo || in_zp > lo + 255) {
    return node_error(n, "input 0 zero point: expected in [" + std::to_string(lo) + ", " + std::to_string(lo + 255) +
                             "], found " + std::to_string(in_zp));
  }
  if (static_cast<double>(out.info.quant.scale[0]) != 1.0 / 128) {
    return node_error(n, "output scale: expected 1/128 (0.0078125), found " + std::to_string(out.info.quant.scale[0]));
  }
  const int64_t expected_zp = dt == DType::kUInt8 ? 128 : 0;
  if (out.info.quant.zero_point[0] != expected_zp) {
    return node_error(n, "output zero point: expected " + std::to_string(expected_zp) + ", found " +
                             std::to_string(out.info.quant.zero_point[0]));
  }
  if (k->depth > kMaxQuantDepth) {
    return node_error(n, "last dimension: expected <= " + std::to_string(kMaxQuantDepth) +
                             " for an int32 sum of squares, found " + std::to_string(k->depth));
  }
  k->q.input_zero_point = static_cast<int32_t>(in_zp);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
