// Shared pieces of the AVX-512 quantized kernels (included only by
// src/kernels/x86/*-avx512*.cc, compiled with AVX-512 F/BW/VL flags).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/quant_util.h"

namespace edgerun::kernels {

// Largest right shift for which Q31Requant16::set may fold an output offset.
constexpr int32_t kQ31MaxFoldedRightShift = 22;

// TFLite's output stage constants for 16 int32 lanes, in the form
// requantize16_q31() reads: the multiplication's rounding and right shift as
// one 64-bit add, conditional subtract and arithmetic shift (q31_rounding() in
// kernels/quant_util.h derives it). The 64-bit constants are split into the
// even lanes [0] and the odd lanes [1], as vpmuldq produces them.
struct alignas(64) Q31Requant16 {
  int32_t mult[16];
  int32_t mult_odd[16];  // lane 2i + 1's multiplier in slot 2i, for vpmuldq
  int32_t left[16];      // max(shift, 0)
  int64_t add[2][8];
  int64_t negative_below[2][8];
  int64_t shift[2][8];

  // Lane i gets TFLite's (multiplier, shift); multiplier >= 0, as
  // quantize_multiplier gives. folded_offset (the output offset, or 0) joins
  // the rounding constant as folded_offset * 2^shift, so the shift yields the
  // offset result directly (an arithmetic shift is a floor, and floor(x + n)
  // = floor(x) + n); only for shift_exponent in [-kQ31MaxFoldedRightShift, 0],
  // where it cannot overflow 64 bits (|product| < 2^62, |offset| < 2^8).
  void set(int i, int32_t multiplier, int32_t shift_exponent, int32_t folded_offset = 0) {
    const Q31Rounding k = q31_rounding(shift_exponent < 0 ? -shift_exponent : 0);
    mult[i] = multiplier;
    if (i % 2 == 1) mult_odd[i - 1] = multiplier;
    left[i] = shift_exponent > 0 ? shift_exponent : 0;
    add[i % 2][i / 2] = k.add + static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(folded_offset)) << k.shift);
    negative_below[i % 2][i / 2] = k.negative_below;
    shift[i % 2][i / 2] = k.shift;
  }
};

inline __m512i load512(const void* p) { return _mm512_load_si512(p); }

// multiply_by_quantized_multiplier over 16 lanes, exactly (no saturation case:
// the multiplier is never INT32_MIN). About 6 instructions per 8 lanes.
template <bool kLeftShift>
inline __m512i requantize16_q31(const Q31Requant16& q, __m512i acc) {
  const __m512i x = kLeftShift ? _mm512_sllv_epi32(acc, load512(q.left)) : acc;
  const __m512i correction = _mm512_set1_epi64(int64_t{1} << 31);
  __m512i even = _mm512_mul_epi32(x, load512(q.mult));
  __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), load512(q.mult_odd));
  const __mmask8 even_neg = _mm512_cmplt_epi64_mask(even, load512(q.negative_below[0]));
  const __mmask8 odd_neg = _mm512_cmplt_epi64_mask(odd, load512(q.negative_below[1]));
  even = _mm512_add_epi64(even, load512(q.add[0]));
  odd = _mm512_add_epi64(odd, load512(q.add[1]));
  even = _mm512_mask_sub_epi64(even, even_neg, even, correction);
  odd = _mm512_mask_sub_epi64(odd, odd_neg, odd, correction);
  even = _mm512_srav_epi64(even, load512(q.shift[0]));
  odd = _mm512_srav_epi64(odd, load512(q.shift[1]));
  // The odd results' low halves into the odd 32-bit lanes.
  return _mm512_mask_shuffle_epi32(even, 0xAAAA, odd, _MM_PERM_CDAB);
}

// requantize16_q31 of two accumulators that share the constants q, each
// constant loaded once: the empty asm keeps it in a register, where GCC would
// otherwise fold the load into every instruction that reads it.
template <bool kLeftShift>
[[gnu::always_inline]] inline void requantize16_q31_x2(const Q31Requant16& q, __m512i& acc0, __m512i& acc1) {
  auto reg = [](const void* p) {
    __m512i v = load512(p);
    asm("" : "+v"(v));
    return v;
  };
  const __m512i left = kLeftShift ? reg(q.left) : _mm512_setzero_si512();
  const __m512i mult = reg(q.mult), mult_odd = reg(q.mult_odd);
  const __m512i add_even = reg(q.add[0]), add_odd = reg(q.add[1]);
  const __m512i below_even = reg(q.negative_below[0]), below_odd = reg(q.negative_below[1]);
  const __m512i shift_even = reg(q.shift[0]), shift_odd = reg(q.shift[1]);
  const __m512i correction = _mm512_set1_epi64(int64_t{1} << 31);
  for (__m512i* acc : {&acc0, &acc1}) {
    const __m512i x = kLeftShift ? _mm512_sllv_epi32(*acc, left) : *acc;
    __m512i even = _mm512_mul_epi32(x, mult);
    __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), mult_odd);
    const __mmask8 even_neg = _mm512_cmplt_epi64_mask(even, below_even);
    const __mmask8 odd_neg = _mm512_cmplt_epi64_mask(odd, below_odd);
    even = _mm512_add_epi64(even, add_even);
    odd = _mm512_add_epi64(odd, add_odd);
    even = _mm512_mask_sub_epi64(even, even_neg, even, correction);
    odd = _mm512_mask_sub_epi64(odd, odd_neg, odd, correction);
    even = _mm512_srav_epi64(even, shift_even);
    odd = _mm512_srav_epi64(odd, shift_odd);
    *acc = _mm512_mask_shuffle_epi32(even, 0xAAAA, odd, _MM_PERM_CDAB);
  }
}

}  // namespace edgerun::kernels
