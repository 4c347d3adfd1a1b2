// qu8_vadd_minmax__avx512bw / qs8_vadd_minmax__avx512bw: same-shape quantized
// ADD on AVX-512 (F/BW/VL), bit-exact with qu8_add__ref / qs8_add__ref
// (kernels/ref/add.h) and so with TFLite's reference_integer_ops::Add. Called
// only through the dispatch table (kernels/dispatch.h) after CPU detection
// found AVX-512 F, BW and VL.
//
// 16 elements per vector, widened to int32; the < 16 tail uses masked loads
// and a masked store, so nothing past a[n), b[n) is read or y[n) written.
//
// Input rescaling in 32-bit lanes, no 64-bit product: with x = a + offset
// (|x| <= 255, zero points are validated to the 8-bit range) and
// left_shift 20, SaturatingRoundingDoublingHighMul(x << 20, m) is
// H = floor((x * m + 2^10) / 2^11) (quant_util.h q31_rounding() explains why;
// the common factor 2^20 cancels). Splitting m = mh * 2^11 + ml gives
// H = x * mh + floor((x * ml + 2^10) / 2^11), two vpmulld whose products fit
// int32 (|x * mh| < 2^28, |x * ml| < 2^19). The offsets fold into constants:
// x * mh = a * mh + offset * mh, likewise for ml. RoundingDivideByPOT(H, r) is
// floor((H + 2^(r-1) - [H < 0]) / 2^r) for r > 0 and H for r = 0: one add, a
// compare, a masked subtract and a shift, 9 instructions per 16 inputs. The
// input with the larger scale has multiplier 2^30, shift 0 (see
// is_plain_shift()) and needs only an add and a shift.
//
// The sum's rescaling needs the full 64-bit product (|sum| < 2^29, multipliers
// up to 2^31 - 1): requantize16_q31() (q8-avx512-common.h). The sum cannot
// overflow int32. Pure: no allocation.
//
// Measured alternatives (Zen 5, one core, uint8, n = 18816, ns per element):
// this kernel 0.18; without the plain-shift input 0.21; both inputs through
// requantize16_q31<true> (64-bit products) 0.26; per-input 256-entry int32
// tables built per call and read with 8 vpermi2d + 7 blends 0.31, with
// vpgatherdd 0.76; the AVX2 kernel 0.65.
#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "kernels/dispatch.h"
#include "kernels/x86/q8-avx512-common.h"

namespace edgerun::kernels {
namespace {

// ops/add.cc's (and TFLite's) left shift for 8-bit ADD; the split below
// depends on it.
constexpr int kLeftShift = 20;
constexpr int kSplit = 31 - kLeftShift;      // bits of ml
constexpr int kPlainShift = kLeftShift - 1;  // H = x << 19 for m = 2^30

// One input's rescaling constants (see the header comment).
struct InputRescale {
  __m512i mh, ml;
  __m512i low_add;   // offset * ml + 2^10
  __m512i high_add;  // offset * mh + 2^(r-1) (0 for r = 0)
  __m512i round;     // 2^(r-1) (0 for r = 0): H < 0 iff H + round < round
  __m512i neg_fix;   // 1 for r > 0, else 0
  __m128i right;     // r
};

InputRescale make_input_rescale(int32_t offset, int32_t multiplier, int shift) {
  const int32_t right = -shift;
  const int32_t mh = multiplier >> kSplit;
  const int32_t ml = multiplier & ((1 << kSplit) - 1);
  const int32_t round = right > 0 ? int32_t{1} << (right - 1) : 0;
  InputRescale k;
  k.mh = _mm512_set1_epi32(mh);
  k.ml = _mm512_set1_epi32(ml);
  k.low_add = _mm512_set1_epi32(offset * ml + (1 << (kSplit - 1)));
  k.high_add = _mm512_set1_epi32(offset * mh + round);
  k.round = _mm512_set1_epi32(round);
  k.neg_fix = _mm512_set1_epi32(right > 0 ? 1 : 0);
  k.right = _mm_cvtsi32_si128(right);
  return k;
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp((a + offset) << 20, m, shift).
inline __m512i rescale_input(const InputRescale& k, __m512i a) {
  const __m512i high = _mm512_mullo_epi32(a, k.mh);
  const __m512i low = _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(a, k.ml), k.low_add), kSplit);
  const __m512i h = _mm512_add_epi32(_mm512_add_epi32(high, low), k.high_add);  // H + round
  const __mmask16 negative = _mm512_cmplt_epi32_mask(h, k.round);
  return _mm512_sra_epi32(_mm512_mask_sub_epi32(h, negative, h, k.neg_fix), k.right);
}

template <typename T>
inline __m512i widen(__m128i bytes);
template <>
inline __m512i widen<uint8_t>(__m128i bytes) {
  return _mm512_cvtepu8_epi32(bytes);
}
template <>
inline __m512i widen<int8_t>(__m128i bytes) {
  return _mm512_cvtepi8_epi32(bytes);
}

// Multiplier 2^30 with r <= 19 makes the rescaling a plain shift:
// H = x * 2^19 exactly, and dividing that by 2^r leaves no remainder, so the
// result is x << (19 - r). Prepare gives the input with the larger scale
// multiplier 0.5 = (2^30, shift 0), so one input of every real ADD takes this.
bool is_plain_shift(int32_t multiplier, int shift) { return multiplier == (1 << 30) && shift >= -kPlainShift; }

struct VaddConsts {
  InputRescale a, b;
  __m512i a_off;    // first input's offset, for the plain-shift form
  __m128i a_shift;  // 19 - r
  Q31Requant16 out;
  __m512i out_off, vmin, vmax;
};

// 16 outputs as int32 in [output_min, output_max] from 16 bytes of each input.
template <typename T, bool kShiftA>
inline __m512i vadd16(const VaddConsts& k, __m128i a, __m128i b) {
  const __m512i sa =
      kShiftA ? _mm512_sll_epi32(_mm512_add_epi32(widen<T>(a), k.a_off), k.a_shift) : rescale_input(k.a, widen<T>(a));
  const __m512i sum = _mm512_add_epi32(sa, rescale_input(k.b, widen<T>(b)));
  const __m512i r = _mm512_add_epi32(requantize16_q31<false>(k.out, sum), k.out_off);
  return _mm512_min_epi32(_mm512_max_epi32(r, k.vmin), k.vmax);
}

template <typename T, bool kShiftA>
void vadd_loop(size_t n, const T* a, const T* b, T* y, const VaddConsts& k) {
  for (; n >= 16; n -= 16) {
    const __m512i v = vadd16<T, kShiftA>(k, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a)),
                                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)));
    // In range for T, so truncating to bytes is exact.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm512_cvtepi32_epi8(v));
    a += 16;
    b += 16;
    y += 16;
  }
  if (n != 0) {
    // Masked-off bytes are neither read (no fault past the end) nor written.
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
    const __m512i v = vadd16<T, kShiftA>(k, _mm_maskz_loadu_epi8(m, a), _mm_maskz_loadu_epi8(m, b));
    _mm512_mask_cvtepi32_storeu_epi8(y, m, v);
  }
}

template <typename T>
void vadd(size_t n, const T* a, const T* b, T* y, const ref::QuantAddParams& p) {
  int32_t a_offset = p.input1_offset, a_mult = p.input1_multiplier, a_shift = p.input1_shift;
  int32_t b_offset = p.input2_offset, b_mult = p.input2_multiplier, b_shift = p.input2_shift;
  // The sum is symmetric: put a plain-shift input first.
  if (!is_plain_shift(a_mult, a_shift) && is_plain_shift(b_mult, b_shift)) {
    std::swap(a, b);
    std::swap(a_offset, b_offset);
    std::swap(a_mult, b_mult);
    std::swap(a_shift, b_shift);
  }
  VaddConsts k;
  k.a = make_input_rescale(a_offset, a_mult, a_shift);
  k.b = make_input_rescale(b_offset, b_mult, b_shift);
  k.a_off = _mm512_set1_epi32(a_offset);
  k.a_shift = _mm_cvtsi32_si128(kPlainShift + a_shift);
  for (int i = 0; i < 16; ++i) k.out.set(i, p.output_multiplier, p.output_shift);
  k.out_off = _mm512_set1_epi32(p.output_offset);
  k.vmin = _mm512_set1_epi32(p.output_min);
  k.vmax = _mm512_set1_epi32(p.output_max);
  if (is_plain_shift(a_mult, a_shift)) {
    vadd_loop<T, true>(n, a, b, y, k);
  } else {
    vadd_loop<T, false>(n, a, b, y, k);
  }
}

}  // namespace

void qu8_vadd_minmax__avx512bw(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::QuantAddParams& p) {
  vadd(n, a, b, y, p);
}
void qs8_vadd_minmax__avx512bw(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::QuantAddParams& p) {
  vadd(n, a, b, y, p);
}

}  // namespace edgerun::kernels
