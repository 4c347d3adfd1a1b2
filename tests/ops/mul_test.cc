// MUL: float32 / uint8 / int8, broadcasting, activations, TFLite rounding and
// validation. Quantized expectations follow TFLite's MultiplyByQuantizedMultiplier:
// a rounding doubling high multiply (ties toward +infinity) then a rounding
// right shift (ties away from zero).
#include <gtest/gtest.h>

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

TEST(MulOp, FloatAndRelu) {
  {
    OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
    t.input<float>({2}, {2.f, 3.f});
    t.input<float>({2}, {4.f, -5.f});
    t.output({2}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{8.f, -15.f}));
  }
  {
    OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{ir::Activation::kRelu});
    t.input<float>({2}, {2.f, 3.f});
    t.input<float>({2}, {4.f, -5.f});
    t.output({2}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{8.f, 0.f}));
  }
}

TEST(MulOp, FloatBroadcast) {
  OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
  t.input<float>({2, 1, 2}, {1, 2, 3, 4});
  t.input<float>({3, 1}, {1, 10, 100});
  t.output({2, 3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0),
            (std::vector<float>{1, 2, 10, 20, 100, 200, 3, 4, 30, 40, 300, 400}));
}

// Float MUL splits its output over the threads on large maps: a same-shape
// product and the SE-block shape (a map times one value per channel, either
// operand first, or a rank-1 operand) give the same products on 1, 2 and 3
// threads, element for element.
TEST(MulOp, FloatSplitOverThreads) {
  const Shape map{1, 28, 28, 40};
  std::vector<float> a(28 * 28 * 40), b_same(a.size()), b_channel(40);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(i % 97) * 0.25f - 12.0f;
    b_same[i] = static_cast<float>(i % 13) - 6.5f;
  }
  for (size_t c = 0; c < b_channel.size(); ++c) b_channel[c] = static_cast<float>(c) * 0.5f - 3.0f;
  // 0: same shape; 1: b [1,1,1,40]; 2: b [40]; 3: a [1,1,1,40] first.
  for (int variant = 0; variant < 4; ++variant) {
    const bool per_channel = variant > 0;
    std::vector<float> expected(a.size());
    for (size_t i = 0; i < a.size(); ++i) expected[i] = a[i] * (per_channel ? b_channel[i % 40] : b_same[i]);
    for (int threads : {1, 2, 3}) {
      OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
      if (variant == 3) t.input<float>({1, 1, 1, 40}, b_channel);
      t.input<float>(map, a);
      if (variant == 0) t.input<float>(map, b_same);
      if (variant == 1) t.input<float>({1, 1, 1, 40}, b_channel);
      if (variant == 2) t.input<float>({40}, b_channel);
      t.output(map, DType::kFloat32);
      t.set_threads(threads);
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<float>(0), expected) << threads << " threads, variant " << variant;
    }
  }
}

TEST(MulOp, Uint8) {
  // real a = 0.5 (q - 10): [2, 1]; real b: [1, -2]; products [2, -2] / 0.25 -> [8, -8 -> 0].
  OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
  t.input<uint8_t>({2}, {14, 12}, qp(0.5f, 10));
  t.input<uint8_t>({2}, {12, 6}, qp(0.5f, 10));
  t.output({2}, DType::kUInt8, qp(0.25f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{8, 0}));
}

TEST(MulOp, Int8TiesFollowTflite) {
  // Multiplier 0.25 / 0.5 = 0.5 (Q31 2^30, shift 0): integer products 3, -3, 1, -1
  // scale to 1.5, -1.5, 0.5, -0.5, which the doubling high multiply rounds
  // toward +infinity: 2, -1, 1, 0 (not the symmetric 2, -2, 1, -1).
  OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
  t.input<int8_t>({4}, {3, -3, 1, -1}, qp(0.5f, 0));
  t.input<int8_t>({4}, {1, 1, 1, 1}, qp(0.5f, 0));
  t.output({4}, DType::kInt8, qp(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{2, -1, 1, 0}));
}

TEST(MulOp, Int8BroadcastScalarWithRelu6) {
  // [-2, 2, 5] * 2 = [-4, 4, 10] on scale 0.25: RELU6 clamps to [0, 24].
  OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{ir::Activation::kRelu6});
  t.input<int8_t>({3}, {-4, 4, 10}, qp(0.5f, 0));
  t.input<int8_t>({1}, {4}, qp(0.5f, 0));
  t.output({3}, DType::kInt8, qp(0.25f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{0, 16, 24}));
}

TEST(MulOp, Uint8MultiplierAboveOne) {
  // 0.5 * 0.5 / 0.125 = 2: products of (q - 100): 1*1, 2*-3, 10*12 -> 2, -12, 240 (+ zp 128).
  OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
  t.input<uint8_t>({3}, {101, 102, 110}, qp(0.5f, 100));
  t.input<uint8_t>({3}, {101, 97, 112}, qp(0.5f, 100));
  t.output({3}, DType::kUInt8, qp(0.125f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{130, 116, 255}));
}

TEST(MulOp, RejectsBadShapesAndQuantization) {
  {
    OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
    t.input<float>({3}, std::vector<float>(3));
    t.input<float>({2}, std::vector<float>(2));
    t.output({3}, DType::kFloat32);
    expect_error(t.run(), {"MUL", "shapes", "[3]", "[2]"});
  }
  {
    OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.output({2}, DType::kInt8);  // output has no quantization
    expect_error(t.run(), {"MUL", "output quantization"});
  }
  {
    OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.output({2}, DType::kUInt8, qp(0.5f, 0));
    expect_error(t.run(), {"MUL", "output dtype", "expected int8", "found uint8"});
  }
}

}  // namespace
}  // namespace edgerun
