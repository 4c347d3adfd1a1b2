// CONV_2D: input [N, H, W, Cin], filter [Cout, KH, KW, Cin / groups]
// (constant), optional bias [Cout] (constant), output [N, OH, OW, Cout].
// float32; uint8 per-tensor; int8 with per-tensor or per-channel symmetric int8
// filters. Grouped (groups = Cin / filter channels > 1) runs the grouped float
// kernel, or the quantized reference kernels (as TFLite's reference Conv).
#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/q8_gemm.h"
#include "kernels/ref/conv.h"
#include "ops/conv_util.h"
#include "ops/f32_conv.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

// A quantized conv run by a q8 GEMM kernel from the dispatch table
// (kernels/q8_gemm.h) over weights packed once here; owns the packed weights
// and the padded requantization arrays its params point into.
template <typename T, typename Fn>
class ConvGemmKernel final : public Kernel {
 public:
  ConvGemmKernel(kernels::Q8GemmParams params, Fn fn, std::vector<uint8_t> packed, std::vector<int32_t> multiplier,
                 std::vector<int32_t> shift, std::vector<float> scale)
      : params_(params), fn_(fn), packed_(std::move(packed)), multiplier_(std::move(multiplier)),
        shift_(std::move(shift)), scale_(std::move(scale)) {
    params_.packed = packed_.data();
    params_.multiplier = multiplier_.data();
    params_.shift = shift_.data();
    params_.scale = scale_.empty() ? nullptr : scale_.data();
  }
  ConvGemmKernel(const ConvGemmKernel&) = delete;
  ConvGemmKernel& operator=(const ConvGemmKernel&) = delete;

  size_t scratch_bytes() const override { return kernels::q8_gemm_scratch_bytes(params_); }

  // Tasks are panels of pixels; when there are too few panels to keep every
  // thread busy (the small late layers) the channel blocks are split as well.
  void run(const KernelIO& io) const override {
    const T* in = static_cast<const T*>(io.inputs[0]);
    T* out = static_cast<T*>(io.outputs[0]);
    const kernels::ConvParams& c = params_.conv;
    const size_t pixels = static_cast<size_t>(c.batch) * static_cast<size_t>(c.out_h) * static_cast<size_t>(c.out_w);
    const size_t blocks = params_.blocks;
    const size_t threads = static_cast<size_t>(io.pool->threads());
    if (threads == 1) {
      fn_(params_, in, out, 0, pixels, 0, blocks, io.thread_scratch(0));
      return;
    }
    const size_t rows = kernels::q8_gemm_panel_rows(params_);
    const size_t panels = (pixels + rows - 1) / rows;
    size_t splits = 1;
    while (panels * splits < 4 * threads && splits * 2 <= blocks) splits *= 2;
    io.pool->parallel_for(panels * splits, [&](size_t task, int thread) {
      const size_t panel = task / splits, split = task % splits;
      fn_(params_, in, out, panel * rows, std::min(pixels, (panel + 1) * rows), blocks * split / splits,
          blocks * (split + 1) / splits, io.thread_scratch(thread));
    });
  }

 private:
  kernels::Q8GemmParams params_;
  Fn fn_;
  std::vector<uint8_t> packed_;
  std::vector<int32_t> multiplier_, shift_;
  std::vector<float> scale_;
};

template <typename T, typename Fn, typename PackFn>
std::unique_ptr<Kernel> make_conv_gemm(const kernels::ConvParams& conv, const ir::Value& filter, const ir::Value* bias,
                                       kernels::Q8GemmLayout layout, Fn fn, PackFn pack, QuantConvParams& q) {
  kernels::Q8GemmParams p;
  p.conv = conv;
  p.layout = layout;
  kernels::q8_gemm_init(&p);
  std::vector<uint8_t> packed(kernels::q8_gemm_packed_bytes(p));
  pack(p, reinterpret_cast<const T*>(filter.data),
       bias != nullptr ? reinterpret_cast<const int32_t*>(bias->data) : nullptr, packed.data());
  std::vector<int32_t> multiplier = std::move(q.multiplier), shift = std::move(q.shift);
  multiplier.resize(p.blocks * kernels::kQ8GemmBlock, 0);
  shift.resize(p.blocks * kernels::kQ8GemmBlock, 0);
  std::vector<float> scale = std::move(q.scale);
  if (!scale.empty()) scale.resize(p.blocks * kernels::kQ8GemmBlock, 0.0f);
  return std::unique_ptr<Kernel>(new ConvGemmKernel<T, Fn>(p, fn, std::move(packed), std::move(multiplier),
                                                           std::move(shift), std::move(scale)));
}

}  // namespace

std::unique_ptr<Kernel> make_q8_conv_gemm(const kernels::ConvParams& conv, DType dtype, const ir::Value& filter,
                                          const ir::Value* bias, QuantConvParams& q,
                                          const kernels::KernelTables& tables) {
  const kernels::Q8ConvGemmTable& t = tables.q8_conv_gemm;
  if (conv.groups != 1) return nullptr;
  if (dtype == DType::kUInt8 && t.qu8 != nullptr) {
    return make_conv_gemm<uint8_t>(conv, filter, bias, t.layout, t.qu8, kernels::qu8_gemm_pack_weights, q);
  }
  if (dtype == DType::kInt8 && t.qs8 != nullptr) {
    return make_conv_gemm<int8_t>(conv, filter, bias, t.layout, t.qs8, kernels::qs8_gemm_pack_weights, q);
  }
  return nullptr;
}

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
  // Grouped conv: each of the groups = Cin / filter channels groups maps its
  // Cin / groups input channels to Cout / groups output channels.
  if (fs[3] != is[3] && (fs[3] < 1 || is[3] < fs[3] || is[3] % fs[3] != 0)) {
    return node_error(n, "filter input channels: expected " + std::to_string(is[3]) +
                             " (input channels) or a divisor of it (grouped conv), found " + std::to_string(fs[3]) +
                             " (filter shape " + shape_string(fs) + ")");
  }
  const int32_t groups = fs[3] == is[3] ? 1 : is[3] / fs[3];
  if (out_c % groups != 0) {
    return node_error(n, "filter output channels: expected a multiple of the " + std::to_string(groups) +
                             " groups (input channels " + std::to_string(is[3]) + " / filter input channels " +
                             std::to_string(fs[3]) + "), found " + std::to_string(out_c));
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
  p.groups = groups;

  if (dtype == DType::kFloat32) {
    const FloatRange range = activation_range_float(attrs->activation);
    p.f32_min = range.min;
    p.f32_max = range.max;
    if (auto fast = make_f32_conv2d(p, filter, bias, *ctx.tables)) return fast;
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, float, float>(
        p, kernels::f32_conv2d_minmax__ref, kernels::conv_rows(p)));
  }

  EDGERUN_ASSIGN_OR_RETURN(QuantConvParams q, prepare_quant_conv(g, n, QuantConvKind::kConv2D, in, filter, bias, out,
                                                                 out_c, /*channel_axis=*/0, attrs->activation));
  p.input_offset = q.input_offset;
  p.filter_offset = q.filter_offset;
  p.output_offset = q.output_offset;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  // The q8 GEMM kernel when the dispatch table has one for this CPU (it
  // knows no groups).
  if (auto gemm = make_q8_conv_gemm(p, dtype, filter, bias, q, *ctx.tables)) return gemm;
  if (dtype == DType::kUInt8) {
    return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, uint8_t, int32_t>(
        p, kernels::qu8_conv2d__ref, kernels::conv_rows(p),
        Requantization{std::move(q.multiplier), std::move(q.shift), {}, std::move(q.scale)}));
  }
  return std::unique_ptr<Kernel>(new WeightedKernel<kernels::ConvParams, int8_t, int32_t>(
      p, kernels::qs8_conv2d__ref, kernels::conv_rows(p),
      Requantization{std::move(q.multiplier), std::move(q.shift), {}, std::move(q.scale)}));
}

}  // namespace edgerun::ops
