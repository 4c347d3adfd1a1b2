// Float32 GEMM with packed weights and a fused [min, max] clamp, the core of
// the fast float CONV_2D (1x1 directly on the NHWC input, other filters over
// an im2col block) and FULLY_CONNECTED:
//   c[i, j] = clamp(bias[j] + sum_k a[i, k] * w[j, k], min, max)
// for i in [0, m), j in [0, n).
//
// Weights [n, k] (row-major: the conv filter [out_c, kh, kw, in_c] or the FC
// weights [units, depth]) are packed once at prepare time
// (f32_gemm_pack_weights) into panels of kF32GemmNr = 16 columns, each panel
// holding its 16 biases and then, for every k, its 16 weights:
//   packed[panel * (16 + 16 * k) + 16 + kk * 16 + j] = w[panel * 16 + j][kk]
// with zeros for columns past n (so kernels may compute whole panels).
//
// Kernels (same signature, F32GemmFn):
//   f32_gemm_minmax__ref            portable, the oracle of the tests
//   f32_gemm_minmax__avx2_6x16      src/kernels/x86/f32-gemm-avx2.cc
//   f32_gemm_minmax__avx512f_12x32  src/kernels/x86/f32-gemm-avx512f.cc (two
//                                   adjacent panels per tile)
// All are pure (no allocation, no threads). They read only rows [0, m) of a
// (a_stride floats apart, k floats each) and write only rows [0, m), columns
// [0, n) of c (c_stride floats apart); a caller splits work by offsetting a
// and c.
#pragma once

#include <cstddef>

namespace edgerun::kernels {

constexpr size_t kF32GemmNr = 16;

// Number of floats of the packed weights.
inline size_t f32_gemm_packed_size(size_t n, size_t k) {
  return (n + kF32GemmNr - 1) / kF32GemmNr * kF32GemmNr * (k + 1);
}

// Packs w [n, k] and bias [n] (null: zeros) into `packed` (f32_gemm_packed_size floats).
void f32_gemm_pack_weights(const float* w, const float* bias, size_t n, size_t k, float* packed);

// Rows per cache block for a kernel with mr-row tiles: every row when A
// (m x k floats) fits whole_a_bytes, so each weight panel streams once with A
// held in L2 (the 14x14 and 7x7 layers' weights are MBs); otherwise a multiple
// of mr holding about block_bytes of A, reused across all weight panels.
// Defined out of line (a file compiled without ISA flags).
size_t f32_gemm_block_rows(size_t m, size_t k, size_t mr, size_t block_bytes, size_t whole_a_bytes);

using F32GemmFn = void (*)(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed, float* c,
                           size_t c_stride, float min, float max);

void f32_gemm_minmax__ref(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed, float* c,
                          size_t c_stride, float min, float max);

// Only built (and only referenced by the dispatch table) on x86-64.
void f32_gemm_minmax__avx2_6x16(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed,
                                float* c, size_t c_stride, float min, float max);
void f32_gemm_minmax__avx512f_12x32(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed,
                                    float* c, size_t c_stride, float min, float max);

}  // namespace edgerun::kernels
