// SUB: float32 (broadcasting, every fused activation, infinities), quantized
// uint8 / int8 (bit exact with LiteRT's reference kernels; more cases in
// tests/goldens/ops/sub.json) and validation. Plain-integer SUB is in
// int_arith_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

std::vector<float> sub_f32(ir::Activation act, const std::vector<float>& a, const std::vector<float>& b) {
  OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{act});
  const Shape s{static_cast<int32_t>(a.size())};
  t.input<float>(s, a);
  t.input<float>(s, b);
  t.output(s, DType::kFloat32);
  const Status st = t.run();
  EXPECT_TRUE(st.ok()) << st.message();
  return t.result<float>(0);
}

TEST(SubOp, FloatEveryActivation) {
  const std::vector<float> a{5.f, 3.f, -2.f, 10.f, 0.5f}, b{2.f, 7.f, 0.5f, -1.f, 0.25f};
  EXPECT_EQ(sub_f32(ir::Activation::kNone, a, b), (std::vector<float>{3.f, -4.f, -2.5f, 11.f, 0.25f}));
  EXPECT_EQ(sub_f32(ir::Activation::kRelu, a, b), (std::vector<float>{3.f, 0.f, 0.f, 11.f, 0.25f}));
  EXPECT_EQ(sub_f32(ir::Activation::kRelu6, a, b), (std::vector<float>{3.f, 0.f, 0.f, 6.f, 0.25f}));
  EXPECT_EQ(sub_f32(ir::Activation::kReluN1To1, a, b), (std::vector<float>{1.f, -1.f, -1.f, 1.f, 0.25f}));
}

TEST(SubOp, FloatOverflowGivesInfinityAndNaNPropagates) {
  // No fused activation: IEEE results pass unclamped (TFLite would clamp to +-FLT_MAX).
  const float max = std::numeric_limits<float>::max();
  const float inf = std::numeric_limits<float>::infinity();
  const auto y = sub_f32(ir::Activation::kNone, {max, -max, inf, 1.f}, {-max, max, inf, std::nanf("")});
  EXPECT_EQ(y[0], inf);
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_TRUE(std::isnan(y[3]));
  EXPECT_EQ(sub_f32(ir::Activation::kRelu6, {inf}, {1.f}), (std::vector<float>{6.f}));
}

TEST(SubOp, FloatBroadcastBothWays) {
  OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
  t.input<float>({2, 1, 2}, {1, 2, 3, 4});
  t.input<float>({3, 1}, {1, 10, 100});
  t.output({2, 3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{0, 1, -9, -8, -99, -98, 2, 3, -7, -6, -97, -96}));
}

// NHWC activations minus a per-channel vector and a scalar minus NHWC, for
// awkward channel counts; expected values by explicit NHWC indexing.
TEST(SubOp, FloatChannelVectorsAndScalars) {
  for (int32_t c : {1, 3, 7, 17}) {
    SCOPED_TRACE("C = " + std::to_string(c));
    const int32_t h = 3, w = 5;
    std::vector<float> x(static_cast<size_t>(h * w * c)), v(static_cast<size_t>(c));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) - 4.5f;
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25f * static_cast<float>(i) - 1.f;
    {
      OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
      t.input<float>({1, h, w, c}, x);
      t.constant<float>({c}, v);
      t.output({1, h, w, c}, DType::kFloat32);
      ASSERT_TRUE(t.run().ok());
      const auto y = t.result<float>(0);
      for (int32_t p = 0; p < h * w; ++p) {
        for (int32_t ch = 0; ch < c; ++ch) EXPECT_EQ(y[p * c + ch], x[p * c + ch] - v[ch]);
      }
    }
    {
      OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
      t.input<float>({1, 1, 1, 1}, {2.f});
      t.input<float>({1, h, w, c}, x);
      t.output({1, h, w, c}, DType::kFloat32);
      ASSERT_TRUE(t.run().ok());
      const auto y = t.result<float>(0);
      for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], 2.f - x[i]);
    }
  }
}

TEST(SubOp, FloatEmptyTensor) {
  OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
  t.input<float>({0, 3}, {});
  t.input<float>({3}, {1, 2, 3});
  t.output({0, 3}, DType::kFloat32);
  EXPECT_TRUE(t.run().ok());
}

TEST(SubOp, Uint8SameScalesIsExact) {
  // All scales 0.5: the rescaling is exact, y = zp_out + (qa - 10) - (qb - 10).
  // Differences [2, -4, 0]; output zero point 128, then 0 (saturating), then RELU.
  const std::vector<uint8_t> a{14, 12, 10}, b{12, 16, 10};
  const struct {
    int64_t out_zp;
    ir::Activation act;
    std::vector<uint8_t> want;
  } cases[] = {{128, ir::Activation::kNone, {130, 124, 128}},
               {0, ir::Activation::kNone, {2, 0, 0}},
               {128, ir::Activation::kRelu, {130, 128, 128}}};
  for (const auto& c : cases) {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{c.act});
    t.input<uint8_t>({3}, a, qp(0.5f, 10));
    t.input<uint8_t>({3}, b, qp(0.5f, 10));
    t.output({3}, DType::kUInt8, qp(0.5f, c.out_zp));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), c.want);
  }
}

TEST(SubOp, Int8TiesFollowLiteRT) {
  // 0.5 * a - 0.3 * b on scale 1: -15, -20 is -1.4999998 in reals, which LiteRT's
  // reference SUB (difference of the two rescaled inputs) rounds to -2; negating
  // input 2's multiplier and adding would give -1. Expected values: LiteRT 2.3.0
  // Interpreter(experimental_op_resolver_type=BUILTIN_REF) on this one-op model.
  OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
  t.input<int8_t>({6}, {-15, -15, 15, 3, -128, 127}, qp(0.5f, 0));
  t.input<int8_t>({6}, {-20, 20, 20, -2, 127, -128}, qp(0.3f, 0));
  t.output({6}, DType::kInt8, qp(1.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-2, -14, 2, 2, -102, 102}));
}

TEST(SubOp, Int8BroadcastWithRelu6) {
  // Reals: a = 0.5 * [-4, 4, 20] = [-2, 2, 10], b = 0.5 * (-4) = -2; a - b = [0, 4, 12]
  // on scale 0.25 -> [0, 16, 48], RELU6 clamps to 24.
  OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{ir::Activation::kRelu6});
  t.input<int8_t>({1, 3}, {-4, 4, 20}, qp(0.5f, 0));
  t.input<int8_t>({1}, {-4}, qp(0.5f, 0));
  t.output({1, 3}, DType::kInt8, qp(0.25f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{0, 16, 24}));
}

TEST(SubOp, RejectsBadShapesDtypesAndQuantization) {
  {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<float>({2, 3}, std::vector<float>(6));
    t.input<float>({4}, std::vector<float>(4));
    t.output({2, 3}, DType::kFloat32);
    expect_error(t.run(), {"SUB", "shapes", "[2,3]", "[4]"});
  }
  {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<float>({2, 1}, std::vector<float>(2));
    t.input<float>({1, 3}, std::vector<float>(3));
    t.output({2, 1}, DType::kFloat32);
    expect_error(t.run(), {"SUB", "output shape", "expected [2,3]", "found [2,1]"});
  }
  {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<float>({2}, {1, 2});
    t.input<uint8_t>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"SUB", "input 1 dtype", "expected float32", "found uint8"});
  }
  {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.output({2}, DType::kInt8, qp(0.5f, 200));
    expect_error(t.run(), {"SUB", "output zero point", "[-128, 127]", "200"});
  }
  {
    // Output scale below 2 * max(input scales) / 2^20: TFLite's multiplier would exceed 1.
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<uint8_t>({2}, {1, 2}, qp(1.0f, 0));
    t.input<uint8_t>({2}, {1, 2}, qp(1.0f, 0));
    t.output({2}, DType::kUInt8, qp(1e-7f, 0));
    expect_error(t.run(), {"SUB", "quantization", "output scale"});
  }
  {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"SUB", "input count", "expected 2", "found 1"});
  }
  {
    OpTester t(ir::OpType::kSub, ir::LeakyReluAttrs{});
    t.input<float>({2}, {1, 2});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"SUB", "attributes", "ElementwiseAttrs"});
  }
}

}  // namespace
}  // namespace edgerun
