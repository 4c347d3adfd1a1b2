#include "kernels/ref/broadcast.h"

#include <algorithm>

namespace edgerun::kernels::ref {

bool make_broadcast_index(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                          std::vector<int32_t>* out_shape, BroadcastIndex* index) {
  const size_t rank = std::max(a.size(), b.size());
  if (rank > static_cast<size_t>(kMaxIndexRank)) return false;
  std::vector<int64_t> ad(rank, 1), bd(rank, 1);
  for (size_t i = 0; i < a.size(); ++i) ad[rank - a.size() + i] = a[i];
  for (size_t i = 0; i < b.size(); ++i) bd[rank - b.size() + i] = b[i];
  BroadcastIndex bc;
  bc.rank = static_cast<int32_t>(rank);
  out_shape->assign(rank, 0);
  bool same = true;
  for (size_t d = 0; d < rank; ++d) {
    if (ad[d] < 0 || bd[d] < 0) return false;
    if (ad[d] != bd[d] && ad[d] != 1 && bd[d] != 1) return false;
    // NumPy: a dim of 1 stretches to the other; 1 vs 0 gives 0.
    const int64_t od = ad[d] == 1 ? bd[d] : ad[d];
    bc.out_dims[d] = od;
    (*out_shape)[d] = static_cast<int32_t>(od);
    if (ad[d] != bd[d]) same = false;
  }
  int64_t as = 1, bs = 1;
  for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
    bc.a_strides[d] = ad[d] == 1 ? 0 : as;
    bc.b_strides[d] = bd[d] == 1 ? 0 : bs;
    as *= ad[d];
    bs *= bd[d];
  }
  bc.elementwise = same;
  *index = bc;
  return true;
}

bool make_reduce_index(const std::vector<int32_t>& shape, const std::vector<bool>& reduce, ReduceIndex* index) {
  if (shape.size() > static_cast<size_t>(kMaxIndexRank) || reduce.size() != shape.size()) return false;
  ReduceIndex ri;
  std::vector<int64_t> strides(shape.size(), 1);
  int64_t s = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] < 0) return false;
    strides[d] = s;
    s *= shape[d];
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (reduce[d]) {
      ri.reduced_dims[ri.reduced_rank] = shape[d];
      ri.reduced_strides[ri.reduced_rank] = strides[d];
      ri.reduced_count *= shape[d];
      ++ri.reduced_rank;
    } else {
      ri.kept_dims[ri.kept_rank] = shape[d];
      ri.kept_strides[ri.kept_rank] = strides[d];
      ++ri.kept_rank;
    }
  }
  *index = ri;
  return true;
}

}  // namespace edgerun::kernels::ref
