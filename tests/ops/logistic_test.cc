// LOGISTIC: float32 (TFLite's reference with its cutoffs) and uint8 / int8
// (output scale 1/256 through a 256-entry table: round(256 * sigmoid(x)) + zp).
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

TEST(LogisticOp, Float) {
  OpTester t(ir::OpType::kLogistic);
  t.input<float>({5}, {0.f, 2.f, -2.f, 20.f, -10.f});
  t.output({5}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  EXPECT_EQ(y[0], 0.5f);
  EXPECT_NEAR(y[1], 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
  EXPECT_NEAR(y[2], 1.0 / (1.0 + std::exp(2.0)), 1e-7);
  EXPECT_EQ(y[3], 1.0f);                       // above the 16.62 cutoff: exactly 1
  EXPECT_NEAR(y[4], std::exp(-10.0), 1e-10);  // below -9: exp(x)
}

// The CPU's vector kernel split over 1-3 threads gives what the reference
// kernel gives on one thread, within 4 ulp (the kernel's own bound,
// tests/kernels/f32_vunary_test.cc), on a map large enough to split.
TEST(LogisticOp, FloatFastKernelsOnThreads) {
  std::vector<float> x(56 * 56 * 24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int64_t>(i * 7919 % 4001) - 2000) / 100.0f;
  std::vector<std::vector<float>> results;
  for (int variant = 0; variant < 4; ++variant) {
    OpTester t(ir::OpType::kLogistic);
    t.input<float>({1, 56, 56, 24}, x);
    t.output({1, 56, 56, 24}, DType::kFloat32);
    t.set_reference_kernels(variant == 0);
    t.set_threads(variant == 0 ? 1 : variant);
    ASSERT_TRUE(t.run().ok());
    results.push_back(t.result<float>(0));
  }
  for (int variant = 1; variant < 4; ++variant) {
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_NEAR(results[variant][i], results[0][i], 4 * 1.2e-7 * std::abs(results[0][i]) + 1e-38)
          << variant << " threads, element " << i << " of sigmoid(" << x[i] << ")";
    }
  }
}

TEST(LogisticOp, Uint8) {
  // scale 0.1, zp 128: x = 0, 12.7, -12.8, 1, -1 -> 256 * sigmoid = 128, 256 (-> 255), 0, 187.2, 68.8.
  OpTester t(ir::OpType::kLogistic);
  t.input<uint8_t>({5}, {128, 255, 0, 138, 118}, qp(0.1f, 128));
  t.output({5}, DType::kUInt8, qp(1.f / 256, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{128, 255, 0, 187, 69}));
}

TEST(LogisticOp, Int8) {
  // zp -128 output: 128 - 128, 187 - 128, 69 - 128, 256 - 128 (-> 127), 0 - 128.
  OpTester t(ir::OpType::kLogistic);
  t.input<int8_t>({5}, {0, 10, -10, 127, -128}, qp(0.1f, 0));
  t.output({5}, DType::kInt8, qp(1.f / 256, -128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{0, 59, -59, 127, -128}));
}

TEST(LogisticOp, Int8AllInputsMatchRoundedSigmoid) {
  std::vector<int8_t> x;
  for (int v = -128; v <= 127; ++v) x.push_back(static_cast<int8_t>(v));
  OpTester t(ir::OpType::kLogistic);
  t.input<int8_t>({256}, x, qp(0.05f, 3));
  t.output({256}, DType::kInt8, qp(1.f / 256, -128));
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<int8_t>(0);
  for (int i = 0; i < 256; ++i) {
    const double s = 256.0 / (1.0 + std::exp(-0.05 * (x[i] - 3)));
    EXPECT_NEAR(y[i] + 128, std::min(255.0, s), 0.5 + 1e-3) << "input " << int(x[i]);
  }
}

TEST(LogisticOp, RejectsBadOutputScaleAndShape) {
  {
    OpTester t(ir::OpType::kLogistic);
    t.input<uint8_t>({2}, {1, 2}, qp(0.1f, 128));
    t.output({2}, DType::kUInt8, qp(1.f / 128, 0));
    expect_error(t.run(), {"LOGISTIC", "output scale", "1/256"});
  }
  {
    OpTester t(ir::OpType::kLogistic);
    t.input<float>({2}, {1, 2});
    t.output({3}, DType::kFloat32);
    expect_error(t.run(), {"LOGISTIC", "output shape"});
  }
  {
    OpTester t(ir::OpType::kLogistic);
    t.input<int8_t>({2}, {1, 2}, qp(0.1f, 0));
    t.output({2}, DType::kUInt8, qp(1.f / 256, 0));
    expect_error(t.run(), {"LOGISTIC", "output dtype"});
  }
}

}  // namespace
}  // namespace edgerun
