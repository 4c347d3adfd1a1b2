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

namespace edgerun::kernels {
namespace {

template <typename T>
inline __m128i load8_widen(const T* p);
template <>
inline __m128i load8_widen<uint8_t>(const uint8_t* p) {
  return _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
template <>
inline __m128i load8_widen<int8_t>(const int8_t* p) {
  return _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// Per-block requantization constants (16 channels as two halves of 8).
struct BlockQuant {
  __m256i bias[2], mult[2], left[2], right[2];
};

// output_stage() for 8 int32 accumulators, bit-exact:
//  acc + bias (wrapping); x = acc << left (wrapping);
//  SaturatingRoundingDoublingHighMul(x, m) = low 32 bits of (x*m + 2^30) >> 31
//    (the C++ definition's nudge and truncating division reduce to this), and
//    INT32_MAX when x == m == INT32_MIN;
//  RoundingDivideByPOT(., right); + output_offset (wrapping); clamp.
inline __m256i requantize(__m256i acc, __m256i bias, __m256i mult, __m256i left, __m256i right, __m256i out_off,
                          __m256i vmin, __m256i vmax) {
  const __m256i x = _mm256_sllv_epi32(_mm256_add_epi32(acc, bias), left);
  const __m256i rnd = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, mult), rnd), 31);
  const __m256i odd = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), rnd), 1);
  __m256i h = _mm256_blend_epi32(even, odd, 0xAA);
  const __m256i int_min = _mm256_set1_epi32(INT32_MIN);
  const __m256i overflow = _mm256_and_si256(_mm256_cmpeq_epi32(x, mult), _mm256_cmpeq_epi32(x, int_min));
  h = _mm256_blendv_epi8(h, _mm256_set1_epi32(INT32_MAX), overflow);
  // RoundingDivideByPOT.
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
  const __m256i remainder = _mm256_and_si256(h, mask);
  const __m256i threshold =
      _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), h));
  __m256i r = _mm256_srav_epi32(h, right);
  r = _mm256_sub_epi32(r, _mm256_cmpgt_epi32(remainder, threshold));
  r = _mm256_add_epi32(r, out_off);
  return _mm256_min_epi32(_mm256_max_epi32(r, vmin), vmax);
}

// Two vectors of 8 in-range int32 (channels 0..7, 8..15) -> 16 bytes in order.
template <typename T>
inline __m128i narrow16(__m256i lo, __m256i hi);
template <>
inline __m128i narrow16<uint8_t>(__m256i lo, __m256i hi) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
  return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}
template <>
inline __m128i narrow16<int8_t>(__m256i lo, __m256i hi) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

// Computes MR pixels (rows of `in` / `out`) for every output channel.
template <typename T, int MR>
inline void tile(const Conv1x1Params& p, const T* in, const int32_t* bias, T* out) {
  const size_t in_c = static_cast<size_t>(p.in_c);
  const size_t out_c = static_cast<size_t>(p.out_c);
  const size_t pairs = (in_c + 1) / 2;
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
    (void)pairs;

    // Requantization constants for this block; the out_c tail goes through
    // zero-padded copies so nothing past out_c is read.
    alignas(32) int32_t tb[16] = {0}, tm[16] = {0}, ts[16] = {0};
    const int32_t* bp = bias != nullptr ? bias + oc0 : tb;
    const int32_t* mp = p.multiplier + oc0;
    const int32_t* sp = p.shift + oc0;
    if (n < 16) {
      if (bias != nullptr) std::memcpy(tb, bias + oc0, n * sizeof(int32_t));
      std::memcpy(tm, mp, n * sizeof(int32_t));
      std::memcpy(ts, sp, n * sizeof(int32_t));
      bp = tb;
      mp = tm;
      sp = ts;
    }
    BlockQuant q;
    for (int h = 0; h < 2; ++h) {
      q.bias[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 8 * h));
      q.mult[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mp + 8 * h));
      const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp + 8 * h));
      q.left[h] = _mm256_max_epi32(s, _mm256_setzero_si256());
      q.right[h] = _mm256_max_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), s), _mm256_setzero_si256());
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      const __m256i lo = requantize(acc[r][0], q.bias[0], q.mult[0], q.left[0], q.right[0], out_off, vmin, vmax);
      const __m256i hi = requantize(acc[r][1], q.bias[1], q.mult[1], q.left[1], q.right[1], out_off, vmin, vmax);
      const __m128i bytes = narrow16<T>(lo, hi);
      T* o = out + r * out_c + oc0;
      if (n == 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), bytes);
      } else {
        alignas(16) T tmp[16];
        _mm_store_si128(reinterpret_cast<__m128i*>(tmp), bytes);
        std::memcpy(o, tmp, n * sizeof(T));
      }
    }
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
