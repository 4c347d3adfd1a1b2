// MAX_POOL_2D tests; expected values are derived by hand in the comments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "naive_pool.h"
#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;
using testing::PoolGeometry;

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

// ---- dilation ----

// ONNX's test_maxpool_2d_dilations: 4x4 = 1..16, 2x2 taps 2 apart, stride 1:
// max(1, 3, 9, 11) = 11, then 12, 15, 16.
TEST(MaxPool2DOp, FloatDilated) {
  PoolGeometry g;
  g.filter_h = g.filter_w = 2;
  g.dilation_h = g.dilation_w = 2;
  g.out_h = g.out_w = 2;
  ir::Pool2DAttrs a = g.attrs();
  a.padding = ir::Padding::kValid;
  OpTester t(ir::OpType::kMaxPool2D, a);
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i + 1);
  t.input<float>({1, 4, 4, 1}, in);
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{11, 12, 15, 16}));
}

// Batch 2, 2 channels, 5x6, 2x2 taps (2, 3) apart, stride (1, 2), pads
// top 1, left 2, bottom 1: padded 7x8, effective window 3x4, output 5x3.
TEST(MaxPool2DOp, FloatDilatedStridedPadded) {
  PoolGeometry g;
  g.filter_h = g.filter_w = 2;
  g.dilation_h = 2;
  g.dilation_w = 3;
  g.stride_w = 2;
  g.top = 1;
  g.left = 2;
  g.bottom = 1;
  g.out_h = 5;
  g.out_w = 3;
  const Shape s{2, 5, 6, 2};
  const std::vector<float> in = testing::pool_test_input(2 * 5 * 6 * 2);
  OpTester t(ir::OpType::kMaxPool2D, g.attrs());
  t.input<float>(s, in);
  t.output({2, 5, 3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), testing::naive_max_pool(in, s, g));
}

// A 1-D pool as the ONNX importer lifts it (height 1): width 6, 2 taps 2
// apart, stride 2, ceil_mode's overhang as a right pad of 1 (taps 4 and 6:
// 6 is past the input). Channel 0 = 3 1 4 1 5 9: max(3, 4), max(4, 5), 5;
// channel 1 = -1 .. -6: -1, -3, -5.
TEST(MaxPool2DOp, FloatDilated1DCeilOverhang) {
  PoolGeometry g;
  g.filter_w = 2;
  g.dilation_w = 2;
  g.stride_w = 2;
  g.right = 1;
  g.out_w = 3;
  OpTester t(ir::OpType::kMaxPool2D, g.attrs());
  t.input<float>({1, 1, 6, 2}, {3, -1, 1, -2, 4, -3, 1, -4, 5, -5, 9, -6});
  t.output({1, 1, 3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{4, -1, 5, -3, 5, -5}));
}

// int8, width 5, 3 taps 2 apart (inputs 0, 2, 4): max(-100, -90, -128) = -90;
// the larger 50 and 60 between the taps are skipped.
TEST(MaxPool2DOp, Int8Dilated) {
  PoolGeometry g;
  g.filter_w = 3;
  g.dilation_w = 2;
  g.out_w = 1;
  OpTester t(ir::OpType::kMaxPool2D, g.attrs());
  t.input<int8_t>({1, 1, 5, 1}, {-100, 50, -90, 60, -128}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kInt8, q(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-90}));
}

// ---- indices (ONNX MaxPool's second output) ----

// NHWC data from NCHW images, so the cases below can be read as ONNX states them.
std::vector<float> nhwc_from_nchw(const std::vector<float>& nchw, int n, int c, int h, int w) {
  std::vector<float> out(nchw.size());
  for (int b = 0; b < n; ++b) {
    for (int ch = 0; ch < c; ++ch) {
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) out[((b * h + y) * w + x) * c + ch] = nchw[((b * c + ch) * h + y) * w + x];
      }
    }
  }
  return out;
}

// N 2, C 2, 2x3 images, 2x2 windows, stride 1: output 1x2 per image.
//   n0 c0 [1 5 2 / 3 0 5]     5 at (0,1) twice (the second window ties with (1,2): the first wins)
//   n0 c1 [-1 -2 -3 / -4 -5 -6]  -1 at (0,0), -2 at (0,1)
//   n1 c0 [0 0 0 / 0 0 9]     0 at (0,0) (all tie), 9 at (1,2)
//   n1 c1 all 7               (0,0), (0,1)
// Row-major ONNX index ((n * 2 + c) * 2 + y) * 3 + x: n0 c0 1 1, n0 c1 6 7,
// n1 c0 12 17, n1 c1 18 19; column-major (n * 2 + c) * 6 + x * 2 + y:
// 2 2, 6 8, 12 17, 18 20. Both listed NHWC: (n, x, c).
OpTester indices_case(bool column_major) {
  ir::Pool2DAttrs a = pool(ir::Padding::kValid, 2, 1);
  a.indices_column_major = column_major;
  OpTester t(ir::OpType::kMaxPool2D, a);
  t.input<float>({2, 2, 3, 2}, nhwc_from_nchw({1, 5, 2, 3, 0, 5, -1, -2, -3, -4, -5, -6,  //
                                               0, 0, 0, 0, 0, 9, 7, 7, 7, 7, 7, 7},
                                              2, 2, 2, 3));
  t.output({2, 1, 2, 2}, DType::kFloat32);
  t.output({2, 1, 2, 2}, DType::kInt64);
  return t;
}

TEST(MaxPool2DOp, FloatIndicesRowMajor) {
  OpTester t = indices_case(false);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{5, -1, 5, -2, 0, 7, 9, 7}));
  EXPECT_EQ(t.result<int64_t>(1), (std::vector<int64_t>{1, 6, 1, 7, 12, 18, 17, 19}));
}

TEST(MaxPool2DOp, FloatIndicesColumnMajor) {
  OpTester t = indices_case(true);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{5, -1, 5, -2, 0, 7, 9, 7}));
  EXPECT_EQ(t.result<int64_t>(1), (std::vector<int64_t>{2, 6, 2, 8, 12, 18, 17, 20}));
}

// 1-D (height 1), width 5 = -5 -1 -7 -2 -3, 3 taps 2 apart, pads 2 / 2,
// stride 2: taps (-2, 0, 2), (0, 2, 4), (2, 4, 6); padding never wins and
// -1, -2 lie between taps: -5 at 0, -3 at 4, -3 at 4.
TEST(MaxPool2DOp, FloatIndicesDilatedPadded) {
  PoolGeometry g;
  g.filter_w = 3;
  g.dilation_w = 2;
  g.stride_w = 2;
  g.left = g.right = 2;
  g.out_w = 3;
  OpTester t(ir::OpType::kMaxPool2D, g.attrs());
  t.input<float>({1, 1, 5, 1}, {-5, -1, -7, -2, -3});
  t.output({1, 1, 3, 1}, DType::kFloat32);
  t.output({1, 1, 3, 1}, DType::kInt64);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{-5, -3, -3}));
  EXPECT_EQ(t.result<int64_t>(1), (std::vector<int64_t>{0, 4, 4}));
}

// int8 windows of -128 only (the type's lowest): the first tap in the image
// is the maximum. Width 3, 2 taps, pad 1 left: taps (-1, 0), (0, 1), (1, 2).
TEST(MaxPool2DOp, Int8IndicesAllLowest) {
  PoolGeometry g;
  g.filter_w = 2;
  g.left = 1;
  g.out_w = 3;
  OpTester t(ir::OpType::kMaxPool2D, g.attrs());
  t.input<int8_t>({1, 1, 3, 1}, {-128, -128, -128}, q(0.5f, 0));
  t.output({1, 1, 3, 1}, DType::kInt8, q(0.5f, 0));
  t.output({1, 1, 3, 1}, DType::kInt64);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-128, -128, -128}));
  EXPECT_EQ(t.result<int64_t>(1), (std::vector<int64_t>{0, 0, 1}));
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

TEST(MaxPool2DOp, RejectsBadIndicesOutput) {
  {
    OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 1, 1));
    t.input<float>({1, 1, 2, 1}, {1, 2});
    t.output({1, 1, 2, 1}, DType::kFloat32);
    t.output({1, 1, 2, 1}, DType::kInt32);
    expect_prepare_error(t, "indices output dtype: expected int64, found int32");
  }
  {
    OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 1, 1));
    t.input<float>({1, 1, 2, 1}, {1, 2});
    t.output({1, 1, 2, 1}, DType::kFloat32);
    t.output({1, 2, 1, 1}, DType::kInt64);
    expect_prepare_error(t, "indices output shape: expected [1,1,2,1] (the values output's), found [1,2,1,1]");
  }
  {
    OpTester t(ir::OpType::kMaxPool2D, pool(ir::Padding::kValid, 1, 1));
    t.input<float>({1, 1, 2, 1}, {1, 2});
    for (int i = 0; i < 3; ++i) t.output({1, 1, 2, 1}, DType::kFloat32);
    expect_prepare_error(t, "output count: expected 1 or 2 (values, indices), found 3");
  }
}

// Width 1, 2 taps 3 apart, pads 2 / 1: the one window's taps (-2, 1) both miss the input.
TEST(MaxPool2DOp, RejectsWindowOfPaddingOnly) {
  PoolGeometry g;
  g.filter_w = 2;
  g.dilation_w = 3;
  g.left = 2;
  g.right = 1;
  OpTester t(ir::OpType::kMaxPool2D, g.attrs());
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "window width: expected every window to read the input, found output 0");
}

TEST(MaxPool2DOp, RejectsZeroDilation) {
  ir::Pool2DAttrs a = pool(ir::Padding::kValid, 1, 1);
  a.dilation_h = 0;
  OpTester t(ir::OpType::kMaxPool2D, a);
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "dilation height: expected >= 1, found 0");
}

}  // namespace
}  // namespace edgerun
