// CONV_TRANSPOSE tests: hand-checked cases, cases with expected values from
// onnxruntime (ONNX layouts converted to the IR's), the fast float kernel
// against the reference kernel on random data, and the validation errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/ref/conv_transpose.h"
#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::ConvTransposeAttrs attrs(int stride_h, int stride_w, ir::ExplicitPads pads = {}, int dilation_h = 1,
                             int dilation_w = 1, int groups = 1, ir::Activation act = ir::Activation::kNone) {
  ir::ConvTransposeAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = pads;
  a.stride_h = stride_h;
  a.stride_w = stride_w;
  a.dilation_h = dilation_h;
  a.dilation_w = dilation_w;
  a.groups = groups;
  a.activation = act;
  return a;
}

// Runs a float CONV_TRANSPOSE on the fast kernels (or the reference ones) and returns its output.
std::vector<float> run(const ir::ConvTransposeAttrs& a, const Shape& in_shape, const std::vector<float>& x,
                       const Shape& filter_shape, const std::vector<float>& w, const std::vector<float>* bias,
                       const Shape& out_shape, bool reference = false, int threads = 1) {
  OpTester t(ir::OpType::kConvTranspose, a);
  t.input<float>(in_shape, x);
  t.constant<float>(filter_shape, w);
  if (bias != nullptr) t.constant<float>({static_cast<int32_t>(bias->size())}, *bias);
  t.output(out_shape, DType::kFloat32);
  t.set_reference_kernels(reference);
  t.set_threads(threads);
  const Status st = t.run();
  EXPECT_TRUE(st.ok()) << st.message();
  return st.ok() ? t.result<float>(0) : std::vector<float>{};
}

// Both kernel sets must give `expected` exactly (every value here is a small
// integer or half, exact in float32 whatever the summation order).
void expect_both(const ir::ConvTransposeAttrs& a, const Shape& in_shape, const std::vector<float>& x,
                 const Shape& filter_shape, const std::vector<float>& w, const std::vector<float>* bias,
                 const Shape& out_shape, const std::vector<float>& expected) {
  EXPECT_EQ(run(a, in_shape, x, filter_shape, w, bias, out_shape, /*reference=*/true), expected) << "reference";
  EXPECT_EQ(run(a, in_shape, x, filter_shape, w, bias, out_shape, /*reference=*/false), expected) << "fast";
}

// ---- hand-checked ----

// One row: input (1, 2), filter taps (1, 10, 100), stride 2. Input pixel 0
// adds (1, 10, 100) at 0..2, pixel 1 adds (2, 20, 200) at 2..4:
// full output (1, 10, 102, 20, 200).
TEST(ConvTransposeOp, Stride2OneRow) {
  const std::vector<float> x{1, 2}, w{1, 10, 100};
  expect_both(attrs(1, 2), {1, 1, 2, 1}, x, {1, 1, 3, 1}, w, nullptr, {1, 1, 5, 1}, {1, 10, 102, 20, 200});
}

// pads crop the full output: left 1, right 1 -> (10, 102, 20); left 2 -> (102, 20, 200).
TEST(ConvTransposeOp, PadsCropTheFullOutput) {
  const std::vector<float> x{1, 2}, w{1, 10, 100};
  expect_both(attrs(1, 2, {0, 1, 0, 1}), {1, 1, 2, 1}, x, {1, 1, 3, 1}, w, nullptr, {1, 1, 3, 1}, {10, 102, 20});
  expect_both(attrs(1, 2, {0, 2, 0, 0}), {1, 1, 2, 1}, x, {1, 1, 3, 1}, w, nullptr, {1, 1, 3, 1}, {102, 20, 200});
}

// Output padding 1 (output width 6, stride 2): one more pixel no input
// reaches, which holds just the bias 0.5.
TEST(ConvTransposeOp, OutputPaddingHoldsTheBias) {
  const std::vector<float> x{1, 2}, w{1, 10, 100}, b{0.5f};
  expect_both(attrs(1, 2), {1, 1, 2, 1}, x, {1, 1, 3, 1}, w, &b, {1, 1, 6, 1},
              {1.5f, 10.5f, 102.5f, 20.5f, 200.5f, 0.5f});
}

// Dilation 2, stride 1: taps at offsets 0, 2, 4. Pixel 0 adds (1, _, 10, _, 100)
// at 0..4, pixel 1 (2, _, 20, _, 200) at 1..5: (1, 2, 10, 20, 100, 200).
TEST(ConvTransposeOp, Dilation2OneRow) {
  const std::vector<float> x{1, 2}, w{1, 10, 100};
  expect_both(attrs(1, 1, {}, 1, 2), {1, 1, 2, 1}, x, {1, 1, 3, 1}, w, nullptr, {1, 1, 6, 1},
              {1, 2, 10, 20, 100, 200});
}

// ONNX's ConvTranspose documentation example (onnx/backend/test/case/node/
// convtranspose.py, "convtranspose"): X = 0..8 as 3x3, W all ones [1, 2, 3, 3]:
// every output is the sum of the inputs whose 3x3 footprint covers it, the
// same for both output channels.
TEST(ConvTransposeOp, OnnxDocumentationExample) {
  std::vector<float> x(9);
  for (int i = 0; i < 9; ++i) x[i] = static_cast<float>(i);
  const std::vector<float> y{0, 1,  3,  3,  2,   //
                             3, 8,  15, 12, 7,   //
                             9, 21, 36, 27, 15,  //
                             9, 20, 33, 24, 13,  //
                             6, 13, 21, 15, 8};
  std::vector<float> expected;  // NHWC: both channels of each pixel
  for (float v : y) expected.insert(expected.end(), {v, v});
  expect_both(attrs(1, 1), {1, 3, 3, 1}, x, {2, 3, 3, 1}, std::vector<float>(18, 1.0f), nullptr, {1, 5, 5, 2},
              expected);
}

// Fused activations clamp after the bias: outputs (-3, 0.25, 8) + bias 0.
TEST(ConvTransposeOp, FusedActivations) {
  const std::vector<float> x{1}, w{-3, 0.25f, 8};
  const struct {
    ir::Activation act;
    std::vector<float> expected;
  } cases[] = {
      {ir::Activation::kNone, {-3, 0.25f, 8}},
      {ir::Activation::kRelu, {0, 0.25f, 8}},
      {ir::Activation::kRelu6, {0, 0.25f, 6}},
      {ir::Activation::kReluN1To1, {-1, 0.25f, 1}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.act));
    expect_both(attrs(1, 1, {}, 1, 1, 1, c.act), {1, 1, 1, 1}, x, {1, 1, 3, 1}, w, nullptr, {1, 1, 3, 1},
                c.expected);
  }
}

// Groups 2, one channel each: output channel 0 only sees input channel 0
// (filter 10), channel 1 only input channel 1 (filter 100).
TEST(ConvTransposeOp, GroupsKeepChannelsApart) {
  const std::vector<float> x{1, 2, 3, 4}, w{10, 100};
  expect_both(attrs(1, 1, {}, 1, 1, 2), {1, 1, 2, 2}, x, {2, 1, 1, 1}, w, nullptr, {1, 1, 2, 2},
              {10, 200, 30, 400});
}

// The kernel computes any [row_begin, row_end) slice of the batch * out_h
// rows on its own: the documentation example with batch 2, in three uneven
// slices that cross the batch boundary.
TEST(ConvTransposeOp, KernelRowSlicesCompose) {
  kernels::ConvTransposeParams p;
  p.batch = 2;
  p.in_h = p.in_w = 3;
  p.in_c = 1;
  p.out_h = p.out_w = 5;
  p.out_c = 1;
  p.filter_h = p.filter_w = 3;
  p.f32_min = -1000.0f;
  p.f32_max = 1000.0f;
  std::vector<float> x(18);
  for (int i = 0; i < 18; ++i) x[i] = static_cast<float>(i % 9);
  const std::vector<float> w(9, 1.0f);
  std::vector<float> out(50, -1.0f);
  kernels::f32_conv_transpose__ref(p, x.data(), w.data(), nullptr, out.data(), 0, 3);
  kernels::f32_conv_transpose__ref(p, x.data(), w.data(), nullptr, out.data(), 3, 7);
  kernels::f32_conv_transpose__ref(p, x.data(), w.data(), nullptr, out.data(), 7, 10);
  std::vector<float> expected{0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8};
  expected.insert(expected.end(), expected.begin(), expected.end());
  EXPECT_EQ(out, expected);
  EXPECT_EQ(kernels::conv_transpose_rows(p), 10u);
}

// ---- ONNX cases ----
//
// Expected values: tools/make_conv_transpose_test_values.py (onnxruntime
// 1.31.1's ConvTranspose, checked against onnx 1.23.2's reference where that is
// right and against a naive scatter loop), printed NHWC as
// Y.transpose(0, 2, 3, 1).flatten(). The inputs are the script's formulas:
//   X[n, c, y, x] (NCHW, flat index i) = (i * 5 + 3) % 11 - 5
//   W[ci, co, ky, kx] (ONNX layout [Cin, Cout / group, kh, kw], flat index i) = (i * 3 + 1) % 7 - 3
//   B[c] = c % 3 - 0.5
// and a fused RELU is np.maximum(Y, 0).
struct OnnxCase {
  const char* name;
  int32_t n, cin, h, w, cout;
  int32_t kernel[2], strides[2], dilations[2];
  int32_t pads[4];  // top, left, bottom, right (ONNX's [x1_begin, x2_begin, x1_end, x2_end])
  int32_t output_padding[2];
  int32_t group;
  bool bias, relu;
  std::vector<float> expected;  // NHWC
};

const OnnxCase kOnnxCases[] = {
    {"S2PadsBiasBatch2", 2, 3, 3, 4, 2, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {0, 0}, 1, true, false,
     {
      -0.5, 2.5, -1.5, 20.5, 3.5, 2.5, -6.5, -23.5, -3.5, 2.5, -0.5, 20.5, 0.5, 2.5, 19.5, -4.5, 2.5, -33.5,
      -7.5, -4.5, 3.5, 32.5, -12.5, 28.5, 37.5, -22.5, -17.5, -26.5, -6.5, 2.5, 0.5, 20.5, -2.5, 2.5, 28.5,
      -1.5, -20.5, -19.5, 1.5, -1.5, 5.5, 2.5, -0.5, 28.5, 6.5, 10.5, -16.5, -26.5, -14.5, -22.5, 11.5, 28.5,
      -24.5, 32.5, 17.5, -4.5, 9.5, 2.5, -8.5, -23.5, 2.5, 2.5, -2.5, 20.5, 6.5, 2.5, -7.5, -23.5, -0.5, 2.5,
      0.5, 2.5, -5.5, -23.5, -6.5, 2.5, 0.5, 20.5, -2.5, 2.5, 28.5, -1.5, -20.5, -19.5, -17.5, -26.5, 5.5, 10.5,
      -0.5, 28.5, 6.5, 10.5, -16.5, -26.5, -14.5, -22.5, 11.5, 28.5, 5.5, 2.5, -3.5, 20.5, 9.5, 2.5, -8.5,
      -23.5, 2.5, 2.5, -2.5, 20.5, 6.5, 2.5, 17.5, -4.5, -1.5, -33.5, -9.5, -4.5, -11.5, 32.5, 18.5, -4.5, 0.5,
      -33.5, -8.5, -4.5, -0.5, 2.5, -1.5, 20.5, 3.5, 2.5, -6.5, -23.5, -3.5, 2.5, -0.5, 20.5, 0.5, 2.5}},
    {"S3x2OutputPadding", 1, 2, 2, 3, 3, {2, 3}, {3, 2}, {1, 1}, {0, 1, 0, 0}, {2, 1}, 1, false, false,
     {
      3, -11, -4, -10, 9, -14, 3, -6, 6, 12, -3, -18, -8, 21, -6, 19, -8, 21, 0, 0, 0, -11, 10, -4, 17, -20, 13,
      9, 0, -9, -13, 28, -8, -4, -10, 19, -12, -4, -10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 3, -7, 4, 12, -5, -15, -8, 20, -8, 12, -6, 25, 3, -8, 2, -7, 3, -8, 0, 0, 0, 5, 2, -8, -7,
      25, -6, -8, -8, 20, -4, -15, -5, 1, 4, -7, 5, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {"Dilation2x3AsymmetricPads", 1, 2, 4, 3, 1, {3, 2}, {1, 1}, {2, 3}, {1, 0, 2, 1}, {0, 0}, 1, false, false,
     {
      -12, 10, -12, 10, -6, 19, -2, -1, -14, -1, 0, 1, 2, 3, 5, 9, 14, -25, 11, -27, 13, -26, 12, -26, 13}},
    {"S2Dilation2OutputPadding", 1, 1, 3, 3, 2, {3, 3}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, true, false,
     {
      3.5, 6.5, -0.5, 0.5, -8.5, -8.5, -0.5, 0.5, 14.5, 3.5, -0.5, 0.5, -12.5, 9.5, -0.5, 0.5, 8.5, -8.5, -0.5,
      0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5,
      -0.5, 0.5, -4.5, -3.5, -0.5, 0.5, 3.5, 5.5, -0.5, 0.5, -1.5, 16.5, -0.5, 0.5, 0.5, -23.5, -0.5, 0.5, -0.5,
      9.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5,
      -0.5, 0.5, -0.5, 0.5, 5.5, 11.5, -0.5, 0.5, 10.5, 17.5, -0.5, 0.5, -23.5, -54.5, -0.5, 0.5, 20.5, 19.5,
      -0.5, 0.5, -19.5, 13.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5,
      0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, 3.5, 7.5, -0.5, 0.5, -27.5, -19.5, -0.5, 0.5, 16.5, 18.5, -0.5, 0.5,
      8.5, 7.5, -0.5, 0.5, -4.5, -9.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5,
      0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -10.5, -4.5, -0.5, 0.5, 9.5, 15.5, -0.5, 0.5, 4.5, 5.5,
      -0.5, 0.5, -10.5, -14.5, -0.5, 0.5, 4.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5,
      0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5}},
    {"S1Dilation3OutputPadding", 1, 2, 3, 3, 1, {2, 2}, {1, 1}, {3, 3}, {0, 0, 0, 0}, {2, 1}, 1, false, false,
     {
      1, 6, 0, -1, -1, -1, 0, 5, -1, 4, -1, -1, -1, 0, -2, 3, -25, -1, -1, 10, 0, 4, -1, 5, 2, -8, 4, 0, 0, 6,
      1, -6, 6, -4, 0, 7, 2, -25, 8, -2, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {"Groups2Batch2", 2, 4, 3, 3, 6, {3, 3}, {2, 2}, {1, 1}, {1, 0, 0, 1}, {1, 0}, 2, true, false,
     {
      2.5, -0.5, 3.5, -2.5, -2.5, 4.5, -6.5, -2.5, 1.5, 0.5, 0.5, 0.5, -13.5, 11.5, 8.5, 11.5, 18.5, -16.5, 8.5,
      2.5, -3.5, -20.5, 15.5, 16.5, 14.5, -0.5, -1.5, 13.5, -19.5, -17.5, -9.5, -3.5, 2.5, 2.5, -2.5, -0.5,
      -1.5, -2.5, 10.5, 10.5, 1.5, -7.5, -2.5, -3.5, 2.5, 5.5, -3.5, -12.5, 0.5, 13.5, -22.5, 14.5, 8.5, 30.5,
      3.5, 4.5, 5.5, -23.5, -19.5, -15.5, 1.5, -23.5, 14.5, 22.5, 20.5, 4.5, -1.5, 1.5, -2.5, 2.5, -2.5, -7.5,
      -9.5, 7.5, 3.5, -6.5, -14.5, 12.5, 5.5, 1.5, -2.5, -7.5, 12.5, 4.5, 15.5, -2.5, 0.5, -15.5, 14.5, 2.5,
      -12.5, -4.5, 3.5, 4.5, -5.5, -1.5, -11.5, 7.5, 12.5, -2.5, -12.5, 12.5, 2.5, 0.5, -1.5, -5.5, 9.5, 3.5,
      2.5, 7.5, -22.5, 8.5, 5.5, 2.5, 4.5, 9.5, 0.5, 6.5, 3.5, 0.5, 3.5, -20.5, 11.5, 5.5, 0.5, -25.5, -0.5,
      6.5, -7.5, -0.5, -1.5, -2.5, -17.5, -13.5, 4.5, 2.5, 1.5, 14.5, 16.5, 14.5, -15.5, 3.5, 4.5, 5.5, 11.5,
      -6.5, 3.5, 0.5, 6.5, -1.5, -15.5, -5.5, 4.5, 6.5, -8.5, -2.5, -10.5, 5.5, 14.5, 1.5, -11.5, 10.5, -0.5,
      -0.5, -0.5, -3.5, 6.5, 2.5, 17.5, -17.5, -17.5, -7.5, 16.5, -1.5, 14.5, 15.5, 16.5, 8.5, -11.5, -3.5,
      -6.5, 3.5, 13.5, -9.5, -3.5, 2.5, 1.5, 11.5, -13.5, -3.5, 2.5, 8.5, 1.5, 10.5, -8.5, 1.5, 2.5, 3.5, 1.5,
      1.5, 1.5, 6.5, 2.5, -1.5, 12.5, 12.5, 19.5, -11.5, -8.5, -5.5, -20.5, -19.5, 16.5, -5.5, 2.5, 10.5, -0.5,
      0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5,
      -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -9.5, 7.5, 3.5, -6.5,
      -14.5, 12.5, 5.5, 1.5, -2.5, -7.5, 12.5, 4.5, 15.5, -2.5, 0.5, -15.5, 14.5, 2.5, -12.5, -4.5, 3.5, 4.5,
      -5.5, -1.5, -11.5, 7.5, 12.5, -2.5, -12.5, 12.5, 2.5, 0.5, -1.5, -5.5, 9.5, 3.5, 2.5, 7.5, -22.5, 8.5,
      5.5, 2.5, 4.5, 9.5, 0.5, 6.5, 3.5, 0.5, 3.5, -20.5, 11.5, 5.5, 0.5, -25.5, -0.5, 6.5, -7.5, -0.5, -1.5,
      -2.5, -17.5, -13.5, 4.5, 2.5, 1.5, 14.5, 16.5, 14.5, -15.5, 3.5, 4.5, 5.5, 11.5, -6.5, 3.5, 0.5, 6.5,
      -1.5, -15.5, -5.5, 4.5, 6.5, -8.5, -2.5, -10.5, 5.5, 14.5, 1.5, -11.5, 10.5, -0.5, -0.5, -0.5, -3.5, 6.5,
      2.5, 17.5, -17.5, -17.5, -7.5, 16.5, -1.5, 14.5, 15.5, 16.5, 8.5, -11.5, -3.5, -4.5, 6.5, 10.5, -4.5,
      -1.5, 1.5, 0.5, 11.5, -12.5, -3.5, -0.5, 2.5, 6.5, 0.5, 1.5, -3.5, 3.5, 17.5, -4.5, -13.5, 12.5, 0.5, 5.5,
      10.5, 7.5, 29.5, 16.5, -6.5, 4.5, -19.5, -20.5, -16.5, 15.5, -6.5, 0.5, 7.5, -0.5, 1.5, 3.5, -3.5, -5.5,
      6.5, -3.5, -1.5, 0.5, -1.5, 3.5, 1.5, -14.5, 13.5, 6.5, -3.5, 17.5, -3.5, 11.5, 3.5, -4.5, 10.5, -14.5,
      -4.5, 13.5, 1.5, -3.5, 9.5, -9.5, 6.5, -6.5, -2.5, 1.5, 0.5, 0.5, 0.5, -2.5, -0.5, 1.5, 2.5, 0.5, -1.5,
      1.5, 3.5, -1.5, 4.5, 2.5, 0.5, 1.5, -5.5, -12.5, -15.5, -8.5, -1.5, 1.5, -6.5, 13.5, -7.5, 2.5, 12.5,
      -9.5, -14.5, 15.5, -6.5, 2.5, 11.5, 1.5, 5.5, -4.5, 2.5, 2.5, 2.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5,
      0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5,
      -0.5, 0.5, 1.5, -0.5, 0.5, 1.5, -0.5, 0.5, 1.5}},
    {"Groups3Channels7", 1, 21, 2, 2, 3, {2, 2}, {1, 1}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 3, true, false,
     {
      -11.5, 22.5, 23.5, 7.5, -13.5, -12.5, -3.5, 19.5, -12.5, -14.5, 8.5, -23.5, -17.5, 16.5, 6.5, -14.5, 8.5,
      -1.5, -3.5, -24.5, 20.5, 40.5, 19.5, -1.5, -22.5, -10.5, 1.5}},
    {"Groups4OneChannelEachRelu", 1, 4, 2, 3, 4, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 4, true, true,
     {
      3.5, 15.5, 10.5, 0, 0, 0.5, 0, 0, 0, 0, 0, 9.5, 2.5, 0.5, 4.5, 0, 0, 0, 1.5, 2.5, 0, 0.5, 0, 1.5, 8.5,
      15.5, 5.5, 0, 0, 5.5, 0, 0, 0, 0, 4.5, 0, 1.5, 10.5, 0, 0, 8.5, 0.5, 0, 0, 0, 0, 6.5, 17.5, 0, 10.5, 3.5,
      0, 2.5, 0, 0, 0, 0, 0, 0, 7.5, 5.5, 15.5, 14.5, 0, 5.5, 0, 0, 0, 0, 0.5, 0, 13.5, 6.5, 23.5, 0, 0, 6.5, 0,
      12.5, 0, 0, 0, 0, 4.5, 0, 1.5, 9.5, 0, 5.5, 0, 0, 0, 0, 0, 11.5, 17.5, 0, 8.5, 2.5, 0, 3.5, 0, 8.5, 0,
      2.5, 0, 0, 0, 0, 4.5, 16.5, 8.5, 3.5, 0, 1.5, 0, 0, 3.5, 0, 7.5, 0, 4.5, 5.5, 0, 7.5, 0, 4.5, 0, 0, 0,
      0.5, 0.5, 0, 6.5, 0, 5.5, 0.5, 0.5, 6.5, 0}},
    {"OnePixelInputC17", 1, 1, 1, 1, 17, {3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1, false, false,
     {
      4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4,
      -2, 0, 2, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6,
      -6, -4, -2, 0, 2, 4, -6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 2, 4, 6, -6, -4, -2, 0,
      2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 0, 4, 6, -6, -4,
      -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2, 4, 6, -6, -4, -2, 0, 2}},
};

// The IR weights [Cout, kh, kw, Cin / group] from ONNX's [Cin, Cout / group, kh, kw]:
// w[g * Cout_g + o, ky, kx, i] = W[g * Cin_g + i, o, ky, kx].
std::vector<float> ir_weights(const OnnxCase& c, const std::vector<float>& onnx) {
  const int32_t cin_g = c.cin / c.group, cout_g = c.cout / c.group, kh = c.kernel[0], kw = c.kernel[1];
  std::vector<float> w(onnx.size());
  for (int32_t g = 0; g < c.group; ++g) {
    for (int32_t o = 0; o < cout_g; ++o) {
      for (int32_t ky = 0; ky < kh; ++ky) {
        for (int32_t kx = 0; kx < kw; ++kx) {
          for (int32_t i = 0; i < cin_g; ++i) {
            w[(((g * cout_g + o) * kh + ky) * kw + kx) * cin_g + i] =
                onnx[(((g * cin_g + i) * cout_g + o) * kh + ky) * kw + kx];
          }
        }
      }
    }
  }
  return w;
}

struct OnnxRun {
  const OnnxCase* c;
  bool reference;
  int threads;
};

class ConvTransposeOnnxTest : public ::testing::TestWithParam<OnnxRun> {};

TEST_P(ConvTransposeOnnxTest, MatchesOnnxRuntime) {
  const OnnxCase& c = *GetParam().c;
  // X in NCHW by the formula, then NHWC.
  std::vector<float> x(static_cast<size_t>(c.n * c.cin * c.h * c.w));
  for (int32_t n = 0; n < c.n; ++n) {
    for (int32_t ch = 0; ch < c.cin; ++ch) {
      for (int32_t y = 0; y < c.h; ++y) {
        for (int32_t xx = 0; xx < c.w; ++xx) {
          const int64_t i = ((n * c.cin + ch) * c.h + y) * c.w + xx;
          x[((n * c.h + y) * c.w + xx) * c.cin + ch] = static_cast<float>((i * 5 + 3) % 11 - 5);
        }
      }
    }
  }
  std::vector<float> onnx_w(static_cast<size_t>(c.cin * (c.cout / c.group) * c.kernel[0] * c.kernel[1]));
  for (size_t i = 0; i < onnx_w.size(); ++i) onnx_w[i] = static_cast<float>(static_cast<int64_t>(i * 3 + 1) % 7 - 3);
  std::vector<float> b(static_cast<size_t>(c.cout));
  for (int32_t ch = 0; ch < c.cout; ++ch) b[ch] = static_cast<float>(ch % 3) - 0.5f;

  const int32_t out_h = c.strides[0] * (c.h - 1) + (c.kernel[0] - 1) * c.dilations[0] + 1 - c.pads[0] - c.pads[2] +
                        c.output_padding[0];
  const int32_t out_w = c.strides[1] * (c.w - 1) + (c.kernel[1] - 1) * c.dilations[1] + 1 - c.pads[1] - c.pads[3] +
                        c.output_padding[1];
  ASSERT_EQ(static_cast<size_t>(c.n * out_h * out_w * c.cout), c.expected.size());
  const ir::ConvTransposeAttrs a =
      attrs(c.strides[0], c.strides[1], {c.pads[0], c.pads[1], c.pads[2], c.pads[3]}, c.dilations[0], c.dilations[1],
            c.group, c.relu ? ir::Activation::kRelu : ir::Activation::kNone);
  const std::vector<float> got =
      run(a, {c.n, c.h, c.w, c.cin}, x, {c.cout, c.kernel[0], c.kernel[1], c.cin / c.group}, ir_weights(c, onnx_w),
          c.bias ? &b : nullptr, {c.n, out_h, out_w, c.cout}, GetParam().reference, GetParam().threads);
  EXPECT_EQ(got, c.expected);
}

std::vector<OnnxRun> onnx_runs() {
  std::vector<OnnxRun> runs;
  for (const OnnxCase& c : kOnnxCases) {
    runs.push_back({&c, true, 1});
    runs.push_back({&c, false, 1});
    runs.push_back({&c, false, 3});
  }
  return runs;
}

INSTANTIATE_TEST_SUITE_P(Cases, ConvTransposeOnnxTest, ::testing::ValuesIn(onnx_runs()),
                         [](const ::testing::TestParamInfo<OnnxRun>& info) {
                           const OnnxRun& r = info.param;
                           return std::string(r.c->name) + (r.reference ? "_Reference" : "_Fast") +
                                  std::to_string(r.threads) + "T";
                         });

// ---- the fast kernel against the reference on random data ----

TEST(ConvTransposeOp, FastMatchesReferenceOnAwkwardShapes) {
  struct Geometry {
    int32_t n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, groups;
    ir::ExplicitPads pads;
    int32_t oph, opw;
    bool bias;
    ir::Activation act;
  };
  const Geometry cases[] = {
      {1, 7, 9, 17, 7, 4, 4, 2, 2, 1, 1, 1, {1, 1, 1, 1}, 0, 0, true, ir::Activation::kNone},
      {2, 5, 6, 3, 17, 3, 3, 2, 2, 1, 1, 1, {1, 1, 1, 1}, 1, 1, true, ir::Activation::kRelu6},
      {1, 4, 5, 14, 21, 3, 2, 3, 1, 1, 2, 7, {0, 2, 1, 0}, 2, 0, false, ir::Activation::kNone},
      {1, 6, 6, 12, 8, 5, 5, 1, 1, 2, 2, 4, {2, 2, 2, 2}, 1, 1, true, ir::Activation::kRelu},
      {1, 1, 1, 33, 19, 2, 2, 2, 2, 1, 1, 1, {}, 0, 0, true, ir::Activation::kNone},
      {3, 3, 1, 6, 9, 1, 1, 3, 3, 1, 1, 3, {}, 0, 2, true, ir::Activation::kReluN1To1},
      {1, 9, 10, 32, 48, 3, 3, 2, 2, 1, 1, 2, {1, 1, 1, 1}, 1, 1, true, ir::Activation::kNone},
  };
  std::mt19937 rng(2024);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (const Geometry& c : cases) {
    SCOPED_TRACE("case with input [" + std::to_string(c.n) + "," + std::to_string(c.h) + "," + std::to_string(c.w) +
                 "," + std::to_string(c.cin) + "], groups " + std::to_string(c.groups));
    std::vector<float> x(static_cast<size_t>(c.n * c.h * c.w * c.cin));
    std::vector<float> w(static_cast<size_t>(c.cout * c.kh * c.kw * (c.cin / c.groups)));
    std::vector<float> b(static_cast<size_t>(c.cout));
    for (float& v : x) v = dist(rng);
    for (float& v : w) v = dist(rng);
    for (float& v : b) v = dist(rng);
    const int32_t out_h = c.sh * (c.h - 1) + (c.kh - 1) * c.dh + 1 - c.pads.top - c.pads.bottom + c.oph;
    const int32_t out_w = c.sw * (c.w - 1) + (c.kw - 1) * c.dw + 1 - c.pads.left - c.pads.right + c.opw;
    const ir::ConvTransposeAttrs a = attrs(c.sh, c.sw, c.pads, c.dh, c.dw, c.groups, c.act);
    const Shape in_shape{c.n, c.h, c.w, c.cin}, filter_shape{c.cout, c.kh, c.kw, c.cin / c.groups},
        out_shape{c.n, out_h, out_w, c.cout};
    const std::vector<float>* bias = c.bias ? &b : nullptr;
    const std::vector<float> want = run(a, in_shape, x, filter_shape, w, bias, out_shape, /*reference=*/true);
    ASSERT_EQ(want.size(), static_cast<size_t>(c.n * out_h * out_w * c.cout));
    for (int threads : {1, 2, 3}) {
      const std::vector<float> got = run(a, in_shape, x, filter_shape, w, bias, out_shape, false, threads);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-4f + 1e-5f * std::abs(want[i])) << "index " << i << ", " << threads
                                                                         << " threads";
      }
    }
  }
}

// ---- validation ----

void expect_prepare_error(const OpTester& t, const std::string& fragment,
                          StatusCode code = StatusCode::kInvalidModel) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), code) << k.status().message();
  EXPECT_NE(k.status().message().find("CONV_TRANSPOSE"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// A valid node to break: input [1, 2, 2, 4], filter [6, 3, 3, 2] (groups 2),
// stride 2, output [1, 5, 5, 6] (output padding 0, or 1 for a 6x6 output).
OpTester valid_tester(const ir::ConvTransposeAttrs& a, Shape filter_shape = {6, 3, 3, 2}, Shape out_shape = {1, 5, 5, 6}) {
  OpTester t(ir::OpType::kConvTranspose, a);
  t.input<float>({1, 2, 2, 4}, std::vector<float>(16, 1.0f));
  t.constant<float>(filter_shape, std::vector<float>(static_cast<size_t>(shape_elements(filter_shape)), 1.0f));
  t.output(out_shape, DType::kFloat32);
  return t;
}

TEST(ConvTransposeOp, ValidTesterIsValid) {
  EXPECT_TRUE(valid_tester(attrs(2, 2, {}, 1, 1, 2)).prepare().ok());
  EXPECT_TRUE(valid_tester(attrs(2, 2, {}, 1, 1, 2), {6, 3, 3, 2}, {1, 6, 6, 6}).prepare().ok());
}

TEST(ConvTransposeOp, RejectsQuantizedAsUnsupported) {
  OpTester t(ir::OpType::kConvTranspose, attrs(1, 1));
  t.input<uint8_t>({1, 1, 1, 1}, {1}, QuantParams{{0.5f}, {0}});
  t.constant<uint8_t>({1, 1, 1, 1}, {1}, QuantParams{{0.5f}, {0}});
  t.output({1, 1, 1, 1}, DType::kUInt8, QuantParams{{1.0f}, {0}});
  expect_prepare_error(t, "quantized (uint8) CONV_TRANSPOSE is not supported", StatusCode::kUnsupported);
}

TEST(ConvTransposeOp, RejectsWrongDtypes) {
  OpTester t(ir::OpType::kConvTranspose, attrs(1, 1));
  t.input<float>({1, 1, 1, 1}, {1});
  t.constant<int32_t>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "filter dtype: expected float32, found int32");
}

TEST(ConvTransposeOp, RejectsSameOrValidPadding) {
  ir::ConvTransposeAttrs a = attrs(2, 2, {}, 1, 1, 2);
  a.padding = ir::Padding::kSame;
  expect_prepare_error(valid_tester(a), "padding: expected EXPLICIT");
}

TEST(ConvTransposeOp, RejectsBadGroups) {
  expect_prepare_error(valid_tester(attrs(2, 2, {}, 1, 1, 0)), "groups: expected >= 1, found 0");
  // 4 input channels, groups 3: the filter's 2 channels are not 4 / 3.
  expect_prepare_error(valid_tester(attrs(2, 2, {}, 1, 1, 3)), "filter input channels: expected input channels 4 / groups 3");
  // 7 output channels do not split into 2 groups.
  expect_prepare_error(valid_tester(attrs(2, 2, {}, 1, 1, 2), {7, 3, 3, 2}, {1, 5, 5, 7}),
                       "filter output channels: expected a multiple of groups 2, found 7");
}

TEST(ConvTransposeOp, RejectsWrongBiasLength) {
  OpTester t = valid_tester(attrs(2, 2, {}, 1, 1, 2));
  t.constant<float>({5}, std::vector<float>(5, 0.0f));
  expect_prepare_error(t, "bias length: expected 6");
}

TEST(ConvTransposeOp, RejectsNonConstantFilter) {
  OpTester t(ir::OpType::kConvTranspose, attrs(1, 1));
  t.input<float>({1, 1, 1, 1}, {1});
  t.input<float>({1, 1, 1, 1}, {1});
  t.output({1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "filter must be a constant");
}

TEST(ConvTransposeOp, RejectsOutputShapes) {
  const ir::ConvTransposeAttrs a = attrs(2, 2, {}, 1, 1, 2);
  // Stride 2: output padding 0 or 1, so 5 or 6.
  expect_prepare_error(valid_tester(a, {6, 3, 3, 2}, {1, 7, 5, 6}), "output height: expected 5 to 6");
  expect_prepare_error(valid_tester(a, {6, 3, 3, 2}, {1, 5, 4, 6}), "output width: expected 5 to 6");
  expect_prepare_error(valid_tester(a, {6, 3, 3, 2}, {1, 5, 5, 5}), "output shape: expected [1,OH,OW,6]");
  expect_prepare_error(valid_tester(a, {6, 3, 3, 2}, {2, 5, 5, 6}), "output shape: expected [1,OH,OW,6]");
  // Stride 1, dilation 1: no output padding at all.
  expect_prepare_error(valid_tester(attrs(1, 1, {}, 1, 1, 2), {6, 3, 3, 2}, {1, 5, 5, 6}), "output height: expected 4 (");
  // Stride 1, dilation 3: output padding 0 to 2 (7 + 0..2).
  EXPECT_TRUE(valid_tester(attrs(1, 1, {}, 3, 3, 2), {6, 3, 3, 2}, {1, 9, 9, 6}).prepare().ok());
  expect_prepare_error(valid_tester(attrs(1, 1, {}, 3, 3, 2), {6, 3, 3, 2}, {1, 11, 9, 6}),
                       "output height: expected 8 to 10");
}

TEST(ConvTransposeOp, RejectsBadStridesDilationsPads) {
  expect_prepare_error(valid_tester(attrs(0, 2, {}, 1, 1, 2)), "stride height: expected >= 1, found 0");
  expect_prepare_error(valid_tester(attrs(2, 2, {}, 1, 0, 2)), "dilation width: expected >= 1, found 0");
  expect_prepare_error(valid_tester(attrs(2, 2, {0, -1, 0, 0}, 1, 1, 2)), "pads width: expected >= 0");
  // Pads that crop more than the full output (5 - 3 - 3 < 1).
  expect_prepare_error(valid_tester(attrs(2, 2, {3, 0, 3, 0}, 1, 1, 2), {6, 3, 3, 2}, {1, 1, 5, 6}),
                       "output height: expected none (pads leave no output)");
}

TEST(ConvTransposeOp, RejectsEmptyInputImage) {
  OpTester t(ir::OpType::kConvTranspose, attrs(1, 1));
  t.input<float>({1, 0, 2, 1}, {});
  t.constant<float>({1, 1, 1, 1}, {1});
  t.output({1, 0, 2, 1}, DType::kFloat32);
  expect_prepare_error(t, "input height: expected >= 1, found 0");
}

TEST(ConvTransposeOp, RejectsWrongArityAndAttrs) {
  {
    OpTester t(ir::OpType::kConvTranspose, attrs(1, 1));
    t.input<float>({1, 1, 1, 1}, {1});
    t.output({1, 1, 1, 1}, DType::kFloat32);
    expect_prepare_error(t, "input count");
  }
  {
    OpTester t(ir::OpType::kConvTranspose, ir::Conv2DAttrs{});
    t.input<float>({1, 1, 1, 1}, {1});
    t.constant<float>({1, 1, 1, 1}, {1});
    t.output({1, 1, 1, 1}, DType::kFloat32);
    expect_prepare_error(t, "attributes: expected ConvTransposeAttrs");
  }
  {
    OpTester t(ir::OpType::kConvTranspose, attrs(1, 1));
    t.input<float>({1, 1, 1}, {1});
    t.constant<float>({1, 1, 1, 1}, {1});
    t.output({1, 1, 1, 1}, DType::kFloat32);
    expect_prepare_error(t, "input rank: expected 4");
  }
}

}  // namespace
}  // namespace edgerun
