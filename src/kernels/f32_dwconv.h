// Float32 depthwise convolution (depth_multiplier 1) over packed weights, the
// fast path of the float DEPTHWISE_CONV_2D. Same geometry as
// f32_dwconv2d_minmax__ref (kernels/ref/conv.h): NHWC input and output,
// out-of-image taps skipped, output rows [row_begin, row_end) of the flattened
// batch * out_h rows, clamped to [p.f32_min, p.f32_max].
//
// Weights [1, kh, kw, c] and bias [c] are packed once at prepare time
// (f32_dwconv_pack_weights) as 1 + kh * kw rows of c rounded up to 8 channels
// (zero-padded), the bias row first:
//   packed[0 * c_pad + ch] = bias[ch],  packed[(1 + tap) * c_pad + ch] = w[tap][ch]
// so the AVX2 kernels load whole 8-channel vectors of weights even in a channel
// tail (the AVX-512 kernels mask their 16-channel tail loads instead).
//
// Kernels (same signature, F32DwConvFn):
//   f32_dwconv_minmax__avx2        any filter size, stride, dilation, padding
//   f32_dwconv3x3_minmax__avx2     3x3 filter, dilation 1, any stride and padding
// in src/kernels/x86/f32-dwconv-avx2.cc, and their AVX-512F versions
//   f32_dwconv_minmax__avx512f, f32_dwconv3x3_minmax__avx512f
// in src/kernels/x86/f32-dwconv-avx512f.cc. Pure: no allocation, no threads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/ref/conv.h"

namespace edgerun::kernels {

constexpr size_t kF32DwConvChannelPad = 8;

inline size_t f32_dwconv_padded_channels(size_t channels) {
  return (channels + kF32DwConvChannelPad - 1) / kF32DwConvChannelPad * kF32DwConvChannelPad;
}
// Number of floats of the packed weights.
inline size_t f32_dwconv_packed_size(size_t taps, size_t channels) {
  return (taps + 1) * f32_dwconv_padded_channels(channels);
}

// Packs filter [taps, channels] and bias [channels] (null: zeros) into `packed`.
void f32_dwconv_pack_weights(const float* filter, const float* bias, size_t taps, size_t channels, float* packed);

using F32DwConvFn = void (*)(const ConvParams& p, const float* input, const float* packed, float* output,
                             size_t row_begin, size_t row_end);

// Only built (and only referenced by the dispatch table) on x86-64.
void f32_dwconv_minmax__avx2(const ConvParams& p, const float* input, const float* packed, float* output,
                             size_t row_begin, size_t row_end);
void f32_dwconv3x3_minmax__avx2(const ConvParams& p, const float* input, const float* packed, float* output,
                                size_t row_begin, size_t row_end);
void f32_dwconv_minmax__avx512f(const ConvParams& p, const float* input, const float* packed, float* output,
                                size_t row_begin, size_t row_end);
void f32_dwconv3x3_minmax__avx512f(const ConvParams& p, const float* input, const float* packed, float* output,
                                   size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
