// Quantized general convolution (any filter size, stride, dilation, padding) as
// an im2col-style GEMM with reduction depth K = filter_h * filter_w * in_c.
//
// The filter [out_c, filter_h, filter_w, in_c] is exactly a [out_c, K] matrix,
// so the weights are packed once at prepare time with the 1x1 packing of
// kernels/q8_conv1x1.h using K as the depth:
//   q8_conv1x1_packed_size(q8_conv_depth(p), out_c) int16 elements from
//   qu8_conv1x1_pack_weights / qs8_conv1x1_pack_weights(filter, K, out_c, filter_offset, packed)
// (int16 (w + filter_offset), 16-output-channel blocks, pair-interleaved, K padded
// to even with zero weights).
//
// Per output pixel the kernel gathers that pixel's K inputs as int16
// (in + input_offset) into a stack buffer, 0 for out-of-image taps (the
// reference skips them, which is a zero contribution), then runs the int16
// madd GEMM and the exact vectorized output stage, so the result equals
// qu8_conv2d__ref / qs8_conv2d__ref bit for bit.
//
// Kernels (only built on x86-64, reached through q8_conv_table(), dispatch.h):
//   qu8_conv2d__avx2, qs8_conv2d__avx2   src/kernels/x86/q8-conv-avx2.cc
// Same row-space contract as the reference conv: output rows [row_begin,
// row_end) of batch * out_h; p.multiplier / p.shift are read from `p`. Pure: no
// allocation, no access outside the input, the packed weights and those rows.
// Callers must ensure K <= kQ8ConvMaxDepth and input_offset, filter_offset in
// [-255, 255] (always so for TFLite's 8-bit zero points).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/ref/conv.h"

namespace edgerun::kernels {

// Largest reduction depth the kernels take (bounds their stack buffer); larger
// convs keep the reference kernel.
constexpr int64_t kQ8ConvMaxDepth = 2048;

// K = filter_h * filter_w * in_c.
inline int64_t q8_conv_depth(const ConvParams& p) {
  return static_cast<int64_t>(p.filter_h) * p.filter_w * p.in_c;
}

using Qu8ConvFn = void (*)(const ConvParams& p, const int16_t* packed_weights, const uint8_t* input,
                           const int32_t* bias, uint8_t* output, size_t row_begin, size_t row_end);
using Qs8ConvFn = void (*)(const ConvParams& p, const int16_t* packed_weights, const int8_t* input,
                           const int32_t* bias, int8_t* output, size_t row_begin, size_t row_end);

void qu8_conv2d__avx2(const ConvParams& p, const int16_t* packed_weights, const uint8_t* input, const int32_t* bias,
                      uint8_t* output, size_t row_begin, size_t row_end);
void qs8_conv2d__avx2(const ConvParams& p, const int16_t* packed_weights, const int8_t* input, const int32_t* bias,
                      int8_t* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
