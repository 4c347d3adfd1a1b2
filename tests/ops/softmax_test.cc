// SOFTMAX: float32 / uint8 / int8 over the last axis. Quantized outputs are in
// units of 1/256 (uint8 zp 0, int8 zp -128) computed with TFLite's fixed-point
// reference algorithm.
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

TEST(SoftmaxOp, Float) {
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<float>({2, 3}, {1, 2, 3, 5, 5, 5});
  t.output({2, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  const double e1 = std::exp(-2.0), e2 = std::exp(-1.0), sum = e1 + e2 + 1.0;
  EXPECT_NEAR(y[0], e1 / sum, 1e-6);
  EXPECT_NEAR(y[1], e2 / sum, 1e-6);
  EXPECT_NEAR(y[2], 1.0 / sum, 1e-6);
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(y[i], 1.0 / 3, 1e-6);
}

TEST(SoftmaxOp, FloatBeta) {
  // beta 0.5 on [0, 2 ln 3]: exp(0), exp(ln 3) = 1, 3 -> 0.25, 0.75.
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{0.5f});
  t.input<float>({2}, {0.f, static_cast<float>(2 * std::log(3.0))});
  t.output({2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  EXPECT_NEAR(y[0], 0.25, 1e-6);
  EXPECT_NEAR(y[1], 0.75, 1e-6);
}

TEST(SoftmaxOp, Uint8EqualInputsGiveQuarter) {
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<uint8_t>({1, 4}, {7, 7, 7, 7}, qp(0.1f, 0));
  t.output({1, 4}, DType::kUInt8, qp(1.f / 256, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{64, 64, 64, 64}));
}

TEST(SoftmaxOp, Int8EqualInputsGiveQuarter) {
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<int8_t>({1, 4}, {7, 7, 7, 7}, qp(0.1f, 0));
  t.output({1, 4}, DType::kInt8, qp(1.f / 256, -128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-64, -64, -64, -64}));
}

TEST(SoftmaxOp, Uint8KnownPairAndSaturation) {
  // Input scale 1: a difference of 1 gives [1, e] / (1 + e) = [0.2689, 0.7311],
  // times 256 = [68.8, 187.2] -> [69, 187].
  // A difference of 100 is below diff_min (-15 for this scale): exactly [0, 1.0],
  // and 1.0 (256) saturates to 255.
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<uint8_t>({2, 2}, {10, 11, 0, 100}, qp(1.0f, 0));
  t.output({2, 2}, DType::kUInt8, qp(1.f / 256, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{69, 187, 0, 255}));
}

TEST(SoftmaxOp, Int8BetaScalesDifferences) {
  // scale 0.5, beta 2: a difference of 1 step is again 1.0 -> [69, 187] - 128.
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{2.0f});
  t.input<int8_t>({2, 2}, {10, 11, -5, -5}, qp(0.5f, 0));
  t.output({2, 2}, DType::kInt8, qp(1.f / 256, -128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-59, 59, 0, 0}));
}

TEST(SoftmaxOp, Uint8RowsSumToAbout256) {
  // Ten logits per row with moderate spread: each output is within one step of
  // 256 * softmax, and the row sums to ~256.
  const float scale = 0.2f;
  std::vector<uint8_t> x;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 10; ++c) x.push_back(static_cast<uint8_t>(100 + ((c * 7 + r * 3) % 10) * (r + 1)));
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<uint8_t>({3, 10}, x, qp(scale, 100));
  t.output({3, 10}, DType::kUInt8, qp(1.f / 256, 0));
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<uint8_t>(0);
  for (int r = 0; r < 3; ++r) {
    double denom = 0;
    for (int c = 0; c < 10; ++c) denom += std::exp(scale * x[r * 10 + c]);
    int sum = 0;
    for (int c = 0; c < 10; ++c) {
      const double expected = 256.0 * std::exp(scale * x[r * 10 + c]) / denom;
      EXPECT_NEAR(y[r * 10 + c], expected, 1.0) << "row " << r << " col " << c;
      sum += y[r * 10 + c];
    }
    EXPECT_NEAR(sum, 256, 5) << "row " << r;
  }
}

TEST(SoftmaxOp, Int8ClassifierWidthMatchesFloatSoftmax) {
  // The TF2 MobileNetV2 head: int8 [1,1001], input scale 0.06336502, zp -53.
  const float scale = 0.06336502f;
  std::vector<int8_t> x(1001);
  for (int i = 0; i < 1001; ++i) x[i] = static_cast<int8_t>(-128 + (i * 37 + (i * i) % 11) % 200);
  x[500] = 122;
  x[10] = 117;
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<int8_t>({1, 1001}, x, qp(scale, -53));
  t.output({1, 1001}, DType::kInt8, qp(1.f / 256, -128));
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<int8_t>(0);
  double denom = 0;
  for (int8_t v : x) denom += std::exp(scale * (v + 53));
  for (int i = 0; i < 1001; ++i) {
    const double expected = 256.0 * std::exp(scale * (x[i] + 53)) / denom;
    ASSERT_NEAR(y[i] + 128, expected, 1.0) << i;
  }
}

TEST(SoftmaxOp, WideRowOfEqualValues) {
  // 1001 equal logits: each probability is 1/1001 = 0.26 / 256 -> 0. The sum of
  // exps exceeds 2^28 here, where TFLite's final shift goes past 31 bits (its
  // reference kernel asserts); edgerun must still give the rounded value.
  for (DType dt : {DType::kUInt8, DType::kInt8}) {
    OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
    const int64_t zp = dt == DType::kUInt8 ? 0 : -128;
    if (dt == DType::kUInt8) {
      t.input<uint8_t>({1, 1001}, std::vector<uint8_t>(1001, 7), qp(0.1f, 0));
    } else {
      t.input<int8_t>({1, 1001}, std::vector<int8_t>(1001, 7), qp(0.1f, 0));
    }
    t.output({1, 1001}, dt, qp(1.f / 256, zp));
    ASSERT_TRUE(t.run().ok());
    if (dt == DType::kUInt8) {
      EXPECT_EQ(t.result<uint8_t>(0), std::vector<uint8_t>(1001, 0));
    } else {
      EXPECT_EQ(t.result<int8_t>(0), std::vector<int8_t>(1001, -128));
    }
  }
  // 300 equal logits stay within TFLite's range: 256 / 300 = 0.85 -> 1.
  OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
  t.input<uint8_t>({1, 300}, std::vector<uint8_t>(300, 7), qp(0.1f, 0));
  t.output({1, 300}, DType::kUInt8, qp(1.f / 256, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), std::vector<uint8_t>(300, 1));
}

TEST(SoftmaxOp, RejectsWrongOutputQuantization) {
  {
    OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
    t.input<uint8_t>({1, 4}, {1, 2, 3, 4}, qp(0.1f, 0));
    t.output({1, 4}, DType::kUInt8, qp(1.f / 255, 0));
    expect_error(t.run(), {"SOFTMAX", "output scale", "1/256"});
  }
  {
    OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
    t.input<int8_t>({1, 4}, {1, 2, 3, 4}, qp(0.1f, 0));
    t.output({1, 4}, DType::kInt8, qp(1.f / 256, 0));
    expect_error(t.run(), {"SOFTMAX", "output zero point", "expected -128", "found 0"});
  }
  {
    OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
    t.input<uint8_t>({1, 4}, {1, 2, 3, 4});  // no input quantization
    t.output({1, 4}, DType::kUInt8, qp(1.f / 256, 0));
    expect_error(t.run(), {"SOFTMAX", "input 0 quantization"});
  }
}

TEST(SoftmaxOp, RejectsShapeMismatchAndBadBeta) {
  {
    OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{1.0f});
    t.input<float>({2, 3}, std::vector<float>(6));
    t.output({3, 2}, DType::kFloat32);
    expect_error(t.run(), {"SOFTMAX", "output shape", "[2,3]", "[3,2]"});
  }
  {
    OpTester t(ir::OpType::kSoftmax, ir::SoftmaxAttrs{-1.0f});
    t.input<uint8_t>({1, 4}, {1, 2, 3, 4}, qp(0.1f, 0));
    t.output({1, 4}, DType::kUInt8, qp(1.f / 256, 0));
    expect_error(t.run(), {"SOFTMAX", "beta"});
  }
}

}  // namespace
}  // namespace edgerun
