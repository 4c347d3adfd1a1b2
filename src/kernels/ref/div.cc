#include "kernels/ref/div.h"

#include <algorithm>

namespace edgerun::kernels::ref {

void f32_div_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end) {
  for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
    y[i] = std::min(std::max(a[ia] / b[ib], params.min), params.max);
  });
}

}  // namespace edgerun::kernels::ref
