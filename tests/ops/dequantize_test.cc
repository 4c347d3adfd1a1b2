// DEQUANTIZE: uint8 / int8 / uint16 / int16, the sub-byte integer types,
// float4e2m1 and float8 -> float32 or float16, real = scale * (q -
// zero_point), per tensor, per channel or element-wise.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "core/float_types.h"
#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

QuantParams qp(float scale, int64_t zp) { return QuantParams{{scale}, {zp}, 0}; }

void expect_error(const Status& st, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(DequantizeOp, Uint8) {
  OpTester t(ir::OpType::kDequantize);
  t.input<uint8_t>({3}, {0, 128, 255}, qp(0.5f, 128));
  t.output({3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{-64.f, 0.f, 63.5f}));
}

TEST(DequantizeOp, Int8) {
  OpTester t(ir::OpType::kDequantize);
  t.input<int8_t>({2, 2}, {-128, -1, 127, 0}, qp(0.25f, -1));
  t.output({2, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{-31.75f, 0.f, 32.f, 0.25f}));
}

TEST(DequantizeOp, ComputesInDouble) {
  // float(double(0.1f) * 3): the product is rounded once, from double.
  OpTester t(ir::OpType::kDequantize);
  t.input<uint8_t>({1}, {3}, qp(0.1f, 0));
  t.output({1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0)[0], static_cast<float>(static_cast<double>(0.1f) * 3));
}

TEST(DequantizeOp, RejectsBadTypesAndQuantization) {
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 0 dtype", "found float32"});
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<int8_t>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 0 quantization"});
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.output({2}, DType::kInt8, qp(0.5f, 0));
    expect_error(t.run(), {"DEQUANTIZE", "output dtype", "expected float32 or float16", "found int8"});
  }
}

// TFLite's fp16 weights: float16 -> float32, exact, no quantization parameters.
TEST(DequantizeOp, Float16ToFloat32) {
  OpTester t(ir::OpType::kDequantize);
  // 1, -2, 65504, the smallest subnormal, -0, inf
  t.input_bytes({6}, DType::kFloat16, {0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x80, 0x00, 0x7C});
  t.output({6}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const std::vector<float> y = t.result<float>(0);
  EXPECT_EQ(y, (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), -0.0f, INFINITY}));
  EXPECT_TRUE(std::signbit(y[4]));
  {
    OpTester bad(ir::OpType::kDequantize);
    bad.input_bytes({1}, DType::kFloat16, {0x00, 0x3C}, qp(0.5f, 0));
    bad.output({1}, DType::kFloat32);
    expect_error(bad.run(), {"DEQUANTIZE", "input 0 float16: expected no quantization", "found 1 scales"});
  }
  {
    OpTester bad(ir::OpType::kDequantize);
    bad.input_bytes({1}, DType::kFloat16, {0x00, 0x3C});
    bad.output({1}, DType::kFloat16);
    expect_error(bad.run(), {"DEQUANTIZE", "a float32 output", "a float16 output"});
  }
}

TEST(DequantizeOp, Float8PerTensorAndPerChannel) {
  // E4M3FN 0x38 = 1, 0xC4 = -3, 0x7E = 448, 0x01 = 2^-9, 0x7F = NaN; E5M2 0x7C = inf, 0x7B = 57344.
  {
    OpTester t(ir::OpType::kDequantize);
    t.input_bytes({5}, DType::kFloat8E4M3FN, {0x38, 0xC4, 0x7E, 0x01, 0x7F}, qp(2.f, 0));
    t.output({5}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    const std::vector<float> y = t.result<float>(0);
    EXPECT_EQ(std::vector<float>(y.begin(), y.begin() + 4), (std::vector<float>{2.f, -6.f, 896.f, 1.f / 256}));
    EXPECT_TRUE(std::isnan(y[4]));
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input_bytes({2, 2}, DType::kFloat8E5M2, {0x7C, 0x7B, 0x3C, 0xBC}, QuantParams{{1.f, 0.5f}, {0, 0}, 0});
    t.output({2, 2}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{INFINITY, 57344.f, 0.5f, -0.5f}));
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input_bytes({1}, DType::kFloat8E4M3FN, {0x38}, qp(2.f, 1));
    t.output({1}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 0 zero point 0", "[0, 0] for float8e4m3fn, found 1"});
  }
}

TEST(DequantizeOp, Float16OutputRoundsTheFloatResult) {
  // 2049 * 1 is exact in float but halfway between the halves 2048 and 2050:
  // rounded to even, 2048; uint16 65535 * 2 overflows half to infinity; the
  // per-channel runs continue across the 1024-element blocks of the kernel.
  OpTester t(ir::OpType::kDequantize);
  std::vector<uint16_t> x(2 * 1500, 3);
  x[0] = 2049;
  x[1] = 65535;
  x[1500] = 1;
  t.input<uint16_t>({2, 1500}, x, QuantParams{{1.f, 2.f}, {0, 1}, 0});
  t.output({2, 1500}, DType::kFloat16);
  ASSERT_TRUE(t.run().ok());
  const std::vector<uint16_t> y = t.result<uint16_t>(0);
  ASSERT_EQ(y.size(), x.size());
  EXPECT_EQ(half_to_float(y[0]), 2048.f);
  EXPECT_EQ(y[1], float_to_half(65535.f));
  EXPECT_EQ(half_to_float(y[1499]), 3.f);
  EXPECT_EQ(half_to_float(y[1500]), 0.f);
  EXPECT_EQ(half_to_float(y[2999]), 4.f);
}

TEST(DequantizeOp, SixteenBitExtremes) {
  {
    // (q + 1024) * 2, q at both ends of int16 and between (ONNX's test_dequantizelinear_int16 values).
    OpTester t(ir::OpType::kDequantize);
    t.input<int16_t>({6}, {-32768, 32767, -300, -30, -1025, 1270}, qp(2.f, -1024));
    t.output({6}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{-63488.f, 67582.f, 1448.f, 1988.f, -2.f, 4588.f}));
  }
  {
    // (q - 32767) * 0.5: 0 -> -16383.5, 65535 -> 16384.
    OpTester t(ir::OpType::kDequantize);
    t.input<uint16_t>({4}, {0, 65535, 32767, 30000}, qp(0.5f, 32767));
    t.output({4}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{-16383.5f, 16384.f, 0.f, -1383.5f}));
  }
}

// Per channel along each axis of rank-2, -3 and -4 tensors, the expected
// floats from each element's own coordinates (an independent loop; scales are
// powers of two, so every product is exact).
TEST(DequantizeOp, PerChannelEveryAxis) {
  const std::vector<Shape> shapes = {{3, 4}, {2, 3, 4}, {2, 2, 3, 3}};
  for (const Shape& shape : shapes) {
    for (int32_t axis = 0; axis < static_cast<int32_t>(shape.size()); ++axis) {
      SCOPED_TRACE(shape_string(shape) + " axis " + std::to_string(axis));
      const int32_t c = shape[static_cast<size_t>(axis)];
      QuantParams q;
      q.axis = axis;
      for (int32_t i = 0; i < c; ++i) {
        q.scale.push_back(std::ldexp(1.0f, i - 2));  // 0.25, 0.5, 1, 2
        q.zero_point.push_back(3 * i - 4);
      }
      const int64_t n = shape_elements(shape);
      std::vector<int8_t> x(static_cast<size_t>(n));
      std::vector<float> want(x.size());
      for (int64_t i = 0; i < n; ++i) {
        int64_t rest = i, ch = 0;
        for (int32_t d = static_cast<int32_t>(shape.size()) - 1; d >= 0; --d) {
          if (d == axis) ch = rest % shape[static_cast<size_t>(d)];
          rest /= shape[static_cast<size_t>(d)];
        }
        const auto v = static_cast<int8_t>((i * 37) % 256 - 128);
        x[static_cast<size_t>(i)] = v;
        want[static_cast<size_t>(i)] =
            static_cast<float>(v - q.zero_point[static_cast<size_t>(ch)]) * q.scale[static_cast<size_t>(ch)];
      }
      OpTester t(ir::OpType::kDequantize);
      t.input<int8_t>(shape, x, q);
      t.output(shape, DType::kFloat32);
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<float>(0), want);
    }
  }
}

// Element-wise scales and zero points (ONNX's blocked quantization, expanded):
// ONNX's test_dequantizelinear_blocked, x [1, 4, 3, 2] with blocks of 2 along
// axis 1, so channels 0-1 share scale [:, 0] and 2-3 scale [:, 1].
TEST(DequantizeOp, ElementWiseParameters) {
  const std::vector<float> block_scale = {3, 2, 4, 1, 2, 2, 5, 2, 4, 3, 5, 2};   // [1, 2, 3, 2]
  const std::vector<int32_t> block_zp = {1, 0, 0, 1, 2, 20, 3, 2, 4, 3, 15, 2};  // [1, 2, 3, 2]
  std::vector<float> scale;
  std::vector<int32_t> zp;
  for (int c = 0; c < 4; ++c) {
    for (int j = 0; j < 6; ++j) {
      scale.push_back(block_scale[static_cast<size_t>(c / 2 * 6 + j)]);
      zp.push_back(block_zp[static_cast<size_t>(c / 2 * 6 + j)]);
    }
  }
  OpTester t(ir::OpType::kDequantize);
  t.input<uint8_t>({1, 4, 3, 2}, {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13,
                                  5, 12, 12, 33, 65, 42, 245, 99, 4, 142, 121, 102});
  t.constant<float>({1, 4, 3, 2}, scale);
  t.constant<int32_t>({1, 4, 3, 2}, zp);
  t.output({1, 4, 3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{6, 178, 136, 199, 144, 78, 12, 48, 96, 86, 60, -14,
                                                    10, 20, 32, 90, 250, 80, 1210, 194, 0, 417, 530, 200}));
}

TEST(DequantizeOp, RejectsBadParameters) {
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, QuantParams{{0.5f, 0.25f, 1.f}, {0, 0, 0}, 0});  // axis 0 has 2
    t.output({2, 3}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 0 quantization", "3 scales along axis 0 of shape [2,3]"});
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<uint16_t>({2}, {1, 2}, qp(0.5f, -1));
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 0 zero point 0", "[0, 65535] for uint16, found -1"});
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<int8_t>({2}, {1, 2});
    t.constant<float>({2}, {1, 1});
    t.constant<int64_t>({2}, {0, 0});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 2 (zero points) dtype: expected int32, found int64"});
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
    t.constant<float>({2}, {1, 1});
    t.constant<int32_t>({2}, {0, 0});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"DEQUANTIZE", "input 0 quantization: expected none with element-wise scales"});
  }
}

// An input of a sub-byte dtype, stored one element per byte like T (see DType).
template <typename T>
void sub_byte_input(OpTester* t, DType dtype, Shape shape, const std::vector<T>& data, QuantParams quant) {
  const int i = t->input<T>(std::move(shape), data, std::move(quant));
  t->graph().values[static_cast<size_t>(t->node().inputs[static_cast<size_t>(i)])].info.dtype = dtype;
}

TEST(DequantizeOp, SubByteIntegers) {
  struct Case {
    DType dtype;
    std::vector<int8_t> q;  // the stored bytes
    QuantParams quant;
    std::vector<float> want;
  };
  const std::vector<Case> cases = {
      {DType::kInt4, {-8, 7, -1}, qp(2.f, -1), {-14.f, 16.f, 0.f}},
      {DType::kUInt4, {0, 15, 3}, qp(0.5f, 3), {-1.5f, 6.f, 0.f}},
      {DType::kInt2, {-2, 1, 0}, qp(1.f, 1), {-3.f, 0.f, -1.f}},
      {DType::kUInt2, {0, 3, 1}, qp(0.25f, 1), {-0.25f, 0.5f, 0.f}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(dtype_name(c.dtype));
    OpTester t(ir::OpType::kDequantize);
    sub_byte_input<int8_t>(&t, c.dtype, {3}, c.q, c.quant);
    t.output({3}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), c.want);
  }
  OpTester t(ir::OpType::kDequantize);
  sub_byte_input<int8_t>(&t, DType::kInt2, {1}, {0}, qp(1.f, 2));
  t.output({1}, DType::kFloat32);
  expect_error(t.run(), {"DEQUANTIZE", "input 0 zero point 0", "[-2, 1] for int2, found 2"});
}

TEST(DequantizeOp, Float4E2M1) {
  // Codes 0, 1, 7, 9, 15, 8: 0, 0.5, 6, -0.5, -6, -0, times 3.
  OpTester t(ir::OpType::kDequantize);
  sub_byte_input<uint8_t>(&t, DType::kFloat4E2M1, {6}, {0, 1, 7, 9, 15, 8}, qp(3.f, 0));
  t.output({6}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const std::vector<float> y = t.result<float>(0);
  EXPECT_EQ(y, (std::vector<float>{0.f, 1.5f, 18.f, -1.5f, -18.f, 0.f}));
  EXPECT_TRUE(std::signbit(y[5]));
}

}  // namespace
}  // namespace edgerun
