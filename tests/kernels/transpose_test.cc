// xx_transpose__walk (the op's kernel) against xx_transpose__ref: every
// permutation of ranks 1-4, random rank-5/6 cases, element sizes 1, 2, 4, 8
// and 3 (the fallback), output slices [begin, end) that start and stop
// mid-row, buffers ending at a guard page.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/ref/transpose.h"
#include "kernels/guard_page.h"

namespace edgerun::kernels {
namespace {

TransposeParams params(const std::vector<int64_t>& shape, const std::vector<size_t>& perm, size_t element_bytes) {
  TransposeParams p;
  p.rank = shape.size();
  p.element_bytes = element_bytes;
  std::vector<int64_t> stride(shape.size(), 1);
  for (size_t d = shape.size() - 1; d > 0; --d) stride[d - 1] = stride[d] * shape[d];
  for (size_t i = 0; i < shape.size(); ++i) {
    p.out_shape[i] = shape[perm[i]];
    p.in_stride[i] = stride[perm[i]];
  }
  return p;
}

void check(const std::vector<int64_t>& shape, const std::vector<size_t>& perm, size_t eb, std::mt19937& rng) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  const TransposeParams p = params(shape, perm, eb);
  GuardBuffer<uint8_t> in(n * eb), got(n * eb);
  ASSERT_TRUE(in.ok() && got.ok());
  for (size_t i = 0; i < n * eb; ++i) in.data()[i] = static_cast<uint8_t>(rng());
  std::vector<uint8_t> want(n * eb);
  xx_transpose__ref(p, in.data(), want.data(), 0, n);
  // The whole output, then three slices that split rows anywhere.
  std::memset(got.data(), 0, n * eb);
  xx_transpose__walk(p, in.data(), got.data(), 0, n);
  ASSERT_EQ(std::memcmp(got.data(), want.data(), n * eb), 0);
  std::memset(got.data(), 0, n * eb);
  const size_t a = n ? rng() % (n + 1) : 0, b = n ? rng() % (n + 1) : 0;
  const size_t cuts[4] = {0, std::min(a, b), std::max(a, b), n};
  for (int s = 0; s < 3; ++s) xx_transpose__walk(p, in.data(), got.data(), cuts[s], cuts[s + 1]);
  ASSERT_EQ(std::memcmp(got.data(), want.data(), n * eb), 0);
}

TEST(TransposeKernel, WalkMatchesReferenceOnEveryPermutation) {
  std::mt19937 rng(7);
  const std::vector<std::vector<int64_t>> shapes = {{7}, {1}, {3, 5}, {1, 17}, {2, 3, 4}, {5, 1, 3},
                                                    {1, 3, 224, 7}, {2, 3, 5, 7}, {1, 1, 1, 1}, {3, 1, 2, 9}};
  for (const auto& shape : shapes) {
    std::vector<size_t> perm(shape.size());
    std::iota(perm.begin(), perm.end(), 0);
    do {
      for (size_t eb : {1, 2, 3, 4, 8}) {
        SCOPED_TRACE(::testing::Message() << "rank " << shape.size() << " eb " << eb << " perm0 " << perm[0]);
        check(shape, perm, eb, rng);
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(TransposeKernel, WalkMatchesReferenceOnRandomHighRanks) {
  std::mt19937 rng(11);
  for (int t = 0; t < 200; ++t) {
    const size_t rank = 5 + rng() % 2;
    std::vector<int64_t> shape(rank);
    for (auto& d : shape) d = 1 + static_cast<int64_t>(rng() % 4);
    std::vector<size_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    check(shape, perm, size_t{1} << (rng() % 4), rng);
  }
}

}  // namespace
}  // namespace edgerun::kernels
