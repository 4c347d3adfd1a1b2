// qu8_conv2d__avx2 / qs8_conv2d__avx2: the quantized general convolution of
// kernels/q8_conv.h on AVX2 without VNNI. Compiled with -mavx2 -mfma -mf16c
// (cmake/EdgerunKernels.cmake); called only through the dispatch table after
// CPU detection found AVX2.
//
// Per tile of up to 4 output pixels of one output row: gather each pixel's
// K = filter_h * filter_w * in_c inputs as int16 (in + input_offset; 0 for
// out-of-image taps) into a stack buffer, zero-padded to even K, then the 1x1
// kernel's GEMM: 16 output channels at a time, each pair of K broadcast against
// the packed int16 weight pairs with vpmaddwd (exact: |w + filter_offset|,
// |in + input_offset| <= 255), int32 accumulation (wrapping like TFLite's), and
// the exact vectorized output stage (requantize(), q8-avx2-common.h).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/q8_conv.h"
#include "kernels/x86/q8-avx2-common.h"

namespace edgerun::kernels {
namespace {

using avx2::load8_widen;

constexpr int kTile = 4;

// dst[0, n) = src[0, n) + offset as int16, reading exactly n elements.
template <typename T>
inline void widen(const T* src, size_t n, __m128i voff, int32_t offset, int16_t* dst) {
  size_t c = 0;
  for (; c + 8 <= n; c += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + c), _mm_add_epi16(load8_widen<T>(src + c), voff));
  }
  for (; c < n; ++c) dst[c] = static_cast<int16_t>(static_cast<int32_t>(src[c]) + offset);
}

// The K inputs of output pixel (b, oy, ox) into dst[0, k2), k2 = K rounded up to even.
template <typename T>
inline void gather(const ConvParams& p, const T* input, int64_t b, int64_t oy, int64_t ox, int16_t* dst,
                   size_t k2) {
  const size_t in_c = static_cast<size_t>(p.in_c);
  const int64_t iy0 = oy * p.stride_h - p.pad_top;
  const int64_t ix0 = ox * p.stride_w - p.pad_left;
  const __m128i voff = _mm_set1_epi16(static_cast<int16_t>(p.input_offset));
  const bool row_inside = ix0 >= 0 && ix0 + static_cast<int64_t>(p.filter_w - 1) * p.dilation_w < p.in_w;
  const size_t tap_row = static_cast<size_t>(p.filter_w) * in_c;
  int16_t* d = dst;
  for (int64_t fy = 0; fy < p.filter_h; ++fy) {
    const int64_t iy = iy0 + p.dilation_h * fy;
    if (iy < 0 || iy >= p.in_h) {
      std::memset(d, 0, tap_row * sizeof(int16_t));
      d += tap_row;
      continue;
    }
    const T* in_row = input + static_cast<size_t>((b * p.in_h + iy) * p.in_w) * in_c;
    if (row_inside && p.dilation_w == 1) {  // the filter row's taps are contiguous
      widen(in_row + static_cast<size_t>(ix0) * in_c, tap_row, voff, p.input_offset, d);
      d += tap_row;
      continue;
    }
    for (int64_t fx = 0; fx < p.filter_w; ++fx) {
      const int64_t ix = ix0 + p.dilation_w * fx;
      if (ix < 0 || ix >= p.in_w) {
        std::memset(d, 0, in_c * sizeof(int16_t));
      } else {
        widen(in_row + static_cast<size_t>(ix) * in_c, in_c, voff, p.input_offset, d);
      }
      d += in_c;
    }
  }
  if (static_cast<size_t>(d - dst) < k2) *d = 0;  // odd K
}

// MR pixels whose gathered inputs are rows of `x` (stride k2) -> MR consecutive
// output pixels at `out`, every output channel.
template <typename T, int MR>
inline void gemm_tile(const ConvParams& p, const int16_t* packed, const int16_t* x, size_t k2, const int32_t* bias,
                      T* out) {
  const size_t out_c = static_cast<size_t>(p.out_c);
  const __m256i out_off = _mm256_set1_epi32(p.output_offset);
  const __m256i vmin = _mm256_set1_epi32(p.act_min);
  const __m256i vmax = _mm256_set1_epi32(p.act_max);
  const int16_t* w = packed;

  for (size_t oc0 = 0; oc0 < out_c; oc0 += 16) {
    const size_t n = std::min<size_t>(16, out_c - oc0);
    __m256i acc[MR][2];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();

    size_t k = 0;
    for (; k + 8 <= k2; k += 8) {
      __m256i xv[MR];
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) {
        xv[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + r * k2 + k)));
      }
#define EDGERUN_STEP(S, IMM)                                                                        \
  {                                                                                                 \
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + (S) * 32));        \
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + (S) * 32 + 16));   \
    _Pragma("GCC unroll 4") for (int r = 0; r < MR; ++r) {                                          \
      const __m256i xb = _mm256_shuffle_epi32(xv[r], IMM);                                          \
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
    for (; k < k2; k += 2) {  // remaining pairs
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) {
        int32_t pair;
        std::memcpy(&pair, x + r * k2 + k, sizeof(pair));
        const __m256i xb = _mm256_set1_epi32(pair);
        acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(xb, w0));
        acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(xb, w1));
      }
      w += 32;
    }

    avx2::requantize_store_block<T, MR>(acc, bias, p.multiplier, p.shift, oc0, n, out_off, vmin, vmax, out, out_c);
  }
}

template <typename T>
void conv_avx2(const ConvParams& p, const int16_t* packed, const T* input, const int32_t* bias, T* output,
               size_t row_begin, size_t row_end) {
  const size_t k = static_cast<size_t>(q8_conv_depth(p));
  const size_t k2 = (k + 1) & ~size_t{1};
  const size_t out_c = static_cast<size_t>(p.out_c);
  const size_t out_w = static_cast<size_t>(p.out_w);
  alignas(32) int16_t buf[kTile * kQ8ConvMaxDepth];
  for (size_t r = row_begin; r < row_end; ++r) {
    const int64_t b = static_cast<int64_t>(r / static_cast<size_t>(p.out_h));
    const int64_t oy = static_cast<int64_t>(r % static_cast<size_t>(p.out_h));
    T* out_row = output + r * out_w * out_c;
    size_t ox = 0;
    for (; ox + kTile <= out_w; ox += kTile) {
      for (int t = 0; t < kTile; ++t) gather(p, input, b, oy, static_cast<int64_t>(ox) + t, buf + t * k2, k2);
      gemm_tile<T, kTile>(p, packed, buf, k2, bias, out_row + ox * out_c);
    }
    for (; ox < out_w; ++ox) {
      gather(p, input, b, oy, static_cast<int64_t>(ox), buf, k2);
      gemm_tile<T, 1>(p, packed, buf, k2, bias, out_row + ox * out_c);
    }
  }
}

}  // namespace

void qu8_conv2d__avx2(const ConvParams& p, const int16_t* packed_weights, const uint8_t* input, const int32_t* bias,
                      uint8_t* output, size_t row_begin, size_t row_end) {
  conv_avx2(p, packed_weights, input, bias, output, row_begin, row_end);
}
void qs8_conv2d__avx2(const ConvParams& p, const int16_t* packed_weights, const int8_t* input, const int32_t* bias,
                      int8_t* output, size_t row_begin, size_t row_end) {
  conv_avx2(p, packed_weights, input, bias, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
