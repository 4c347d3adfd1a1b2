// CLAMP: y = min(max(x, min), max) on float32 (ONNX Clip's test cases, open
// bounds, min > max, TFLite's RELU / RELU6 / RELU_N1_TO_1 bounds) and on plain
// int8 / uint8 / int16 / int32 / int64 (bounds rounded inward and saturated to
// the dtype); validation (quantized CLAMP is unsupported).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

constexpr float kInf = std::numeric_limits<float>::infinity();

template <typename T>
std::vector<T> clamp_shaped(float lo, float hi, const std::vector<T>& x, const Shape& shape) {
  OpTester t(ir::OpType::kClamp, ir::ClampAttrs{lo, hi});
  t.input<T>(shape, x);
  t.output(shape, testing::dtype_of<T>());
  const Status st = t.run();
  EXPECT_TRUE(st.ok()) << st.message();
  return t.result<T>(0);
}

template <typename T>
std::vector<T> clamp(float lo, float hi, const std::vector<T>& x) {
  return clamp_shaped<T>(lo, hi, x, {static_cast<int32_t>(x.size())});
}

void expect_status(const Status& st, StatusCode code, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(ClampOp, OnnxClipCases) {
  EXPECT_EQ(clamp<float>(-1, 1, {-2, 0, 2}), (std::vector<float>{-1, 0, 1}));  // test_clip_example
  EXPECT_EQ(clamp<float>(-5, 5, {-1, 0, 1}), (std::vector<float>{-1, 0, 1}));  // test_clip_inbounds
  EXPECT_EQ(clamp<float>(-5, 5, {-6, 0, 6}), (std::vector<float>{-5, 0, 5}));  // test_clip_outbounds
  EXPECT_EQ(clamp<float>(-5, 5, {-1, 0, 6}), (std::vector<float>{-1, 0, 5}));  // test_clip_splitbounds
  EXPECT_EQ(clamp<float>(2, 1, {-2, 0, 6}), (std::vector<float>{1, 1, 1}));    // test_clip_min_greater_than_max
  EXPECT_EQ(clamp<float>(0, kInf, {-3, 0.5f, 1e30f}), (std::vector<float>{0, 0.5f, 1e30f}));      // default max
  EXPECT_EQ(clamp<float>(-kInf, 0, {-1e30f, -0.5f, 3}), (std::vector<float>{-1e30f, -0.5f, 0}));  // default min
  EXPECT_EQ(clamp<float>(-kInf, kInf, {-1, 0, 1}), (std::vector<float>{-1, 0, 1}));               // default_inbounds
  EXPECT_EQ(ir::ClampAttrs{}.min, -kInf);
  EXPECT_EQ(ir::ClampAttrs{}.max, kInf);
}

TEST(ClampOp, TfliteReluBounds) {
  const std::vector<float> x{-7.f, -1.5f, -0.25f, 0.f, 0.75f, 5.f, 6.5f, 100.f};
  EXPECT_EQ(clamp<float>(0, kInf, x), (std::vector<float>{0, 0, 0, 0, 0.75f, 5, 6.5f, 100}));  // RELU
  EXPECT_EQ(clamp<float>(0, 6, x), (std::vector<float>{0, 0, 0, 0, 0.75f, 5, 6, 6}));          // RELU6
  EXPECT_EQ(clamp<float>(-1, 1, x), (std::vector<float>{-1, -1, -0.25f, 0, 0.75f, 1, 1, 1}));  // RELU_N1_TO_1
}

TEST(ClampOp, FloatSpecialValues) {
  const auto y = clamp<float>(-kInf, kInf, {kInf, -kInf, std::nanf("")});
  EXPECT_EQ(y[0], kInf);
  EXPECT_EQ(y[1], -kInf);
  EXPECT_TRUE(std::isnan(y[2]));
  const auto r = clamp<float>(0, 6, {kInf, -kInf, std::nanf("")});
  EXPECT_EQ(r[0], 6.f);
  EXPECT_EQ(r[1], 0.f);
  EXPECT_TRUE(std::isnan(r[2]));  // NaN passes through the clamp
}

TEST(ClampOp, AnyShapeAndThreads) {
  for (const Shape& shape : std::vector<Shape>{{}, {1, 1, 1, 1}, {1, 4, 4, 7}, {2, 3, 17}, {1, 1, 1, 3, 1}, {0}}) {
    SCOPED_TRACE(shape_string(shape));
    std::vector<float> x(static_cast<size_t>(shape_elements(shape)));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 13) - 6) * 0.5f;
    const auto y = clamp_shaped<float>(-1.f, 2.f, x, shape);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], std::min(std::max(x[i], -1.f), 2.f));
  }
  const int32_t n = 4 * (1 << 14) + 1;
  std::vector<int32_t> x(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int32_t>(i) - n / 2;
  OpTester t(ir::OpType::kClamp, ir::ClampAttrs{-100.f, 100.f});
  t.set_threads(3);
  t.input<int32_t>({1, n}, x);
  t.output({1, n}, DType::kInt32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<int32_t>(0);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], std::min(std::max(x[i], -100), 100)) << i;
}

TEST(ClampOp, Int8LikeOnnxInt8Clip) {
  // test_clip_default_int8_min / _max / _inbounds: int8 bounds, the other side open.
  const std::vector<int8_t> x{-128, -5, -1, 0, 1, 5, 127};
  EXPECT_EQ(clamp<int8_t>(0, kInf, x), (std::vector<int8_t>{0, 0, 0, 0, 1, 5, 127}));
  EXPECT_EQ(clamp<int8_t>(-kInf, 0, x), (std::vector<int8_t>{-128, -5, -1, 0, 0, 0, 0}));
  EXPECT_EQ(clamp<int8_t>(-kInf, kInf, x), x);
  EXPECT_EQ(clamp<int8_t>(-3, 4, x), (std::vector<int8_t>{-3, -3, -1, 0, 1, 4, 4}));
  EXPECT_EQ(clamp<int8_t>(2, 1, x), (std::vector<int8_t>{1, 1, 1, 1, 1, 1, 1}));  // min > max
}

TEST(ClampOp, EveryIntegerDtype) {
  EXPECT_EQ(clamp<uint8_t>(10, 200, {0, 9, 10, 100, 200, 201, 255}),
            (std::vector<uint8_t>{10, 10, 10, 100, 200, 200, 200}));
  EXPECT_EQ(clamp<int16_t>(-300, 300, {-32768, -301, -300, 0, 300, 301, 32767}),
            (std::vector<int16_t>{-300, -300, -300, 0, 300, 300, 300}));
  EXPECT_EQ(clamp<int32_t>(-70000, 70000, {std::numeric_limits<int32_t>::min(), -70001, 5, 70001}),
            (std::vector<int32_t>{-70000, -70000, 5, 70000}));
  constexpr int64_t kBig = int64_t{1} << 40;  // a power of two: exact in float
  EXPECT_EQ(clamp<int64_t>(
                -static_cast<float>(kBig), static_cast<float>(kBig),
                {std::numeric_limits<int64_t>::min(), -kBig - 1, 7, kBig + 1, std::numeric_limits<int64_t>::max()}),
            (std::vector<int64_t>{-kBig, -kBig, 7, kBig, kBig}));
}

TEST(ClampOp, IntegerBoundsRoundInwardAndSaturate) {
  // [0.5, 2.5] holds the integers 1 and 2; bounds beyond the dtype are no bound.
  EXPECT_EQ(clamp<int8_t>(0.5f, 2.5f, {-1, 0, 1, 2, 3}), (std::vector<int8_t>{1, 1, 1, 2, 2}));
  EXPECT_EQ(clamp<int32_t>(-2.5f, -0.5f, {-5, -2, -1, 0}), (std::vector<int32_t>{-2, -2, -1, -1}));
  EXPECT_EQ(clamp<uint8_t>(-1000, 1000, {0, 255}), (std::vector<uint8_t>{0, 255}));
  EXPECT_EQ(clamp<int8_t>(-1000, 1000, {-128, 127}), (std::vector<int8_t>{-128, 127}));
  EXPECT_EQ(clamp<uint8_t>(300, 400, {0, 255}), (std::vector<uint8_t>{255, 255}));
  EXPECT_EQ(clamp<int64_t>(-1e30f, 1e30f, {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}));
  // No integer in [0.25, 0.75]: min rounds up to 1, max down to 0, so min > max gives max.
  EXPECT_EQ(clamp<int16_t>(0.25f, 0.75f, {-3, 0, 3}), (std::vector<int16_t>{0, 0, 0}));
}

TEST(ClampOp, Validation) {
  {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{std::nanf(""), 1.f});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"CLAMP", "min / max", "nan"});
  }
  {
    OpTester t(ir::OpType::kClamp, ir::ElementwiseAttrs{});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"CLAMP", "attributes", "ClampAttrs"});
  }
  {
    // A quantized model's RELU6 (TFLite maps it to CLAMP).
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{0.f, 6.f});
    t.input<uint8_t>({2}, {1, 2}, QuantParams{{0.1f}, {0}, 0});
    t.output({2}, DType::kUInt8, QuantParams{{0.1f}, {0}, 0});
    expect_status(t.run(), StatusCode::kUnsupported, {"CLAMP", "quantized uint8", "not supported"});
  }
  {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{0.f, 6.f});
    t.input<int8_t>({2}, {1, 2});
    t.output({2}, DType::kInt8, QuantParams{{0.1f}, {0}, 0});
    expect_status(t.run(), StatusCode::kUnsupported, {"CLAMP", "quantized int8", "not supported"});
  }
  {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{0.f, 6.f});
    t.input<int32_t>({2}, {1, 2});
    t.output({2}, DType::kInt64);
    expect_status(t.run(), StatusCode::kInvalidModel, {"CLAMP", "output dtype", "expected int32", "found int64"});
  }
  {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{0.f, 6.f});
    t.input<uint8_t>({2}, {1, 0});
    t.output({2}, DType::kBool);
    for (ir::Value& v : t.graph().values) v.info.dtype = DType::kBool;
    expect_status(t.run(), StatusCode::kInvalidModel, {"CLAMP", "input 0 dtype", "found bool"});
  }
  {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{0.f, 6.f});
    t.input<float>({1, 3}, {1, 2, 3});
    t.output({3}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"CLAMP", "output shape", "expected [1,3]", "found [3]"});
  }
}

}  // namespace
}  // namespace edgerun
