// Reference (portable, scalar) kernels for CONV_2D and DEPTHWISE_CONV_2D, NHWC.
//
// Each kernel computes output rows [row_begin, row_end) of the flattened
// (batch * out_h) row space, so a thread pool can split the work later. They do
// not allocate, log or check anything: the op layer validated the shapes and
// precomputed every parameter.
//
// Quantized kernels reproduce TensorFlow Lite's reference kernels bit for bit:
//   qu8_conv2d__ref    reference_ops::Conv (uint8, per-tensor)
//   qs8_conv2d__ref    reference_integer_ops::ConvPerChannel (int8)
//   qu8_dwconv2d__ref  reference_ops::DepthwiseConv (uint8)
//   qs8_dwconv2d__ref  reference_integer_ops::DepthwiseConvPerChannel (int8)
// acc = sum((filter + filter_offset) * (input + input_offset)) over in-image taps
// (out-of-image taps are skipped, i.e. padding contributes the zero point),
// + bias, then multiply_by_quantized_multiplier(acc, multiplier[c], shift[c]),
// + output_offset, clamped to [act_min, act_max]. The int32 accumulator wraps
// on overflow exactly like TFLite's (computed without signed-overflow UB).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

struct ConvParams {
  // Geometry. Filter layout: conv [out_c, filter_h, filter_w, in_c / groups]
  // (output channel oc reads input channels [g * in_c / groups, (g + 1) *
  // in_c / groups) with g = oc / (out_c / groups)); depthwise [1, filter_h,
  // filter_w, out_c] with out_c = in_c * depth_multiplier.
  int32_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int32_t out_h = 0, out_w = 0, out_c = 0;
  int32_t filter_h = 0, filter_w = 0;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t pad_top = 0, pad_left = 0;
  int32_t depth_multiplier = 1;  // depthwise only
  int32_t groups = 1;            // conv only; divides in_c and out_c

  // Float: fused activation range.
  float f32_min = 0.0f, f32_max = 0.0f;

  // Quantized. input_offset = -input zero point, filter_offset = -filter zero
  // point (0 for symmetric int8 filters), output_offset = output zero point.
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  const int32_t* multiplier = nullptr;  // [out_c], Q31 mantissas
  const int32_t* shift = nullptr;       // [out_c], TFLite exponent (> 0: left shift)
  // [out_c] or null. Set: ONNX Runtime's output stage (output_stage_f32 in
  // kernels/ref/output_stage.h) with these scales, instead of multiplier / shift.
  const float* scale = nullptr;
  int32_t act_min = 0, act_max = 0;
};

// Number of rows a kernel call splits over: batch * out_h.
inline size_t conv_rows(const ConvParams& p) {
  return static_cast<size_t>(p.batch) * static_cast<size_t>(p.out_h);
}

// Output columns [begin, end) whose whole filter row (filter_w taps,
// dilation_w apart) lies inside the input width; begin == end when none.
// Shared by the kernels' interior/border splits (defined out of line, in a
// file compiled without ISA flags).
struct ColumnRange {
  int64_t begin = 0, end = 0;
};
ColumnRange conv_interior_columns(const ConvParams& p);

void f32_conv2d_minmax__ref(const ConvParams& p, const float* input, const float* filter, const float* bias,
                            float* output, size_t row_begin, size_t row_end);
void qu8_conv2d__ref(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                     uint8_t* output, size_t row_begin, size_t row_end);
void qs8_conv2d__ref(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                     int8_t* output, size_t row_begin, size_t row_end);

void f32_dwconv2d_minmax__ref(const ConvParams& p, const float* input, const float* filter, const float* bias,
                              float* output, size_t row_begin, size_t row_end);
void qu8_dwconv2d__ref(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                       uint8_t* output, size_t row_begin, size_t row_end);
void qs8_dwconv2d__ref(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                       int8_t* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
