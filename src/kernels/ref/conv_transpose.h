// Reference (portable, scalar) kernel for CONV_TRANSPOSE, NHWC, float32.
//
// Output pixel (b, oy, ox), channel oc of group g = oc / (out_c / groups):
//   out = clamp(bias[oc] + sum over taps (ky, kx) and the group's input
//         channels i of x[b, iy, ix, g * in_c / groups + i] * w[oc, ky, kx, i])
// where (iy, ix) are the input pixels that tap lands on oy, ox:
//   iy * stride_h - pad_top + ky * dilation_h == oy (and the same across).
// The kernel gathers those contributions per output pixel, so any
// [row_begin, row_end) slice of the (batch * out_h) rows is computed on its
// own. It does not allocate, log or check anything: the op layer validated
// the shapes and precomputed every parameter.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

struct ConvTransposeParams {
  // Filter layout [out_c, filter_h, filter_w, in_c / groups].
  int32_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int32_t out_h = 0, out_w = 0, out_c = 0;
  int32_t filter_h = 0, filter_w = 0;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t pad_top = 0, pad_left = 0;  // output pixels cropped at the top / left
  int32_t groups = 1;                 // divides in_c and out_c
  float f32_min = 0.0f, f32_max = 0.0f;  // fused activation range
};

// Number of rows a kernel call splits over: batch * out_h.
inline size_t conv_transpose_rows(const ConvTransposeParams& p) {
  return static_cast<size_t>(p.batch) * static_cast<size_t>(p.out_h);
}

void f32_conv_transpose__ref(const ConvTransposeParams& p, const float* input, const float* filter, const float* bias,
                             float* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
