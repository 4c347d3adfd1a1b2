// Portable float32 GEMM over packed weights (kernels/f32_gemm.h): one output at
// a time, bias first and then the k products in order, as the SIMD kernels do
// per lane (they differ only by fused multiply-adds).
#include "kernels/f32_gemm.h"

#include <algorithm>

namespace edgerun::kernels {

size_t f32_gemm_block_rows(size_t m, size_t k, size_t mr, size_t block_bytes, size_t whole_a_bytes) {
  if (m * k * sizeof(float) <= whole_a_bytes) return m;
  return std::max(mr, block_bytes / (std::max<size_t>(k, 1) * sizeof(float)) / mr * mr);
}

void f32_gemm_pack_weights(const float* w, const float* bias, size_t n, size_t k, float* packed) {
  // Depth outer, columns inner: the packed panel is written in order (one
  // sequential stream, each page touched once) while 16 weight rows are read.
  for (size_t n0 = 0; n0 < n; n0 += kF32GemmNr) {
    const size_t cols = std::min(kF32GemmNr, n - n0);
    for (size_t j = 0; j < kF32GemmNr; ++j) packed[j] = j < cols && bias != nullptr ? bias[n0 + j] : 0.0f;
    float* dst = packed + kF32GemmNr;
    for (size_t kk = 0; kk < k; ++kk, dst += kF32GemmNr) {
      for (size_t j = 0; j < cols; ++j) dst[j] = w[(n0 + j) * k + kk];
      for (size_t j = cols; j < kF32GemmNr; ++j) dst[j] = 0.0f;
    }
    packed += kF32GemmNr * (k + 1);
  }
}

void f32_gemm_minmax__ref(size_t m, size_t n, size_t k, const float* a, size_t a_stride, const float* packed, float* c,
                          size_t c_stride, float min, float max) {
  for (size_t i = 0; i < m; ++i) {
    const float* row = a + i * a_stride;
    for (size_t j = 0; j < n; ++j) {
      const float* panel = packed + j / kF32GemmNr * kF32GemmNr * (k + 1);
      const size_t lane = j % kF32GemmNr;
      float acc = panel[lane];
      for (size_t kk = 0; kk < k; ++kk) acc += row[kk] * panel[kF32GemmNr + kk * kF32GemmNr + lane];
      c[i * c_stride + j] = std::min(std::max(acc, min), max);
    }
  }
}

}  // namespace edgerun::kernels
