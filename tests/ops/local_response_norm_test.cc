// LOCAL_RESPONSE_NORMALIZATION over the last axis, float32, with TFLite's one
// radius and ONNX's uneven window (size 4: one channel before, two after).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

// The definition, written out independently of the kernel.
std::vector<float> naive(const std::vector<float>& x, int depth, int before, int after, float bias, float alpha,
                         float beta) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / depth; ++r) {
    for (int c = 0; c < depth; ++c) {
      double sum = 0;
      for (int j = c - before; j <= c + after; ++j) {
        if (j >= 0 && j < depth) sum += double(x[r * depth + j]) * x[r * depth + j];
      }
      y[r * depth + c] = float(x[r * depth + c] / std::pow(bias + alpha * sum, beta));
    }
  }
  return y;
}

TEST(LocalResponseNormOp, HandChecked) {
  // One row [1, 2, 3], radius 1, bias 1, alpha 1, beta 1:
  // sums 1+4=5, 1+4+9=14, 4+9=13 -> [1/6, 2/15, 3/14].
  OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{1, 1, 1.0f, 1.0f, 1.0f});
  t.input<float>({1, 3}, {1, 2, 3});
  t.output({1, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  EXPECT_NEAR(y[0], 1.0f / 6, 1e-6);
  EXPECT_NEAR(y[1], 2.0f / 15, 1e-6);
  EXPECT_NEAR(y[2], 3.0f / 14, 1e-6);
}

TEST(LocalResponseNormOp, MatchesDefinitionOnAwkwardShapes) {
  for (int depth : {1, 3, 7, 17}) {
    for (auto [before, after] : {std::pair{0, 0}, {2, 2}, {1, 2}, {5, 3}}) {
      std::vector<float> x(static_cast<size_t>(5 * depth));
      for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * static_cast<float>(i)) * 3.0f;
      OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{before, after, 2.0f, 1e-2f, 0.75f});
      t.input<float>({1, 5, 1, depth}, x);
      t.output({1, 5, 1, depth}, DType::kFloat32);
      ASSERT_TRUE(t.run().ok());
      const auto y = t.result<float>(0);
      const auto want = naive(x, depth, before, after, 2.0f, 1e-2f, 0.75f);
      for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-7) << depth << " " << i;
    }
  }
}

TEST(LocalResponseNormOp, RejectsBadNodes) {
  {
    OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{-1, 1, 1.0f, 1.0f, 1.0f});
    t.input<float>({1, 3}, {1, 2, 3});
    t.output({1, 3}, DType::kFloat32);
    EXPECT_FALSE(t.run().ok());
  }
  {
    OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{});
    t.input<float>({1, 3}, {1, 2, 3});
    t.output({1, 4}, DType::kFloat32);
    EXPECT_FALSE(t.run().ok());
  }
  {
    OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{});
    t.input<uint8_t>({1, 3}, {1, 2, 3}, QuantParams{{0.1f}, {0}, 0});
    t.output({1, 3}, DType::kUInt8, QuantParams{{0.1f}, {0}, 0});
    EXPECT_FALSE(t.run().ok());
  }
}

}  // namespace
}  // namespace edgerun
