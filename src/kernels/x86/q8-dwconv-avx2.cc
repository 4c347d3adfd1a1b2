// qu8_dwconv2d__avx2 / qs8_dwconv2d__avx2: quantized depthwise convolution
// (depth_multiplier 1) on AVX2, bit-exact with qu8_dwconv2d__ref /
// qs8_dwconv2d__ref (kernels/ref/conv.h) and so with TFLite's reference
// DepthwiseConv / DepthwiseConvPerChannel. Same signature as the reference
// kernels; called only through the dispatch table (kernels/dispatch.h) after
// CPU detection found AVX2. Compiled with -mavx2 -mfma -mf16c.
//
// Vectorized over channels: for every output pixel the in-image taps form the
// rectangle [fy0, fy1) x [fx0, fx1) (out-of-image taps are skipped, exactly as
// the reference does); channels go 16 at a time (then 8, then a < 8 tail
// through zero-padded stack copies, so nothing past a row end is read or
// written). Input + input_offset and filter + filter_offset are widened to
// int16 (both within [-255, 255]); two taps are interleaved per channel and
// multiplied-and-summed with vpmaddwd into int32 (exact: |sum| <= 2 * 255^2).
// The int32 accumulator wraps like TFLite's (the sum is exact mod 2^32 in any
// order). The output stage is output_stage() vectorized exactly (requantize()),
// or with p.scale ONNX Runtime's output_stage_f32() (requantize_f32()).
// Any other depth_multiplier falls back to the reference kernel. Pure: no
// allocation.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/ref/conv.h"
#include "kernels/x86/q8-avx2-common.h"

namespace edgerun::kernels {
namespace {

using avx2::load16_widen;
using avx2::load8_widen;

// n < 8 elements widened to int16, the rest zero; reads only p[0, n).
template <typename T>
inline __m128i load_partial_widen(const T* p, size_t n) {
  alignas(16) T tmp[16] = {};
  std::memcpy(tmp, p, n * sizeof(T));
  return load8_widen<T>(tmp);
}

// 8 in-range int32 -> 8 bytes in the low half.
template <typename T>
inline __m128i narrow8(__m256i v);
template <>
inline __m128i narrow8<uint8_t>(__m256i v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return _mm_packus_epi16(w, w);
}
template <>
inline __m128i narrow8<int8_t>(__m256i v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return _mm_packs_epi16(w, w);
}

struct Quant {
  __m256i out_off, vmin, vmax;
};

// Requantization constants for channels [c, c + 8), n of them valid (<= 8);
// reads only the valid ones.
inline void load_quant8(const ConvParams& p, const int32_t* bias, size_t c, size_t n, __m256i* b, __m256i* m,
                        __m256i* s) {
  if (n == 8) {
    *b = bias != nullptr ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c)) : _mm256_setzero_si256();
    *m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.multiplier + c));
    *s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.shift + c));
    return;
  }
  alignas(32) int32_t tb[8] = {0}, tm[8] = {0}, ts[8] = {0};
  if (bias != nullptr) std::memcpy(tb, bias + c, n * sizeof(int32_t));
  std::memcpy(tm, p.multiplier + c, n * sizeof(int32_t));
  std::memcpy(ts, p.shift + c, n * sizeof(int32_t));
  *b = _mm256_load_si256(reinterpret_cast<const __m256i*>(tb));
  *m = _mm256_load_si256(reinterpret_cast<const __m256i*>(tm));
  *s = _mm256_load_si256(reinterpret_cast<const __m256i*>(ts));
}

inline __m256i requantize8(const ConvParams& p, const Quant& q, const int32_t* bias, size_t c, size_t n,
                           __m256i acc) {
  if (p.scale != nullptr) {  // ONNX Runtime's output stage
    alignas(32) int32_t tb[8] = {0};
    alignas(32) float tf[8] = {0};
    if (bias != nullptr) std::memcpy(tb, bias + c, n * sizeof(int32_t));
    std::memcpy(tf, p.scale + c, n * sizeof(float));
    const __m256 fmin = _mm256_cvtepi32_ps(_mm256_sub_epi32(q.vmin, q.out_off));
    const __m256 fmax = _mm256_cvtepi32_ps(_mm256_sub_epi32(q.vmax, q.out_off));
    return avx2::requantize_f32(acc, _mm256_load_si256(reinterpret_cast<const __m256i*>(tb)), _mm256_load_ps(tf),
                                fmin, fmax, q.out_off);
  }
  __m256i b, m, s;
  load_quant8(p, bias, c, n, &b, &m, &s);
  return avx2::requantize_shift(acc, b, m, s, q.out_off, q.vmin, q.vmax);
}

// The in-image taps of one output pixel: [lo, hi) along one axis.
inline void valid_taps(int64_t origin, int64_t dilation, int64_t in_size, int64_t k, int64_t* lo, int64_t* hi) {
  *lo = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
  *hi = origin >= in_size ? 0 : std::min<int64_t>(k, (in_size - origin + dilation - 1) / dilation);
  if (*hi < *lo) *hi = *lo;
}

// Walks the tap rectangle in row-major order, giving input / filter element offsets.
struct TapIter {
  int64_t fy, fx, fx0, fx1;
  int64_t in_base;  // element offset of input pixel (iy0, ix0) channel 0 (may be "negative", only combined)
  int64_t in_step_y, in_step_x, f_step_y, f_step_x;
  int64_t in_off() const { return in_base + fy * in_step_y + fx * in_step_x; }
  int64_t f_off() const { return fy * f_step_y + fx * f_step_x; }
  void next() {
    if (++fx == fx1) {
      fx = fx0;
      ++fy;
    }
  }
};

template <typename T>
void dwconv_avx2(const ConvParams& p, const T* input, const T* filter, const int32_t* bias, T* output,
                 size_t row_begin, size_t row_end) {
  const size_t C = static_cast<size_t>(p.out_c);
  const int64_t in_c = p.in_c;
  Quant q;
  q.out_off = _mm256_set1_epi32(p.output_offset);
  q.vmin = _mm256_set1_epi32(p.act_min);
  q.vmax = _mm256_set1_epi32(p.act_max);
  const __m256i ioff16 = _mm256_set1_epi16(static_cast<int16_t>(p.input_offset));
  const __m256i foff16 = _mm256_set1_epi16(static_cast<int16_t>(p.filter_offset));
  const __m128i ioff8 = _mm256_castsi256_si128(ioff16);
  const __m128i foff8 = _mm256_castsi256_si128(foff16);

  for (size_t r = row_begin; r < row_end; ++r) {
    const int64_t b = static_cast<int64_t>(r / static_cast<size_t>(p.out_h));
    const int64_t oy = static_cast<int64_t>(r % static_cast<size_t>(p.out_h));
    const int64_t iy0 = oy * p.stride_h - p.pad_top;
    int64_t fy0, fy1;
    valid_taps(iy0, p.dilation_h, p.in_h, p.filter_h, &fy0, &fy1);
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const int64_t ix0 = ox * p.stride_w - p.pad_left;
      int64_t fx0, fx1;
      valid_taps(ix0, p.dilation_w, p.in_w, p.filter_w, &fx0, &fx1);
      const int64_t taps = (fy1 - fy0) * (fx1 - fx0);
      TapIter start;
      start.fy = fy0;
      start.fx = fx0;
      start.fx0 = fx0;
      start.fx1 = fx1;
      start.in_base = ((b * p.in_h + iy0) * p.in_w + ix0) * in_c;
      start.in_step_y = static_cast<int64_t>(p.dilation_h) * p.in_w * in_c;
      start.in_step_x = static_cast<int64_t>(p.dilation_w) * in_c;
      start.f_step_y = static_cast<int64_t>(p.filter_w) * static_cast<int64_t>(C);
      start.f_step_x = static_cast<int64_t>(C);
      T* out = output + ((b * p.out_h + oy) * p.out_w + ox) * static_cast<int64_t>(C);

      size_t c = 0;
      // 16 channels at a time.
      for (; c + 16 <= C; c += 16) {
        __m256i acc_lo = _mm256_setzero_si256(), acc_hi = _mm256_setzero_si256();
        TapIter it = start;
        int64_t t = taps;
        for (; t >= 2; t -= 2) {
          const __m256i x0 = _mm256_add_epi16(load16_widen<T>(input + it.in_off() + c), ioff16);
          const __m256i w0 = _mm256_add_epi16(load16_widen<T>(filter + it.f_off() + c), foff16);
          it.next();
          const __m256i x1 = _mm256_add_epi16(load16_widen<T>(input + it.in_off() + c), ioff16);
          const __m256i w1 = _mm256_add_epi16(load16_widen<T>(filter + it.f_off() + c), foff16);
          it.next();
          acc_lo = _mm256_add_epi32(acc_lo,
                                    _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), _mm256_unpacklo_epi16(w0, w1)));
          acc_hi = _mm256_add_epi32(acc_hi,
                                    _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), _mm256_unpackhi_epi16(w0, w1)));
        }
        if (t == 1) {
          const __m256i x0 = _mm256_add_epi16(load16_widen<T>(input + it.in_off() + c), ioff16);
          const __m256i w0 = _mm256_add_epi16(load16_widen<T>(filter + it.f_off() + c), foff16);
          const __m256i z = _mm256_setzero_si256();
          acc_lo = _mm256_add_epi32(acc_lo,
                                    _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, z), _mm256_unpacklo_epi16(w0, z)));
          acc_hi = _mm256_add_epi32(acc_hi,
                                    _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, z), _mm256_unpackhi_epi16(w0, z)));
        }
        // acc_lo holds channels {0..3, 8..11}, acc_hi {4..7, 12..15}.
        const __m256i a0 = _mm256_permute2x128_si256(acc_lo, acc_hi, 0x20);  // 0..7
        const __m256i a1 = _mm256_permute2x128_si256(acc_lo, acc_hi, 0x31);  // 8..15
        const __m128i o0 = narrow8<T>(requantize8(p, q, bias, c, 8, a0));
        const __m128i o1 = narrow8<T>(requantize8(p, q, bias, c + 8, 8, a1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c), _mm_unpacklo_epi64(o0, o1));
      }
      // 8 channels, then the < 8 tail (zero-padded copies, partial store).
      for (; c < C; c += 8) {
        const size_t n = std::min<size_t>(8, C - c);
        __m128i acc_lo = _mm_setzero_si128(), acc_hi = _mm_setzero_si128();
        TapIter it = start;
        for (int64_t t = 0; t < taps; ++t) {
          __m128i x, w;
          if (n == 8) {
            x = load8_widen<T>(input + it.in_off() + c);
            w = load8_widen<T>(filter + it.f_off() + c);
          } else {
            x = load_partial_widen<T>(input + it.in_off() + c, n);
            w = load_partial_widen<T>(filter + it.f_off() + c, n);
          }
          it.next();
          x = _mm_add_epi16(x, ioff8);
          w = _mm_add_epi16(w, foff8);
          const __m128i z = _mm_setzero_si128();
          acc_lo = _mm_add_epi32(acc_lo, _mm_madd_epi16(_mm_unpacklo_epi16(x, z), _mm_unpacklo_epi16(w, z)));
          acc_hi = _mm_add_epi32(acc_hi, _mm_madd_epi16(_mm_unpackhi_epi16(x, z), _mm_unpackhi_epi16(w, z)));
        }
        const __m256i acc = _mm256_set_m128i(acc_hi, acc_lo);
        const __m128i o = narrow8<T>(requantize8(p, q, bias, c, n, acc));
        if (n == 8) {
          _mm_storel_epi64(reinterpret_cast<__m128i*>(out + c), o);
        } else {
          alignas(16) T tmp[16];
          _mm_store_si128(reinterpret_cast<__m128i*>(tmp), o);
          std::memcpy(out + c, tmp, n * sizeof(T));
        }
      }
    }
  }
}

}  // namespace

void qu8_dwconv2d__avx2(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                        uint8_t* output, size_t row_begin, size_t row_end) {
  if (p.depth_multiplier != 1) {
    qu8_dwconv2d__ref(p, input, filter, bias, output, row_begin, row_end);
    return;
  }
  dwconv_avx2(p, input, filter, bias, output, row_begin, row_end);
}
void qs8_dwconv2d__avx2(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                        int8_t* output, size_t row_begin, size_t row_end) {
  if (p.depth_multiplier != 1) {
    qs8_dwconv2d__ref(p, input, filter, bias, output, row_begin, row_end);
    return;
  }
  dwconv_avx2(p, input, filter, bias, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
