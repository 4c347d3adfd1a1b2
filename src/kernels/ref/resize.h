// Reference kernels for RESIZE (2-D, NHWC): the op precomputes, per output row
// and per output column, which source rows / columns are read and with what
// weights; a kernel call computes output rows [row_begin, row_end) of the
// (batch * out_h) row space.
//
// f32_resize__ref follows onnx's reference implementation, which resizes one
// axis at a time in float64: each output row first blends its source rows
// into a float64 row of the input's width (the thread's scratch), then each
// output pixel blends that row's source columns and is rounded to float32.
// xx_resize_nearest__ref copies one source pixel per output pixel (any dtype).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

// The taps of one axis: output position i reads source positions
// index[i * taps + k] (already clamped to the input) with weight[i * taps + k],
// k in [0, taps); where extrapolated[i] is non-zero, the axis instead yields
// the extrapolation value (tf_crop_and_resize outside the input).
struct ResizeAxisTaps {
  int32_t taps = 0;
  const int32_t* index = nullptr;
  const double* weight = nullptr;
  const uint8_t* extrapolated = nullptr;
};

struct ResizeParams {
  int32_t in_h = 0, in_w = 0, out_h = 0, out_w = 0, channels = 0;
  ResizeAxisTaps y, x;
  double extrapolation_value = 0.0;
};

inline size_t resize_scratch_bytes(const ResizeParams& p) {
  return static_cast<size_t>(p.in_w) * static_cast<size_t>(p.channels) * sizeof(double);
}

// `row` holds resize_scratch_bytes(p) bytes.
void f32_resize__ref(const ResizeParams& p, const float* input, float* output, double* row, size_t row_begin,
                     size_t row_end);

// Nearest-neighbour source row / column of each output position, or one of
// these codes: the output element is then the fill value (tf_crop_and_resize's
// extrapolation value) or zero (exclude_outside left no weight).
constexpr int32_t kResizeFill = -1;
constexpr int32_t kResizeZero = -2;

struct ResizeNearestParams {
  int32_t in_h = 0, in_w = 0, out_h = 0, out_w = 0, channels = 0;
  size_t element_bytes = 0;
  const int32_t* src_y = nullptr;  // [out_h]
  const int32_t* src_x = nullptr;  // [out_w]
  uint8_t fill[8] = {};            // one element of the fill value, in the tensor's dtype
};

void xx_resize_nearest__ref(const ResizeNearestParams& p, const void* input, void* output, size_t row_begin,
                            size_t row_end);

}  // namespace edgerun::kernels
