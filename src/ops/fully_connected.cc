// FULLY_CONNECTED: input [..., D] flattened to [B, D] (B = elements / D), weights
// [U, D] (constant), optional bias [U] (constant), output [B, U], or the input
// shape with its last dim replaced by U when keep_num_dims. float32; uint8
// per-tensor; int8 per-tensor (weights zero point applied) or per-channel
// (symmetric, one scale per unit).
#include "kernels/ref/fully_connected.h"

#include <limits>
#include <memory>
#include <vector>

#include "ops/conv_util.h"
#include "ops/f32_conv.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
Result<std::unique_ptr<Kernel>> prepare_fully_connected(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 3, 1));
  const auto* attrs = std::get_if<ir::FullyConnectedAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected FullyConnectedAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& weights = input(g, n, 1);
  const ir::Value* bias = has_input(n, 2) ? &input(g, n, 2) : nullptr;
  const ir::Value& out = output(g, n, 0);

  const DType dtype = in.info.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8) {
    return node_error(n, std::string("input dtype: expected float32, uint8 or int8, found ") + dtype_name(dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "weights", weights, dtype));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dtype));
  if (bias) EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "bias", *bias, dtype == DType::kFloat32 ? dtype : DType::kInt32));

  if (in.info.shape.empty()) return node_error(n, "input rank: expected >= 1, found 0");
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "weights", weights, 2));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "weights", weights));
  EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "weights", weights));
  const int32_t units = weights.info.shape[0];
  const int32_t depth = weights.info.shape[1];
  if (depth <= 0) return node_error(n, "weights input depth: expected >= 1, found " + std::to_string(depth));
  const int64_t elements = in.info.elements();
  if (elements % depth != 0) {
    return node_error(n, "input elements: expected a multiple of the weights' input depth " + std::to_string(depth) +
                             ", found " + std::to_string(elements) + " (shape " + shape_string(in.info.shape) + ")");
  }
  const int64_t batch = elements / depth;
  if (batch > std::numeric_limits<int32_t>::max()) return node_error(n, "batch too large");
  if (bias) {
    EDGERUN_RETURN_IF_ERROR(expect_rank(n, "bias", *bias, 1));
    if (bias->info.shape[0] != units) {
      return node_error(n, "bias length: expected " + std::to_string(units) + " (weights output units), found " +
                               std::to_string(bias->info.shape[0]));
    }
    EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "bias", *bias));
  }
  Shape expected;
  if (attrs->keep_num_dims) {
    if (in.info.shape.back() != depth) {
      return node_error(n, "input last dim: expected " + std::to_string(depth) +
                               " (weights input depth, keep_num_dims), found " + std::to_string(in.info.shape.back()));
    }
    expected = in.info.shape;
    expected.back() = units;
  } else {
    expected = {static_cast<int32_t>(batch), units};
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(
      n, out, expected, attrs->keep_num_dims ? "input shape with last dim = units" : "[batch, units]"));

  kernels::FullyConnectedParams p;
  p.batch = static_cast<int32_t>(batch);
  p.input_depth = depth;
  p.units = units;
  if (dtype == DType::kFloat32) {
    const FloatRange range = activation_range_float(attrs->activation);
    p.f32_min = range.min;
    p.f32_max = range.max;
    if (auto fast = make_f32_fully_connected(p, weights, bias, *ctx.tables)) return fast;
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::FullyConnectedParams, float, float>(
        p, kernels::f32_fully_connected_minmax__ref, static_cast<size_t>(p.batch)));
  }

  EDGERUN_ASSIGN_OR_RETURN(QuantConvParams q,
                           prepare_quant_conv(g, n, QuantConvKind::kFullyConnected, in, weights, bias, out, units,
                                              /*channel_axis=*/0, attrs->activation));
  // ONNX Runtime's output stage is the conv GEMM's float one: the rows as
  // a 1x1 conv over a [1, 1, batch, depth] map, the weights [units, depth]
  // as its [units, 1, 1, depth] filter.
  if (!q.scale.empty()) {
    kernels::ConvParams c;
    c.batch = 1;
    c.in_h = 1;
    c.in_w = static_cast<int32_t>(batch);
    c.in_c = depth;
    c.out_h = 1;
    c.out_w = static_cast<int32_t>(batch);
    c.out_c = units;
    c.filter_h = c.filter_w = 1;
    c.input_offset = q.input_offset;
    c.filter_offset = q.filter_offset;
    c.output_offset = q.output_offset;
    c.act_min = q.act_min;
    c.act_max = q.act_max;
    QuantConvParams gq = q;
    if (auto gemm = make_q8_conv_gemm(c, dtype, weights, bias, gq, *ctx.tables)) return gemm;
  }
  p.input_offset = q.input_offset;
  p.filter_offset = q.filter_offset;
  p.output_offset = q.output_offset;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  // LiteRT's reference FULLY_CONNECTED rescales in double with one rounding:
  // round(acc * in_scale * filter_scale / out_scale), unlike conv's fixed-point multiplier.
  Requantization r;
  r.f32_scale = std::move(q.scale);
  const auto& filter_scales = weights.info.quant.scale;
  for (int32_t o = 0; o < units; ++o) {
    const double filter_scale = filter_scales.size() > 1 ? filter_scales[o] : filter_scales[0];
    r.scale.push_back(static_cast<double>(in.info.quant.scale[0]) * filter_scale /
                      static_cast<double>(out.info.quant.scale[0]));
  }
  if (dtype == DType::kUInt8) {
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::FullyConnectedParams, uint8_t, int32_t>(
        p, kernels::qu8_fully_connected__ref, static_cast<size_t>(p.batch), std::move(r)));
  }
  return std::unique_ptr<Kernel>(new WeightedKernel<kernels::FullyConnectedParams, int8_t, int32_t>(
      p, kernels::qs8_fully_connected__ref, static_cast<size_t>(p.batch), std::move(r)));
}

}  // namespace edgerun::ops
