// qu8_conv1x1__avx2 / qs8_conv1x1__avx2: the quantized 1x1 convolution of
// kernels/q8_conv1x1.h on AVX2 without VNNI. Compiled with -mavx2 -mfma -mf16c
// (cmake/EdgerunKernels.cmake); called only through the dispatch table after
// CPU detection found AVX2.
//
// Tile: 4 pixels x 16 output channels (8 int32 accumulators). Inputs are
// widened to int16 (+ input_offset), 8 channels at a time, and each pair of
// input channels is broadcast against the packed int16 weight pairs with
// vpmaddwd (int16 x int16, pairs summed into int32: exact, no saturation, since
// |w + filter_offset|, |in + input_offset| <= 255). Accumulation is int32,
// wrapping like TFLite's. The output stage is TFLite's MultiplyByQuantizedMultiplier
// vectorized exactly (see requantize()). Tails: pixel remainder with a 1-pixel
// tile, odd in_c / in_c % 8 with scalar pair building (no over-read), out_c % 16
// through zero-padded weights and a partial store.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/q8_conv1x1.h"
#include "kernels/x86/q8-avx2-common.h"

namespace edgerun::kernels {
namespace {

using avx2::load8_widen;

// Computes MR pixels (rows of `in` / `out`) for every output channel.
template <typename T, int MR>
inline void tile(const Conv1x1Params& p, const T* in, const int32_t* bias, T* out) {
  const size_t in_c = static_cast<size_t>(p.in_c);
  const size_t out_c = static_cast<size_t>(p.out_c);
  const __m128i voff = _mm_set1_epi16(static_cast<int16_t>(p.input_offset));
  const __m256i out_off = _mm256_set1_epi32(p.output_offset);
  const __m256i vmin = _mm256_set1_epi32(p.act_min);
  const __m256i vmax = _mm256_set1_epi32(p.act_max);
  const int16_t* w = p.packed_weights;

  for (size_t oc0 = 0; oc0 < out_c; oc0 += 16) {
    const size_t n = std::min<size_t>(16, out_c - oc0);
    __m256i acc[MR][2];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();

    size_t ic = 0;
    for (; ic + 8 <= in_c; ic += 8) {
      __m256i x[MR];
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) {
        x[r] = _mm256_broadcastsi128_si256(_mm_add_epi16(load8_widen<T>(in + r * in_c + ic), voff));
      }
#define EDGERUN_STEP(S, IMM)                                                                        \
  {                                                                                                 \
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + (S) * 32));        \
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + (S) * 32 + 16));   \
    _Pragma("GCC unroll 4") for (int r = 0; r < MR; ++r) {                                          \
      const __m256i xb = _mm256_shuffle_epi32(x[r], IMM);                                           \
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(xb, w0));                           \
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(xb, w1));                           \
    }                                                                                               \
  }
      EDGERUN_STEP(0, 0x00)
      EDGERUN_STEP(1, 0x55)
      EDGERUN_STEP(2, 0xAA)
      EDGERUN_STEP(3, 0xFF)
#undef EDGERUN_STEP
      w += 4 * 32;
    }
    // Tail: remaining input channels one pair at a time, never reading past in_c.
    for (; ic < in_c; ic += 2) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) {
        const T* row = in + r * in_c;
        const uint32_t a = static_cast<uint16_t>(static_cast<int32_t>(row[ic]) + p.input_offset);
        const uint32_t b =
            ic + 1 < in_c ? static_cast<uint16_t>(static_cast<int32_t>(row[ic + 1]) + p.input_offset) : 0u;
        const __m256i xb = _mm256_set1_epi32(static_cast<int32_t>(a | (b << 16)));
        acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(xb, w0));
        acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(xb, w1));
      }
      w += 32;
    }

    avx2::requantize_store_block<T, MR>(acc, bias, p.multiplier, p.shift, oc0, n, out_off, vmin, vmax, out, out_c);
  }
}

template <typename T>
void conv1x1_avx2(const Conv1x1Params& p, const T* input, const int32_t* bias, T* output, size_t pixel_begin,
                  size_t pixel_end) {
  const size_t in_c = static_cast<size_t>(p.in_c);
  const size_t out_c = static_cast<size_t>(p.out_c);
  size_t px = pixel_begin;
  for (; px + 4 <= pixel_end; px += 4) tile<T, 4>(p, input + px * in_c, bias, output + px * out_c);
  for (; px < pixel_end; ++px) tile<T, 1>(p, input + px * in_c, bias, output + px * out_c);
}

}  // namespace

void qu8_conv1x1__avx2(const Conv1x1Params& p, const uint8_t* input, const int32_t* bias, uint8_t* output,
                       size_t pixel_begin, size_t pixel_end) {
  conv1x1_avx2(p, input, bias, output, pixel_begin, pixel_end);
}
void qs8_conv1x1__avx2(const Conv1x1Params& p, const int8_t* input, const int32_t* bias, int8_t* output,
                       size_t pixel_begin, size_t pixel_end) {
  conv1x1_avx2(p, input, bias, output, pixel_begin, pixel_end);
}

}  // namespace edgerun::kernels
