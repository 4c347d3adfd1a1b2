// qu8_vadd_minmax__avx2 / qs8_vadd_minmax__avx2: same-shape quantized ADD on
// AVX2, bit-exact with qu8_add__ref / qs8_add__ref (kernels/ref/add.h) and so
// with TFLite's reference_integer_ops::Add. Called only through the dispatch
// table (kernels/dispatch.h) after CPU detection found AVX2.
//
// 8 elements per step, widened to int32. Each input is offset, shifted left by
// left_shift and rescaled with MultiplyByQuantizedMultiplierSmallerThanOneExp;
// the sum is rescaled to the output, offset and clamped. All three rescalings
// are requantize() (q8-avx2-common.h) with the offset as its "bias": it
// computes (x + bias) << left, SaturatingRoundingDoublingHighMul and
// RoundingDivideByPOT exactly, so no step rounds differently from the scalar
// code. The int32 sum cannot overflow: each scaled input is below
// 2^8 * 2^20 in magnitude. The < 8 tail goes through zero-padded stack copies,
// so nothing past a[n), b[n) is read or y[n) written. Pure: no allocation.
//
// qu8_vadd_f32__avx2 / qs8_vadd_f32__avx2: ONNX's quantized Add as ONNX
// Runtime computes it (kernels/ref/add.h F32QuantAddParams), 8 elements per
// step dequantized to float, summed, divided, clamped, rounded half to even;
// bit-exact with qu8_add_f32__ref / qs8_add_f32__ref.
#include <immintrin.h>

#include <climits>
#include <cstring>

#include "kernels/dispatch.h"
#include "kernels/x86/q8-avx2-common.h"

namespace edgerun::kernels {
namespace {

using avx2::load8_widen32;

struct VaddConsts {
  __m256i a_off, a_mult, a_right;
  __m256i b_off, b_mult, b_right;
  __m256i o_mult, o_right, o_off, vmin, vmax;
  __m256i left, zero, int_min, int_max;
};

inline VaddConsts make_consts(const ref::QuantAddParams& p) {
  VaddConsts k;
  k.a_off = _mm256_set1_epi32(p.input1_offset);
  k.a_mult = _mm256_set1_epi32(p.input1_multiplier);
  k.a_right = _mm256_set1_epi32(-p.input1_shift);
  k.b_off = _mm256_set1_epi32(p.input2_offset);
  k.b_mult = _mm256_set1_epi32(p.input2_multiplier);
  k.b_right = _mm256_set1_epi32(-p.input2_shift);
  k.o_mult = _mm256_set1_epi32(p.output_multiplier);
  k.o_right = _mm256_set1_epi32(-p.output_shift);
  k.o_off = _mm256_set1_epi32(p.output_offset);
  k.vmin = _mm256_set1_epi32(p.output_min);
  k.vmax = _mm256_set1_epi32(p.output_max);
  k.left = _mm256_set1_epi32(p.left_shift);
  k.zero = _mm256_setzero_si256();
  k.int_min = _mm256_set1_epi32(INT_MIN);
  k.int_max = _mm256_set1_epi32(INT_MAX);
  return k;
}

// 8 outputs as int32 in [output_min, output_max].
template <typename T>
inline __m256i vadd8(const VaddConsts& k, const T* a, const T* b) {
  using avx2::requantize;
  const __m256i sa = requantize(load8_widen32(a), k.a_off, k.a_mult, k.left, k.a_right, k.zero, k.int_min, k.int_max);
  const __m256i sb = requantize(load8_widen32(b), k.b_off, k.b_mult, k.left, k.b_right, k.zero, k.int_min, k.int_max);
  return requantize(_mm256_add_epi32(sa, sb), k.zero, k.o_mult, k.zero, k.o_right, k.o_off, k.vmin, k.vmax);
}

template <typename T>
void vadd(size_t n, const T* a, const T* b, T* y, const ref::QuantAddParams& p) {
  const VaddConsts k = make_consts(p);
  for (; n >= 16; n -= 16) {
    const __m256i lo = vadd8(k, a, b);
    const __m256i hi = vadd8(k, a + 8, b + 8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), avx2::narrow16<T>(lo, hi));
    a += 16;
    b += 16;
    y += 16;
  }
  while (n != 0) {
    // 8 at a time, then the tail through copies so nothing past the end is touched.
    const size_t m = n < 8 ? n : 8;
    alignas(16) T ta[8] = {}, tb[8] = {}, ty[16];
    const T* pa = a;
    const T* pb = b;
    if (m < 8) {
      std::memcpy(ta, a, m * sizeof(T));
      std::memcpy(tb, b, m * sizeof(T));
      pa = ta;
      pb = tb;
    }
    const __m256i v = vadd8(k, pa, pb);
    _mm_store_si128(reinterpret_cast<__m128i*>(ty), avx2::narrow16<T>(v, v));
    std::memcpy(y, ty, m * sizeof(T));
    a += m;
    b += m;
    y += m;
    n -= m;
  }
}

// ONNX's QuantizeLinear(DequantizeLinear(a) + DequantizeLinear(b)) for 8
// elements (as int32 in the output range), the same float steps as
// qs8_add_f32__ref: separate multiplies and add (no FMA), a true division.
template <typename T>
inline __m256i vadd8_f32(const ref::F32QuantAddParams& p, const T* a, const T* b) {
  __m256 fa = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(load8_widen32(a), _mm256_set1_epi32(p.a_zero_point))),
                            _mm256_set1_ps(p.a_scale));
  __m256 fb = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(load8_widen32(b), _mm256_set1_epi32(p.b_zero_point))),
                            _mm256_set1_ps(p.b_scale));
  // The products rounded before the add: GCC would otherwise fuse a multiply
  // and the add into one FMA (this file is built with -mfma).
  asm("" : "+x"(fa), "+x"(fb));
  __m256 v = _mm256_div_ps(_mm256_add_ps(fa, fb), _mm256_set1_ps(p.y_scale));
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(static_cast<float>(p.output_min - p.y_zero_point))),
                    _mm256_set1_ps(static_cast<float>(p.output_max - p.y_zero_point)));
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), _mm256_set1_epi32(p.y_zero_point));
}

template <typename T>
void vadd_f32(size_t n, const T* a, const T* b, T* y, const ref::F32QuantAddParams& p) {
  for (; n >= 16; n -= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), avx2::narrow16<T>(vadd8_f32(p, a, b), vadd8_f32(p, a + 8, b + 8)));
    a += 16;
    b += 16;
    y += 16;
  }
  if (n == 0) return;
  // The tail through zero-padded copies, so nothing past the end is touched.
  alignas(16) T ta[16] = {}, tb[16] = {}, ty[16];
  std::memcpy(ta, a, n * sizeof(T));
  std::memcpy(tb, b, n * sizeof(T));
  const __m128i bytes = avx2::narrow16<T>(vadd8_f32(p, ta, tb), vadd8_f32(p, ta + 8, tb + 8));
  _mm_store_si128(reinterpret_cast<__m128i*>(ty), bytes);
  std::memcpy(y, ty, n * sizeof(T));
}

}  // namespace

void qu8_vadd_f32__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::F32QuantAddParams& p) {
  vadd_f32(n, a, b, y, p);
}
void qs8_vadd_f32__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::F32QuantAddParams& p) {
  vadd_f32(n, a, b, y, p);
}

void qu8_vadd_minmax__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::QuantAddParams& p) {
  vadd(n, a, b, y, p);
}
void qs8_vadd_minmax__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::QuantAddParams& p) {
  vadd(n, a, b, y, p);
}

}  // namespace edgerun::kernels
