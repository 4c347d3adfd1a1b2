// AVX2 pieces shared by the quantized kernels: widening loads and the exact
// vectorized output stage. Include only from *-avx2.cc files (compiled with
// -mavx2, cmake/EdgerunKernels.cmake).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgerun::kernels::avx2 {

// 8 elements widened to int16.
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

// 16 elements widened to int16 (elements 0..7 in the low lane, 8..15 high).
// `p` is untyped so packed weight bytes can be read as either signedness.
template <typename T>
inline __m256i load16_widen(const void* p);
template <>
inline __m256i load16_widen<uint8_t>(const void* p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128(static_cast<const __m128i*>(p)));
}
template <>
inline __m256i load16_widen<int8_t>(const void* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(static_cast<const __m128i*>(p)));
}

// 8 elements widened to int32.
template <typename T>
inline __m256i load8_widen32(const T* p);
template <>
inline __m256i load8_widen32<uint8_t>(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
template <>
inline __m256i load8_widen32<int8_t>(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// output_stage() for 8 int32 accumulators, bit-exact:
//  acc + bias (wrapping); x = acc << left (wrapping);
//  SaturatingRoundingDoublingHighMul(x, m) = low 32 bits of (x*m + 2^30) >> 31
//    (the C++ definition's nudge and truncating division reduce to this; its
//    one saturating case, x == m == INT32_MIN, cannot occur: multipliers come
//    from validated positive scales, so m >= 0);
//  RoundingDivideByPOT(., right); + output_offset (wrapping); clamp.
inline __m256i requantize(__m256i acc, __m256i bias, __m256i mult, __m256i left, __m256i right, __m256i out_off,
                          __m256i vmin, __m256i vmax) {
  const __m256i x = _mm256_sllv_epi32(_mm256_add_epi32(acc, bias), left);
  const __m256i rnd = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, mult), rnd), 31);
  const __m256i odd = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), rnd), 1);
  const __m256i h = _mm256_blend_epi32(even, odd, 0xAA);
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

// The same with TFLite's signed exponent: left = max(shift, 0), right = max(-shift, 0).
inline __m256i requantize_shift(__m256i acc, __m256i bias, __m256i mult, __m256i shift, __m256i out_off,
                                __m256i vmin, __m256i vmax) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i left = _mm256_max_epi32(shift, zero);
  const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
  return requantize(acc, bias, mult, left, right, out_off, vmin, vmax);
}

// output_stage_f32() (ONNX Runtime's) for 8 int32 accumulators: (acc + bias)
// to float, times scale, clamped to [fmin, fmax] (the activation range less
// the offset; integers, so clamping first equals clamping after rounding),
// rounded half to even (the default MXCSR mode), + output offset.
inline __m256i requantize_f32(__m256i acc, __m256i bias, __m256 scale, __m256 fmin, __m256 fmax, __m256i out_off) {
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc, bias)), scale);
  f = _mm256_min_ps(_mm256_max_ps(f, fmin), fmax);
  return _mm256_add_epi32(_mm256_cvtps_epi32(f), out_off);
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

// The output-stage arrays of a block of 16 channels, pointing at channel
// oc0: TFLite's multiplier / shift, or (scale non-null) ONNX Runtime's scales.
struct BlockQuant {
  const int32_t* multiplier = nullptr;
  const int32_t* shift = nullptr;
  const float* scale = nullptr;
};

// Requantizes MR rows of 16 int32 accumulators (output channels [0, n) of
// the block q points at, n <= 16) and stores them at out + r * out_stride.
// The out_c tail goes through zero-padded copies of bias / multiplier / shift
// / scale and a partial store, so nothing past channel n is read or written.
template <typename T, int MR>
inline void requantize_store_block(const __m256i (&acc)[MR][2], const int32_t* bias, const BlockQuant& q, size_t n,
                                   __m256i out_off, __m256i vmin, __m256i vmax, T* out, size_t out_stride) {
  alignas(32) int32_t tb[16] = {0}, tm[16] = {0}, ts[16] = {0};
  alignas(32) float tf[16] = {0};
  const int32_t* bp = bias != nullptr ? bias : tb;
  const int32_t* mp = q.multiplier;
  const int32_t* sp = q.shift;
  const float* fp = q.scale;
  if (n < 16) {
    if (bias != nullptr) std::memcpy(tb, bias, n * sizeof(int32_t));
    if (fp != nullptr) {
      std::memcpy(tf, fp, n * sizeof(float));
      fp = tf;
    } else {
      std::memcpy(tm, mp, n * sizeof(int32_t));
      std::memcpy(ts, sp, n * sizeof(int32_t));
      mp = tm;
      sp = ts;
    }
    bp = tb;
  }
  __m256i lo[MR], hi[MR];
  if (fp != nullptr) {
    const __m256i out_zp = out_off;
    const __m256 fmin = _mm256_cvtepi32_ps(_mm256_sub_epi32(vmin, out_zp));
    const __m256 fmax = _mm256_cvtepi32_ps(_mm256_sub_epi32(vmax, out_zp));
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 8));
    const __m256 f0 = _mm256_loadu_ps(fp), f1 = _mm256_loadu_ps(fp + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      lo[r] = requantize_f32(acc[r][0], b0, f0, fmin, fmax, out_zp);
      hi[r] = requantize_f32(acc[r][1], b1, f1, fmin, fmax, out_zp);
    }
  } else {
    __m256i qb[2], qm[2], ql[2], qr[2];
    for (int h = 0; h < 2; ++h) {
      qb[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 8 * h));
      qm[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mp + 8 * h));
      const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp + 8 * h));
      ql[h] = _mm256_max_epi32(s, _mm256_setzero_si256());
      qr[h] = _mm256_max_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), s), _mm256_setzero_si256());
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      lo[r] = requantize(acc[r][0], qb[0], qm[0], ql[0], qr[0], out_off, vmin, vmax);
      hi[r] = requantize(acc[r][1], qb[1], qm[1], ql[1], qr[1], out_off, vmin, vmax);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    const __m128i bytes = narrow16<T>(lo[r], hi[r]);
    T* o = out + r * out_stride;
    if (n == 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), bytes);
    } else {
      alignas(16) T tmp[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), bytes);
      std::memcpy(o, tmp, n * sizeof(T));
    }
  }
}

}  // namespace edgerun::kernels::avx2
