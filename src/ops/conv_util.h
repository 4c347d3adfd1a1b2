// Validation and parameter helpers shared by the conv-like ops (CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED), the pools and the data-movement ops.
// Every helper returns a node_error Status in the op layer's one style.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "edgerun/status.h"
#include "ir/graph.h"
#include "kernels/ref/conv.h"
#include "kernels/ref/conv_transpose.h"
#include "kernels/ref/fully_connected.h"
#include "kernels/ref/pool.h"
#include "ops/op_util.h"

namespace edgerun::ops {

// `v` must be constant and its stored bytes must cover its shape.
Status expect_constant_data(const ir::Node& n, const char* which, const ir::Value& v);

// Every dim of `v` is >= 0.
Status expect_valid_shape(const ir::Node& n, const char* which, const ir::Value& v);

// The tensors of CONV_2D / DEPTHWISE_CONV_2D: input, filter and output of one
// dtype (float32, uint8 or int8), rank 4 with valid dims, constant filter data,
// bias float32 (float) or int32 (quantized) when present.
Status expect_conv_tensors(const ir::Node& n, const ir::Value& in, const ir::Value& filter, const ir::Value* bias,
                           const ir::Value& out);

// Output shape must equal `expected`.
Status expect_output_shape(const ir::Node& n, const ir::Value& out, const Shape& expected, const char* how);

// Input and output of a non-requantizing op (pool, pad, reshape, squeeze) must
// share dtype and, for quantized dtypes, scale and zero point (scales within
// 1e-6, as TFLite's pooling asserts).
Status expect_same_quantization(const ir::Node& n, const ir::Value& in, const ir::Value& out);

// expect_same_quantization for the ops that only move elements (STRIDED_SLICE,
// PAD), which also take 8-bit tensors that are not quantized at all (plain
// integers, as ONNX's uint8 / int8 data) when input and output both are not.
Status expect_same_element_type(const ir::Node& n, const ir::Value& in, const ir::Value& out);

// Per-output-channel requantization data a weighted kernel's params point into.
struct Requantization {
  std::vector<int32_t> multiplier;  // conv / depthwise: TFLite Q31 multipliers
  std::vector<int32_t> shift;       // conv / depthwise: TFLite exponents
  std::vector<double> scale;        // fully connected: input * filter / output scale
  std::vector<float> f32_scale;     // any (QuantArithmetic::kOnnxRuntime): QuantConvParams::scale
};
inline void bind_requantization(kernels::ConvParams& p, const Requantization& r) {
  p.multiplier = r.multiplier.empty() ? nullptr : r.multiplier.data();
  p.shift = r.shift.empty() ? nullptr : r.shift.data();
  p.scale = r.f32_scale.empty() ? nullptr : r.f32_scale.data();
}
inline void bind_requantization(kernels::FullyConnectedParams& p, const Requantization& r) {
  p.output_scale = r.scale.empty() ? nullptr : r.scale.data();
  p.scale = r.f32_scale.empty() ? nullptr : r.f32_scale.data();
}
inline void bind_requantization(kernels::ConvTransposeParams&, const Requantization&) {}  // float only

// The Kernel of a weighted op (conv, depthwise, fully connected): a reference
// kernel function over [0, rows) plus the requantization arrays its params
// point into (so the kernel object is never copied).
template <typename Params, typename T, typename B>
class WeightedKernel final : public Kernel {
 public:
  using Fn = void (*)(const Params&, const T*, const T*, const B*, T*, size_t, size_t);
  WeightedKernel(Params params, Fn fn, size_t rows, Requantization requant = {})
      : params_(params), fn_(fn), rows_(rows), requant_(std::move(requant)) {
    bind_requantization(params_, requant_);
  }
  WeightedKernel(const WeightedKernel&) = delete;
  WeightedKernel& operator=(const WeightedKernel&) = delete;

  void run(const KernelIO& io) const override {
    const T* in = static_cast<const T*>(io.inputs[0]);
    const T* filter = static_cast<const T*>(io.inputs[1]);
    const B* bias = io.inputs.size() > 2 ? static_cast<const B*>(io.inputs[2]) : nullptr;
    T* out = static_cast<T*>(io.outputs[0]);
    parallel_rows(io, rows_, 1, [&](size_t begin, size_t end, int) { fn_(params_, in, filter, bias, out, begin, end); });
  }

 private:
  Params params_;
  Fn fn_;
  size_t rows_;
  Requantization requant_;
};

// The sliding-window geometry of one conv / pool node.
struct Window2D {
  int32_t out_h = 0, out_w = 0;
  int32_t pad_top = 0, pad_left = 0;
};
struct Window2DAttrs {
  ir::Padding padding = ir::Padding::kSame;
  ir::ExplicitPads pads;  // kExplicit only
  int32_t filter_h = 1, filter_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
};
// Checks strides, dilations and filter sizes are >= 1 and the effective filter
// fits, then computes output size and leading padding as TFLite does
// (ComputeOutSize / ComputePaddingHeightWidth), or from explicit pads (each
// >= 0 and smaller than the effective filter, as ONNX's shape inference asks),
// in 64-bit so no attribute can overflow.
Result<Window2D> compute_window_2d(const ir::Node& n, const Window2DAttrs& a, int32_t in_h, int32_t in_w);

// Quantized parameters of a conv-like op, as TFLite's Prepare computes them.
enum class QuantConvKind { kConv2D, kDepthwiseConv2D, kFullyConnected };
struct QuantConvParams {
  int32_t input_offset = 0;         // -input zero point
  int32_t filter_offset = 0;        // -filter zero point (0 for symmetric int8 filters)
  int32_t output_offset = 0;        // output zero point
  std::vector<int32_t> multiplier;  // one per output channel
  std::vector<int32_t> shift;       // one per output channel, TFLite exponent (> 0: left)
  // QuantArithmetic::kOnnxRuntime only: one per output channel, ONNX Runtime's
  // float(input_scale * filter_scale) / output_scale in float; empty otherwise.
  std::vector<float> scale;
  int32_t act_min = 0, act_max = 0;
};
// Validates the quantization of input / filter / bias / output (dtypes must
// already be checked to be uint8 or int8 and equal, bias int32) and computes
// the per-channel output multipliers:
//  * uint8 (any op) and FULLY_CONNECTED with one int8 filter scale follow
//    GetQuantizedConvolutionMultipler: double(float(in_scale * filter_scale)) / double(out_scale),
//    one multiplier broadcast to every channel; a bias scale must be within 2%
//    of output scale of in_scale * filter_scale.
//  * int8 CONV_2D / DEPTHWISE_CONV_2D (per-channel or per-tensor filter) and
//    per-channel int8 FULLY_CONNECTED follow PopulateConvolutionQuantizationParams:
//    double(in_scale) * double(filter_scale[c]) / double(out_scale).
// `channels` is the number of output channels and `channel_axis` the filter's
// quantized dimension (0 for conv and FC, 3 for depthwise). Under
// QuantArithmetic::kOnnxRuntime the float scales are filled as well.
Result<QuantConvParams> prepare_quant_conv(const ir::Graph& g, const ir::Node& n, QuantConvKind kind,
                                           const ir::Value& input, const ir::Value& filter, const ir::Value* bias,
                                           const ir::Value& output, int32_t channels, int32_t channel_axis,
                                           ir::Activation activation);

// The q8 GEMM kernel (kernels/q8_gemm.h) of a validated quantized conv with
// `q`'s requantization (moved from), or null when the tables have none for
// `dtype` or the conv is grouped. Also runs FULLY_CONNECTED under ONNX
// Runtime's arithmetic, as a 1x1 conv over its rows.
std::unique_ptr<Kernel> make_q8_conv_gemm(const kernels::ConvParams& conv, DType dtype, const ir::Value& filter,
                                          const ir::Value* bias, QuantConvParams& q,
                                          const kernels::KernelTables& tables);

// Validates an AVERAGE_POOL_2D / MAX_POOL_2D node (one float32 / uint8 / int8
// NHWC input, `outputs` outputs of which the first has the input's dtype and
// quantization and the shape the window gives, every window reading at least
// one input pixel) and returns its kernel parameters, activation range included.
Result<kernels::PoolParams> prepare_pool_2d(const ir::Graph& g, const ir::Node& n, size_t outputs);

}  // namespace edgerun::ops
