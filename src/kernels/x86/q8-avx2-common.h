// AVX2 pieces shared by the quantized kernels: widening loads and the exact
// vectorized output stage. Include only from *-avx2.cc files (compiled with
// -mavx2, cmake/EdgerunKernels.cmake).
#pragma once

#include <immintrin.h>

#include <cstdint>

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

// The same with TFLite's signed exponent: left = max(shift, 0), right = max(-shift, 0).
inline __m256i requantize_shift(__m256i acc, __m256i bias, __m256i mult, __m256i shift, __m256i out_off,
                                __m256i vmin, __m256i vmax) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i left = _mm256_max_epi32(shift, zero);
  const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
  return requantize(acc, bias, mult, left, right, out_off, vmin, vmax);
}

}  // namespace edgerun::kernels::avx2
