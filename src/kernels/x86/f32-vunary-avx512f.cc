// f32_vsigmoid__avx512f / f32_vswish__avx512f: LOGISTIC (and x * LOGISTIC(x)) on AVX-512F, 16 floats at a time, the
// tail through a __mmask16 on the load and store (kernels/f32_vunary.h). Compiled with -mavx512f -mfma.
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32_vunary.h"

namespace edgerun::kernels {
namespace {

// exp(t) for t <= 9 (the callers' range); t is clamped at -87.33 (2^-126),
// where the caller substitutes 0.
inline __m512 exp_ps(__m512 t) {
  t = _mm512_max_ps(_mm512_set1_ps(-87.3365f), t);  // NaN stays NaN (max returns its second operand)
  // n = round(t / ln 2); r = t - n ln 2 in two steps (Cody-Waite).
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(t, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), t);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  // 2^n through the exponent bits (n in [-126, 13]: a normal float).
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

inline __m512 sigmoid_ps(__m512 x) {
  const __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-9.0f), _CMP_LT_OQ);
  const __mmask16 high = _mm512_cmp_ps_mask(x, _mm512_set1_ps(16.619047164916992188f), _CMP_GT_OQ);
  // exp(x) below -9, exp(-x) elsewhere (at most e^9: no overflow).
  const __m512 e = exp_ps(_mm512_mask_blend_ps(low, _mm512_sub_ps(_mm512_setzero_ps(), x), x));
  __m512 r = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
  r = _mm512_mask_blend_ps(low, r, e);
  // 0 where exp(x) underflows (as the reference's exp(-inf) = 0: swish(-inf) stays NaN like x * 0).
  r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3365f), _CMP_LT_OQ), r, _mm512_setzero_ps());
  return _mm512_mask_blend_ps(high, r, _mm512_set1_ps(1.0f));
}

inline __m512 swish_ps(__m512 x) { return _mm512_mul_ps(x, sigmoid_ps(x)); }

// x * min(max(x + 3, 0), 6) / 6 as the reference computes it; max / min take x
// second, so a NaN passes through as it does through std::max / std::min.
inline __m512 hswish_ps(__m512 x) {
  const __m512 t =
      _mm512_min_ps(_mm512_set1_ps(6.0f), _mm512_max_ps(_mm512_setzero_ps(), _mm512_add_ps(x, _mm512_set1_ps(3.0f))));
  return _mm512_div_ps(_mm512_mul_ps(x, t), _mm512_set1_ps(6.0f));
}

// y[i] = f(x[i]) 16 at a time, the tail under a mask.
template <__m512 (*F)(__m512)>
void map(size_t n, const float* x, float* y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, F(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(y + i, mask, F(_mm512_maskz_loadu_ps(mask, x + i)));
  }
}

}  // namespace

void f32_vsigmoid__avx512f(size_t n, const float* x, float* y) { map<sigmoid_ps>(n, x, y); }
void f32_vswish__avx512f(size_t n, const float* x, float* y) { map<swish_ps>(n, x, y); }
void f32_vhswish__avx512f(size_t n, const float* x, float* y) { map<hswish_ps>(n, x, y); }

}  // namespace edgerun::kernels
