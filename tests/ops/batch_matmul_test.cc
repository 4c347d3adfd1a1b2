// BATCH_MATMUL: float32, broadcast batch dims, adj_x / adj_y, against the
// definition written out in the test.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

std::vector<float> ramp(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(scale * static_cast<float>(i + 1));
  return v;
}

TEST(BatchMatMulOp, HandChecked) {
  // [[1, 2], [3, 4]] x [[5, 6], [7, 8]] = [[19, 22], [43, 50]].
  OpTester t(ir::OpType::kBatchMatMul, ir::BatchMatMulAttrs{});
  t.input<float>({1, 2, 2}, {1, 2, 3, 4});
  t.input<float>({1, 2, 2}, {5, 6, 7, 8});
  t.output({1, 2, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{19, 22, 43, 50}));
}

TEST(BatchMatMulOp, BroadcastsBatchesAndTransposes) {
  // A [2, 1, M, K] x B [1, 3, K, N] -> [2, 3, M, N], every adj combination.
  const int M = 3, K = 5, N = 4;
  for (bool adj_x : {false, true}) {
    for (bool adj_y : {false, true}) {
      const auto a = ramp(2 * M * K, 0.37f), b = ramp(3 * K * N, 0.53f);
      OpTester t(ir::OpType::kBatchMatMul, ir::BatchMatMulAttrs{adj_x, adj_y});
      t.input<float>(adj_x ? Shape{2, 1, K, M} : Shape{2, 1, M, K}, a);
      t.input<float>(adj_y ? Shape{1, 3, N, K} : Shape{1, 3, K, N}, b);
      t.output({2, 3, M, N}, DType::kFloat32);
      ASSERT_TRUE(t.run().ok());
      const auto c = t.result<float>(0);
      for (int i0 = 0; i0 < 2; ++i0) {
        for (int i1 = 0; i1 < 3; ++i1) {
          for (int i = 0; i < M; ++i) {
            for (int j = 0; j < N; ++j) {
              double want = 0;
              for (int k = 0; k < K; ++k) {
                const float x = adj_x ? a[i0 * M * K + k * M + i] : a[i0 * M * K + i * K + k];
                const float y = adj_y ? b[i1 * K * N + j * K + k] : b[i1 * K * N + k * N + j];
                want += double(x) * y;
              }
              EXPECT_NEAR(c[((i0 * 3 + i1) * M + i) * N + j], want, 1e-5) << adj_x << adj_y;
            }
          }
        }
      }
    }
  }
}

TEST(BatchMatMulOp, RejectsBadShapes) {
  {  // inner dims differ
    OpTester t(ir::OpType::kBatchMatMul, ir::BatchMatMulAttrs{});
    t.input<float>({1, 2, 3}, ramp(6, 1));
    t.input<float>({1, 2, 2}, ramp(4, 1));
    t.output({1, 2, 2}, DType::kFloat32);
    EXPECT_FALSE(t.run().ok());
  }
  {  // batch dims that do not broadcast
    OpTester t(ir::OpType::kBatchMatMul, ir::BatchMatMulAttrs{});
    t.input<float>({2, 2, 2}, ramp(8, 1));
    t.input<float>({3, 2, 2}, ramp(12, 1));
    t.output({3, 2, 2}, DType::kFloat32);
    EXPECT_FALSE(t.run().ok());
  }
  {  // ranks differ
    OpTester t(ir::OpType::kBatchMatMul, ir::BatchMatMulAttrs{});
    t.input<float>({2, 2}, ramp(4, 1));
    t.input<float>({1, 2, 2}, ramp(4, 1));
    t.output({1, 2, 2}, DType::kFloat32);
    EXPECT_FALSE(t.run().ok());
  }
}

}  // namespace
}  // namespace edgerun
