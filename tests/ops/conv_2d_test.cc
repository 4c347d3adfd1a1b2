// CONV_2D tests. Expected values are worked out by hand in the comments; the
// quantized ones follow TFLite's fixed-point rounding (SaturatingRoundingDoublingHighMul
// then RoundingDivideByPOT, i.e. ties away from zero for these multipliers).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/ref/conv.h"
#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::Conv2DAttrs conv_attrs(ir::Padding padding, int stride = 1, int dilation = 1,
                           ir::Activation act = ir::Activation::kNone) {
  ir::Conv2DAttrs a;
  a.padding = padding;
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
  EXPECT_EQ(k.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(k.status().message().find("CONV_2D"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// Input 4x4 = [[1,2,3,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]], all-ones 3x3
// filter, SAME, stride 1: each output is the sum of its (clipped) 3x3 neighbourhood.
TEST(Conv2DOp, FloatSameStride1) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kSame));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 4, 4, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{14, 24, 30, 22,  //
                                                    33, 54, 63, 45,  //
                                                    57, 90, 99, 69,  //
                                                    46, 72, 78, 54}));
}

// VALID with an asymmetric filter [[1,2,0],[0,0,0],[0,0,-1]] and bias 0.5:
// out[y][x] = in[y][x] + 2*in[y][x+1] - in[y+2][x+2] + 0.5.
TEST(Conv2DOp, FloatValidAsymmetricFilterWithBias) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, {1, 2, 0, 0, 0, 0, 0, 0, -1});
  t.constant<float>({1}, {0.5f});
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  // (1+4-11, 2+6-12, 5+12-15, 6+14-16) + 0.5
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{-5.5f, -3.5f, 2.5f, 4.5f}));
}

// SAME, stride 2 on 4x4 with a 3x3 filter: output 2x2, total padding 1 which
// TFLite puts at the bottom/right (pad_top = pad_left = 0).
TEST(Conv2DOp, FloatSameStride2PadsAtTheEnd) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kSame, 2));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  // rows/cols 0..2 -> 54; rows 0..2, cols 2..3 -> 45; rows 2..3, cols 0..2 -> 72; rows 2..3, cols 2..3 -> 54
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{54, 45, 72, 54}));
}

// SAME, dilation 2: taps at offsets {-2, 0, 2}, padding 2. In-image rows for
// out rows 0..3 are {0,2},{1,3},{0,2},{1,3}; with in[r][c] = 4r + c + 1 the
// sum is 8*S(y) + 2*S(x) + 4 with S = 2, 4, 2, 4.
TEST(Conv2DOp, FloatSameDilation2) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kSame, 1, 2));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 4, 4, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{24, 28, 24, 28,  //
                                                    40, 44, 40, 44,  //
                                                    24, 28, 24, 28,  //
                                                    40, 44, 40, 44}));
}

// VALID, dilation 2 on 5x5 (1..25): one output = in at rows/cols {0,2,4}
// = 1+3+5 + 11+13+15 + 21+23+25 = 117.
TEST(Conv2DOp, FloatValidDilation2) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid, 1, 2));
  t.input<float>({1, 5, 5, 1}, iota_f(25));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 1, 1, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{117}));
}

// 1x1 conv, 2 in / 2 out channels, batch 2, bias, RELU6.
// filter oc0 = (1, 1), oc1 = (2, -1); bias (0, 1).
// pixel (1, 2): oc0 = 3, oc1 = 2 - 2 + 1 = 1.  pixel (3, -4): oc0 = -1 -> 0, oc1 = 6 + 4 + 1 = 11 -> 6.
TEST(Conv2DOp, FloatChannelsBatchBiasRelu6) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid, 1, 1, ir::Activation::kRelu6));
  t.input<float>({2, 1, 1, 2}, {1, 2, 3, -4});
  t.constant<float>({2, 1, 1, 2}, {1, 1, 2, -1});
  t.constant<float>({2}, {0, 1});
  t.output({2, 1, 1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{3, 1, 0, 6}));
}

// uint8: input scale 0.5 zp 128, filter scale 0.25 zp 100, output scale 1 zp 10.
// Multiplier 0.125 = 2^30 * 2^(-2-31). Filter q 104 = real 1.0, so
// acc = 4 * (q_in - 128) and out = acc / 8 rounded (ties away from zero) + 10.
//   130: acc 8 -> 1 -> 11       129: acc 4 -> 0.5 -> 1 -> 11 (tie)
//   127: acc -4 -> -0.5 -> -1 -> 9 (tie)   140: acc 48 -> 6 -> 16
//   255: acc 508 -> 63.5 -> 64 -> 74 (tie)
TEST(Conv2DOp, Uint8RoundingTies) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 5, 1}, {130, 129, 127, 140, 255}, q(0.5f, 128));
  t.constant<uint8_t>({1, 1, 1, 1}, {104}, q(0.25f, 100));
  t.output({1, 1, 5, 1}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{11, 11, 9, 16, 74}));
}

// Same with RELU6: range [10 + round(0/1), 10 + round(6/1)] = [10, 16]; 9 -> 10, 74 -> 16.
TEST(Conv2DOp, Uint8ClampedByRelu6) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid, 1, 1, ir::Activation::kRelu6));
  t.input<uint8_t>({1, 1, 5, 1}, {130, 129, 127, 140, 255}, q(0.5f, 128));
  t.constant<uint8_t>({1, 1, 1, 1}, {104}, q(0.25f, 100));
  t.output({1, 1, 5, 1}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{11, 11, 10, 16, 16}));
}

// uint8 SAME 3x3 on 2x2: padded taps contribute nothing (= the input zero
// point). Inputs 130..136 = real 1, 2, 3, 4; filter all real 1; every output
// window covers the whole image: acc = 4 * 2 * (1+2+3+4) = 80, + bias 4
// (real 0.5) = 84 -> 10.5 -> 11 -> 21.
TEST(Conv2DOp, Uint8SamePaddingUsesZeroPoint) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kSame));
  t.input<uint8_t>({1, 2, 2, 1}, {130, 132, 134, 136}, q(0.5f, 128));
  t.constant<uint8_t>({1, 3, 3, 1}, std::vector<uint8_t>(9, 104), q(0.25f, 100));
  t.constant<int32_t>({1}, {4}, q(0.125f, 0));
  t.output({1, 2, 2, 1}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{21, 21, 21, 21}));
}

// int8 per-channel: input scale 0.5 zp -1, filter scales (0.25, 0.125) zp 0,
// output scale 1 zp -5. Filter q (4, 4) = real (1.0, 0.5). Multipliers 0.125
// and 0.0625. acc = 4 * (q + 1); oc0 = acc / 8, oc1 = acc / 16, ties away.
//   q 0   (x 0.5):   oc0 0.5 -> 1 -> -4      oc1 0.25 -> 0 -> -5
//   q -2  (x -0.5):  oc0 -0.5 -> -1 -> -6    oc1 -0.25 -> 0 -> -5
//   q 9   (x 5):     oc0 5 -> 0              oc1 2.5 -> 3 -> -2
//   q 127 (x 64):    oc0 64 -> 59            oc1 32 -> 27
//   q -128 (x -63.5): oc0 -63.5 -> -64 -> -69  oc1 -31.75 -> -32 -> -37
TEST(Conv2DOp, Int8PerChannel) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<int8_t>({1, 1, 5, 1}, {0, -2, 9, 127, -128}, q(0.5f, -1));
  QuantParams fq{{0.25f, 0.125f}, {0, 0}, 0};
  t.constant<int8_t>({2, 1, 1, 1}, {4, 4}, fq);
  t.output({1, 1, 5, 2}, DType::kInt8, q(1.0f, -5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-4, -5, -6, -5, 0, -2, 59, 27, -69, -37}));
}

// Same with RELU: act_min = max(-128, -5 + 0) = -5.
TEST(Conv2DOp, Int8PerChannelClampedByRelu) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid, 1, 1, ir::Activation::kRelu));
  t.input<int8_t>({1, 1, 5, 1}, {0, -2, 9, 127, -128}, q(0.5f, -1));
  QuantParams fq{{0.25f, 0.125f}, {0, 0}, 0};
  t.constant<int8_t>({2, 1, 1, 1}, {4, 4}, fq);
  t.output({1, 1, 5, 2}, DType::kInt8, q(1.0f, -5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-4, -5, -5, -5, 0, -2, 59, 27, -5, -5}));
}

// The multiplier rules differ: uint8 uses double(float(in_scale * filter_scale))
// / out_scale, int8 uses double(in_scale) * double(filter_scale) / out_scale.
// in_scale = 1/3f = 11184811 / 2^25, filter scale 3: the float product rounds
// to 1.0, the double one is 1 + 2^-25. With out scale 2^20 the Q31 multipliers
// are 2^30 and 2^30 + 32 (shift -19). Input at its zero point, so acc = bias =
// 201 * 2^19 - 3 = 105381885:
//   float rule:  SRDHM -> (acc + 1) / 2 = 201 * 2^18 - 1, / 2^19 = 100.4999.. -> 100
//   double rule: SRDHM -> 201 * 2^18 (acc * 2^-26 adds ~1.57), / 2^19 = 100.5 -> 101
TEST(Conv2DOp, Uint8MultiplierFromFloatProduct) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 1, 1}, {7}, q(1.0f / 3.0f, 7));
  t.constant<uint8_t>({1, 1, 1, 1}, {200}, q(3.0f, 0));
  t.constant<int32_t>({1}, {105381885}, q(1.0f, 0));
  t.output({1, 1, 1, 1}, DType::kUInt8, q(1048576.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{100}));
}

TEST(Conv2DOp, Int8PerTensorMultiplierFromDoubleProduct) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<int8_t>({1, 1, 1, 1}, {7}, q(1.0f / 3.0f, 7));
  t.constant<int8_t>({1, 1, 1, 1}, {100}, q(3.0f, 0));
  t.constant<int32_t>({1}, {105381885});
  t.output({1, 1, 1, 1}, DType::kInt8, q(1048576.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{101}));
}

// The kernel computes any [row_begin, row_end) slice of the batch * out_h rows
// on its own: the FloatSameStride1 case with batch 2, in three uneven slices
// that cross the batch boundary.
TEST(Conv2DOp, KernelRowSlicesCompose) {
  kernels::ConvParams p;
  p.batch = 2;
  p.in_h = p.in_w = 4;
  p.in_c = 1;
  p.out_h = p.out_w = 4;
  p.out_c = 1;
  p.filter_h = p.filter_w = 3;
  p.pad_top = p.pad_left = 1;
  p.f32_min = -1000.0f;
  p.f32_max = 1000.0f;
  std::vector<float> in = iota_f(16);
  in.insert(in.end(), in.begin(), in.end());
  const std::vector<float> filter(9, 1.0f);
  std::vector<float> out(32, -1.0f);
  kernels::f32_conv2d_minmax__ref(p, in.data(), filter.data(), nullptr, out.data(), 0, 3);
  kernels::f32_conv2d_minmax__ref(p, in.data(), filter.data(), nullptr, out.data(), 3, 5);
  kernels::f32_conv2d_minmax__ref(p, in.data(), filter.data(), nullptr, out.data(), 5, 8);
  std::vector<float> expected{14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54};
  expected.insert(expected.end(), expected.begin(), expected.end());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(kernels::conv_rows(p), 8u);
}

// ---- grouped conv (filter [Cout, KH, KW, Cin / groups]) ----

// groups = 4 / 2 = 2: output channel 0 (filter (1, 1)) reads input channels
// 0..1, output channel 1 (filter (1, -1)) channels 2..3: (1 + 2, 3 - 4) + bias (0.5, 1).
TEST(Conv2DOp, GroupedHandChecked) {
  for (bool reference : {false, true}) {
    OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
    t.input<float>({1, 1, 1, 4}, {1, 2, 3, 4});
    t.constant<float>({2, 1, 1, 2}, {1, 1, 1, -1});
    t.constant<float>({2}, {0.5f, 1.0f});
    t.output({1, 1, 1, 2}, DType::kFloat32);
    t.set_reference_kernels(reference);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{3.5f, 0.0f})) << (reference ? "reference" : "fast");
  }
}

// Every grouped geometry against a naive loop written here (double
// accumulation), on the fast kernels (1 and 3 threads) and the reference ones.
struct GroupedCase {
  const char* name;
  int32_t n, h, w, groups, group_in, group_out, kh, kw, stride, dilation;
  ir::Padding padding;
  ir::ExplicitPads pads;  // kExplicit only
  bool bias;
  ir::Activation act;
};

std::vector<float> naive_grouped_conv(const GroupedCase& c, const std::vector<float>& x, const std::vector<float>& w,
                                      const std::vector<float>& b, int32_t out_h, int32_t out_w, int32_t pad_top,
                                      int32_t pad_left, float lo, float hi) {
  const int32_t in_c = c.groups * c.group_in, out_c = c.groups * c.group_out;
  std::vector<float> y;
  for (int32_t n = 0; n < c.n; ++n) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t g = oc / c.group_out;
          double acc = c.bias ? b[oc] : 0.0;
          for (int32_t ky = 0; ky < c.kh; ++ky) {
            for (int32_t kx = 0; kx < c.kw; ++kx) {
              const int32_t iy = oy * c.stride - pad_top + ky * c.dilation;
              const int32_t ix = ox * c.stride - pad_left + kx * c.dilation;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (int32_t i = 0; i < c.group_in; ++i) {
                acc += static_cast<double>(x[((n * c.h + iy) * c.w + ix) * in_c + g * c.group_in + i]) *
                       w[((oc * c.kh + ky) * c.kw + kx) * c.group_in + i];
              }
            }
          }
          y.push_back(std::min(std::max(static_cast<float>(acc), lo), hi));
        }
      }
    }
  }
  return y;
}

TEST(Conv2DOp, GroupedMatchesNaiveLoop) {
  using ir::Activation;
  using ir::Padding;
  const GroupedCase cases[] = {
      {"g2_c3_3x3_same_batch2", 2, 6, 7, 2, 3, 2, 3, 3, 1, 1, Padding::kSame, {}, true, Activation::kNone},
      {"g3_c1_3x3_valid_s2", 1, 7, 8, 3, 1, 2, 3, 3, 2, 1, Padding::kValid, {}, true, Activation::kRelu},
      {"g4_c7_pointwise", 1, 5, 5, 4, 7, 2, 1, 1, 1, 1, Padding::kValid, {}, true, Activation::kNone},
      {"g4_c7_pointwise_batch3_odd", 3, 3, 7, 4, 7, 17, 1, 1, 1, 1, Padding::kSame, {}, false, Activation::kRelu6},
      {"g2_c7_3x3_dil2_s2_relu6", 1, 9, 9, 2, 7, 3, 3, 3, 2, 2, Padding::kSame, {}, true, Activation::kRelu6},
      {"g3_c3_1x1_s2", 1, 7, 6, 3, 3, 5, 1, 1, 2, 1, Padding::kValid, {}, true, Activation::kNone},
      {"g4_c1_3x3_same_like_depthwise", 1, 4, 5, 4, 1, 1, 3, 3, 1, 1, Padding::kSame, {}, false, Activation::kNone},
      {"g2_c3_explicit_pads", 1, 5, 4, 2, 3, 4, 2, 3, 1, 1, Padding::kExplicit, {1, 2, 0, 1}, true,
       Activation::kReluN1To1},
      {"g3_c7_5x3_s1x_one_pixel", 1, 1, 1, 3, 7, 3, 5, 3, 1, 1, Padding::kSame, {}, true, Activation::kNone},
      {"g2_c16_3x3_wide", 1, 8, 10, 2, 16, 24, 3, 3, 1, 1, Padding::kSame, {}, true, Activation::kNone},
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (const GroupedCase& c : cases) {
    SCOPED_TRACE(c.name);
    const int32_t in_c = c.groups * c.group_in, out_c = c.groups * c.group_out;
    std::vector<float> x(static_cast<size_t>(c.n * c.h * c.w * in_c));
    std::vector<float> w(static_cast<size_t>(out_c * c.kh * c.kw * c.group_in));
    std::vector<float> b(static_cast<size_t>(out_c));
    for (float& v : x) v = dist(rng);
    for (float& v : w) v = dist(rng);
    for (float& v : b) v = dist(rng);
    // Output geometry as TFLite / ONNX give it (the op checks it against its own).
    const int32_t eff_h = (c.kh - 1) * c.dilation + 1, eff_w = (c.kw - 1) * c.dilation + 1;
    int32_t out_h = 0, out_w = 0, pad_top = 0, pad_left = 0;
    if (c.padding == ir::Padding::kSame) {
      out_h = (c.h + c.stride - 1) / c.stride;
      out_w = (c.w + c.stride - 1) / c.stride;
      pad_top = std::max(0, ((out_h - 1) * c.stride + eff_h - c.h) / 2);
      pad_left = std::max(0, ((out_w - 1) * c.stride + eff_w - c.w) / 2);
    } else if (c.padding == ir::Padding::kValid) {
      out_h = (c.h - eff_h) / c.stride + 1;
      out_w = (c.w - eff_w) / c.stride + 1;
    } else {
      out_h = (c.h + c.pads.top + c.pads.bottom - eff_h) / c.stride + 1;
      out_w = (c.w + c.pads.left + c.pads.right - eff_w) / c.stride + 1;
      pad_top = c.pads.top;
      pad_left = c.pads.left;
    }
    const float lo = c.act == ir::Activation::kRelu || c.act == ir::Activation::kRelu6 ? 0.0f
                     : c.act == ir::Activation::kReluN1To1                             ? -1.0f
                                                                                       : -INFINITY;
    const float hi = c.act == ir::Activation::kRelu6 ? 6.0f : c.act == ir::Activation::kReluN1To1 ? 1.0f : INFINITY;
    const std::vector<float> want = naive_grouped_conv(c, x, w, b, out_h, out_w, pad_top, pad_left, lo, hi);
    for (const auto& [reference, threads] : {std::pair{false, 1}, std::pair{false, 3}, std::pair{true, 1}}) {
      SCOPED_TRACE(std::string(reference ? "reference" : "fast") + ", threads " + std::to_string(threads));
      ir::Conv2DAttrs a = conv_attrs(c.padding, c.stride, c.dilation, c.act);
      a.pads = c.pads;
      OpTester t(ir::OpType::kConv2D, a);
      t.input<float>({c.n, c.h, c.w, in_c}, x);
      t.constant<float>({out_c, c.kh, c.kw, c.group_in}, w);
      if (c.bias) t.constant<float>({out_c}, b);
      t.output({c.n, out_h, out_w, out_c}, DType::kFloat32);
      t.set_reference_kernels(reference);
      t.set_threads(threads);
      const Status st = t.run();
      ASSERT_TRUE(st.ok()) << st.message();
      const std::vector<float> got = t.result<float>(0);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5f + 1e-5f * std::abs(want[i])) << "index " << i;
      }
    }
  }
}

// Quantized grouped conv runs the reference kernels (TFLite's reference Conv
// handles groups the same way). uint8, groups 2, 1x1: input scale 0.5 zp 128,
// filter scale 0.25 zp 100 (q 104 = real 1), output scale 1 zp 10: output
// channel g = sum of group g's two input channels' reals, + 10.
//   pixel (130, 132, 120, 126) = reals (1, 2, -4, -1): oc0 3 -> 13, oc1 -5 -> 5.
TEST(Conv2DOp, Uint8Grouped) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 1, 4}, {130, 132, 120, 126}, q(0.5f, 128));
  t.constant<uint8_t>({2, 1, 1, 2}, {104, 104, 104, 104}, q(0.25f, 100));
  t.output({1, 1, 1, 2}, DType::kUInt8, q(1.0f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{13, 5}));
}

// int8 per-channel, groups 3 (one input channel each), 2 outputs per group:
// input scale 0.5 zp 0, filter q 4 with scales (0.25, 0.5) per group pair =
// reals (1, 2), output scale 1 zp 0: group g's outputs are (x_g, 2 x_g).
//   input q (2, -6, 10) = reals (1, -3, 5) -> (1, 2, -3, -6, 5, 10).
TEST(Conv2DOp, Int8PerChannelGrouped) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<int8_t>({1, 1, 1, 3}, {2, -6, 10}, q(0.5f, 0));
  QuantParams fq{{0.25f, 0.5f, 0.25f, 0.5f, 0.25f, 0.5f}, {0, 0, 0, 0, 0, 0}, 0};
  t.constant<int8_t>({6, 1, 1, 1}, std::vector<int8_t>(6, 4), fq);
  t.output({1, 1, 1, 6}, DType::kInt8, q(1.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{1, 2, -3, -6, 5, 10}));
}

// ---- validation ----

TEST(Conv2DOp, RejectsWrongBiasLength) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 3, 3, 1}, iota_f(9));
  t.constant<float>({2, 3, 3, 1}, std::vector<float>(18, 1.0f));
  t.constant<float>({3}, {0, 0, 0});
  t.output({1, 1, 1, 2}, DType::kFloat32);
  expect_prepare_error(t, "bias length: expected 2");
}

TEST(Conv2DOp, RejectsMismatchedChannels) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 3, 3, 2}, std::vector<float>(18, 1.0f));
  t.constant<float>({1, 3, 3, 3}, std::vector<float>(27, 1.0f));
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "filter input channels: expected 2");
}

TEST(Conv2DOp, RejectsFilterChannelsThatAreNoGroupSize) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 1, 1, 6}, std::vector<float>(6, 1.0f));
  t.constant<float>({2, 1, 1, 4}, std::vector<float>(8, 1.0f));
  t.output({1, 1, 1, 2}, DType::kFloat32);
  expect_prepare_error(t, "filter input channels: expected 6 (input channels) or a divisor of it (grouped conv), found 4");
}

TEST(Conv2DOp, RejectsOutputChannelsNotSplittingIntoGroups) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 1, 1, 4}, std::vector<float>(4, 1.0f));
  t.constant<float>({3, 1, 1, 2}, std::vector<float>(6, 1.0f));
  t.output({1, 1, 1, 3}, DType::kFloat32);
  expect_prepare_error(t, "filter output channels: expected a multiple of the 2 groups");
}

TEST(Conv2DOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kSame));
  t.input<float>({1, 4, 4, 1}, iota_f(16));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 2, 2, 1}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [1,4,4,1]");
}

TEST(Conv2DOp, RejectsNonConstantFilter) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 3, 3, 1}, iota_f(9));
  t.input<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "filter must be a constant");
}

TEST(Conv2DOp, RejectsZeroStrideAndDilation) {
  {
    OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid, 0));
    t.input<float>({1, 3, 3, 1}, iota_f(9));
    t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
    t.output({1, 1, 1, 1}, DType::kFloat32);
    expect_prepare_error(t, "stride height: expected >= 1, found 0");
  }
  {
    OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid, 1, 0));
    t.input<float>({1, 3, 3, 1}, iota_f(9));
    t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
    t.output({1, 1, 1, 1}, DType::kFloat32);
    expect_prepare_error(t, "dilation height: expected >= 1, found 0");
  }
}

TEST(Conv2DOp, RejectsFilterLargerThanValidInput) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 2, 2, 1}, iota_f(4));
  t.constant<float>({1, 3, 3, 1}, std::vector<float>(9, 1.0f));
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "VALID padding");
}

TEST(Conv2DOp, RejectsDtypeMismatch) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.constant<int8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kUInt8, q(1.0f, 0));
  expect_prepare_error(t, "filter dtype: expected uint8, found int8");
}

TEST(Conv2DOp, RejectsPerChannelScaleCountMismatch) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<int8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.constant<int8_t>({2, 1, 1, 1}, {1, 1}, QuantParams{{0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0});
  t.output({1, 1, 1, 2}, DType::kInt8, q(1.0f, 0));
  expect_prepare_error(t, "filter scale count: expected 1 or 2");
}

TEST(Conv2DOp, RejectsAsymmetricInt8Filter) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<int8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.constant<int8_t>({1, 1, 1, 1}, {1}, q(0.5f, 3));
  t.output({1, 1, 1, 1}, DType::kInt8, q(1.0f, 0));
  expect_prepare_error(t, "filter zero point: expected 0");
}

TEST(Conv2DOp, RejectsPerChannelUint8) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.constant<uint8_t>({2, 1, 1, 1}, {1, 1}, QuantParams{{0.1f, 0.2f}, {0, 0}, 0});
  t.output({1, 1, 1, 2}, DType::kUInt8, q(1.0f, 0));
  expect_prepare_error(t, "per-channel scales need int8");
}

TEST(Conv2DOp, RejectsInconsistentUint8BiasScale) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.constant<uint8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.constant<int32_t>({1}, {0}, q(0.5f, 0));  // expected 0.25
  t.output({1, 1, 1, 1}, DType::kUInt8, q(1.0f, 0));
  expect_prepare_error(t, "bias scale");
}

TEST(Conv2DOp, RejectsMissingQuantization) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<uint8_t>({1, 1, 1, 1}, {1});
  t.constant<uint8_t>({1, 1, 1, 1}, {1}, q(0.5f, 0));
  t.output({1, 1, 1, 1}, DType::kUInt8, q(1.0f, 0));
  expect_prepare_error(t, "input quantization");
}

TEST(Conv2DOp, RejectsWrongInputCount) {
  OpTester t(ir::OpType::kConv2D, conv_attrs(ir::Padding::kValid));
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "input count");
}

}  // namespace
}  // namespace edgerun
