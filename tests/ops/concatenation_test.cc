// CONCATENATION tests; requantized values are derived by hand in the comments
// following TFLite's ConcatenationWithScaling: round(q * s + b) + out_zp with
// s = in_scale / out_scale, b = -in_zp * s, ties away from zero, clamped.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::ConcatenationAttrs concat(int axis, ir::Activation act = ir::Activation::kNone) {
  ir::ConcatenationAttrs a;
  a.axis = axis;
  a.activation = act;
  return a;
}

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("CONCATENATION"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// Channels: [1,1,2,1] (1), (2) + [1,1,2,2] (10, 11), (20, 21) -> (1, 10, 11), (2, 20, 21).
TEST(ConcatenationOp, FloatLastAxis) {
  for (int axis : {3, -1}) {
    OpTester t(ir::OpType::kConcatenation, concat(axis));
    t.input<float>({1, 1, 2, 1}, {1, 2});
    t.input<float>({1, 1, 2, 2}, {10, 11, 20, 21});
    t.output({1, 1, 2, 3}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok()) << axis;
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{1, 10, 11, 2, 20, 21})) << axis;
  }
}

// Axis 1 of [2,1,2] and [2,2,2] with three inputs: rows interleave per batch.
TEST(ConcatenationOp, FloatMiddleAxisThreeInputs) {
  OpTester t(ir::OpType::kConcatenation, concat(1));
  t.input<float>({2, 1, 2}, {1, 2, 3, 4});
  t.input<float>({2, 2, 2}, {10, 11, 12, 13, 30, 31, 32, 33});
  t.input<float>({2, 0, 2}, {});
  t.output({2, 3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1, 2, 10, 11, 12, 13, 3, 4, 30, 31, 32, 33}));
}

TEST(ConcatenationOp, Uint8SameQuantizationCopies) {
  OpTester t(ir::OpType::kConcatenation, concat(0));
  t.input<uint8_t>({2}, {0, 255}, q(0.5f, 128));
  t.input<uint8_t>({1}, {7}, q(0.5f, 128));
  t.output({3}, DType::kUInt8, q(0.5f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0, 255, 7}));
}

// in0 scale 0.5 zp 128 -> out scale 1 zp 128: s = 0.5, b = -64.
//   130 -> 1 -> 129;  131 -> 1.5 -> 2 -> 130 (tie);  129 -> 0.5 -> 1 -> 129 (tie);
//   127 -> -0.5 -> -1 -> 127 (tie);  0 -> -64 -> 64;  255 -> 63.5 -> 64 -> 192
// in1 scale 4 zp 0: s = 4, b = 0:  10 -> 40 -> 168;  40 -> 160 -> 288 -> 255 (clamp).
// in2 has the output's quantization and is copied.
TEST(ConcatenationOp, Uint8RequantizesLikeTflite) {
  OpTester t(ir::OpType::kConcatenation, concat(0));
  t.input<uint8_t>({6}, {130, 131, 129, 127, 0, 255}, q(0.5f, 128));
  t.input<uint8_t>({2}, {10, 40}, q(4.0f, 0));
  t.input<uint8_t>({1}, {3}, q(1.0f, 128));
  t.output({9}, DType::kUInt8, q(1.0f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{129, 130, 129, 127, 64, 192, 168, 255, 3}));
}

// int8: in0 scale 0.5 zp 0 -> out scale 1 zp -10: s = 0.5, b = 0:
//   3 -> 1.5 -> 2 -> -8;  -3 -> -1.5 -> -2 -> -12;  127 -> 63.5 -> 64 -> 54;  -128 -> -64 -> -74
// in1 scale 4 zp 0: 100 -> 400 - 10 -> 127 (clamp);  -100 -> -410 -> -128 (clamp).
TEST(ConcatenationOp, Int8Requantizes) {
  OpTester t(ir::OpType::kConcatenation, concat(-1));
  t.input<int8_t>({1, 4}, {3, -3, 127, -128}, q(0.5f, 0));
  t.input<int8_t>({1, 2}, {100, -100}, q(4.0f, 0));
  t.output({1, 6}, DType::kInt8, q(1.0f, -10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-8, -12, 54, -74, 127, -128}));
}

// ---- validation ----

TEST(ConcatenationOp, RejectsAxisOutOfRange) {
  for (int axis : {2, -3}) {
    OpTester t(ir::OpType::kConcatenation, concat(axis));
    t.input<float>({1, 2}, {1, 2});
    t.input<float>({1, 2}, {3, 4});
    t.output({2, 2}, DType::kFloat32);
    expect_prepare_error(t, "axis: expected within [-2, 2)");
  }
}

TEST(ConcatenationOp, RejectsMismatchedDims) {
  OpTester t(ir::OpType::kConcatenation, concat(0));
  t.input<float>({1, 2}, {1, 2});
  t.input<float>({1, 3}, {3, 4, 5});
  t.output({2, 2}, DType::kFloat32);
  expect_prepare_error(t, "input 1 shape: expected [1,2] except in dim 0");
}

TEST(ConcatenationOp, RejectsMismatchedDtypes) {
  OpTester t(ir::OpType::kConcatenation, concat(0));
  t.input<float>({1}, {1});
  t.input<int32_t>({1}, {3});
  t.output({2}, DType::kFloat32);
  expect_prepare_error(t, "input 1 dtype: expected float32, found int32");
}

TEST(ConcatenationOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kConcatenation, concat(1));
  t.input<float>({1, 2}, {1, 2});
  t.input<float>({1, 2}, {3, 4});
  t.output({2, 2}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [1,4]");
}

TEST(ConcatenationOp, RejectsFusedActivation) {
  OpTester t(ir::OpType::kConcatenation, concat(0, ir::Activation::kRelu));
  t.input<float>({1}, {1});
  t.output({1}, DType::kFloat32);
  expect_prepare_error(t, "fused activation");
}

TEST(ConcatenationOp, RejectsAbsentInput) {
  OpTester t(ir::OpType::kConcatenation, concat(0));
  t.input<float>({1}, {1});
  t.absent_input();
  t.output({1}, DType::kFloat32);
  expect_prepare_error(t, "input 1");
}

}  // namespace
}  // namespace edgerun
