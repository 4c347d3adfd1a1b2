// Quantized convolution as a GEMM over packed 8-bit weights: every uint8 /
// int8 CONV_2D (1x1 or any filter, stride, dilation, padding) with TFLite's
// exact output stage.
//
// Rows are output pixels, columns output channels, depth K = filter_h *
// filter_w * in_c. TFLite's accumulator
//   acc[p, c] = bias[c] + sum_k (x[p, k] + input_offset) * (w[c, k] + filter_offset)
// is regrouped (exactly: int32 sums wrap the same modulo 2^32 in any order) as
//   acc[p, c] = sum_k x[p, k] * w[c, k]                       (the GEMM, raw 8-bit values)
//             + filter_offset * rowsum[p]                      (rowsum = sum_k x[p, k])
//             + bias'[c]                                       (packed with the weights)
//   bias'[c]  = bias[c] + input_offset * sum_k w[c, k] + K * input_offset * filter_offset
// where an out-of-image tap reads x = -input_offset (the input zero point), so
// its (x + input_offset) is 0 exactly as the reference skips it. Then
// output_stage(): MultiplyByQuantizedMultiplier per channel, + output_offset,
// clamp (or, with `scale`, ONNX Runtime's float output stage). Results equal
// qu8_conv2d__ref / qs8_conv2d__ref bit for bit.
//
// Packed weights (q8_gemm_pack_weights, once at prepare), per block of 16
// output channels: int32 bias'[16], then one of two layouts (Q8GemmLayout):
//  kPairs (int16 vpmaddwd kernels): for each depth pair k (K rounded up to
//    even) 32 bytes: channels 0-7 x (w[c, 2k], w[c, 2k+1]), then channels 8-15
//    likewise; the raw 8-bit weights.
//  kQuads (VNNI vpdpbusd kernels, uint8 x int8 -> int32): for each depth quad
//    (K rounded up to a multiple of 4) 64 bytes: channel j's 4 weights at 4j,
//    as int8: w - 128 for uint8 models, w for int8. The panel holds uint8
//    inputs: x for uint8 models, x + 128 for int8. The shifts are folded too:
//    uint8: sum x * w = sum x * (w - 128) + 128 * rowsum, so the row-sum
//    factor is filter_offset + 128; int8: sum x * w = sum (x + 128) * w -
//    128 * sum w, folded into bias'.
// Zero where the channel or the depth index is absent. multiplier / shift are
// padded to whole blocks.
//
// A kernel call computes output pixels [pixel_begin, pixel_end) for channel
// blocks [block_begin, block_end). It widens a panel of up to
// q8_gemm_panel_rows() pixels to int16 depth pairs with their row sums in
// `scratch` (q8_gemm_scratch_bytes()), then runs an MR x 16 register-blocked
// micro-kernel per channel block. Pure: no allocation; reads only the input,
// the packed weights and the scratch; writes only its pixels x channels.
//
// Kernels:
//   qu8_conv_gemm__ref, qs8_conv_gemm__ref      portable, kPairs (tests' second oracle)
//   qu8_conv_gemm__avx2, qs8_conv_gemm__avx2    src/kernels/x86/q8-gemm-avx2.cc (6x16, vpmaddwd), kPairs
//   qu8_conv_gemm__avx512vnni, qs8_...          src/kernels/x86/q8-gemm-avx512vnni.cc (8x32, vpdpbusd), kQuads
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/ref/conv.h"

namespace edgerun::kernels {

constexpr size_t kQ8GemmBlock = 16;  // output channels per packed block

enum class Q8GemmLayout { kPairs, kQuads };

struct Q8GemmParams {
  ConvParams conv;                // geometry, offsets, activation range (multiplier/shift unused)
  Q8GemmLayout layout = Q8GemmLayout::kPairs;
  size_t depth = 0;               // K
  size_t pairs = 0;               // kPairs: ceil(K / 2); kQuads: ceil(K / 4) (the depth steps)
  size_t blocks = 0;              // ceil(out_c / 16)
  bool pointwise = false;         // 1x1, stride 1, no padding: rows are input pixels as they are
  const uint8_t* packed = nullptr;     // q8_gemm_packed_bytes()
  const int32_t* multiplier = nullptr;  // [blocks * 16]
  const int32_t* shift = nullptr;       // [blocks * 16]
  // [blocks * 16] or null. Set: ONNX Runtime's output stage (float scale,
  // rounding half to even; output_stage_f32 in kernels/ref/output_stage.h)
  // instead of TFLite's multiplier / shift.
  const float* scale = nullptr;
};

// An output pixel's batch, row and column; panel builders step it pixel by
// pixel instead of dividing (three divisions per pixel are a visible share of
// an im2col panel).
struct PixelPos {
  size_t b = 0, oy = 0, ox = 0;
};
inline PixelPos pixel_pos(const ConvParams& c, size_t px) {
  const size_t ow = static_cast<size_t>(c.out_w), oh = static_cast<size_t>(c.out_h);
  return {px / (oh * ow), px / ow % oh, px % ow};
}
inline void next_pixel(const ConvParams& c, PixelPos& pos) {
  if (++pos.ox == static_cast<size_t>(c.out_w)) {
    pos.ox = 0;
    if (++pos.oy == static_cast<size_t>(c.out_h)) {
      pos.oy = 0;
      ++pos.b;
    }
  }
}

// Fills depth, pairs, blocks and pointwise from p.conv and p.layout.
void q8_gemm_init(Q8GemmParams* p);

size_t q8_gemm_packed_bytes(const Q8GemmParams& p);
// Pixels per widened panel, and the scratch one kernel call needs.
size_t q8_gemm_panel_rows(const Q8GemmParams& p);
size_t q8_gemm_scratch_bytes(const Q8GemmParams& p);

// filter [out_c, K] (the conv filter as stored), bias [out_c] or null.
void qu8_gemm_pack_weights(const Q8GemmParams& p, const uint8_t* filter, const int32_t* bias, uint8_t* packed);
void qs8_gemm_pack_weights(const Q8GemmParams& p, const int8_t* filter, const int32_t* bias, uint8_t* packed);

// The factor of rowsum in the accumulator (see the layouts above).
int32_t q8_gemm_row_factor(const Q8GemmParams& p, bool is_uint8);

using Qu8ConvGemmFn = void (*)(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                               size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);
using Qs8ConvGemmFn = void (*)(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                               size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);

void qu8_conv_gemm__ref(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                        size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);
void qs8_conv_gemm__ref(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                        size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);

// Only built (and only referenced by the dispatch table) on x86-64.
void qu8_conv_gemm__avx2(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                         size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);
void qs8_conv_gemm__avx2(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                         size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);
void qu8_conv_gemm__avx512vnni(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                               size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);
void qs8_conv_gemm__avx512vnni(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                               size_t pixel_end, size_t block_begin, size_t block_end, void* scratch);

}  // namespace edgerun::kernels
