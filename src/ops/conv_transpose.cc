// CONV_TRANSPOSE (ir::ConvTransposeAttrs): input float32 [N, H, W, Cin],
// filter float32 [Cout, KH, KW, Cin / groups] (constant), optional bias
// float32 [Cout] (constant), output float32 [N, OH, OW, Cout], where
//   OH = stride_h * (H - 1) + (KH - 1) * dilation_h + 1 - pads.top - pads.bottom + output_padding_h
// and output_padding_h, in [0, max(stride_h, dilation_h)) as ONNX requires,
// is whatever the output's static shape implies (the same across). Quantized
// CONV_TRANSPOSE is not supported.
#include <algorithm>
#include <memory>
#include <string>

#include "kernels/ref/conv_transpose.h"
#include "ops/conv_util.h"
#include "ops/f32_conv.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

// One spatial dim: checks the attributes and that `out` (the output's static
// size) is the size they give plus an output padding in [0, max(stride, dilation)).
Status transpose_dim(const ir::Node& n, const char* dim, int32_t in, int32_t filter, int32_t stride,
                     int32_t dilation, int32_t pad_begin, int32_t pad_end, int32_t out) {
  if (in < 1) return node_error(n, std::string("input ") + dim + ": expected >= 1, found " + str(in));
  if (filter < 1) return node_error(n, std::string("filter ") + dim + ": expected >= 1, found " + str(filter));
  if (stride < 1) return node_error(n, std::string("stride ") + dim + ": expected >= 1, found " + str(stride));
  if (dilation < 1) return node_error(n, std::string("dilation ") + dim + ": expected >= 1, found " + str(dilation));
  if (pad_begin < 0 || pad_end < 0) {
    return node_error(n, std::string("pads ") + dim + ": expected >= 0, found " + str(pad_begin) + ", " +
                             str(pad_end));
  }
  const int64_t effective = (static_cast<int64_t>(filter) - 1) * dilation + 1;
  const int64_t full = static_cast<int64_t>(stride) * (in - 1) + effective - pad_begin - pad_end;
  const int64_t max_output_padding = std::max(stride, dilation) - 1;
  const int64_t lo = std::max<int64_t>(full, 1), hi = full + max_output_padding;
  if (out < lo || out > hi) {
    return node_error(n, std::string("output ") + dim + ": expected " +
                             (lo == hi ? str(lo) : hi < lo ? "none (pads leave no output)" : str(lo) + " to " + str(hi)) +
                             " (stride " + str(stride) + " * (input " + str(in) + " - 1) + effective filter " +
                             str(effective) + " - pads " + str(pad_begin) + " - " + str(pad_end) +
                             ", plus an output padding below max(stride, dilation) = " + str(max_output_padding + 1) +
                             "), found " + str(out));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_conv_transpose(const ir::Graph& g, const ir::Node& n,
                                                       const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 3, 1));
  const auto* attrs = std::get_if<ir::ConvTransposeAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected ConvTransposeAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& filter = input(g, n, 1);
  const ir::Value* bias = has_input(n, 2) ? &input(g, n, 2) : nullptr;
  const ir::Value& out = output(g, n, 0);

  const DType dtype = in.info.dtype;
  if (dtype == DType::kUInt8 || dtype == DType::kInt8) {
    return Status(StatusCode::kUnsupported,
                  node_error(n, std::string("quantized (") + dtype_name(dtype) + ") CONV_TRANSPOSE is not supported; " +
                                    "only float32")
                      .message());
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input", in, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "filter", filter, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (bias) EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "bias", *bias, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "input", in, 4));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "filter", filter, 4));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "output", out, 4));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "filter", filter));
  EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "filter", filter));
  if (attrs->padding != ir::Padding::kExplicit) {
    return node_error(n, std::string("padding: expected EXPLICIT (importers resolve SAME / VALID to pads), found ") +
                             (attrs->padding == ir::Padding::kSame ? "SAME" : "VALID"));
  }

  const Shape& is = in.info.shape;
  const Shape& fs = filter.info.shape;
  const int32_t groups = attrs->groups;
  if (groups < 1) return node_error(n, "groups: expected >= 1, found " + str(groups));
  if (static_cast<int64_t>(fs[3]) * groups != is[3]) {
    return node_error(n, "filter input channels: expected input channels " + str(is[3]) + " / groups " + str(groups) +
                             ", found " + str(fs[3]) + " (filter shape " + shape_string(fs) + ")");
  }
  const int32_t out_c = fs[0];
  if (out_c % groups != 0) {
    return node_error(n, "filter output channels: expected a multiple of groups " + str(groups) + ", found " +
                             str(out_c));
  }
  if (bias) {
    EDGERUN_RETURN_IF_ERROR(expect_rank(n, "bias", *bias, 1));
    if (bias->info.shape[0] != out_c) {
      return node_error(n, "bias length: expected " + str(out_c) + " (output channels), found " +
                               str(bias->info.shape[0]));
    }
    EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "bias", *bias));
  }
  const Shape& os = out.info.shape;
  if (os[0] != is[0] || os[3] != out_c) {
    return node_error(n, "output shape: expected [" + str(is[0]) + ",OH,OW," + str(out_c) +
                             "] (batch of the input, filter output channels), found " + shape_string(os));
  }
  const ir::ExplicitPads& pads = attrs->pads;
  EDGERUN_RETURN_IF_ERROR(transpose_dim(n, "height", is[1], fs[1], attrs->stride_h, attrs->dilation_h, pads.top,
                                        pads.bottom, os[1]));
  EDGERUN_RETURN_IF_ERROR(transpose_dim(n, "width", is[2], fs[2], attrs->stride_w, attrs->dilation_w, pads.left,
                                        pads.right, os[2]));

  kernels::ConvTransposeParams p;
  p.batch = is[0];
  p.in_h = is[1];
  p.in_w = is[2];
  p.in_c = is[3];
  p.out_h = os[1];
  p.out_w = os[2];
  p.out_c = out_c;
  p.filter_h = fs[1];
  p.filter_w = fs[2];
  p.stride_h = attrs->stride_h;
  p.stride_w = attrs->stride_w;
  p.dilation_h = attrs->dilation_h;
  p.dilation_w = attrs->dilation_w;
  p.pad_top = pads.top;
  p.pad_left = pads.left;
  p.groups = groups;
  const FloatRange range = activation_range_float(attrs->activation);
  p.f32_min = range.min;
  p.f32_max = range.max;
  if (auto fast = make_f32_conv_transpose(p, filter, bias, *ctx.tables)) return fast;
  return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvTransposeParams, float, float>(
      p, kernels::f32_conv_transpose__ref, kernels::conv_transpose_rows(p)));
}

}  // namespace edgerun::ops
