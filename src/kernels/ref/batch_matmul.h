// Reference BATCH_MATMUL: for each batch b in [begin, end), C_b = op(A_b) x op(B_b)
// where op swaps the last two dims when adj is set. a_offset / b_offset give
// each batch's matrix (in elements), so broadcast batches share one matrix.
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

struct BatchMatMulParams {
  int64_t m, k, n;
  bool adj_a, adj_b;
  const int64_t* a_offset;  // per batch
  const int64_t* b_offset;
};

void f32_batch_matmul__ref(const float* a, const float* b, float* c, const BatchMatMulParams& p, int64_t begin,
                           int64_t end);

}  // namespace edgerun::kernels::ref
