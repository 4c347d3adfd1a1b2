// DEPTHWISE_CONV_2D: input [N, H, W, Cin], filter [1, KH, KW, Cout] (constant)
// with Cout = Cin * depth_multiplier, optional bias [Cout] (constant), output
// [N, OH, OW, Cout]. Output channel oc = ic * depth_multiplier + m. float32;
// uint8 per-tensor; int8 with per-tensor or per-channel (axis 3) symmetric filters.
#include <memory>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/ref/conv.h"
#include "ops/conv_util.h"
#include "ops/f32_conv.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

// A 3x3 depthwise conv over weights (and bias, offsets, output stage) packed
// once here at prepare by the dispatch table's pack function; run() splits
// the output rows over the pool.
template <typename T>
class PackedDwConv3x3Kernel final : public Kernel {
 public:
  using PackFn = void (*)(const kernels::ConvParams&, const T*, const int32_t*, void*);
  using RunFn = void (*)(const kernels::ConvParams&, const void*, const T*, T*, size_t, size_t);

  // `p` must point at its multipliers and shifts; they are only read here.
  PackedDwConv3x3Kernel(const kernels::ConvParams& p, const kernels::Q8DwConvTable& t, PackFn pack, RunFn fn,
                        const T* filter, const int32_t* bias)
      : params_(p), fn_(fn), storage_(t.packed3x3_size(p.out_c) + kAlign) {
    pack(params_, filter, bias, packed());
    params_.multiplier = nullptr;
    params_.shift = nullptr;
  }

  void run(const KernelIO& io) const override {
    const T* in = static_cast<const T*>(io.inputs[0]);
    T* out = static_cast<T*>(io.outputs[0]);
    parallel_rows(io, kernels::conv_rows(params_), 1,
                  [&](size_t begin, size_t end, int) { fn_(params_, packed(), in, out, begin, end); });
  }

 private:
  static constexpr size_t kAlign = 64;  // the packed blocks are loaded with aligned vector loads
  uint8_t* packed() const {
    const uintptr_t a = reinterpret_cast<uintptr_t>(storage_.data());
    return const_cast<uint8_t*>(storage_.data()) + (kAlign - a % kAlign) % kAlign;
  }

  kernels::ConvParams params_;
  RunFn fn_;
  std::vector<uint8_t> storage_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_depthwise_conv_2d(const ir::Graph& g, const ir::Node& n,
                                                          const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 3, 1));
  const auto* attrs = std::get_if<ir::DepthwiseConv2DAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected DepthwiseConv2DAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& filter = input(g, n, 1);
  const ir::Value* bias = has_input(n, 2) ? &input(g, n, 2) : nullptr;
  const ir::Value& out = output(g, n, 0);

  EDGERUN_RETURN_IF_ERROR(expect_conv_tensors(n, in, filter, bias, out));
  const DType dtype = in.info.dtype;
  const Shape& is = in.info.shape;
  const Shape& fs = filter.info.shape;
  if (fs[0] != 1) {
    return node_error(n, "filter shape: expected [1, KH, KW, Cout], found " + shape_string(fs));
  }
  const int32_t in_c = is[3];
  const int32_t out_c = fs[3];
  if (in_c <= 0 || out_c % in_c != 0) {
    return node_error(n, "filter output channels: expected a multiple of the input channels " + std::to_string(in_c) +
                             ", found " + std::to_string(out_c));
  }
  const int32_t depth_multiplier = out_c / in_c;
  // TFLite derives the multiplier from the shapes; an explicit one must agree
  // (0 means "not set" in the flatbuffer).
  if (attrs->depth_multiplier < 0 || (attrs->depth_multiplier != 0 && attrs->depth_multiplier != depth_multiplier)) {
    return node_error(n, "depth_multiplier: expected " + std::to_string(depth_multiplier) + " (filter channels " +
                             std::to_string(out_c) + " / input channels " + std::to_string(in_c) + "), found " +
                             std::to_string(attrs->depth_multiplier));
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
  wa.pads = attrs->pads;
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
  p.in_c = in_c;
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
  p.depth_multiplier = depth_multiplier;

  if (dtype == DType::kFloat32) {
    const FloatRange range = activation_range_float(attrs->activation);
    p.f32_min = range.min;
    p.f32_max = range.max;
    if (auto fast = make_f32_dwconv2d(p, filter, bias, *ctx.tables)) return fast;
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, float, float>(
        p, kernels::f32_dwconv2d_minmax__ref, kernels::conv_rows(p)));
  }

  EDGERUN_ASSIGN_OR_RETURN(QuantConvParams q,
                           prepare_quant_conv(g, n, QuantConvKind::kDepthwiseConv2D, in, filter, bias, out, out_c,
                                              /*channel_axis=*/3, attrs->activation));
  p.input_offset = q.input_offset;
  p.filter_offset = q.filter_offset;
  p.output_offset = q.output_offset;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  // depth_multiplier 1: the dispatch table's SIMD kernel when there is one
  // (bit-exact with the reference); otherwise the reference kernel.
  const kernels::Q8DwConvTable& dw = ctx.tables->q8_dwconv;
  const bool fast = depth_multiplier == 1;
  // 3x3 (all of MobileNet's): weights packed once for the specialized kernel.
  // (TFLite's output stage only; ONNX Runtime's goes through the generic kernels.)
  if (fast && p.filter_h == 3 && p.filter_w == 3 && dw.packed3x3_size != nullptr && q.scale.empty()) {
    p.multiplier = q.multiplier.data();
    p.shift = q.shift.data();
    const auto* bias_data = bias != nullptr ? reinterpret_cast<const int32_t*>(bias->data) : nullptr;
    if (dtype == DType::kUInt8) {
      return std::unique_ptr<Kernel>(
          new PackedDwConv3x3Kernel<uint8_t>(p, dw, dw.qu8_pack3x3, dw.qu8_3x3, filter.data, bias_data));
    }
    return std::unique_ptr<Kernel>(new PackedDwConv3x3Kernel<int8_t>(
        p, dw, dw.qs8_pack3x3, dw.qs8_3x3, reinterpret_cast<const int8_t*>(filter.data), bias_data));
  }
  if (dtype == DType::kUInt8) {
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, uint8_t, int32_t>(
        p, fast && dw.qu8 != nullptr ? dw.qu8 : kernels::qu8_dwconv2d__ref, kernels::conv_rows(p),
        Requantization{std::move(q.multiplier), std::move(q.shift), {}, std::move(q.scale)}));
  }
  return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, int8_t, int32_t>(
      p, fast && dw.qs8 != nullptr ? dw.qs8 : kernels::qs8_dwconv2d__ref, kernels::conv_rows(p),
      Requantization{std::move(q.multiplier), std::move(q.shift), {}, std::move(q.scale)}));
}

}  // namespace edgerun::ops
