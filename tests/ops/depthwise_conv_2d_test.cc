// DEPTHWISE_CONV_2D tests; expected values are derived by hand in the comments.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::DepthwiseConv2DAttrs dw_attrs(ir::Padding padding, int depth_multiplier, int stride = 1, int dilation = 1,
                                  ir::Activation act = ir::Activation::kNone) {
  ir::DepthwiseConv2DAttrs a;
  a.padding = padding;
  a.depth_multiplier = depth_multiplier;
  a.stride_h = a.stride_w = stride;
  a.dilation_h = a.dilation_w = dilation;
  a.activation = act;
  return a;
}

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

std::vector<float> iota_f(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("DEPTHWISE_CONV_2D"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// depth_multiplier 2: input 2x2x2 with channel 0 = (1, 2, 3, 4) and channel 1
// = (10, 20, 30, 40); 2x2 VALID filter, output channel oc = ic * 2 + m:
//   oc0 (ic0): weights (1, 1, 1, 1)       -> 10
//   oc1 (ic0): weights (1, 0, 0, -1)      -> 1 - 4 = -3
//   oc2 (ic1): weights (.5, .5, .5, .5)   -> 50
//   oc3 (ic1): weights (0, 1, 0, 0)       -> 20
// plus bias (0, 0, 1, -1).
TEST(DepthwiseConv2DOp, FloatDepthMultiplier2) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 2));
  t.input<float>({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  // [1, fy, fx, oc]
  t.constant<float>({1, 2, 2, 4}, {1, 1, 0.5f, 0,     // (0, 0)
                                   1, 0, 0.5f, 1,     // (0, 1)
                                   1, 0, 0.5f, 0,     // (1, 0)
                                   1, -1, 0.5f, 0});  // (1, 1)
  t.constant<float>({4}, {0, 0, 1, -1});
  t.output({1, 1, 1, 4}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{10, -3, 51, 19}));
}

// A depth_multiplier of 0 (absent in the flatbuffer) is derived from the shapes, like TFLite.
TEST(DepthwiseConv2DOp, DepthMultiplierDerivedWhenUnset) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 0));
  t.input<float>({1, 1, 1, 1}, {3});
  t.constant<float>({1, 1, 1, 2}, {2, -1});
  t.output({1, 1, 1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{6, -3}));
}

// Two channels processed independently, SAME, all-ones 3x3: channel 0 = 1..16,
// channel 1 = 10 * channel 0. Output = sum of the clipped 3x3 neighbourhood.
TEST(DepthwiseConv2DOp, FloatSameTwoChannels) {
  std::vector<float> in;
  for (int i = 1; i <= 16; ++i) {
    in.push_back(static_cast<float>(i));
    in.push_back(static_cast<float>(10 * i));
  }
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kSame, 1));
  t.input<float>({1, 4, 4, 2}, in);
  t.constant<float>({1, 3, 3, 2}, std::vector<float>(18, 1.0f));
  t.output({1, 4, 4, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const std::vector<float> sums{14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54};
  std::vector<float> expected;
  for (float s : sums) {
    expected.push_back(s);
    expected.push_back(10 * s);
  }
  EXPECT_EQ(t.result<float>(0), expected);
}

// SAME, stride 2 (padding 1 at the end): see the CONV_2D test of the same name.
TEST(DepthwiseConv2DOp, FloatSameStride2) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kSame, 1, 2));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{54, 45, 72, 54}));
}

// SAME, dilation 2: out = 8*S(y) + 2*S(x) + 4, S = 2, 4, 2, 4 (see CONV_2D).
TEST(DepthwiseConv2DOp, FloatSameDilation2WithRelu1) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kSame, 1, 1, 2));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 4, 4, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{24, 28, 24, 28, 40, 44, 40, 44,  //
                                                    24, 28, 24, 28, 40, 44, 40, 44}));
  // RELU_N1_TO_1 clamps everything to 1.
  OpTester t2(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kSame, 1, 1, 2, ir::Activation::kReluN1To1));
  t2.input<float>({1, 4, 4, 1}, iota_f(16));
  t2.constant<float>({1, 3, 3, 1}, std::vector<float>(9, -1.0f));
  t2.output({1, 4, 4, 1}, DType::kFloat32);
  ASSERT_TRUE(t2.run().ok());
  EXPECT_EQ(t2.result<float>(0), std::vector<float>(16, -1.0f));
}

// uint8, depth_multiplier 2: input scale 0.5 zp 128, filter scale 0.25 zp 100,
// output scale 1 zp 10; filter q (104, 96) = real (1, -1); multiplier 0.125.
//   pixel q 130 (x 1):    oc0 acc 8 -> 1 -> 11      oc1 acc -8 -> -1 -> 9
//   pixel q 127 (x -0.5): oc0 acc -4 -> -0.5 -> -1 -> 9 (tie)   oc1 acc 4 -> 0.5 -> 1 -> 11 (tie)
TEST(DepthwiseConv2DOp, Uint8DepthMultiplier2) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 2));
  t.input<uint8_t>({1, 1, 2, 1}, {130, 127}, q(0.5f, 128));
  t.constant<uint8_t>({1, 1, 1, 2}, {104, 96}, q(0.25f, 100));
  t.output({1, 1, 2, 2}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{11, 9, 9, 11}));
}

// uint8 SAME 3x3 on 2x2 with a bias and RELU6 (range [10, 16]): padded taps
// add nothing; acc = 8 * (1+2+3+4) + bias 4 = 84 -> 10.5 -> 11 -> 21 -> 16.
TEST(DepthwiseConv2DOp, Uint8SamePaddingBiasRelu6) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kSame, 1, 1, 1, ir::Activation::kRelu6));
  t.input<uint8_t>({1, 2, 2, 1}, {130, 132, 134, 136}, q(0.5f, 128));
  t.constant<uint8_t>({1, 3, 3, 1}, std::vector<uint8_t>(9, 104), q(0.25f, 100));
  t.constant<int32_t>({1}, {4}, q(0.125f, 0));
  t.output({1, 2, 2, 1}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{16, 16, 16, 16}));
}

// int8 per-channel (quantized dimension 3): input scale 0.5 zp -1, filter
// scales (0.25, 0.125) q (4, 4) = real (1, 0.5), output scale 1 zp -5.
//   q 0 (x 0.5): oc0 0.5 -> 1 -> -4 (tie)   oc1 0.25 -> 0 -> -5
//   q 9 (x 5):   oc0 5 -> 0                 oc1 2.5 -> 3 -> -2 (tie)
TEST(DepthwiseConv2DOp, Int8PerChannel) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 2));
  t.input<int8_t>({1, 1, 2, 1}, {0, 9}, q(0.5f, -1));
  t.constant<int8_t>({1, 1, 1, 2}, {4, 4}, QuantParams{{0.25f, 0.125f}, {0, 0}, 3});
  t.output({1, 1, 2, 2}, DType::kInt8, q(1.0f, -5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-4, -5, 0, -2}));
}

// int8 with the input zero point: 3x3 SAME on a 1x1 image whose value equals
// the input zero point -> every product is 0, only the bias remains:
// bias 16 * 0.125 = 2 -> 2 + (-5) = -3.  Bias -12 -> -1.5 -> -2 -> -7.
TEST(DepthwiseConv2DOp, Int8PaddingAndBias) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kSame, 1));
  t.input<int8_t>({1, 1, 1, 2}, {-1, -1}, q(0.5f, -1));
  t.constant<int8_t>({1, 3, 3, 2}, std::vector<int8_t>(18, 100), QuantParams{{0.25f, 0.25f}, {0, 0}, 3});
  t.constant<int32_t>({2}, {16, -12});
  t.output({1, 1, 1, 2}, DType::kInt8, q(1.0f, -5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-3, -7}));
}

// ---- validation ----

TEST(DepthwiseConv2DOp, RejectsInconsistentDepthMultiplier) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 3));
  t.input<float>({1, 1, 1, 2}, {1, 2});
  t.constant<float>({1, 1, 1, 4}, {1, 1, 1, 1});
  t.output({1, 1, 1, 4}, DType::kFloat32);
  expect_prepare_error(t, "depth_multiplier: expected 2");
}

TEST(DepthwiseConv2DOp, RejectsChannelsNotAMultiple) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 1));
  t.input<float>({1, 1, 1, 2}, {1, 2});
  t.constant<float>({1, 1, 1, 3}, {1, 1, 1});
  t.output({1, 1, 1, 3}, DType::kFloat32);
  expect_prepare_error(t, "multiple of the input channels");
}

TEST(DepthwiseConv2DOp, RejectsFilterWithLeadingDimNotOne) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 1));
  t.input<float>({1, 1, 1, 1}, {1});
  t.constant<float>({2, 1, 1, 1}, {1, 1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "filter shape: expected [1, KH, KW, Cout]");
}

TEST(DepthwiseConv2DOp, RejectsWrongBiasLength) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 1));
  t.input<float>({1, 1, 1, 2}, {1, 2});
  t.constant<float>({1, 1, 1, 2}, {1, 1});
  t.constant<float>({1}, {0});
  t.output({1, 1, 1, 2}, DType::kFloat32);
  expect_prepare_error(t, "bias length: expected 2");
}

TEST(DepthwiseConv2DOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 1, 2));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 2, 2, 1}, {1, 1, 1, 1});
  t.output({1, 3, 3, 1}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [1,2,2,1]");
}

TEST(DepthwiseConv2DOp, RejectsNonConstantFilter) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 1));
  t.input<float>({1, 1, 1, 1}, {1});
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "filter must be a constant");
}

TEST(DepthwiseConv2DOp, RejectsPerChannelScalesOnWrongAxis) {
  OpTester t(ir::OpType::kDepthwiseConv2D, dw_attrs(ir::Padding::kValid, 1));
  t.input<int8_t>({1, 1, 1, 2}, {1, 2}, q(0.5f, 0));
  t.constant<int8_t>({1, 1, 1, 2}, {1, 1}, QuantParams{{0.1f, 0.2f}, {0, 0}, 0});
  t.output({1, 1, 1, 2}, DType::kInt8, q(1.0f, 0));
  expect_prepare_error(t, "filter quantized dimension: expected 3");
}

// ---- fast kernels vs reference ----

// One random quantized depthwise conv run with the reference kernels on one
// thread and with the CPU's kernels (the packed 3x3 one for 3x3 filters) on 1
// and 3 threads; all three must agree byte for byte. int8 filters are
// per-channel.
template <typename T>
void check_fast_matches_reference(int32_t h, int32_t w, int32_t c, int32_t k, ir::DepthwiseConv2DAttrs a,
                                  uint32_t seed) {
  std::mt19937 rng(seed);
  const bool u8 = std::is_same_v<T, uint8_t>;
  const int32_t lo = u8 ? 0 : -128;
  auto value = [&] { return static_cast<T>(std::uniform_int_distribution<int32_t>(lo, lo + 255)(rng)); };
  auto scale = [&] { return std::uniform_real_distribution<float>(0.005f, 0.05f)(rng); };
  std::vector<T> in(static_cast<size_t>(h) * w * c), filter(static_cast<size_t>(k) * k * c);
  for (T& v : in) v = value();
  for (T& v : filter) v = value();
  const float in_scale = scale();
  QuantParams fq;
  fq.axis = 3;
  for (int32_t i = 0; i < (u8 ? 1 : c); ++i) {
    fq.scale.push_back(scale());
    fq.zero_point.push_back(u8 ? value() : 0);
  }
  std::vector<int32_t> bias(c);
  for (int32_t& v : bias) v = std::uniform_int_distribution<int32_t>(-20000, 20000)(rng);
  const int32_t effective = (k - 1) * a.dilation_h + 1;
  const int32_t oh =
      a.padding == ir::Padding::kSame ? (h + a.stride_h - 1) / a.stride_h : (h - effective + a.stride_h) / a.stride_h;
  const int32_t ow =
      a.padding == ir::Padding::kSame ? (w + a.stride_w - 1) / a.stride_w : (w - effective + a.stride_w) / a.stride_w;
  const QuantParams in_q = q(in_scale, value()), out_q = q(scale() * 4, value());
  std::vector<std::vector<T>> results;
  for (int variant = 0; variant < 3; ++variant) {
    OpTester t(ir::OpType::kDepthwiseConv2D, a);
    t.input<T>({1, h, w, c}, in, in_q);
    t.constant<T>({1, k, k, c}, filter, fq);
    t.constant<int32_t>({c}, bias);
    t.output({1, oh, ow, c}, testing::dtype_of<T>(), out_q);
    t.set_reference_kernels(variant == 0);
    t.set_threads(variant == 2 ? 3 : 1);
    ASSERT_TRUE(t.run().ok());
    results.push_back(t.result<T>(0));
  }
  EXPECT_EQ(results[1], results[0]) << "fast kernels, 1 thread, seed " << seed;
  EXPECT_EQ(results[2], results[0]) << "fast kernels, 3 threads, seed " << seed;
}

TEST(DepthwiseConv2DOp, QuantizedFastKernelsMatchReference) {
  uint32_t seed = 7;
  for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu, ir::Activation::kRelu6}) {
    for (int stride : {1, 2}) {
      for (ir::Padding pad : {ir::Padding::kSame, ir::Padding::kValid}) {
        const auto a = dw_attrs(pad, 1, stride, 1, act);
        check_fast_matches_reference<uint8_t>(13, 11, 32, 3, a, seed++);
        check_fast_matches_reference<int8_t>(13, 11, 32, 3, a, seed++);
        check_fast_matches_reference<uint8_t>(9, 7, 17, 3, a, seed++);
        check_fast_matches_reference<int8_t>(5, 9, 33, 3, a, seed++);
        check_fast_matches_reference<int8_t>(9, 9, 7, 5, a, seed++);
      }
    }
    check_fast_matches_reference<uint8_t>(11, 11, 24, 3, dw_attrs(ir::Padding::kSame, 1, 1, 2, act), seed++);
    check_fast_matches_reference<int8_t>(11, 11, 24, 3, dw_attrs(ir::Padding::kSame, 1, 1, 2, act), seed++);
  }
}

}  // namespace
}  // namespace edgerun
