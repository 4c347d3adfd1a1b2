// Reference LOCAL_RESPONSE_NORMALIZATION over the last axis of a [rows, depth]
// view, as TFLite's reference_ops::LocalResponseNormalization computes it:
// y = x * (bias + alpha * sum(x[j]^2, j in [c - before, c + after]))^-beta.
#pragma once

#include <cstdint>

namespace edgerun::kernels::ref {

struct LocalResponseNormParams {
  int32_t radius_before, radius_after;
  float bias, alpha, beta;
};

void f32_local_response_norm__ref(const float* x, float* y, int64_t depth, const LocalResponseNormParams& p,
                                  int64_t row_begin, int64_t row_end);

}  // namespace edgerun::kernels::ref
