// QUANTIZE: float32 -> uint8/int8 (round half away from zero) and requantize
// between uint8/int8 (TFLite's Requantize: Q31 multiplier, ties of the
// doubling high multiply toward +infinity).
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

TEST(QuantizeOp, FloatToUint8WithTiesAndClamp) {
  // scale 0.5, zp 128: 0.25 / 0.5 = 0.5 -> 1, -0.5 -> -1, 1.5 -> 2; 100, -100 clamp.
  OpTester t(ir::OpType::kQuantize);
  t.input<float>({8}, {0.f, 1.f, -1.f, 0.25f, -0.25f, 0.75f, 100.f, -100.f});
  t.output({8}, DType::kUInt8, qp(0.5f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{128, 130, 126, 129, 127, 130, 255, 0}));
}

TEST(QuantizeOp, FloatToInt8) {
  // scale 0.25, zp -1: 0 -> -1; 0.5 -> 1 -> 0; -1.5 -> -2 -> -3; 4 -> 3.
  OpTester t(ir::OpType::kQuantize);
  t.input<float>({4}, {0.f, 0.125f, -0.375f, 1.f});
  t.output({4}, DType::kInt8, qp(0.25f, -1));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-1, 0, -3, 3}));
}

TEST(QuantizeOp, Uint8ToInt8SameScale) {
  // The TF2 MobileNetV2 input: uint8 zp 127 -> int8 zp -1, same scale: q - 128.
  OpTester t(ir::OpType::kQuantize);
  t.input<uint8_t>({4}, {0, 127, 128, 255}, qp(0.007843138f, 127));
  t.output({4}, DType::kInt8, qp(0.007843138f, -1));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-128, -1, 0, 127}));
}

TEST(QuantizeOp, Int8ToUint8SameScale) {
  // The TF2 MobileNetV2 output: softmax int8 zp -128 -> uint8 zp 0.
  OpTester t(ir::OpType::kQuantize);
  t.input<int8_t>({3}, {-128, 0, 127}, qp(1.f / 256, -128));
  t.output({3}, DType::kUInt8, qp(1.f / 256, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0, 128, 255}));
}

TEST(QuantizeOp, Int8RescaleTies) {
  // Scale 1 -> 2 (multiplier 0.5): 3, -3, 1, -1, 4 -> 1.5, -1.5, 0.5, -0.5, 2
  // -> 2, -1, 1, 0, 2 (TFLite's high multiply rounds ties toward +infinity).
  OpTester t(ir::OpType::kQuantize);
  t.input<int8_t>({5}, {3, -3, 1, -1, 4}, qp(1.0f, 0));
  t.output({5}, DType::kInt8, qp(2.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{2, -1, 1, 0, 2}));
}

TEST(QuantizeOp, Uint8ToUint8UpscaleClamps) {
  // Scale 0.5 -> 0.25 (multiplier 2), zp 100 -> 0: 2 * (q - 100).
  OpTester t(ir::OpType::kQuantize);
  t.input<uint8_t>({4}, {100, 101, 99, 250}, qp(0.5f, 100));
  t.output({4}, DType::kUInt8, qp(0.25f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0, 2, 0, 255}));
}

TEST(QuantizeOp, RejectsBadTypesAndQuantization) {
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"QUANTIZE", "output dtype", "found float32"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kInt8);  // no quantization
    expect_error(t.run(), {"QUANTIZE", "output quantization"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kInt8, QuantParams{{0.5f, 0.25f}, {0, 0}, 0});
    expect_error(t.run(), {"QUANTIZE", "per-channel"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<uint8_t>({2}, {1, 2});  // requantize input without quantization
    t.output({2}, DType::kInt8, qp(0.5f, 0));
    expect_error(t.run(), {"QUANTIZE", "input 0 quantization"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2, 2}, {1, 2, 3, 4});
    t.output({4}, DType::kInt8, qp(0.5f, 0));
    expect_error(t.run(), {"QUANTIZE", "output shape"});
  }
}

}  // namespace
}  // namespace edgerun
