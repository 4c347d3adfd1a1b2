// f32_qs8_quantize_half_even__avx2 / f32_qu8_quantize_half_even__avx2: ONNX's
// QuantizeLinear to int8 / uint8 on AVX2, bit-exact with the reference
// (kernels/ref/quantize.h, round_half_to_even). 16 floats per step: divided
// by the scale (a true division, as the reference), clamped to the type's
// range less the zero point (the bounds are integers, so clamping before
// rounding equals clamping after; NaN becomes the lower bound, as maxps
// returns its second operand for a NaN first one, the reference's type
// minimum), rounded half to even by vcvtps2dq under the default MXCSR mode,
// the zero point added, packed. The < 16 tail goes through zero-padded stack
// copies. Compiled with -mavx2; reached only through the dispatch table.
#include <immintrin.h>

#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/dispatch.h"
#include "kernels/x86/q8-avx2-common.h"

namespace edgerun::kernels {
namespace {

template <typename T>
inline __m256i quantize8(const float* x, __m256 scale, __m256 lo, __m256 hi, __m256i zp) {
  __m256 v = _mm256_div_ps(_mm256_loadu_ps(x), scale);
  v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);
}

template <typename T>
void quantize(size_t n, const float* x, T* y, const ref::AffineQuantizeParams& p) {
  constexpr int32_t kMin = std::numeric_limits<T>::min(), kMax = std::numeric_limits<T>::max();
  const __m256 scale = _mm256_set1_ps(p.scale);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(kMin - p.zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(kMax - p.zero_point));
  const __m256i zp = _mm256_set1_epi32(p.zero_point);
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    const __m128i bytes = avx2::narrow16<T>(quantize8<T>(x, scale, lo, hi, zp), quantize8<T>(x + 8, scale, lo, hi, zp));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), bytes);
  }
  if (n == 0) return;
  alignas(32) float tx[16] = {};
  alignas(16) T ty[16];
  std::memcpy(tx, x, n * sizeof(float));
  _mm_store_si128(reinterpret_cast<__m128i*>(ty),
                  avx2::narrow16<T>(quantize8<T>(tx, scale, lo, hi, zp), quantize8<T>(tx + 8, scale, lo, hi, zp)));
  std::memcpy(y, ty, n * sizeof(T));
}

}  // namespace

void f32_qs8_quantize_half_even__avx2(size_t n, const float* x, int8_t* y, const ref::AffineQuantizeParams& p) {
  quantize(n, x, y, p);
}
void f32_qu8_quantize_half_even__avx2(size_t n, const float* x, uint8_t* y, const ref::AffineQuantizeParams& p) {
  quantize(n, x, y, p);
}

}  // namespace edgerun::kernels
