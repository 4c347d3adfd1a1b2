// f32_gemm_minmax__avx512f_12x32: float32 GEMM over packed weights
// (kernels/f32_gemm.h) on AVX-512F. Same signature, packed layout and, up to
// the rounding of fused multiply-adds, the same sums as f32_gemm_minmax__ref;
// only the dispatch table tells it apart from the AVX2 kernel. Called only
// after CPU detection found AVX-512 F (and the OS saves ZMM state). Compiled
// with the AVX-512 F/BW/VL/DQ flags.
//
// Tiling: a 12 x 32 register tile over two adjacent 16-column panels (24 zmm
// accumulators, one weight vector per panel, one broadcast of a shared by both
// panels: 27 of the 32 zmm, so nothing spills), initialized from the panels'
// biases. Per k: 2 weight loads and 12 broadcasts feed 24 FMAs, so the two
// FMA pipes, not the load ports, bound the loop. Rows go in cache blocks of
// ~128 KiB of a so a block stays in L2 while each 32-column weight pair
// streams past it once.
// Tails: the last < 12 rows run the same tile instantiated for 1..11 rows
// (only those rows of a are read); when 16 or fewer columns remain the tile
// covers one panel only (the next panel may not exist). Columns past n inside
// a panel are computed (the panel is zero-padded) but stored through a
// __mmask16, so nothing past row m or column n of c is written.
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32_gemm.h"

namespace edgerun::kernels {
namespace {

constexpr size_t kMr = 12;
constexpr size_t kBlockBytes = 128 * 1024;
// Up to this much A, all rows form one block (f32_gemm_block_rows).
constexpr size_t kWholeABytes = 512 * 1024;

// Mask of the first `columns` (0..16) lanes.
inline __mmask16 lanes(size_t columns) { return static_cast<__mmask16>((1u << columns) - 1u); }

inline void store(float* dst, __m512 v, __mmask16 mask) {
  if (mask == 0xFFFF) {
    _mm512_storeu_ps(dst, v);
  } else {
    _mm512_mask_storeu_ps(dst, mask, v);
  }
}

// Rows x (16 * Panels) outputs at c from rows of a and the panel(s) at w (the
// second panel, if any, panel_floats further); mask0 / mask1 say which columns
// of each panel to store.
template <size_t Rows, size_t Panels>
inline void gemm_tile(size_t k, const float* a, size_t a_stride, const float* w, size_t panel_floats, float* c,
                      size_t c_stride, __mmask16 mask0, __mmask16 mask1, __m512 vmin, __m512 vmax) {
  __m512 acc0[Rows], acc1[Rows];
  const float* w1 = w + (Panels == 2 ? panel_floats : 0);
  const __m512 bias0 = _mm512_loadu_ps(w);
  const __m512 bias1 = Panels == 2 ? _mm512_loadu_ps(w1) : bias0;
#pragma GCC unroll 12
  for (size_t r = 0; r < Rows; ++r) {
    acc0[r] = bias0;
    acc1[r] = bias1;
  }
  w += kF32GemmNr;
  w1 += kF32GemmNr;
  // Unrolled: with 12 row pointers GCC keeps the loop bound and a pointer on
  // the stack, reloaded every step; 4 steps per trip share those reloads
  // (measured ~5-10% on the 14x14 and 7x7 layers on a Xeon).
#pragma GCC unroll 4
  for (size_t kk = 0; kk < k; ++kk, w += kF32GemmNr, w1 += kF32GemmNr) {
    const __m512 w_0 = _mm512_loadu_ps(w);
    const __m512 w_1 = Panels == 2 ? _mm512_loadu_ps(w1) : w_0;
#pragma GCC unroll 12
    for (size_t r = 0; r < Rows; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * a_stride + kk]);
      acc0[r] = _mm512_fmadd_ps(x, w_0, acc0[r]);
      if (Panels == 2) acc1[r] = _mm512_fmadd_ps(x, w_1, acc1[r]);
    }
  }
#pragma GCC unroll 12
  for (size_t r = 0; r < Rows; ++r) {
    float* dst = c + r * c_stride;
    store(dst, _mm512_min_ps(_mm512_max_ps(acc0[r], vmin), vmax), mask0);
    if (Panels == 2) store(dst + kF32GemmNr, _mm512_min_ps(_mm512_max_ps(acc1[r], vmin), vmax), mask1);
  }
}

template <size_t Panels>
void gemm_rows(size_t rows, size_t k, const float* a, size_t a_stride, const float* w, size_t panel_floats, float* c,
               size_t c_stride, __mmask16 mask0, __mmask16 mask1, __m512 vmin, __m512 vmax) {
  // Balanced tile heights (49 rows: 10, 10, 10, 10, 9, not 12 x 4 + 1): a
  // 1-row tile costs almost a full tile's time, FMA latency bound.
  const size_t tiles = (rows + kMr - 1) / kMr;
  for (size_t t = 0, i = 0; t < tiles; ++t) {
    const size_t height = (rows - i + (tiles - t) - 1) / (tiles - t);
    const float* ai = a + i * a_stride;
    float* ci = c + i * c_stride;
    i += height;
#define EDGERUN_TILE(R)                                                                             \
  case R:                                                                                           \
    gemm_tile<R, Panels>(k, ai, a_stride, w, panel_floats, ci, c_stride, mask0, mask1, vmin, vmax); \
    break;
    switch (height) {
      EDGERUN_TILE(12)
      EDGERUN_TILE(11)
      EDGERUN_TILE(10)
      EDGERUN_TILE(9)
      EDGERUN_TILE(8)
      EDGERUN_TILE(7)
      EDGERUN_TILE(6)
      EDGERUN_TILE(5)
      EDGERUN_TILE(4)
      EDGERUN_TILE(3)
      EDGERUN_TILE(2)
      default:
        gemm_tile<1, Panels>(k, ai, a_stride, w, panel_floats, ci, c_stride, mask0, mask1, vmin, vmax);
        break;
    }
#undef EDGERUN_TILE
  }
}

}  // namespace

void f32_gemm_minmax__avx512f_12x32(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed,
                                    float* c, size_t c_stride, float min, float max) {
  const __m512 vmin = _mm512_set1_ps(min);
  const __m512 vmax = _mm512_set1_ps(max);
  const size_t panel_floats = kF32GemmNr * (k + 1);
  const size_t block_rows = f32_gemm_block_rows(m, k, kMr, kBlockBytes, kWholeABytes);
  for (size_t m0 = 0; m0 < m; m0 += block_rows) {
    const size_t rows = std::min(m, m0 + block_rows) - m0;
    const float* am = a + m0 * a_stride;
    for (size_t n0 = 0; n0 < n; n0 += 2 * kF32GemmNr) {
      const float* w = packed + n0 / kF32GemmNr * panel_floats;
      float* cm = c + m0 * c_stride + n0;
      const size_t columns = n - n0;
      if (columns > kF32GemmNr) {
        const __mmask16 mask1 = lanes(std::min(kF32GemmNr, columns - kF32GemmNr));
        gemm_rows<2>(rows, k, am, a_stride, w, panel_floats, cm, c_stride, 0xFFFF, mask1, vmin, vmax);
      } else {
        gemm_rows<1>(rows, k, am, a_stride, w, panel_floats, cm, c_stride, lanes(columns), 0, vmin, vmax);
      }
    }
  }
}

}  // namespace edgerun::kernels
