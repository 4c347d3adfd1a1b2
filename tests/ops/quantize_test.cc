// QUANTIZE: float32 -> uint8 / int8 / uint16 / int16, the sub-byte integer
// types, float4e2m1 and float8 (per tensor, per channel or element-wise;
// TFLite's rounding, half away from zero, or ONNX's, half to even) and
// requantize between uint8/int8 (TFLite's Requantize: Q31 multiplier, ties of
// the doubling high multiply toward +infinity).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>
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
    t.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    t.output({2, 3}, DType::kInt8, QuantParams{{0.5f, 0.25f}, {0, 0}, 1});  // axis 1 has 3 entries
    expect_error(t.run(), {"QUANTIZE", "output quantization", "2 scales along axis 1 of shape [2,3]"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kInt16, qp(0.5f, 40000));
    expect_error(t.run(), {"QUANTIZE", "output zero point 0", "[-32768, 32767] for int16, found 40000"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kInt32, qp(0.5f, 0));
    expect_error(t.run(), {"QUANTIZE", "output dtype", "found int32"});
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

// Ties x / scale = k + 0.5 (x and scale powers of two, so the division is
// exact), with the expected values worked out by hand: TFLite rounds them away
// from zero, ONNX to the even integer.
TEST(QuantizeOp, TiesUnderBothRoundings) {
  // x / 0.5: 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, -3.5, 127.5, -128.5 (zero point 0).
  const std::vector<float> x = {0.25f, -0.25f, 0.75f, -0.75f, 1.25f, -1.25f, 1.75f, -1.75f, 63.75f, -64.25f};
  const std::vector<int8_t> away = {1, -1, 2, -2, 3, -3, 4, -4, 127, -128};
  const std::vector<int8_t> even = {0, 0, 2, -2, 2, -2, 4, -4, 127, -128};
  for (const auto rounding : {ir::QuantizeRounding::kHalfAwayFromZero, ir::QuantizeRounding::kHalfToEven}) {
    const bool onnx = rounding == ir::QuantizeRounding::kHalfToEven;
    SCOPED_TRACE(onnx ? "half to even" : "half away from zero");
    OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
    t.input<float>({10}, x);
    t.output({10}, DType::kInt8, qp(0.5f, 0));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<int8_t>(0), onnx ? even : away);
  }
  // With a zero point: 2.5 + 7 -> 9 or 10; -2.5 + 7 -> 5 or 4; 248.5 + 7
  // -> 255 or 256, saturated to 255; 0.5 + 7 -> 7 or 8.
  for (const auto rounding : {ir::QuantizeRounding::kHalfAwayFromZero, ir::QuantizeRounding::kHalfToEven}) {
    const bool onnx = rounding == ir::QuantizeRounding::kHalfToEven;
    OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
    t.input<float>({4}, {5.f, -5.f, 497.f, 1.f});
    t.output({4}, DType::kUInt8, qp(2.f, 7));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0),
              onnx ? (std::vector<uint8_t>{9, 5, 255, 7}) : (std::vector<uint8_t>{10, 4, 255, 8}));
  }
}

// A QUANTIZE without attributes (a TFLite model's) keeps TFLite's rounding.
TEST(QuantizeOp, NoAttributesRoundHalfAwayFromZero) {
  OpTester t(ir::OpType::kQuantize);
  t.input<float>({4}, {1.25f, -1.25f, 0.25f, -0.25f});  // 2.5, -2.5, 0.5, -0.5
  t.output({4}, DType::kInt8, qp(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{3, -3, 1, -1}));
}

// Both saturate after adding the zero point (200 - 100 = 100 fits int8,
// although 200 does not). Beyond int32, ONNX saturates; TFLite's x86
// conversion gives INT32_MIN, which then clamps to the minimum.
TEST(QuantizeOp, SaturationOrderAndOutOfRange) {
  const float inf = std::numeric_limits<float>::infinity();
  for (const auto rounding : {ir::QuantizeRounding::kHalfAwayFromZero, ir::QuantizeRounding::kHalfToEven}) {
    const bool onnx = rounding == ir::QuantizeRounding::kHalfToEven;
    SCOPED_TRACE(onnx ? "half to even" : "half away from zero");
    {
      OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
      t.input<float>({3}, {200.f, -100.f, 27.f});
      t.output({3}, DType::kInt8, qp(1.f, -100));
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{100, -128, -73}));
    }
    {
      OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
      t.input<float>({4}, {1e10f, -1e10f, inf, -inf});
      t.output({4}, DType::kInt8, qp(1.f, 0));
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<int8_t>(0),
                onnx ? (std::vector<int8_t>{127, -128, 127, -128}) : (std::vector<int8_t>{-128, -128, -128, -128}));
    }
  }
  // NaN: the type's minimum in ONNX's rounding too (its reference's x86 result).
  OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven});
  t.input<float>({1}, {std::nanf("")});
  t.output({1}, DType::kUInt16, qp(1.f, 5));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint16_t>(0), (std::vector<uint16_t>{0}));
}

// 16-bit outputs: ONNX's test_quantizelinear_int16 / _uint16 values (scale 2),
// and saturation at both ends of each type.
TEST(QuantizeOp, SixteenBitSaturates) {
  for (const auto rounding : {ir::QuantizeRounding::kHalfAwayFromZero, ir::QuantizeRounding::kHalfToEven}) {
    const bool onnx = rounding == ir::QuantizeRounding::kHalfToEven;
    SCOPED_TRACE(onnx ? "half to even" : "half away from zero");
    {
      // x / 2 + 256: 0 -> 256, -514 -> -1, 3 -> 1.5 -> 258, -3 -> 254, 65022 -> 32767 (exactly the max),
      // 65024 -> 32768 saturates, -66048 -> -32768 (exactly the min), -66050 saturates; 5 -> 2.5 -> 258 or 259.
      OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
      t.input<float>({9}, {0.f, -514.f, 3.f, -3.f, 65022.f, 65024.f, -66048.f, -66050.f, 5.f});
      t.output({9}, DType::kInt16, qp(2.f, 256));
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<int16_t>(0), (std::vector<int16_t>{256, -1, 258, 254, 32767, 32767, -32768, -32768,
                                                            static_cast<int16_t>(onnx ? 258 : 259)}));
    }
    {
      // x / 2 + 32767: 65536 -> 65535, 65538 saturates, -65534 -> 0, -65536 saturates; -1 -> -0.5 -> 32767 or 32766.
      OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
      t.input<float>({5}, {65536.f, 65538.f, -65534.f, -65536.f, -1.f});
      t.output({5}, DType::kUInt16, qp(2.f, 32767));
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<uint16_t>(0),
                (std::vector<uint16_t>{65535, 65535, 0, 0, static_cast<uint16_t>(onnx ? 32767 : 32766)}));
    }
  }
}

// Per channel along each axis of rank-2, -3 and -4 tensors: every element's
// expected value from its own coordinates (an independent loop), with scales
// and x chosen so that x / scale is exact and some are ties.
TEST(QuantizeOp, PerChannelEveryAxis) {
  const std::vector<Shape> shapes = {{3, 4}, {2, 3, 4}, {2, 2, 3, 3}};
  for (const Shape& shape : shapes) {
    for (int32_t axis = 0; axis < static_cast<int32_t>(shape.size()); ++axis) {
      for (const auto rounding : {ir::QuantizeRounding::kHalfAwayFromZero, ir::QuantizeRounding::kHalfToEven}) {
        SCOPED_TRACE(shape_string(shape) + " axis " + std::to_string(axis) +
                     (rounding == ir::QuantizeRounding::kHalfToEven ? " half to even" : " half away"));
        const int32_t c = shape[static_cast<size_t>(axis)];
        QuantParams q;
        q.axis = axis;
        for (int32_t i = 0; i < c; ++i) {
          q.scale.push_back(std::ldexp(1.0f, i - 1));  // 0.5, 1, 2, 4
          q.zero_point.push_back(10 * i - 5);
        }
        const int64_t n = shape_elements(shape);
        std::vector<float> x(static_cast<size_t>(n));
        std::vector<int8_t> want(x.size());
        for (int64_t i = 0; i < n; ++i) {
          // The channel of element i: its coordinate along `axis` (row-major).
          int64_t rest = i, ch = 0;
          for (int32_t d = static_cast<int32_t>(shape.size()) - 1; d >= 0; --d) {
            if (d == axis) ch = rest % shape[static_cast<size_t>(d)];
            rest /= shape[static_cast<size_t>(d)];
          }
          const int64_t halves = i % 13 - 6;  // x / scale = halves / 2 in [-3, 3]
          x[static_cast<size_t>(i)] = static_cast<float>(halves) * 0.5f * q.scale[static_cast<size_t>(ch)];
          int64_t r = halves / 2;  // truncated toward zero
          if (halves % 2 != 0) {
            const bool even = rounding == ir::QuantizeRounding::kHalfToEven;
            const bool up = even ? (r % 2 != 0) : true;  // away: always one step out; even: out when r is odd
            if (up) r += halves > 0 ? 1 : -1;
          }
          want[static_cast<size_t>(i)] = static_cast<int8_t>(r + q.zero_point[static_cast<size_t>(ch)]);
        }
        OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{rounding});
        t.input<float>(shape, x);
        t.output(shape, DType::kInt8, q);
        ASSERT_TRUE(t.run().ok());
        EXPECT_EQ(t.result<int8_t>(0), want);
      }
    }
  }
}

// Element-wise scales and zero points (ONNX's blocked quantization, expanded):
// ONNX's test_quantizelinear_blocked_asymmetric, x [3, 4] with blocks of 2
// along axis 1.
TEST(QuantizeOp, ElementWiseParameters) {
  OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven});
  t.input<float>({3, 4}, {6, 12, 50, 5, 1, 8, 4, 5, 0, 20, 10, 4});
  t.constant<float>({3, 4}, {1.5f, 1.5f, 2.5f, 2.5f, 3.f, 3.f, 4.9f, 4.9f, 5.1f, 5.1f, 6.9f, 6.9f});
  t.constant<int32_t>({3, 4}, {0, 0, 1, 1, 1, 1, 0, 0, 2, 2, 3, 3});
  t.output({3, 4}, DType::kUInt8);
  ASSERT_TRUE(t.run().ok());
  // 6/1.5 = 4, 12/1.5 = 8, 50/2.5 + 1 = 21, 5/2.5 + 1 = 3; 1/3 -> 0 + 1, 8/3 -> 3 + 1,
  // 4/4.9 -> 1, 5/4.9 -> 1; 0 + 2, 20/5.1 -> 4 + 2, 10/6.9 -> 1 + 3, 4/6.9 -> 1 + 3.
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{4, 8, 21, 3, 1, 4, 1, 1, 2, 6, 4, 4}));
}

TEST(QuantizeOp, RejectsBadElementWiseParameters) {
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.constant<float>({2}, {1, 1});
    t.absent_input();
    t.output({2}, DType::kInt8);
    expect_error(t.run(), {"QUANTIZE", "inputs 1 and 2", "expected both, found one"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.constant<float>({2}, {1, 1});
    t.constant<int32_t>({2}, {0, 0});
    t.output({2}, DType::kInt8, qp(1.f, 0));
    expect_error(t.run(), {"QUANTIZE", "output quantization: expected none with element-wise scales"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.constant<float>({1}, {1});
    t.constant<int32_t>({2}, {0, 0});
    t.output({2}, DType::kInt8);
    expect_error(t.run(), {"QUANTIZE", "input 1 (scales) shape: expected [2] (output's), found [1]"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.constant<float>({2}, {1, 0});
    t.constant<int32_t>({2}, {0, 0});
    t.output({2}, DType::kInt8);
    expect_error(t.run(), {"QUANTIZE", "output quantization scale 1: expected positive and finite"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.constant<float>({2}, {1, 1});
    t.constant<int32_t>({2}, {0, 300});
    t.output({2}, DType::kUInt8);
    expect_error(t.run(), {"QUANTIZE", "output zero point 1", "[0, 255] for uint8, found 300"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({2}, {1, 2});
    t.input<float>({2}, {1, 1});  // not a constant
    t.constant<int32_t>({2}, {0, 0});
    t.output({2}, DType::kInt8);
    expect_error(t.run(), {"QUANTIZE", "input 1 (scales) must be a constant"});
  }
}

TEST(QuantizeOp, RequantizeKeepsTfliteRounding) {
  OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven});
  t.input<uint8_t>({2}, {1, 2}, qp(1.f, 0));
  t.output({2}, DType::kInt8, qp(0.5f, 0));
  expect_error(t.run(), {"QUANTIZE", "rounding: expected half away from zero for a uint8 input (requantize)"});
}

TEST(QuantizeOp, Float8SaturatesOrNot) {
  // x / 2 in float, then to float8, ties to even: 2.125 / 2 = 1.0625 is halfway
  // between 1 (0x38) and 1.125 (0x39) in E4M3FN; 1000 / 2 = 500 is past 448.
  const std::vector<float> x{0.f, 2.125f, -3.f, 1000.f, INFINITY, NAN};
  for (bool saturate : {true, false}) {
    OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven, saturate});
    t.input<float>({6}, x);
    t.output({6}, DType::kFloat8E4M3FN, qp(2.f, 0));
    ASSERT_TRUE(t.run().ok());
    const uint8_t big = saturate ? 0x7E : 0x7F;
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0x00, 0x38, 0xBC, big, big, 0x7F})) << saturate;
  }
  for (bool saturate : {true, false}) {
    OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven, saturate});
    t.input<float>({2, 2}, {1e6f, -INFINITY, 1.f, 3.f});
    t.output({2, 2}, DType::kFloat8E5M2, QuantParams{{1.f, 0.5f}, {0, 0}, 0});  // per row
    ASSERT_TRUE(t.run().ok());
    const uint8_t big = saturate ? 0x7B : 0x7C;
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{big, static_cast<uint8_t>(0x80 | big), 0x40, 0x46}))
        << saturate;
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input<float>({1}, {1.f});
    t.output({1}, DType::kFloat8E5M2, qp(1.f, 3));
    expect_error(t.run(), {"QUANTIZE", "output zero point 0", "[0, 0] for float8e5m2, found 3"});
  }
  {
    OpTester t(ir::OpType::kQuantize);
    t.input_bytes({1}, DType::kFloat16, {0x00, 0x3C});
    t.output({1}, DType::kInt8, qp(1.f, 0));
    expect_error(t.run(), {"QUANTIZE", "input 0 dtype", "found float16"});
  }
}

// ONNX's sub-byte types (stored one per byte): ties to even, then saturation
// to the type's range after the zero point; expected values by hand.
TEST(QuantizeOp, SubByteIntegersRoundToEvenAndSaturate) {
  const ir::QuantizeAttrs onnx{ir::QuantizeRounding::kHalfToEven};
  {
    // x / 2 + 1: 0 -> 1; 1.5 -> 2 -> 3; 2.5 -> 2 -> 3; -1.5 -> -2 -> -1; 50 -> 7; -50 -> -8;
    // 6.5 -> 6 -> 7; 7.5 -> 8 -> 9 -> 7.
    OpTester t(ir::OpType::kQuantize, onnx);
    t.input<float>({8}, {0.f, 3.f, 5.f, -3.f, 100.f, -100.f, 13.f, 15.f});
    t.output({8}, DType::kInt4, qp(2.f, 1));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{1, 3, 3, -1, 7, -8, 7, 7}));
  }
  {
    // x + 3: -3.5 -> -4 -> 0 (saturated); -2.5 -> -2 -> 1; 12.5 -> 12 -> 15; 13 -> 15 (saturated); 0.5 -> 3; 1.5 -> 5.
    OpTester t(ir::OpType::kQuantize, onnx);
    t.input<float>({6}, {-3.5f, -2.5f, 12.5f, 13.f, 0.5f, 1.5f});
    t.output({6}, DType::kUInt4, qp(1.f, 3));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0, 1, 15, 15, 3, 5}));
  }
  {
    // x: -2.5 -> -2; -1.5 -> -2; 0.5 -> 0; 1.5 -> 2 -> 1 (saturated); -3 -> -2 (saturated); 1; 0.49 -> 0.
    OpTester t(ir::OpType::kQuantize, onnx);
    t.input<float>({7}, {-2.5f, -1.5f, 0.5f, 1.5f, -3.f, 1.f, 0.49f});
    t.output({7}, DType::kInt2, qp(1.f, 0));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-2, -2, 0, 1, -2, 1, 0}));
  }
  {
    // x / 0.5 + 1: 0.5 -> 0 -> 1; 1.5 -> 2 -> 3; 2 -> 3; -0.5 -> 0 -> 1; -2 -> -1 -> 0 (saturated);
    // 10 -> 3 (saturated).
    OpTester t(ir::OpType::kQuantize, onnx);
    t.input<float>({6}, {0.25f, 0.75f, 1.f, -0.25f, -1.f, 5.f});
    t.output({6}, DType::kUInt2, qp(0.5f, 1));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{1, 3, 3, 1, 0, 3}));
  }
  for (const auto& [dtype, zp, range] : {std::tuple{DType::kInt4, 8, "[-8, 7] for int4, found 8"},
                                         std::tuple{DType::kUInt4, -1, "[0, 15] for uint4, found -1"},
                                         std::tuple{DType::kInt2, -3, "[-2, 1] for int2, found -3"},
                                         std::tuple{DType::kUInt2, 4, "[0, 3] for uint2, found 4"}}) {
    OpTester t(ir::OpType::kQuantize, onnx);
    t.input<float>({1}, {1.f});
    t.output({1}, dtype, qp(1.f, zp));
    expect_error(t.run(), {"QUANTIZE", "output zero point 0", range});
  }
}

// float4e2m1 codes (sign bit 8; magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6): x / 2
// rounded to the nearest, ties to the even code, saturating at 6.
TEST(QuantizeOp, Float4E2M1) {
  OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven});
  // 0.5; tie 0.75 -> 1; tie 1.25 -> 1; tie 1.75 -> 2; tie 5 -> 4; 5.25 -> 6; -50 -> -6;
  // -0 + zero point 0 -> +0; -0.2 -> -0.
  t.input<float>({9}, {1.f, 1.5f, 2.5f, 3.5f, 10.f, 10.5f, -100.f, -0.f, -0.4f});
  t.output({9}, DType::kFloat4E2M1, qp(2.f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0x1, 0x2, 0x2, 0x4, 0x6, 0x7, 0xf, 0x0, 0x8}));

  OpTester bad(ir::OpType::kQuantize);
  bad.input<float>({1}, {1.f});
  bad.output({1}, DType::kFloat4E2M1, qp(1.f, 1));
  expect_error(bad.run(), {"QUANTIZE", "output zero point 0", "[0, 0] for float4e2m1, found 1"});
}

}  // namespace
}  // namespace edgerun
