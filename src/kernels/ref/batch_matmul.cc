#include "kernels/ref/batch_matmul.h"

namespace edgerun::kernels::ref {

void f32_batch_matmul__ref(const float* a, const float* b, float* c, const BatchMatMulParams& p, int64_t begin,
                           int64_t end) {
  for (int64_t batch = begin; batch < end; ++batch) {
    const float* A = a + p.a_offset[batch];
    const float* B = b + p.b_offset[batch];
    float* C = c + batch * p.m * p.n;
    for (int64_t i = 0; i < p.m; ++i) {
      for (int64_t j = 0; j < p.n; ++j) {
        float acc = 0.0f;
        for (int64_t t = 0; t < p.k; ++t) {
          const float x = p.adj_a ? A[t * p.m + i] : A[i * p.k + t];
          const float y = p.adj_b ? B[j * p.k + t] : B[t * p.n + j];
          acc += x * y;
        }
        C[i * p.n + j] = acc;
      }
    }
  }
}

}  // namespace edgerun::kernels::ref
