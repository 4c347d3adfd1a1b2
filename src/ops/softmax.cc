// SOFTMAX over the last axis with beta. float32, uint8, int8; quantized
// outputs have scale 1/256 and zero point 0 (uint8) or -128 (int8). The
// quantized parameters are TFLite's kReference ones: PreprocessSoftmaxScaling
// (beta * input_scale in Q5.26) and diff_min from CalculateInputRadius.
#include <cmath>
#include <memory>
#include <string>

#include "kernels/quant_util.h"
#include "kernels/ref/softmax.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class SoftmaxKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t rows = 0;
  int64_t depth = 0;
  ref::F32SoftmaxParams f32{};
  ref::QuantSoftmaxParams q{};
  ref::QuantSoftmaxTable table{};  // the quantized kernels' exps, filled at prepare

  void run(const KernelIO& io) const override {
    switch (dtype) {
      case DType::kFloat32:
        ref::f32_softmax__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), depth,
                              f32, 0, rows);
        break;
      case DType::kUInt8:
        ref::qu8_softmax__table(static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]),
                                depth, table, 0, rows);
        break;
      case DType::kInt8:
        ref::qs8_softmax__table(static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]),
                                depth, table, 0, rows);
        break;
      default:
        break;
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_softmax(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const auto* attrs = std::get_if<ir::SoftmaxAttrs>(&n.attrs);
  if (!attrs) return node_error(n, "attributes: expected SoftmaxAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType dt = in.info.dtype;
  if (dt != DType::kFloat32 && dt != DType::kUInt8 && dt != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(dt));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dt));
  if (in.info.shape.empty()) {
    return node_error(n, "input 0 rank: expected >= 1, found 0");
  }
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  if (!std::isfinite(attrs->beta)) {
    return node_error(n, "beta: expected a finite value, found " + std::to_string(attrs->beta));
  }

  auto k = std::make_unique<SoftmaxKernel>();
  k->dtype = dt;
  k->depth = in.info.shape.back();
  k->rows = k->depth > 0 ? in.info.elements() / k->depth : 0;

  if (dt == DType::kFloat32) {
    k->f32.beta = attrs->beta;
    return std::unique_ptr<Kernel>(std::move(k));
  }

  EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, "input 0", in));
  EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, "output", out));
  const int64_t in_zp = in.info.quant.zero_point[0];
  const int64_t in_lo = dt == DType::kUInt8 ? 0 : -128;
  if (in_zp < in_lo || in_zp > in_lo + 255) {
    return node_error(n, "input 0 zero point: expected in [" + std::to_string(in_lo) + ", " +
                             std::to_string(in_lo + 255) + "], found " + std::to_string(in_zp));
  }
  // The kernel writes probabilities in units of 1/256 starting at the dtype minimum.
  const int64_t expected_zp = dt == DType::kUInt8 ? 0 : -128;
  if (out.info.quant.zero_point[0] != expected_zp) {
    return node_error(n, "output zero point: expected " + std::to_string(expected_zp) + ", found " +
                             std::to_string(out.info.quant.zero_point[0]));
  }
  const float out_scale = out.info.quant.scale[0];
  const float delta = out_scale > 1.f / 256 ? out_scale - 1.f / 256 : 1.f / 256 - out_scale;
  if (delta > 0.001f * 1.f / 256) {
    return node_error(n, "output scale: expected 1/256 (0.00390625), found " + std::to_string(out_scale));
  }
  constexpr int kScaledDiffIntegerBits = 5;
  int left_shift = 0;
  if (!kernels::preprocess_softmax_scaling(static_cast<double>(attrs->beta),
                                           static_cast<double>(in.info.quant.scale[0]), kScaledDiffIntegerBits,
                                           &k->q.input_multiplier, &left_shift)) {
    return node_error(n, "beta * input scale: expected > 2^-26, found beta " + std::to_string(attrs->beta) +
                             " and input scale " + std::to_string(in.info.quant.scale[0]));
  }
  k->q.input_left_shift = left_shift;
  k->q.diff_min =
      static_cast<int32_t>(-1.0 * kernels::calculate_input_radius(kScaledDiffIntegerBits, left_shift));
  ref::quant_softmax_table(k->q, &k->table);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
