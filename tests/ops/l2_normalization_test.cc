// L2_NORMALIZATION over the last axis: float32, and uint8 / int8 with output
// scale 1/128 (TFLite's fixed-point inverse square root).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

QuantParams qp(float scale, int64_t zp) { return QuantParams{{scale}, {zp}, 0}; }

void expect_error(const Status& st, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(L2NormOp, Float) {
  OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{});
  t.input<float>({3, 2}, {3, 4, 0, 0, -5, 12});
  t.output({3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  const std::vector<float> expected = {0.6f, 0.8f, 0.f, 0.f, -5.f / 13, 12.f / 13};
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-6) << i;
}

TEST(L2NormOp, Uint8) {
  // (q - 128) = [30, 40] -> [0.6, 0.8] * 128 + 128 = [204.8, 230.4] -> [205, 230].
  // An all-zero-point row stays at 128.
  OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{});
  t.input<uint8_t>({2, 2}, {158, 168, 128, 128}, qp(0.1f, 128));
  t.output({2, 2}, DType::kUInt8, qp(1.f / 128, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{205, 230, 128, 128}));
}

TEST(L2NormOp, Int8) {
  // zp -2: (q + 2) = [0, -3, 4] -> [0, -0.6, 0.8] * 128 = [0, -76.8, 102.4].
  OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{});
  t.input<int8_t>({2, 3}, {-2, -5, 2, 28, 38, -2}, qp(0.1f, -2));
  t.output({2, 3}, DType::kInt8, qp(1.f / 128, 0));
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<int8_t>(0);
  EXPECT_EQ(std::vector<int8_t>(y.begin(), y.begin() + 3), (std::vector<int8_t>{0, -77, 102}));
  // Second row: [30, 40, 0] -> [76.8, 102.4, 0], within one step.
  EXPECT_NEAR(y[3], 76.8, 1.0);
  EXPECT_NEAR(y[4], 102.4, 1.0);
  EXPECT_EQ(y[5], 0);
}

TEST(L2NormOp, RejectsBadQuantizationRankAndActivation) {
  {
    OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{});
    t.input<uint8_t>({1, 2}, {1, 2}, qp(0.1f, 128));
    t.output({1, 2}, DType::kUInt8, qp(1.f / 256, 128));
    expect_error(t.run(), {"L2_NORMALIZATION", "output scale", "1/128"});
  }
  {
    OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{});
    t.input<int8_t>({1, 2}, {1, 2}, qp(0.1f, 0));
    t.output({1, 2}, DType::kInt8, qp(1.f / 128, 5));
    expect_error(t.run(), {"L2_NORMALIZATION", "output zero point", "expected 0"});
  }
  {
    OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{});
    t.input<float>({1, 1, 1, 1, 2}, {1, 2});
    t.output({1, 1, 1, 1, 2}, DType::kFloat32);
    expect_error(t.run(), {"L2_NORMALIZATION", "rank", "found 5"});
  }
  {
    OpTester t(ir::OpType::kL2Normalization, ir::L2NormAttrs{ir::Activation::kRelu});
    t.input<float>({1, 2}, {1, 2});
    t.output({1, 2}, DType::kFloat32);
    expect_error(t.run(), {"L2_NORMALIZATION", "activation"});
  }
}

}  // namespace
}  // namespace edgerun
