// AVERAGE_POOL_2D tests; expected values are derived by hand in the comments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/ref/pool.h"
#include "naive_pool.h"
#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;
using testing::PoolGeometry;

ir::Pool2DAttrs pool(ir::Padding padding, int filter_h, int filter_w, int stride,
                     ir::Activation act = ir::Activation::kNone) {
  ir::Pool2DAttrs a;
  a.padding = padding;
  a.filter_h = filter_h;
  a.filter_w = filter_w;
  a.stride_h = a.stride_w = stride;
  a.activation = act;
  return a;
}

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("AVERAGE_POOL_2D"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// 4x4 = 1..16, 2x2 stride 2 VALID: (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, 11.5, 13.5.
TEST(AveragePool2DOp, FloatValid) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 2, 2, 2));
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i + 1);
  t.input<float>({1, 4, 4, 1}, in);
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
}

// 3x3 = 1..9, 3x3 SAME stride 1: padding is not counted, so corners average 4
// values, edges 6, the centre 9: 12/4, 21/6, 16/4, 27/6, 45/9, 33/6, 24/4, 39/6, 28/4.
TEST(AveragePool2DOp, FloatSameExcludesPadding) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kSame, 3, 3, 1));
  t.input<float>({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  t.output({1, 3, 3, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}));
}

// Two channels, batch 2, RELU6: channel 1 is negated (-> 0) or large (-> 6).
TEST(AveragePool2DOp, FloatBatchChannelsRelu6) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 2, 1, ir::Activation::kRelu6));
  t.input<float>({2, 1, 2, 2}, {1, -1, 2, -2, 10, 3, 20, 4});
  t.output({2, 1, 1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  // batch 0: (1.5, -1.5 -> 0); batch 1: (15 -> 6, 3.5)
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1.5f, 0, 6, 3.5f}));
}

// uint8: (sum + count/2) / count.  1x2 windows over 3 channels:
//   (1, 2) -> (3 + 1) / 2 = 2 (1.5 rounds up); (0, 0) -> 0; (254, 255) -> 510 / 2 = 255.
TEST(AveragePool2DOp, Uint8RoundsHalfUp) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 2, 1));
  t.input<uint8_t>({1, 1, 2, 3}, {1, 0, 254, 2, 0, 255}, q(0.5f, 3));
  t.output({1, 1, 1, 3}, DType::kUInt8, q(0.5f, 3));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{2, 0, 255}));
}

// Count 3: (1, 1, 2) -> (4 + 1) / 3 = 1 (1.33); (1, 2, 2) -> (5 + 1) / 3 = 2 (1.67).
TEST(AveragePool2DOp, Uint8CountThree) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 3, 1));
  t.input<uint8_t>({1, 1, 3, 2}, {1, 1, 1, 2, 2, 2}, q(0.5f, 0));
  t.output({1, 1, 1, 2}, DType::kUInt8, q(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{1, 2}));
}

// int8 rounds half away from zero: sum > 0 ? (sum + c/2) / c : (sum - c/2) / c.
//   (-1, -2) -> (-3 - 1) / 2 = -2;  (1, 2) -> 2;  (-1, 0) -> (-1 - 1) / 2 = -1;
//   (1, 0) -> 1;  (-128, -127) -> -256 / 2 = -128.
TEST(AveragePool2DOp, Int8RoundsHalfAwayFromZero) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 2, 1));
  t.input<int8_t>({1, 1, 2, 5}, {-1, 1, -1, 1, -128, -2, 2, 0, 0, -127}, q(0.5f, 0));
  t.output({1, 1, 1, 5}, DType::kInt8, q(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-2, 2, -1, 1, -128}));
}

// RELU6 with scale 0.1, zp 0: act_max = round(6 / 0.1f) = 60, so 100 -> 60.
TEST(AveragePool2DOp, Uint8ClampedByRelu6) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 2, 1, ir::Activation::kRelu6));
  t.input<uint8_t>({1, 1, 2, 2}, {100, 20, 100, 30}, q(0.1f, 0));
  t.output({1, 1, 1, 2}, DType::kUInt8, q(0.1f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{60, 25}));
}

// int8 RELU with zp -10: act_min = -10.
TEST(AveragePool2DOp, Int8ClampedByRelu) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 2, 1, ir::Activation::kRelu));
  t.input<int8_t>({1, 1, 2, 2}, {-100, 5, -50, 6}, q(0.5f, -10));
  t.output({1, 1, 1, 2}, DType::kInt8, q(0.5f, -10));
  ASSERT_TRUE(t.run().ok());
  // (-150 - 1) / 2 = -75 -> -10; (11 + 1) / 2 = 6
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-10, 6}));
}

// Row slices of batch * out_h compose: FloatSameExcludesPadding with batch 2
// (second image = first + 10) in slices crossing the batch boundary.
TEST(AveragePool2DOp, KernelRowSlicesCompose) {
  kernels::PoolParams p;
  p.batch = 2;
  p.in_h = p.in_w = 3;
  p.channels = 1;
  p.out_h = p.out_w = 3;
  p.filter_h = p.filter_w = 3;
  p.pad_top = p.pad_left = 1;
  p.f32_min = -1000.0f;
  p.f32_max = 1000.0f;
  const std::vector<float> in{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  std::vector<float> out(18, -1.0f);
  kernels::f32_avgpool_minmax__ref(p, in.data(), out.data(), 0, 2);
  kernels::f32_avgpool_minmax__ref(p, in.data(), out.data(), 2, 4);
  kernels::f32_avgpool_minmax__ref(p, in.data(), out.data(), 4, 6);
  EXPECT_EQ(out, (std::vector<float>{3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7,  //
                                     13, 13.5f, 14, 14.5f, 15, 15.5f, 16, 16.5f, 17}));
}

// ---- dilation ----

// ONNX's test_averagepool_2d_dilations: 4x4 = 1..16, 2x2 taps 2 apart,
// stride 1: (1 + 3 + 9 + 11) / 4 = 6, then 7, 10, 11.
TEST(AveragePool2DOp, FloatDilated) {
  PoolGeometry g;
  g.filter_h = g.filter_w = 2;
  g.dilation_h = g.dilation_w = 2;
  g.out_h = g.out_w = 2;
  OpTester t(ir::OpType::kAveragePool2D, g.attrs());
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i + 1);
  t.input<float>({1, 4, 4, 1}, in);
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{6, 7, 10, 11}));
}

// Width 5, 3 taps 2 apart, pads 2 / 2, stride 2: output 3 over taps
// (-2, 0, 2), (0, 2, 4), (2, 4, 6); padding is not counted:
// (1 + 4) / 2 = 2.5, (1 + 4 + 16) / 3 = 7, (4 + 16) / 2 = 10.
TEST(AveragePool2DOp, FloatDilatedExcludesPadding) {
  PoolGeometry g;
  g.filter_w = 3;
  g.dilation_w = 2;
  g.stride_w = 2;
  g.left = g.right = 2;
  g.out_w = 3;
  OpTester t(ir::OpType::kAveragePool2D, g.attrs());
  t.input<float>({1, 1, 5, 1}, {1, 2, 4, 8, 16});
  t.output({1, 1, 3, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{2.5f, 7, 10}));
}

// 6x6, 2 channels, 2x2 taps 2 apart, stride 2, pads 1, ceil_mode: output 4x4
// whose last windows reach one past the bottom / right pad (rows 5 and 7).
PoolGeometry ceil_geometry() {
  PoolGeometry g;
  g.filter_h = g.filter_w = 2;
  g.dilation_h = g.dilation_w = 2;
  g.stride_h = g.stride_w = 2;
  g.top = g.left = g.bottom = g.right = 1;
  g.out_h = g.out_w = 4;
  return g;
}

// count_include_pad = 0: the op's own semantics, the overhang as extra end padding.
TEST(AveragePool2DOp, FloatDilatedCeilExcludesPadding) {
  const PoolGeometry g = ceil_geometry();
  PoolGeometry op = g;
  op.bottom = op.right = 2;
  const Shape s{1, 6, 6, 2};
  const std::vector<float> in = testing::pool_test_input(6 * 6 * 2);
  OpTester t(ir::OpType::kAveragePool2D, op.attrs());
  t.input<float>(s, in);
  t.output({1, 4, 4, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), testing::naive_average_pool(in, s, g, false));
}

// count_include_pad = 1 as the ONNX importer lowers it: the input zero-padded
// by the pads (8x8), then pooled with only the overhang as padding, so taps in
// the pads count and taps in the overhang do not.
TEST(AveragePool2DOp, FloatDilatedCeilCountsPaddingWhenZeroPadded) {
  const PoolGeometry g = ceil_geometry();
  const Shape s{1, 6, 6, 2};
  const std::vector<float> in = testing::pool_test_input(6 * 6 * 2);
  std::vector<float> padded(8 * 8 * 2, 0.0f);
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 6; ++x) {
      for (int c = 0; c < 2; ++c) padded[((y + 1) * 8 + x + 1) * 2 + c] = in[(y * 6 + x) * 2 + c];
    }
  }
  PoolGeometry op = g;
  op.top = op.left = 0;
  op.bottom = op.right = 1;
  OpTester t(ir::OpType::kAveragePool2D, op.attrs());
  t.input<float>({1, 8, 8, 2}, padded);
  t.output({1, 4, 4, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const std::vector<float> expected = testing::naive_average_pool(in, s, g, true);
  EXPECT_EQ(t.result<float>(0), expected);
  EXPECT_NE(expected, testing::naive_average_pool(in, s, g, false));  // the pads make a difference here
}

// uint8 divides by the taps read: width 4, 3 taps 2 apart, pads 2 / 2,
// stride 1: windows (-2, 0, 2), (-1, 1, 3), (0, 2, 4), (1, 3, 5) read 2 taps
// each: (10 + 31 + 1) / 2 = 21, (200 + 99 + 1) / 2 = 150, 21, 150.
TEST(AveragePool2DOp, Uint8DilatedCountsTapsRead) {
  PoolGeometry g;
  g.filter_w = 3;
  g.dilation_w = 2;
  g.left = g.right = 2;
  g.out_w = 4;
  OpTester t(ir::OpType::kAveragePool2D, g.attrs());
  t.input<uint8_t>({1, 1, 4, 1}, {10, 200, 31, 99}, q(0.5f, 0));
  t.output({1, 1, 4, 1}, DType::kUInt8, q(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{21, 150, 21, 150}));
}

// ---- validation ----

TEST(AveragePool2DOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kSame, 2, 2, 2));
  t.input<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [1,2,2,1]");
}

TEST(AveragePool2DOp, RejectsZeroFilterAndStride) {
  {
    OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 0, 1, 1));
    t.input<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
    t.output({1, 3, 3, 1}, DType::kFloat32);
    expect_prepare_error(t, "filter height: expected >= 1, found 0");
  }
  {
    OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 1, 0));
    t.input<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
    t.output({1, 3, 3, 1}, DType::kFloat32);
    expect_prepare_error(t, "stride height: expected >= 1, found 0");
  }
}

TEST(AveragePool2DOp, RejectsIndicesOutput) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 1, 1));
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  t.output({1, 1, 1, 1}, DType::kInt64);
  expect_prepare_error(t, "output count: expected 1, found 2");
}

TEST(AveragePool2DOp, RejectsRequantization) {
  OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 1, 1));
  t.input<uint8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kUInt8, q(0.25f, 0));
  expect_prepare_error(t, "output quantization");
}

TEST(AveragePool2DOp, RejectsWrongRankAndDtype) {
  {
    OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 1, 1));
    t.input<float>({3, 3, 1}, std::vector<float>(9, 1.0f));
    t.output({3, 3, 1}, DType::kFloat32);
    expect_prepare_error(t, "input rank: expected 4");
  }
  {
    OpTester t(ir::OpType::kAveragePool2D, pool(ir::Padding::kValid, 1, 1, 1));
    t.input<int32_t>({1, 1, 1, 1}, {1});
    t.output({1, 1, 1, 1}, DType::kInt32);
    expect_prepare_error(t, "input dtype");
  }
}

}  // namespace
}  // namespace edgerun
