#include "ops/conv_util.h"

#include <cmath>
#include <limits>
#include <string>

#include "kernels/quant_util.h"

namespace edgerun::ops {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

bool is_quantized_8bit(DType t) { return t == DType::kUInt8 || t == DType::kInt8; }

int64_t qmin(DType t) { return t == DType::kUInt8 ? 0 : -128; }
int64_t qmax(DType t) { return t == DType::kUInt8 ? 255 : 127; }

// ComputeOutSize in 64-bit.
int64_t out_size(ir::Padding padding, int64_t in, int64_t effective_filter, int64_t stride) {
  if (padding == ir::Padding::kSame) return (in + stride - 1) / stride;
  return (in + stride - effective_filter) / stride;
}

Status window_dim(const ir::Node& n, const char* dim, ir::Padding padding, int32_t pad_begin, int32_t pad_end,
                  int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t* out, int32_t* pad) {
  if (filter < 1) return node_error(n, std::string("filter ") + dim + ": expected >= 1, found " + str(filter));
  if (stride < 1) return node_error(n, std::string("stride ") + dim + ": expected >= 1, found " + str(stride));
  if (dilation < 1) return node_error(n, std::string("dilation ") + dim + ": expected >= 1, found " + str(dilation));
  const int64_t effective = (static_cast<int64_t>(filter) - 1) * dilation + 1;
  if (effective > std::numeric_limits<int32_t>::max() / 2) {
    return node_error(n, std::string("effective filter ") + dim + " (filter " + str(filter) + ", dilation " +
                             str(dilation) + ") is too large: " + str(effective));
  }
  if (padding == ir::Padding::kExplicit) {
    for (int32_t p : {pad_begin, pad_end}) {
      if (p < 0 || p >= effective) {
        return node_error(n, std::string("pads ") + dim + ": expected 0 to " + str(effective - 1) +
                                 " (below the effective filter), found " + str(pad_begin) + ", " + str(pad_end));
      }
    }
    const int64_t padded = static_cast<int64_t>(in) + pad_begin + pad_end;
    if (padded < effective) {
      return node_error(n, std::string("input ") + dim + " " + str(in) + " plus pads " + str(pad_begin) + " + " +
                               str(pad_end) + " is smaller than the effective filter " + str(effective));
    }
    *out = static_cast<int32_t>((padded - effective) / stride + 1);
    *pad = pad_begin;
    return Status::Ok();
  }
  if (padding == ir::Padding::kValid && effective > in) {
    return node_error(n, std::string("VALID padding: input ") + dim + " " + str(in) +
                             " is smaller than the effective filter " + dim + " " + str(effective));
  }
  const int64_t o = out_size(padding, in, effective, stride);
  *out = static_cast<int32_t>(o);
  // Only SAME pads; VALID's output never needs any (total <= 0).
  *pad = conv_padding(padding, in, filter, stride, dilation, *out);
  return Status::Ok();
}

// A dilated window may step over the whole image (taps in the padding on
// both sides): no pool value exists for it.
Status expect_taps_in_image(const ir::Node& n, const char* dim, int32_t in, int32_t out, int32_t filter,
                            int32_t stride, int32_t dilation, int32_t pad) {
  for (int64_t o = 0; o < out; ++o) {
    int64_t lo = 0, hi = 0;
    kernels::pool_taps(o * stride - pad, dilation, in, filter, &lo, &hi);
    if (lo == hi) {
      return node_error(n, std::string("window ") + dim + ": expected every window to read the input, found output " +
                               str(o) + "'s taps all in the padding (input " + str(in) + ", filter " + str(filter) +
                               ", dilation " + str(dilation) + ", stride " + str(stride) + ", leading pad " +
                               str(pad) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

Status expect_constant_data(const ir::Node& n, const char* which, const ir::Value& v) {
  EDGERUN_RETURN_IF_ERROR(expect_constant(n, which, v));
  if (v.data_bytes < v.info.bytes()) {
    return node_error(n, std::string(which) + " data size: expected " + std::to_string(v.info.bytes()) +
                             " bytes for shape " + shape_string(v.info.shape) + ", found " +
                             std::to_string(v.data_bytes));
  }
  return Status::Ok();
}

Status expect_valid_shape(const ir::Node& n, const char* which, const ir::Value& v) {
  for (int32_t d : v.info.shape) {
    if (d < 0) {
      return node_error(n, std::string(which) + " shape: expected non-negative dims, found " +
                               shape_string(v.info.shape));
    }
  }
  return Status::Ok();
}

Status expect_output_shape(const ir::Node& n, const ir::Value& out, const Shape& expected, const char* how) {
  if (out.info.shape == expected) return Status::Ok();
  return node_error(n, std::string("output shape: expected ") + shape_string(expected) + " (" + how + "), found " +
                           shape_string(out.info.shape));
}

Status expect_conv_tensors(const ir::Node& n, const ir::Value& in, const ir::Value& filter, const ir::Value* bias,
                           const ir::Value& out) {
  const DType dtype = in.info.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8) {
    return node_error(n, std::string("input dtype: expected float32, uint8 or int8, found ") + dtype_name(dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "filter", filter, dtype));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dtype));
  if (bias) EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "bias", *bias, dtype == DType::kFloat32 ? dtype : DType::kInt32));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "input", in, 4));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "filter", filter, 4));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "output", out, 4));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "filter", filter));
  return expect_constant_data(n, "filter", filter);
}

Status expect_same_quantization(const ir::Node& n, const ir::Value& in, const ir::Value& out) {
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, in.info.dtype));
  if (!is_quantized_8bit(in.info.dtype)) return Status::Ok();
  // Plain 8-bit integers (ONNX uint8 / int8 tensors without quantization) move as they are.
  if (in.info.quant.empty() && out.info.quant.empty()) return Status::Ok();
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input", in));
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));
  const float in_scale = in.info.quant.scale[0];
  const float out_scale = out.info.quant.scale[0];
  if (std::abs(in_scale - out_scale) > 1.0e-6f || in.info.quant.zero_point[0] != out.info.quant.zero_point[0]) {
    return node_error(n, "output quantization: expected the input's (scale " + std::to_string(in_scale) +
                             ", zero point " + str(in.info.quant.zero_point[0]) + "), found scale " +
                             std::to_string(out_scale) + ", zero point " + str(out.info.quant.zero_point[0]));
  }
  return Status::Ok();
}

Status expect_same_element_type(const ir::Node& n, const ir::Value& in, const ir::Value& out) {
  if (in.info.quant.empty() && out.info.quant.empty()) return expect_dtype(n, "output", out, in.info.dtype);
  EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  // expect_same_quantization compares 8-bit tensors only; other quantized dtypes must match exactly.
  const QuantParams& qi = in.info.quant;
  const QuantParams& qo = out.info.quant;
  if (!is_quantized_8bit(in.info.dtype) && (qi.scale != qo.scale || qi.zero_point != qo.zero_point)) {
    return node_error(n, std::string("output quantization: expected the input's, found a different one on ") +
                             dtype_name(in.info.dtype));
  }
  return Status::Ok();
}

Result<Window2D> compute_window_2d(const ir::Node& n, const Window2DAttrs& a, int32_t in_h, int32_t in_w) {
  Window2D w;
  EDGERUN_RETURN_IF_ERROR(
      window_dim(n, "height", a.padding, a.pads.top, a.pads.bottom, in_h, a.filter_h, a.stride_h, a.dilation_h,
                 &w.out_h, &w.pad_top));
  EDGERUN_RETURN_IF_ERROR(window_dim(n, "width", a.padding, a.pads.left, a.pads.right, in_w, a.filter_w, a.stride_w,
                                     a.dilation_w, &w.out_w, &w.pad_left));
  return w;
}

Result<QuantConvParams> prepare_quant_conv(const ir::Graph& g, const ir::Node& n, QuantConvKind kind,
                                           const ir::Value& input, const ir::Value& filter, const ir::Value* bias,
                                           const ir::Value& output, int32_t channels, int32_t channel_axis,
                                           ir::Activation activation) {
  const DType dtype = input.info.dtype;
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input", input));
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", output));

  // Filter quantization: one scale, or (int8 only) one per output channel.
  const QuantParams& fq = filter.info.quant;
  if (fq.scale.empty()) return node_error(n, "filter quantization: expected scales, found none");
  const bool per_channel = fq.scale.size() > 1;
  if (per_channel) {
    if (dtype != DType::kInt8) {
      return node_error(n, "filter quantization: per-channel scales need int8, found " +
                               std::string(dtype_name(dtype)));
    }
    if (fq.scale.size() != static_cast<size_t>(channels)) {
      return node_error(n, "filter scale count: expected 1 or " + str(channels) + " (output channels), found " +
                               str(static_cast<int64_t>(fq.scale.size())));
    }
    if (fq.axis != channel_axis) {
      return node_error(n, "filter quantized dimension: expected " + str(channel_axis) + ", found " + str(fq.axis));
    }
  }
  if (fq.zero_point.size() != 1 && fq.zero_point.size() != fq.scale.size()) {
    return node_error(n, "filter zero point count: expected 1 or " + str(static_cast<int64_t>(fq.scale.size())) +
                             ", found " + str(static_cast<int64_t>(fq.zero_point.size())));
  }
  for (float s : fq.scale) {
    if (!(s > 0.0f) || !std::isfinite(s)) {
      return node_error(n, "filter quantization scale must be positive and finite, found " + std::to_string(s));
    }
  }
  // int8 conv / depthwise and per-channel FC kernels assume symmetric filters;
  // uint8 and per-tensor int8 FC apply the filter zero point.
  const bool filter_zero_point_used =
      dtype == DType::kUInt8 || (kind == QuantConvKind::kFullyConnected && !per_channel);
  for (int64_t zp : fq.zero_point) {
    if (filter_zero_point_used) {
      if (zp < qmin(dtype) || zp > qmax(dtype)) {
        return node_error(n, "filter zero point: expected within [" + str(qmin(dtype)) + ", " + str(qmax(dtype)) +
                                 "], found " + str(zp));
      }
    } else if (zp != 0) {
      return node_error(n, "filter zero point: expected 0 (symmetric int8 filter), found " + str(zp));
    }
  }

  const float input_scale = input.info.quant.scale[0];
  const float output_scale = output.info.quant.scale[0];
  const bool legacy_multiplier =
      dtype == DType::kUInt8 || (kind == QuantConvKind::kFullyConnected && !per_channel);

  if (bias != nullptr && !bias->info.quant.zero_point.empty()) {
    for (int64_t zp : bias->info.quant.zero_point) {
      if (zp != 0) return node_error(n, "bias zero point: expected 0, found " + str(zp));
    }
  }
  if (legacy_multiplier && bias != nullptr && !bias->info.quant.scale.empty()) {
    // GetQuantizedConvolutionMultipler's check that bias scale ~= input scale * filter scale.
    const double product = static_cast<double>(input_scale * fq.scale[0]);
    const double bias_scale = static_cast<double>(bias->info.quant.scale[0]);
    if (!(std::abs(product - bias_scale) / static_cast<double>(output_scale) <= 0.02)) {
      return node_error(n, "bias scale: expected input scale * filter scale = " + std::to_string(product) +
                               ", found " + std::to_string(bias_scale));
    }
  }

  QuantConvParams q;
  q.input_offset = -static_cast<int32_t>(input.info.quant.zero_point[0]);
  q.filter_offset = filter_zero_point_used ? -static_cast<int32_t>(fq.zero_point[0]) : 0;
  q.output_offset = static_cast<int32_t>(output.info.quant.zero_point[0]);
  q.multiplier.resize(static_cast<size_t>(channels));
  q.shift.resize(static_cast<size_t>(channels));
  for (int32_t c = 0; c < channels; ++c) {
    double real = 0.0;
    if (legacy_multiplier) {
      // Product of the float scales rounded to float, then divided in double.
      real = static_cast<double>(input_scale * fq.scale[0]) / static_cast<double>(output_scale);
    } else {
      const float filter_scale = fq.scale[per_channel ? static_cast<size_t>(c) : 0];
      real = static_cast<double>(input_scale) * static_cast<double>(filter_scale) / static_cast<double>(output_scale);
    }
    int shift = 0;
    kernels::quantize_multiplier(real, &q.multiplier[static_cast<size_t>(c)], &shift);
    q.shift[static_cast<size_t>(c)] = shift;
  }
  if (g.quant_arithmetic == ir::QuantArithmetic::kOnnxRuntime) {
    // QLinearConv's X_scale * W_scale[c] / Y_scale, each step rounded to float.
    for (int32_t c = 0; c < channels; ++c) {
      const float filter_scale = fq.scale[per_channel ? static_cast<size_t>(c) : 0];
      q.scale.push_back(input_scale * filter_scale / output_scale);
    }
  }
  const QuantRange range = activation_range_quantized(activation, output);
  q.act_min = range.min;
  q.act_max = range.max;
  return q;
}

Result<kernels::PoolParams> prepare_pool_2d(const ir::Graph& g, const ir::Node& n, size_t outputs) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, outputs));
  const auto* attrs = std::get_if<ir::Pool2DAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected Pool2DAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType dtype = in.info.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8) {
    return node_error(n, std::string("input dtype: expected float32, uint8 or int8, found ") + dtype_name(dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "input", in, 4));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  const Shape& is = in.info.shape;
  Window2DAttrs wa;
  wa.padding = attrs->padding;
  wa.pads = attrs->pads;
  wa.filter_h = attrs->filter_h;
  wa.filter_w = attrs->filter_w;
  wa.stride_h = attrs->stride_h;
  wa.stride_w = attrs->stride_w;
  wa.dilation_h = attrs->dilation_h;
  wa.dilation_w = attrs->dilation_w;
  EDGERUN_ASSIGN_OR_RETURN(const Window2D w, compute_window_2d(n, wa, is[1], is[2]));
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(n, out, {is[0], w.out_h, w.out_w, is[3]},
                                              "from input, filter, padding, stride, dilation"));
  EDGERUN_RETURN_IF_ERROR(expect_taps_in_image(n, "height", is[1], w.out_h, attrs->filter_h, attrs->stride_h,
                                               attrs->dilation_h, w.pad_top));
  EDGERUN_RETURN_IF_ERROR(expect_taps_in_image(n, "width", is[2], w.out_w, attrs->filter_w, attrs->stride_w,
                                               attrs->dilation_w, w.pad_left));

  kernels::PoolParams p;
  p.batch = is[0];
  p.in_h = is[1];
  p.in_w = is[2];
  p.channels = is[3];
  p.out_h = w.out_h;
  p.out_w = w.out_w;
  p.filter_h = attrs->filter_h;
  p.filter_w = attrs->filter_w;
  p.stride_h = attrs->stride_h;
  p.stride_w = attrs->stride_w;
  p.dilation_h = attrs->dilation_h;
  p.dilation_w = attrs->dilation_w;
  p.pad_top = w.pad_top;
  p.pad_left = w.pad_left;
  p.indices_column_major = attrs->indices_column_major;
  if (dtype == DType::kFloat32) {
    const FloatRange range = activation_range_float(attrs->activation);
    p.f32_min = range.min;
    p.f32_max = range.max;
  } else {
    const QuantRange range = activation_range_quantized(attrs->activation, out);
    p.act_min = range.min;
    p.act_max = range.max;
  }
  return p;
}

}  // namespace edgerun::ops
