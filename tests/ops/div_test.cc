// DIV: float32 (ONNX's examples, broadcasting, every fused activation,
// division by zero) and validation; quantized DIV is unsupported. Plain-integer
// DIV (truncating, x / 0 = 0) is in int_arith_test.cc; LiteRT parity in
// tests/goldens/ops/div.json.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

QuantParams qp(float scale, int64_t zp) { return QuantParams{{scale}, {zp}, 0}; }

std::vector<float> div_f32(ir::Activation act, const std::vector<float>& a, const std::vector<float>& b) {
  OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{act});
  const Shape s{static_cast<int32_t>(a.size())};
  t.input<float>(s, a);
  t.input<float>(s, b);
  t.output(s, DType::kFloat32);
  const Status st = t.run();
  EXPECT_TRUE(st.ok()) << st.message();
  return t.result<float>(0);
}

TEST(DivOp, OnnxExample) {
  // test_div_example: [3, 4] / [1, 2] = [3, 2].
  EXPECT_EQ(div_f32(ir::Activation::kNone, {3.f, 4.f}, {1.f, 2.f}), (std::vector<float>{3.f, 2.f}));
}

TEST(DivOp, FloatEveryActivation) {
  const std::vector<float> a{1.f, -9.f, 27.f, 0.5f, -0.75f}, b{4.f, 2.f, 3.f, -1.f, 1.f};
  EXPECT_EQ(div_f32(ir::Activation::kNone, a, b), (std::vector<float>{0.25f, -4.5f, 9.f, -0.5f, -0.75f}));
  EXPECT_EQ(div_f32(ir::Activation::kRelu, a, b), (std::vector<float>{0.25f, 0.f, 9.f, 0.f, 0.f}));
  EXPECT_EQ(div_f32(ir::Activation::kRelu6, a, b), (std::vector<float>{0.25f, 0.f, 6.f, 0.f, 0.f}));
  EXPECT_EQ(div_f32(ir::Activation::kReluN1To1, a, b), (std::vector<float>{0.25f, -1.f, 1.f, -0.5f, -0.75f}));
}

TEST(DivOp, FloatDivisionByZeroIsIeee) {
  const float inf = std::numeric_limits<float>::infinity();
  const auto y = div_f32(ir::Activation::kNone, {1.f, -1.f, 0.f, 1.f}, {0.f, 0.f, 0.f, -0.f});
  EXPECT_EQ(y[0], inf);
  EXPECT_EQ(y[1], -inf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], -inf);
  // A fused clamp bounds the infinities; NaN stays NaN (as TFLite's min / max order gives).
  const auto r = div_f32(ir::Activation::kRelu6, {1.f, -1.f, 0.f}, {0.f, 0.f, 0.f});
  EXPECT_EQ(r[0], 6.f);
  EXPECT_EQ(r[1], 0.f);
  EXPECT_TRUE(std::isnan(r[2]));
}

TEST(DivOp, FloatBroadcast) {
  {
    // ONNX test_div_bcast's shapes, [3,4,5] / [5], with small exact values.
    std::vector<float> x(60);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<float>({3, 4, 5}, x);
    t.input<float>({5}, {1.f, 2.f, 4.f, 8.f, 0.5f});
    t.output({3, 4, 5}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    const auto y = t.result<float>(0);
    const float d[5] = {1.f, 2.f, 4.f, 8.f, 0.5f};
    for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], x[i] / d[i % 5]) << i;
  }
  {
    // A scalar divided by a tensor, with size-1 dims on both sides.
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<float>({1, 1}, {12.f});
    t.input<float>({1, 2, 1, 3}, {1.f, 2.f, 3.f, 4.f, 6.f, -12.f});
    t.output({1, 2, 1, 3}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{12.f, 6.f, 4.f, 3.f, 2.f, -1.f}));
  }
}

void expect_status(const Status& st, StatusCode code, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(DivOp, QuantizedIsUnsupported) {
  for (DType dt : {DType::kUInt8, DType::kInt8}) {
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<uint8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.input<uint8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.output({2}, dt, qp(0.5f, 0));
    for (ir::Value& v : t.graph().values) v.info.dtype = dt;
    expect_status(t.run(), StatusCode::kUnsupported, {"DIV", "quantized", dtype_name(dt), "not supported"});
  }
}

TEST(DivOp, RejectsBadShapesAndArity) {
  {
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<float>({2, 3}, std::vector<float>(6, 1.f));
    t.input<float>({2}, std::vector<float>(2, 1.f));
    t.output({2, 3}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"DIV", "shapes", "[2,3]", "[2]"});
  }
  {
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<float>({3}, std::vector<float>(3, 1.f));
    t.input<float>({1}, {1.f});
    t.output({1, 3}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"DIV", "output shape", "expected [3]", "found [1,3]"});
  }
  {
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<float>({1}, {1.f});
    t.input<float>({1}, {1.f});
    t.input<float>({1}, {1.f});
    t.output({1}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"DIV", "input count", "expected 2", "found 3"});
  }
}

}  // namespace
}  // namespace edgerun
