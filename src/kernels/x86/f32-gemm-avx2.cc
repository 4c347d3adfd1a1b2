// f32_gemm_minmax__avx2_6x16: float32 GEMM over packed weights
// (kernels/f32_gemm.h) on AVX2 + FMA. Same signature and, up to the rounding
// of fused multiply-adds, the same sums as f32_gemm_minmax__ref. Called only
// through the dispatch table after CPU detection found AVX2 and FMA. Compiled
// with -mavx2 -mfma -mf16c.
//
// Tiling: a 6 x 16 register tile (12 ymm accumulators, 2 weight vectors, 1
// broadcast of a) initialized from the panel's biases, one FMA pair per row and
// k. Rows go in cache blocks of ~128 KiB of a so a block stays in L2 while each
// 16-column weight panel streams past it once.
// Tails: the last < 6 rows run the same tile instantiated for 1..5 rows (only
// those rows of a are read); the last < 16 columns are computed in full
// (the panel is zero-padded) and only n % 16 columns are stored, through a
// stack copy, so nothing past row m or column n of c is written.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/f32_gemm.h"

namespace edgerun::kernels {
namespace {

constexpr size_t kMr = 6;
constexpr size_t kBlockBytes = 128 * 1024;
// Up to this much A, all rows form one block (f32_gemm_block_rows).
constexpr size_t kWholeABytes = 256 * 1024;

template <size_t Rows>
inline void gemm_tile(size_t k, const float* a, size_t a_stride, const float* w, float* c, size_t c_stride,
                      size_t columns, __m256 vmin, __m256 vmax) {
  const float* ar[Rows];
  __m256 lo[Rows], hi[Rows];
  const __m256 bias_lo = _mm256_loadu_ps(w);
  const __m256 bias_hi = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 6
  for (size_t r = 0; r < Rows; ++r) {
    ar[r] = a + r * a_stride;
    lo[r] = bias_lo;
    hi[r] = bias_hi;
  }
  w += kF32GemmNr;
  for (size_t kk = 0; kk < k; ++kk, w += kF32GemmNr) {
    const __m256 w_lo = _mm256_loadu_ps(w);
    const __m256 w_hi = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 6
    for (size_t r = 0; r < Rows; ++r) {
      const __m256 x = _mm256_broadcast_ss(ar[r] + kk);
      lo[r] = _mm256_fmadd_ps(x, w_lo, lo[r]);
      hi[r] = _mm256_fmadd_ps(x, w_hi, hi[r]);
    }
  }
#pragma GCC unroll 6
  for (size_t r = 0; r < Rows; ++r) {
    const __m256 out_lo = _mm256_min_ps(_mm256_max_ps(lo[r], vmin), vmax);
    const __m256 out_hi = _mm256_min_ps(_mm256_max_ps(hi[r], vmin), vmax);
    float* dst = c + r * c_stride;
    if (columns == kF32GemmNr) {
      _mm256_storeu_ps(dst, out_lo);
      _mm256_storeu_ps(dst + 8, out_hi);
    } else {
      alignas(32) float tmp[kF32GemmNr];
      _mm256_store_ps(tmp, out_lo);
      _mm256_store_ps(tmp + 8, out_hi);
      std::memcpy(dst, tmp, columns * sizeof(float));
    }
  }
}

}  // namespace

void f32_gemm_minmax__avx2_6x16(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed,
                                float* c, size_t c_stride, float min, float max) {
  const __m256 vmin = _mm256_set1_ps(min);
  const __m256 vmax = _mm256_set1_ps(max);
  const size_t panel_floats = kF32GemmNr * (k + 1);
  const size_t block_rows = f32_gemm_block_rows(m, k, kMr, kBlockBytes, kWholeABytes);
  for (size_t m0 = 0; m0 < m; m0 += block_rows) {
    const size_t m1 = std::min(m, m0 + block_rows);
    for (size_t n0 = 0; n0 < n; n0 += kF32GemmNr) {
      const float* w = packed + n0 / kF32GemmNr * panel_floats;
      const size_t columns = std::min(kF32GemmNr, n - n0);
      for (size_t i = m0; i < m1; i += kMr) {
        const float* ai = a + i * a_stride;
        float* ci = c + i * c_stride + n0;
        switch (std::min(kMr, m1 - i)) {
          case 6:
            gemm_tile<6>(k, ai, a_stride, w, ci, c_stride, columns, vmin, vmax);
            break;
          case 5:
            gemm_tile<5>(k, ai, a_stride, w, ci, c_stride, columns, vmin, vmax);
            break;
          case 4:
            gemm_tile<4>(k, ai, a_stride, w, ci, c_stride, columns, vmin, vmax);
            break;
          case 3:
            gemm_tile<3>(k, ai, a_stride, w, ci, c_stride, columns, vmin, vmax);
            break;
          case 2:
            gemm_tile<2>(k, ai, a_stride, w, ci, c_stride, columns, vmin, vmax);
            break;
          default:
            gemm_tile<1>(k, ai, a_stride, w, ci, c_stride, columns, vmin, vmax);
            break;
        }
      }
    }
  }
}

}  // namespace edgerun::kernels
