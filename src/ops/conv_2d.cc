// CONV_2D: input [N, H, W, Cin], filter [Cout, KH, KW, Cin] (constant), optional
// bias [Cout] (constant), output [N, OH, OW, Cout]. float32; uint8 per-tensor;
// int8 with per-tensor or per-channel symmetric int8 filters.
#include <memory>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/q8_conv.h"
#include "kernels/q8_conv1x1.h"
#include "kernels/ref/conv.h"
#include "ops/conv_util.h"
#include "ops/f32_conv.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

// A quantized pointwise conv run by a fast kernel from the dispatch table over
// weights packed once here (kernels/q8_conv1x1.h); owns the packed weights and
// the requantization arrays its params point into.
template <typename T, typename Fn>
class Conv1x1Kernel final : public Kernel {
 public:
  Conv1x1Kernel(kernels::Conv1x1Params params, Fn fn, size_t pixels, std::vector<int16_t> packed,
                std::vector<int32_t> multiplier, std::vector<int32_t> shift)
      : params_(params), fn_(fn), pixels_(pixels), packed_(std::move(packed)),
        multiplier_(std::move(multiplier)), shift_(std::move(shift)) {
    params_.packed_weights = packed_.data();
    params_.multiplier = multiplier_.data();
    params_.shift = shift_.data();
  }
  Conv1x1Kernel(const Conv1x1Kernel&) = delete;
  Conv1x1Kernel& operator=(const Conv1x1Kernel&) = delete;

  void run(const KernelIO& io) const override {
    const T* in = static_cast<const T*>(io.inputs[0]);
    const int32_t* bias = io.inputs.size() > 2 ? static_cast<const int32_t*>(io.inputs[2]) : nullptr;
    T* out = static_cast<T*>(io.outputs[0]);
    parallel_rows(io, pixels_, 16, [&](size_t begin, size_t end, int) { fn_(params_, in, bias, out, begin, end); });
  }

 private:
  kernels::Conv1x1Params params_;
  Fn fn_;
  size_t pixels_;
  std::vector<int16_t> packed_;
  std::vector<int32_t> multiplier_, shift_;
};

// Whether a quantized conv is a pointwise GEMM the q8_conv1x1 kernels cover:
// 1x1 filter, stride 1, dilation 1, no padding, offsets small enough that
// (x + offset) fits int16 (always so for validated 8-bit zero points).
bool is_pointwise(const kernels::ConvParams& p) {
  return p.filter_h == 1 && p.filter_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 &&
         p.dilation_w == 1 && p.pad_top == 0 && p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w &&
         p.input_offset >= -255 && p.input_offset <= 255 && p.filter_offset >= -255 && p.filter_offset <= 255;
}

template <typename T, typename Fn, typename PackFn>
std::unique_ptr<Kernel> make_conv1x1(const kernels::ConvParams& p, const ir::Value& filter, Fn fn, PackFn pack,
                                     QuantConvParams& q) {
  kernels::Conv1x1Params c;
  c.in_c = p.in_c;
  c.out_c = p.out_c;
  c.input_offset = p.input_offset;
  c.output_offset = p.output_offset;
  c.act_min = p.act_min;
  c.act_max = p.act_max;
  std::vector<int16_t> packed(kernels::q8_conv1x1_packed_size(p.in_c, p.out_c));
  pack(reinterpret_cast<const T*>(filter.data), p.in_c, p.out_c, p.filter_offset, packed.data());
  const size_t pixels = static_cast<size_t>(p.batch) * static_cast<size_t>(p.in_h) * static_cast<size_t>(p.in_w);
  return std::unique_ptr<Kernel>(new Conv1x1Kernel<T, Fn>(c, fn, pixels, std::move(packed), std::move(q.multiplier),
                                                         std::move(q.shift)));
}

// A quantized general conv run by a fast kernel from the dispatch table
// (kernels/q8_conv.h) over weights packed once here with K = filter_h *
// filter_w * in_c as the depth; owns the packed weights and the requantization
// arrays its params point into.
template <typename T, typename Fn>
class ConvGemmKernel final : public Kernel {
 public:
  ConvGemmKernel(kernels::ConvParams params, Fn fn, std::vector<int16_t> packed, std::vector<int32_t> multiplier,
                 std::vector<int32_t> shift)
      : params_(params), fn_(fn), packed_(std::move(packed)), multiplier_(std::move(multiplier)),
        shift_(std::move(shift)) {
    params_.multiplier = multiplier_.data();
    params_.shift = shift_.data();
  }
  ConvGemmKernel(const ConvGemmKernel&) = delete;
  ConvGemmKernel& operator=(const ConvGemmKernel&) = delete;

  void run(const KernelIO& io) const override {
    const T* in = static_cast<const T*>(io.inputs[0]);
    const int32_t* bias = io.inputs.size() > 2 ? static_cast<const int32_t*>(io.inputs[2]) : nullptr;
    T* out = static_cast<T*>(io.outputs[0]);
    parallel_rows(io, kernels::conv_rows(params_), 1,
                  [&](size_t begin, size_t end, int) { fn_(params_, packed_.data(), in, bias, out, begin, end); });
  }

 private:
  kernels::ConvParams params_;
  Fn fn_;
  std::vector<int16_t> packed_;
  std::vector<int32_t> multiplier_, shift_;
};

// Whether the q8_conv kernels cover a (non-pointwise) quantized conv: K within
// their cap and offsets small enough that (x + offset) fits int16.
bool fits_conv_gemm(const kernels::ConvParams& p) {
  const int64_t k = kernels::q8_conv_depth(p);
  return k >= 1 && k <= kernels::kQ8ConvMaxDepth && p.input_offset >= -255 && p.input_offset <= 255 &&
         p.filter_offset >= -255 && p.filter_offset <= 255;
}

template <typename T, typename Fn, typename PackFn>
std::unique_ptr<Kernel> make_conv_gemm(const kernels::ConvParams& p, const ir::Value& filter, Fn fn, PackFn pack,
                                       QuantConvParams& q) {
  const int32_t k = static_cast<int32_t>(kernels::q8_conv_depth(p));
  std::vector<int16_t> packed(kernels::q8_conv1x1_packed_size(k, p.out_c));
  pack(reinterpret_cast<const T*>(filter.data), k, p.out_c, p.filter_offset, packed.data());
  return std::unique_ptr<Kernel>(
      new ConvGemmKernel<T, Fn>(p, fn, std::move(packed), std::move(q.multiplier), std::move(q.shift)));
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_conv_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 3, 1));
  const auto* attrs = std::get_if<ir::Conv2DAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected Conv2DAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& filter = input(g, n, 1);
  const ir::Value* bias = has_input(n, 2) ? &input(g, n, 2) : nullptr;
  const ir::Value& out = output(g, n, 0);

  EDGERUN_RETURN_IF_ERROR(expect_conv_tensors(n, in, filter, bias, out));
  const DType dtype = in.info.dtype;
  const Shape& is = in.info.shape;
  const Shape& fs = filter.info.shape;
  const int32_t out_c = fs[0];
  if (fs[3] != is[3]) {
    return node_error(n, "filter input channels: expected " + std::to_string(is[3]) + " (input channels), found " +
                             std::to_string(fs[3]) + " (filter shape " + shape_string(fs) + ")");
  }
  if (bias) {
    EDGERUN_RETURN_IF_ERROR(expect_rank(n, "bias", *bias, 1));
    if (bias->info.shape[0] != out_c) {
      return node_error(n, "bias length: expected " + std::to_string(out_c) + " (output channels), found " +
                               std::to_string(bias->info.shape[0]));
    }
    EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "bias", *bias));
  }
  Window2DAttrs wa;
  wa.padding = attrs->padding;
  wa.filter_h = fs[1];
  wa.filter_w = fs[2];
  wa.stride_h = attrs->stride_h;
  wa.stride_w = attrs->stride_w;
  wa.dilation_h = attrs->dilation_h;
  wa.dilation_w = attrs->dilation_w;
  EDGERUN_ASSIGN_OR_RETURN(const Window2D w, compute_window_2d(n, wa, is[1], is[2]));
  EDGERUN_RETURN_IF_ERROR(
      expect_output_shape(n, out, {is[0], w.out_h, w.out_w, out_c}, "from input, filter, padding, stride, dilation"));

  kernels::ConvParams p;
  p.batch = is[0];
  p.in_h = is[1];
  p.in_w = is[2];
  p.in_c = is[3];
  p.out_h = w.out_h;
  p.out_w = w.out_w;
  p.out_c = out_c;
  p.filter_h = fs[1];
  p.filter_w = fs[2];
  p.stride_h = attrs->stride_h;
  p.stride_w = attrs->stride_w;
  p.dilation_h = attrs->dilation_h;
  p.dilation_w = attrs->dilation_w;
  p.pad_top = w.pad_top;
  p.pad_left = w.pad_left;

  if (dtype == DType::kFloat32) {
    const FloatRange range = activation_range_float(attrs->activation);
    p.f32_min = range.min;
    p.f32_max = range.max;
    if (auto fast = make_f32_conv2d(p, filter, bias, *ctx.tables)) return fast;
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, float, float>(
        p, kernels::f32_conv2d_minmax__ref, kernels::conv_rows(p)));
  }

  EDGERUN_ASSIGN_OR_RETURN(QuantConvParams q, prepare_quant_conv(n, QuantConvKind::kConv2D, in, filter, bias, out,
                                                                 out_c, /*channel_axis=*/0, attrs->activation));
  p.input_offset = q.input_offset;
  p.filter_offset = q.filter_offset;
  p.output_offset = q.output_offset;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  // Fast pointwise path, when the dispatch table has a kernel for this CPU.
  if (is_pointwise(p)) {
    const kernels::Q8Conv1x1Table& t = ctx.tables->q8_conv1x1;
    if (dtype == DType::kUInt8 && t.qu8 != nullptr) {
      return make_conv1x1<uint8_t>(p, filter, t.qu8, kernels::qu8_conv1x1_pack_weights, q);
    }
    if (dtype == DType::kInt8 && t.qs8 != nullptr) {
      return make_conv1x1<int8_t>(p, filter, t.qs8, kernels::qs8_conv1x1_pack_weights, q);
    }
  } else if (fits_conv_gemm(p)) {  // fast general path (any filter, stride, dilation, padding)
    const kernels::Q8ConvTable& t = ctx.tables->q8_conv;
    if (dtype == DType::kUInt8 && t.qu8 != nullptr) {
      return make_conv_gemm<uint8_t>(p, filter, t.qu8, kernels::qu8_conv1x1_pack_weights, q);
    }
    if (dtype == DType::kInt8 && t.qs8 != nullptr) {
      return make_conv_gemm<int8_t>(p, filter, t.qs8, kernels::qs8_conv1x1_pack_weights, q);
    }
  }
  if (dtype == DType::kUInt8) {
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, uint8_t, int32_t>(
        p, kernels::qu8_conv2d__ref, kernels::conv_rows(p), Requantization{std::move(q.multiplier), std::move(q.shift), {}}));
  }
  return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, int8_t, int32_t>(
      p, kernels::qs8_conv2d__ref, kernels::conv_rows(p), Requantization{std::move(q.multiplier), std::move(q.shift), {}}));
}

}  // namespace edgerun::ops
