// LEAKY_RELU: y = x > 0 ? x : alpha * x on float32, for ONNX's examples and
// default alpha, TFLite's absent-options alpha (0), negative and > 1 alphas,
// any shape, and validation (quantized LEAKY_RELU is unsupported).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

std::vector<float> leaky(float alpha, const std::vector<float>& x) {
  OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{alpha});
  t.input<float>({static_cast<int32_t>(x.size())}, x);
  t.output({static_cast<int32_t>(x.size())}, DType::kFloat32);
  const Status st = t.run();
  EXPECT_TRUE(st.ok()) << st.message();
  return t.result<float>(0);
}

void expect_status(const Status& st, StatusCode code, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(LeakyReluOp, OnnxExampleAndDefaultAlpha) {
  // test_leakyrelu_example: alpha 0.1, [-1, 0, 1] -> [-0.1, 0, 1].
  EXPECT_EQ(leaky(0.1f, {-1.f, 0.f, 1.f}), (std::vector<float>{-0.1f, 0.f, 1.f}));
  EXPECT_EQ(ir::LeakyReluAttrs{}.alpha, 0.01f);  // ONNX's default
  OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{});
  t.input<float>({4}, {-100.f, -2.f, 3.f, 0.5f});
  t.output({4}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{-100.f * 0.01f, -2.f * 0.01f, 3.f, 0.5f}));
}

TEST(LeakyReluOp, EveryKindOfAlpha) {
  const std::vector<float> x{-4.f, -0.5f, 0.f, 0.5f, 4.f};
  EXPECT_EQ(leaky(0.f, x), (std::vector<float>{0.f, 0.f, 0.f, 0.5f, 4.f}));  // TFLite's default: RELU
  EXPECT_EQ(leaky(0.2f, x), (std::vector<float>{-4.f * 0.2f, -0.5f * 0.2f, 0.f, 0.5f, 4.f}));
  EXPECT_EQ(leaky(-0.5f, x), (std::vector<float>{2.f, 0.25f, 0.f, 0.5f, 4.f}));
  EXPECT_EQ(leaky(1.f, x), x);
  EXPECT_EQ(leaky(2.f, x), (std::vector<float>{-8.f, -1.f, 0.f, 0.5f, 4.f}));
}

TEST(LeakyReluOp, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const auto y = leaky(0.1f, {inf, -inf, std::nanf("")});
  EXPECT_EQ(y[0], inf);
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(std::isnan(y[2]));
}

TEST(LeakyReluOp, AnyShapeAndThreads) {
  for (const Shape& shape : std::vector<Shape>{{}, {1, 1, 1, 1}, {1, 5, 5, 3}, {2, 1, 7}, {1, 17}, {3, 0}}) {
    SCOPED_TRACE(shape_string(shape));
    std::vector<float> x(static_cast<size_t>(shape_elements(shape)));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 9) - 4);
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{0.25f});
    t.input<float>(shape, x);
    t.output(shape, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    const auto y = t.result<float>(0);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], x[i] > 0 ? x[i] : x[i] / 4);
  }
  const int32_t n = 2 * (1 << 14) + 3;
  std::vector<float> x(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 9) - 4);
  OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{0.25f});
  t.set_threads(3);
  t.input<float>({n}, x);
  t.output({n}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], x[i] > 0 ? x[i] : x[i] / 4) << i;
}

TEST(LeakyReluOp, Validation) {
  {
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{std::numeric_limits<float>::infinity()});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"LEAKY_RELU", "alpha", "finite", "inf"});
  }
  {
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{std::nanf("")});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"LEAKY_RELU", "alpha", "finite"});
  }
  {
    OpTester t(ir::OpType::kLeakyRelu);  // no attributes
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"LEAKY_RELU", "attributes", "LeakyReluAttrs"});
  }
  {
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{0.2f});
    t.input<uint8_t>({2}, {1, 2}, QuantParams{{0.1f}, {128}, 0});
    t.output({2}, DType::kUInt8, QuantParams{{0.1f}, {128}, 0});
    expect_status(t.run(), StatusCode::kUnsupported, {"LEAKY_RELU", "uint8", "not supported", "float32"});
  }
  {
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{0.2f});
    t.input<float>({4}, std::vector<float>(4));
    t.output({2, 2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"LEAKY_RELU", "output shape", "expected [4]", "found [2,2]"});
  }
  {
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{0.2f});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"LEAKY_RELU", "output count", "expected 1", "found 2"});
  }
}

}  // namespace
}  // namespace edgerun
