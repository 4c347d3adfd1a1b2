// qu8_conv_gemm__avx2 / qs8_conv_gemm__avx2: the quantized conv GEMM of
// kernels/q8_gemm.h on AVX2 without VNNI. Compiled with -mavx2 -mfma -mf16c
// (cmake/EdgerunKernels.cmake); reached only through the dispatch table.
//
// Panel: up to q8_gemm_panel_rows() output pixels widened to int16 in scratch,
// each row the pixel's K inputs (1x1: its input row as it is; otherwise the
// filter taps in order, the zero point for out-of-image taps), padded to even
// K, with its row sum (vpmaddwd against ones).
// Micro-kernel: 6 pixels x 16 channels in 12 int32 accumulators. Per depth
// pair, the 32 weight bytes widen to two int16 vectors (8 channels x 2 depths
// each); each pixel's pair is one int32 broadcast from the panel; vpmaddwd
// sums the two products exactly into int32 (|x|, |w| <= 255: no saturation).
// Epilogue: + filter_offset * row sum + bias', then the exact vectorized
// output stage. Tails: 1-5 leftover pixels take a narrower tile; the out_c
// tail computes zero-padded channels and stores only the real ones.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/q8_gemm.h"
#include "kernels/x86/q8-avx2-common.h"

namespace edgerun::kernels {
namespace {

using avx2::load16_widen;

// Widens n inputs to int16 at dst; their sum goes to the int32 lanes of vsum
// (16 at a time) or to ssum (the tail).
template <typename T>
inline void widen_run(const T* src, size_t n, int16_t* dst, __m256i& vsum, int32_t& ssum) {
  const __m256i ones = _mm256_set1_epi16(1);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i v = load16_widen<T>(src + i);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), v);
    vsum = _mm256_add_epi32(vsum, _mm256_madd_epi16(v, ones));
  }
  if (i + 8 <= n) {
    const __m128i v = avx2::load8_widen<T>(src + i);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), v);
    vsum = _mm256_add_epi32(vsum, _mm256_castsi128_si256(_mm_madd_epi16(v, _mm_set1_epi16(1))));
    i += 8;
  }
  for (; i < n; ++i) {
    dst[i] = src[i];
    ssum += src[i];
  }
}

inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// Row r of the panel: output pixel px's K inputs as int16, padded to even.
template <typename T>
void widen_row(const Q8GemmParams& p, const T* input, size_t px, const PixelPos& pos, int16_t* row, int32_t* row_sum) {
  const ConvParams& c = p.conv;
  __m256i vsum = _mm256_setzero_si256();
  int32_t ssum = 0;
  if (p.pointwise) {
    widen_run(input + px * p.depth, p.depth, row, vsum, ssum);
  } else {
    const size_t in_c = static_cast<size_t>(c.in_c);
    const size_t b = pos.b, oy = pos.oy, ox = pos.ox;
    const int32_t zero_point = -c.input_offset;
    int16_t* dst = row;
    const int64_t ix0 = static_cast<int64_t>(ox) * c.stride_w - c.pad_left;
    // With dilation 1 and the whole filter row inside the image, a filter row
    // is one contiguous run of filter_w * in_c inputs.
    const bool row_inside =
        c.dilation_w == 1 && ix0 >= 0 && ix0 + c.filter_w <= static_cast<int64_t>(c.in_w);
    for (int32_t fy = 0; fy < c.filter_h; ++fy) {
      const int64_t iy = static_cast<int64_t>(oy) * c.stride_h - c.pad_top + static_cast<int64_t>(fy) * c.dilation_h;
      if (row_inside && iy >= 0 && iy < c.in_h) {
        const size_t run = static_cast<size_t>(c.filter_w) * in_c;
        widen_run(input + ((b * static_cast<size_t>(c.in_h) + static_cast<size_t>(iy)) * static_cast<size_t>(c.in_w) +
                           static_cast<size_t>(ix0)) *
                              in_c,
                  run, dst, vsum, ssum);
        dst += run;
        continue;
      }
      for (int32_t fx = 0; fx < c.filter_w; ++fx, dst += in_c) {
        const int64_t ix =
            static_cast<int64_t>(ox) * c.stride_w - c.pad_left + static_cast<int64_t>(fx) * c.dilation_w;
        if (iy < 0 || iy >= c.in_h || ix < 0 || ix >= c.in_w) {
          std::fill_n(dst, in_c, static_cast<int16_t>(zero_point));
          ssum += zero_point * static_cast<int32_t>(in_c);
        } else {
          const T* src = input + ((b * static_cast<size_t>(c.in_h) + static_cast<size_t>(iy)) *
                                      static_cast<size_t>(c.in_w) +
                                  static_cast<size_t>(ix)) *
                                     in_c;
          widen_run(src, in_c, dst, vsum, ssum);
        }
      }
    }
  }
  if (p.depth % 2 != 0) row[p.depth] = 0;
  *row_sum = hsum(vsum) + ssum;
}

// MR panel rows x one block of 16 channels.
template <typename T, int MR>
inline void tile(const Q8GemmParams& p, const int32_t* a, const int32_t* row_sums, const uint8_t* block,
                 const avx2::BlockQuant& quant, size_t nc, T* out, size_t out_stride) {
  // Named accumulators, not an array: GCC keeps an indexed array in memory.
  const __m256i zero = _mm256_setzero_si256();
  __m256i c0l = zero, c0h = zero, c1l = zero, c1h = zero, c2l = zero, c2h = zero;
  __m256i c3l = zero, c3h = zero, c4l = zero, c4h = zero, c5l = zero, c5h = zero;
  const int32_t* a0 = a;
  const int32_t* a1 = a0 + (MR > 1 ? p.pairs : 0);
  const int32_t* a2 = a1 + (MR > 2 ? p.pairs : 0);
  const int32_t* a3 = a2 + (MR > 3 ? p.pairs : 0);
  const int32_t* a4 = a3 + (MR > 4 ? p.pairs : 0);
  const int32_t* a5 = a4 + (MR > 5 ? p.pairs : 0);
  const uint8_t* w = block + kQ8GemmBlock * 4;
  const size_t pairs = p.pairs;
  for (size_t k = 0; k < pairs; ++k, w += 32) {
    const __m256i w0 = load16_widen<T>(w);
    const __m256i w1 = load16_widen<T>(w + 16);
#define EDGERUN_ROW(R)                                                \
  if constexpr (MR > R) {                                             \
    const __m256i x = _mm256_set1_epi32(a##R[k]);                     \
    c##R##l = _mm256_add_epi32(c##R##l, _mm256_madd_epi16(x, w0));   \
    c##R##h = _mm256_add_epi32(c##R##h, _mm256_madd_epi16(x, w1));   \
  }
    EDGERUN_ROW(0)
    EDGERUN_ROW(1)
    EDGERUN_ROW(2)
    EDGERUN_ROW(3)
    EDGERUN_ROW(4)
    EDGERUN_ROW(5)
#undef EDGERUN_ROW
  }
  __m256i acc[MR][2];
  const __m256i all[6][2] = {{c0l, c0h}, {c1l, c1h}, {c2l, c2h}, {c3l, c3h}, {c4l, c4h}, {c5l, c5h}};
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = all[r][0];
    acc[r][1] = all[r][1];
  }
  if (p.conv.filter_offset != 0) {
    const __m256i wo = _mm256_set1_epi32(p.conv.filter_offset);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256i t = _mm256_mullo_epi32(_mm256_set1_epi32(row_sums[r]), wo);
      acc[r][0] = _mm256_add_epi32(acc[r][0], t);
      acc[r][1] = _mm256_add_epi32(acc[r][1], t);
    }
  }
  avx2::requantize_store_block<T, MR>(acc, reinterpret_cast<const int32_t*>(block), quant, nc,
                                      _mm256_set1_epi32(p.conv.output_offset), _mm256_set1_epi32(p.conv.act_min),
                                      _mm256_set1_epi32(p.conv.act_max), out, out_stride);
}

template <typename T>
void conv_gemm(const Q8GemmParams& p, const T* input, T* output, size_t pixel_begin, size_t pixel_end,
               size_t block_begin, size_t block_end, void* scratch) {
  const size_t rows = q8_gemm_panel_rows(p);
  auto* panel = static_cast<int16_t*>(scratch);
  auto* row_sums = reinterpret_cast<int32_t*>(panel + rows * p.pairs * 2);
  const auto* a = reinterpret_cast<const int32_t*>(panel);
  const size_t block_bytes = kQ8GemmBlock * 4 + p.pairs * 32;
  const size_t out_c = static_cast<size_t>(p.conv.out_c);
  for (size_t m0 = pixel_begin; m0 < pixel_end; m0 += rows) {
    const size_t m = std::min(rows, pixel_end - m0);
    PixelPos pos = pixel_pos(p.conv, m0);
    for (size_t r = 0; r < m; ++r, next_pixel(p.conv, pos)) {
      widen_row(p, input, m0 + r, pos, panel + r * p.pairs * 2, &row_sums[r]);
    }
    for (size_t b = block_begin; b < block_end; ++b) {
      const uint8_t* block = p.packed + b * block_bytes;
      const size_t oc0 = b * kQ8GemmBlock;
      const size_t nc = std::min(kQ8GemmBlock, out_c - oc0);
      const avx2::BlockQuant quant{p.multiplier + oc0, p.shift + oc0,
                                   p.scale != nullptr ? p.scale + oc0 : nullptr};
      T* out = output + m0 * out_c + oc0;
      size_t r = 0;
      for (; r + 6 <= m; r += 6) {
        tile<T, 6>(p, a + r * p.pairs, row_sums + r, block, quant, nc, out + r * out_c, out_c);
      }
      const int32_t* ar = a + r * p.pairs;
      T* o = out + r * out_c;
      switch (m - r) {
        case 5: tile<T, 5>(p, ar, row_sums + r, block, quant, nc, o, out_c); break;
        case 4: tile<T, 4>(p, ar, row_sums + r, block, quant, nc, o, out_c); break;
        case 3: tile<T, 3>(p, ar, row_sums + r, block, quant, nc, o, out_c); break;
        case 2: tile<T, 2>(p, ar, row_sums + r, block, quant, nc, o, out_c); break;
        case 1: tile<T, 1>(p, ar, row_sums + r, block, quant, nc, o, out_c); break;
        default: break;
      }
    }
  }
}

}  // namespace

void qu8_conv_gemm__avx2(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                         size_t pixel_end, size_t block_begin, size_t block_end, void* scratch) {
  conv_gemm(p, input, output, pixel_begin, pixel_end, block_begin, block_end, scratch);
}
void qs8_conv_gemm__avx2(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                         size_t pixel_end, size_t block_begin, size_t block_end, void* scratch) {
  conv_gemm(p, input, output, pixel_begin, pixel_end, block_begin, block_end, scratch);
}

}  // namespace edgerun::kernels
