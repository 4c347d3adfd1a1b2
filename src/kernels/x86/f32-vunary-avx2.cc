// f32_vsigmoid__avx2 / f32_vswish__avx2: LOGISTIC (and x * LOGISTIC(x)) on AVX2 + FMA, 8 floats at a time, the tail
// through masked loads and stores (kernels/f32_vunary.h). Compiled with
// -mavx2 -mfma -mf16c.
#include <immintrin.h>

#include <cstdint>

#include "kernels/f32_vunary.h"

namespace edgerun::kernels {
namespace {

// exp(t) for t <= 9 (the callers' range); t is clamped at -87.33 (2^-126),
// where the caller substitutes 0.
inline __m256 exp_ps(__m256 t) {
  t = _mm256_max_ps(_mm256_set1_ps(-87.3365f), t);  // NaN stays NaN (max returns its second operand)
  // n = round(t / ln 2); r = t - n ln 2 in two steps (Cody-Waite).
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(t, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), t);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n through the exponent bits (n in [-126, 13]: a normal float).
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

inline __m256 sigmoid_ps(__m256 x) {
  const __m256 low = _mm256_cmp_ps(x, _mm256_set1_ps(-9.0f), _CMP_LT_OQ);
  const __m256 high = _mm256_cmp_ps(x, _mm256_set1_ps(16.619047164916992188f), _CMP_GT_OQ);
  // exp(x) below -9, exp(-x) elsewhere (at most e^9: no overflow).
  const __m256 e = exp_ps(_mm256_blendv_ps(_mm256_sub_ps(_mm256_setzero_ps(), x), x, low));
  __m256 r = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  r = _mm256_blendv_ps(r, e, low);
  // 0 where exp(x) underflows (as the reference's exp(-inf) = 0: swish(-inf) stays NaN like x * 0).
  r = _mm256_blendv_ps(r, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_set1_ps(-87.3365f), _CMP_LT_OQ));
  return _mm256_blendv_ps(r, _mm256_set1_ps(1.0f), high);
}

// A mask of lanes [0, n), n in [0, 8].
inline __m256i tail_mask(size_t n) {
  static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
}

inline __m256 swish_ps(__m256 x) { return _mm256_mul_ps(x, sigmoid_ps(x)); }

// x * min(max(x + 3, 0), 6) / 6 as the reference computes it; max / min take x
// second, so a NaN passes through as it does through std::max / std::min.
inline __m256 hswish_ps(__m256 x) {
  const __m256 t =
      _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(_mm256_setzero_ps(), _mm256_add_ps(x, _mm256_set1_ps(3.0f))));
  return _mm256_div_ps(_mm256_mul_ps(x, t), _mm256_set1_ps(6.0f));
}

// y[i] = f(x[i]) 8 at a time, the tail under a mask.
template <__m256 (*F)(__m256)>
void map(size_t n, const float* x, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, mask, F(_mm256_maskload_ps(x + i, mask)));
  }
}

}  // namespace

void f32_vsigmoid__avx2(size_t n, const float* x, float* y) { map<sigmoid_ps>(n, x, y); }
void f32_vswish__avx2(size_t n, const float* x, float* y) { map<swish_ps>(n, x, y); }
void f32_vhswish__avx2(size_t n, const float* x, float* y) { map<hswish_ps>(n, x, y); }

}  // namespace edgerun::kernels
