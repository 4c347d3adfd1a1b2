// Quantized 1x1 convolution (pointwise, stride 1, no padding, dilation 1) as a
// GEMM over pixels: output[p, oc] for p in [0, pixels), oc in [0, out_c):
//   acc = sum_ic (w[oc, ic] + filter_offset) * (in[p, ic] + input_offset)
// then exactly output_stage() (bias, MultiplyByQuantizedMultiplier per channel,
// + output_offset, clamp), so results equal qu8_conv2d__ref / qs8_conv2d__ref
// bit for bit (the int32 accumulator wraps the same way: integer sums are exact
// modulo 2^32 in any order).
//
// Weights are packed once at prepare time (q8_conv1x1_pack_weights) as int16
// (w + filter_offset), in blocks of 16 output channels, each block holding for
// every pair of input channels k two groups of 8 channels x 2 int16:
//   packed[((block * pairs + k) * 2 + half) * 16 + j * 2 + t]
//     = w[block * 16 + half * 8 + j][2k + t] + filter_offset
// zero where the channel (out_c tail) or input channel (odd in_c) is absent.
//
// Kernels:
//   qu8_conv1x1__ref, qs8_conv1x1__ref    portable, read the packed weights
//   qu8_conv1x1__avx2, qs8_conv1x1__avx2  src/kernels/x86/q8-conv1x1-avx2.cc
//                                         (4 pixels x 16 channels, vpmaddwd)
// All are pure: no allocation; they compute pixels [pixel_begin, pixel_end)
// and never read or write outside those rows of input / output.
// Callers must ensure (w + filter_offset) and (in + input_offset) fit int16
// (always true for TFLite's 8-bit zero points: both stay within [-255, 255]).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

constexpr int32_t kConv1x1ChannelBlock = 16;

struct Conv1x1Params {
  int32_t in_c = 0, out_c = 0;
  int32_t input_offset = 0;   // -input zero point
  int32_t output_offset = 0;  // output zero point
  int32_t act_min = 0, act_max = 0;
  const int16_t* packed_weights = nullptr;  // q8_conv1x1_packed_size(in_c, out_c) elements
  const int32_t* multiplier = nullptr;      // [out_c]
  const int32_t* shift = nullptr;           // [out_c]
};

// Number of int16 elements of the packed weights.
size_t q8_conv1x1_packed_size(int32_t in_c, int32_t out_c);

// Packs filter [out_c, in_c] (the [out_c, 1, 1, in_c] conv filter) into `packed`.
void qu8_conv1x1_pack_weights(const uint8_t* filter, int32_t in_c, int32_t out_c, int32_t filter_offset,
                              int16_t* packed);
void qs8_conv1x1_pack_weights(const int8_t* filter, int32_t in_c, int32_t out_c, int32_t filter_offset,
                              int16_t* packed);

// input [pixels, in_c], bias [out_c] or null, output [pixels, out_c].
using Qu8Conv1x1Fn = void (*)(const Conv1x1Params& p, const uint8_t* input, const int32_t* bias, uint8_t* output,
                              size_t pixel_begin, size_t pixel_end);
using Qs8Conv1x1Fn = void (*)(const Conv1x1Params& p, const int8_t* input, const int32_t* bias, int8_t* output,
                              size_t pixel_begin, size_t pixel_end);

void qu8_conv1x1__ref(const Conv1x1Params& p, const uint8_t* input, const int32_t* bias, uint8_t* output,
                      size_t pixel_begin, size_t pixel_end);
void qs8_conv1x1__ref(const Conv1x1Params& p, const int8_t* input, const int32_t* bias, int8_t* output,
                      size_t pixel_begin, size_t pixel_end);

// Only built (and only referenced by the dispatch table) on x86-64.
void qu8_conv1x1__avx2(const Conv1x1Params& p, const uint8_t* input, const int32_t* bias, uint8_t* output,
                       size_t pixel_begin, size_t pixel_end);
void qs8_conv1x1__avx2(const Conv1x1Params& p, const int8_t* input, const int32_t* bias, int8_t* output,
                       size_t pixel_begin, size_t pixel_end);

}  // namespace edgerun::kernels
