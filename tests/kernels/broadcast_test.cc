// for_each_broadcast (kernels/ref/broadcast.h), the index walk of every
// broadcasting elementwise reference kernel: for random shapes of rank 1-6
// with random size-1 (broadcast) dims on either side, and for every slice
// [begin, end) a thread split could hand it (mid-row starts and ends
// included), each output index is visited once, in order, with the input
// indices a plain per-index computation gives.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {
namespace {

// The flat index into `in` (right-aligned, size-1 dims broadcast) of output index `o`.
int64_t input_index(const std::vector<int32_t>& in, const std::vector<int32_t>& out, int64_t o) {
  int64_t index = 0, stride = 1;
  const size_t shift = out.size() - in.size();
  for (size_t d = out.size(); d-- > 0;) {
    const int64_t coord = o % out[d];
    o /= out[d];
    if (d < shift) continue;
    const int32_t n = in[d - shift];
    if (n != 1) index += coord * stride;
    stride *= n;
  }
  return index;
}

TEST(Broadcast, WalkMatchesPerIndexComputation) {
  std::mt19937 rng(42);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int cases = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int rank = uniform(1, kMaxIndexRank);
    std::vector<int32_t> out(static_cast<size_t>(rank)), a, b;
    for (int32_t& d : out) d = uniform(1, 5);
    auto operand = [&] {
      std::vector<int32_t> s(out.begin() + uniform(0, rank - 1), out.end());
      for (int32_t& d : s) {
        if (uniform(0, 2) == 0) d = 1;
      }
      return s;
    };
    a = operand();
    b = operand();
    std::vector<int32_t> shape;
    BroadcastIndex bc;
    ASSERT_TRUE(make_broadcast_index(a, b, &shape, &bc));
    int64_t total = 1;
    for (int32_t d : shape) total *= d;
    for (int split = 0; split < 4; ++split) {
      const int64_t begin = split == 0 ? 0 : uniform(0, static_cast<int>(total));
      const int64_t end = split == 0 ? total : uniform(static_cast<int>(begin), static_cast<int>(total));
      int64_t next = begin;
      for_each_broadcast(bc, begin, end, [&](int64_t i, int64_t ia, int64_t ib) {
        ASSERT_EQ(i, next);
        ASSERT_EQ(ia, input_index(a, shape, i)) << "output index " << i << ", trial " << trial;
        ASSERT_EQ(ib, input_index(b, shape, i)) << "output index " << i << ", trial " << trial;
        ++next;
      });
      ASSERT_EQ(next, end) << "trial " << trial;
      ++cases;
    }
  }
  EXPECT_EQ(cases, 1200);
}

}  // namespace
}  // namespace edgerun::kernels::ref
