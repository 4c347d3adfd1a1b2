// MAX_POOL_2D tests; expected values are derived by hand in the comments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::Pool2DAttrs pool(ir::Padding padding, int filter, int stride, ir::Activation act = ir::Activation::kNone) {
  ir::Pool2DAttrs a;
  a.padding = padding;
  a.filter_h = a.filter_w = filter;
  a.stride_h = a.stride_w = stride;
  a.activation = act;
  return a;
}

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("MAX_POOL_2D"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// 4x4 = 1..16, 2x2 stride 2: 6, 8, 14, 16.
TEST(MaxPool2DOp, FloatValid) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 2, 2));
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i + 1);
  t.input<float>({1, 4, 4, 1}, in);
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{6, 8, 14, 16}));
}

// 3x3 = -1..-9, 2x2 SAME stride 2: output 2x2, padding 1 at the end which never
// wins: max(-1,-2,-4,-5) = -1, max(-3,-6) = -3, max(-7,-8) = -7, -9.
TEST(MaxPool2DOp, FloatSameNegativeValues) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kSame, 2, 2));
  t.input<float>({1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{-1, -3, -7, -9}));
}

TEST(MaxPool2DOp, FloatRelu) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kSame, 2, 2, ir::Activation::kRelu));
  t.input<float>({1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, 8, -9});
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{0, 0, 8, 0}));
}

TEST(MaxPool2DOp, Uint8Channels) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 2, 1));
  // 2x2 image, 2 channels: channel 0 = (3, 9, 1, 4), channel 1 = (0, 0, 255, 7)
  t.input<uint8_t>({1, 2, 2, 2}, {3, 0, 9, 0, 1, 255, 4, 7}, q(0.5f, 128));
  t.output({1, 1, 1, 2}, DType::kUInt8, q(0.5f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{9, 255}));
}

// RELU6 with scale 0.5, zp 128: range [128, 128 + 12] = [128, 140].
TEST(MaxPool2DOp, Uint8ClampedByRelu6) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 1, 1, ir::Activation::kRelu6));
  t.input<uint8_t>({1, 1, 3, 1}, {100, 135, 200}, q(0.5f, 128));
  t.output({1, 1, 3, 1}, DType::kUInt8, q(0.5f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{128, 135, 140}));
}

// All-negative int8 window: the max starts from -128, not 0.
TEST(MaxPool2DOp, Int8NegativeWindow) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 2, 2));
  t.input<int8_t>({1, 2, 2, 1}, {-100, -50, -128, -75}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kInt8, q(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-50}));
}

TEST(MaxPool2DOp, Int8ClampedByRelu) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 2, 2, ir::Activation::kRelu));
  t.input<int8_t>({1, 2, 2, 1}, {-100, -50, -128, -75}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kInt8, q(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{0}));
}

// ---- validation ----

TEST(MaxPool2DOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 2, 2));
  t.input<float>({1, 4, 4, 1}, std::vector<float>(16, 1.0f));
  t.output({1, 4, 4, 1}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [1,2,2,1]");
}

TEST(MaxPool2DOp, RejectsDtypeMismatch) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 1, 1));
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kUInt8, q(1.0f, 0));
  expect_prepare_error(t, "output dtype: expected float32, found uint8");
}

TEST(MaxPool2DOp, RejectsZeroPointMismatch) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 1, 1));
  t.input<int8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kInt8, q(0.5f, 1));
  expect_prepare_error(t, "output quantization");
}

TEST(MaxPool2DOp, RejectsValidFilterLargerThanInput) {
  OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 3, 1));
  t.input<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  t.output({1, 0, 0, 1}, DType::kFloat32);
  expect_prepare_error(t, "VALID padding");
}

}  // namespace
}  // namespace edgerun
