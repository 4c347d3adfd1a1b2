// TANH: float32 values (numpy's float32 tanh as the oracle), shapes of any
// rank, multi-threaded slices, and validation (quantized TANH is unsupported).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

void expect_status(const Status& st, StatusCode code, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(TanhOp, MatchesNumpy) {
  // np.tanh(np.array([-1, 0, 1, -0.5, 0.25, 3, -9, 20], np.float32)); the first three
  // are ONNX's test_tanh_example.
  const std::vector<float> x{-1.f, 0.f, 1.f, -0.5f, 0.25f, 3.f, -9.f, 20.f};
  const std::vector<float> want{
      -0.7615941762924194f, 0.f, 0.7615941762924194f, -0.46211719512939453f, 0.24491865932941437f, 0.9950547814369202f,
      -0.9999999403953552f, 1.f};
  OpTester t(ir::OpType::kTanh);
  t.input<float>({2, 4}, x);
  t.output({2, 4}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-7f) << "x = " << x[i];
}

TEST(TanhOp, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  OpTester t(ir::OpType::kTanh);
  t.input<float>({4}, {inf, -inf, std::nanf(""), -0.f});
  t.output({4}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  EXPECT_EQ(y[0], 1.f);
  EXPECT_EQ(y[1], -1.f);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], 0.f);
  EXPECT_TRUE(std::signbit(y[3]));
}

TEST(TanhOp, AnyRankAndSize) {
  for (const Shape& shape : std::vector<Shape>{{}, {1}, {17}, {1, 1, 1, 7}, {2, 3, 1, 3}, {1, 2, 3, 4, 5}, {0, 3}}) {
    SCOPED_TRACE(shape_string(shape));
    const int64_t n = shape_elements(shape);
    std::vector<float> x(static_cast<size_t>(n));
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.37f * static_cast<float>(i) - 2.f;
    OpTester t(ir::OpType::kTanh);
    t.input<float>(shape, x);
    t.output(shape, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    const auto y = t.result<float>(0);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], std::tanh(x[i]));
  }
}

TEST(TanhOp, ThreadedSlicesCoverEveryElement) {
  const int32_t n = 3 * (1 << 14) + 5;  // several slices, an uneven split
  std::vector<float> x(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 101) - 50) * 0.1f;
  OpTester t(ir::OpType::kTanh);
  t.set_threads(3);
  t.input<float>({1, n}, x);
  t.output({1, n}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const auto y = t.result<float>(0);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(y[i], std::tanh(x[i])) << i;
}

TEST(TanhOp, Validation) {
  {
    OpTester t(ir::OpType::kTanh);
    t.input<uint8_t>({2}, {1, 2}, QuantParams{{0.1f}, {128}, 0});
    t.output({2}, DType::kUInt8, QuantParams{{1.f / 128}, {128}, 0});
    expect_status(t.run(), StatusCode::kUnsupported, {"TANH", "uint8", "not supported", "float32"});
  }
  {
    OpTester t(ir::OpType::kTanh);
    t.input<int8_t>({2}, {1, 2}, QuantParams{{0.1f}, {0}, 0});
    t.output({2}, DType::kInt8, QuantParams{{1.f / 128}, {0}, 0});
    expect_status(t.run(), StatusCode::kUnsupported, {"TANH", "int8", "not supported"});
  }
  {
    OpTester t(ir::OpType::kTanh);
    t.input<int32_t>({2}, {1, 2});
    t.output({2}, DType::kInt32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"TANH", "input 0 dtype", "expected float32", "found int32"});
  }
  {
    OpTester t(ir::OpType::kTanh);
    t.input<float>({2, 3}, std::vector<float>(6));
    t.output({3, 2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"TANH", "output shape", "expected [2,3]", "found [3,2]"});
  }
  {
    OpTester t(ir::OpType::kTanh);
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kInt32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"TANH", "output dtype", "expected float32", "found int32"});
  }
  {
    OpTester t(ir::OpType::kTanh);
    t.input<float>({2}, {1, 2});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"TANH", "input count", "expected 1", "found 2"});
  }
}

}  // namespace
}  // namespace edgerun
