// FULLY_CONNECTED tests; expected values are derived by hand in the comments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::FullyConnectedAttrs fc_attrs(ir::Activation act = ir::Activation::kNone, bool keep_num_dims = false) {
  ir::FullyConnectedAttrs a;
  a.activation = act;
  a.keep_num_dims = keep_num_dims;
  return a;
}

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("FULLY_CONNECTED"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// in b0 = (1, 2, 3), b1 = (-1, 0, 1); W o0 = (1, 1, 1), o1 = (0.5, -1, 2); bias (1, -1).
//   b0: o0 = 6 + 1 = 7,  o1 = 0.5 - 2 + 6 - 1 = 3.5
//   b1: o0 = 0 + 1 = 1,  o1 = -0.5 + 2 - 1 = 0.5
const std::vector<float> kIn{1, 2, 3, -1, 0, 1};
const std::vector<float> kW{1, 1, 1, 0.5f, -1, 2};

TEST(FullyConnectedOp, Float) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<float>({2, 3}, kIn);
  t.constant<float>({2, 3}, kW);
  t.constant<float>({2}, {1, -1});
  t.output({2, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{7, 3.5f, 1, 0.5f}));
}

// Input [1, 1, 2, 3] flattens to [2, 3]; no bias; RELU_N1_TO_1: (6, 4.5, 0, 1.5) -> (1, 1, 0, 1).
TEST(FullyConnectedOp, FloatFlattensInputNoBias) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs(ir::Activation::kReluN1To1));
  t.input<float>({1, 1, 2, 3}, kIn);
  t.constant<float>({2, 3}, kW);
  t.absent_input();
  t.output({2, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1, 1, 0, 1}));
}

TEST(FullyConnectedOp, FloatKeepNumDims) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs(ir::Activation::kNone, true));
  t.input<float>({1, 2, 3}, kIn);
  t.constant<float>({2, 3}, kW);
  t.constant<float>({2}, {1, -1});
  t.output({1, 2, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{7, 3.5f, 1, 0.5f}));
}

// uint8: input scale 0.5 zp 128, weights scale 0.25 zp 100, output scale 1 zp 10,
// multiplier 0.125. Input (130, 126) = real (1, -1).
//   o0: W (104, 108) = (1, 2): acc = 4*2 + 8*(-2) = -8, bias 12 (1.5) -> 4 -> 0.5 -> 1 -> 11 (tie)
//   o1: W (100, 96) = (0, -1): acc = 0 + (-4)*(-2) = 8, bias -20 (-2.5) -> -12 -> -1.5 -> -2 -> 8 (tie)
TEST(FullyConnectedOp, Uint8) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<uint8_t>({1, 2}, {130, 126}, q(0.5f, 128));
  t.constant<uint8_t>({2, 2}, {104, 108, 100, 96}, q(0.25f, 100));
  t.constant<int32_t>({2}, {12, -20}, q(0.125f, 0));
  t.output({1, 2}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{11, 8}));
}

// RELU with output zp 10: act_min = 10, so 8 -> 10.
TEST(FullyConnectedOp, Uint8ClampedByRelu) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs(ir::Activation::kRelu));
  t.input<uint8_t>({1, 2}, {130, 126}, q(0.5f, 128));
  t.constant<uint8_t>({2, 2}, {104, 108, 100, 96}, q(0.25f, 100));
  t.constant<int32_t>({2}, {12, -20}, q(0.125f, 0));
  t.output({1, 2}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{11, 10}));
}

// int8 per-tensor weights keep their zero point (reference_integer_ops::FullyConnected):
// input scale 0.5 zp -1, weights scale 0.25 zp 3, output scale 1 zp -5.
// Input (1, 3) = real (1, 2); W (7, 11) = real (1, 2): out = 1 + 4 = 5;
// acc = 4*2 + 8*4 = 40 -> 5 -> 0. (Ignoring the weights zero point would give 58 -> 2.)
TEST(FullyConnectedOp, Int8PerTensorUsesWeightsZeroPoint) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<int8_t>({1, 2}, {1, 3}, q(0.5f, -1));
  t.constant<int8_t>({1, 2}, {7, 11}, q(0.25f, 3));
  t.output({1, 1}, DType::kInt8, q(1.0f, -5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{0}));
}

// int8 per-channel weights: scales (0.25, 0.125), zp 0. Input (1, 3) = real (1, 2).
//   o0: W (4, 8) = (1, 2):   acc = 4*2 + 8*4 = 40,  * 0.125  = 5  -> 0
//   o1: W (8, -8) = (1, -1): acc = 8*2 - 8*4 = -16, * 0.0625 = -1 -> -6
TEST(FullyConnectedOp, Int8PerChannel) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<int8_t>({1, 2}, {1, 3}, q(0.5f, -1));
  t.constant<int8_t>({2, 2}, {4, 8, 8, -8}, QuantParams{{0.25f, 0.125f}, {0, 0}, 0});
  t.output({1, 2}, DType::kInt8, q(1.0f, -5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{0, -6}));
}

// Rescaling rule: LiteRT's reference FULLY_CONNECTED rescales the accumulator in
// double with a single rounding, for every dtype: with in_scale 1/3f, weights
// scale 3, out scale 2^20 and acc = 105381885,
//   105381885 * (double(1/3f) * 3 / 2^20) = 100.50000013 -> 101,
// where conv's fixed-point multiplier from the float product (as TFLite's uint8
// conv computes it) would give 100.
TEST(FullyConnectedOp, MultiplierRules) {
  {
    OpTester t(ir::OpType::kFullyConnected, fc_attrs());
    t.input<uint8_t>({1, 1}, {7}, q(1.0f / 3.0f, 7));
    t.constant<uint8_t>({1, 1}, {200}, q(3.0f, 0));
    t.constant<int32_t>({1}, {105381885}, q(1.0f, 0));
    t.output({1, 1}, DType::kUInt8, q(1048576.0f, 0));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{101}));
  }
  {
    OpTester t(ir::OpType::kFullyConnected, fc_attrs());
    t.input<int8_t>({1, 1}, {7}, q(1.0f / 3.0f, 7));
    t.constant<int8_t>({1, 1}, {100}, q(3.0f, 0));
    t.constant<int32_t>({1}, {105381885});
    t.output({1, 1}, DType::kInt8, q(1048576.0f, 0));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{101}));
  }
  {
    OpTester t(ir::OpType::kFullyConnected, fc_attrs());
    t.input<int8_t>({1, 1}, {7}, q(1.0f / 3.0f, 7));
    t.constant<int8_t>({2, 1}, {100, 100}, QuantParams{{3.0f, 3.0f}, {0, 0}, 0});
    t.constant<int32_t>({2}, {105381885, 105381885});
    t.output({1, 2}, DType::kInt8, q(1048576.0f, 0));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{101, 101}));
  }
}

// ---- validation ----

TEST(FullyConnectedOp, RejectsWrongBiasLength) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<float>({2, 3}, kIn);
  t.constant<float>({2, 3}, kW);
  t.constant<float>({3}, {0, 0, 0});
  t.output({2, 2}, DType::kFloat32);
  expect_prepare_error(t, "bias length: expected 2");
}

TEST(FullyConnectedOp, RejectsInputNotMultipleOfDepth) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<float>({1, 4}, {1, 2, 3, 4});
  t.constant<float>({2, 3}, kW);
  t.output({1, 2}, DType::kFloat32);
  expect_prepare_error(t, "multiple of the weights' input depth 3");
}

TEST(FullyConnectedOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<float>({2, 3}, kIn);
  t.constant<float>({2, 3}, kW);
  t.output({1, 4}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [2,2]");
}

TEST(FullyConnectedOp, RejectsKeepNumDimsWithWrongLastDim) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs(ir::Activation::kNone, true));
  t.input<float>({3, 2}, kIn);
  t.constant<float>({2, 3}, kW);
  t.output({3, 2}, DType::kFloat32);
  expect_prepare_error(t, "input last dim: expected 3");
}

TEST(FullyConnectedOp, RejectsNonConstantWeights) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<float>({2, 3}, kIn);
  t.input<float>({2, 3}, kW);
  t.output({2, 2}, DType::kFloat32);
  expect_prepare_error(t, "weights must be a constant");
}

TEST(FullyConnectedOp, RejectsHybridWeights) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<float>({1, 1}, {1});
  t.constant<int8_t>({1, 1}, {1}, q(0.5f, 0));
  t.output({1, 1}, DType::kFloat32);
  expect_prepare_error(t, "weights dtype: expected float32, found int8");
}

TEST(FullyConnectedOp, RejectsAsymmetricPerChannelWeights) {
  OpTester t(ir::OpType::kFullyConnected, fc_attrs());
  t.input<int8_t>({1, 1}, {1}, q(0.5f, 0));
  t.constant<int8_t>({2, 1}, {1, 1}, QuantParams{{0.5f, 0.5f}, {0, 2}, 0});
  t.output({1, 2}, DType::kInt8, q(1.0f, 0));
  expect_prepare_error(t, "filter zero point: expected 0");
}

}  // namespace
}  // namespace edgerun
