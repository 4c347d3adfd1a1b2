// RESHAPE tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("RESHAPE"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

TEST(ReshapeOp, FloatWithConstantShapeAndStretch) {
  OpTester t(ir::OpType::kReshape);
  t.input<float>({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  t.constant<int32_t>({2}, {-1, 3});
  t.output({2, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(ReshapeOp, Uint8WithoutShapeInput) {
  OpTester t(ir::OpType::kReshape);
  t.input<uint8_t>({1, 1, 1, 3}, {9, 8, 7}, q(0.1f, 3));
  t.output({1, 3}, DType::kUInt8, q(0.1f, 3));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{9, 8, 7}));
}

// A non-constant shape tensor is not read: the output Value's shape decides.
TEST(ReshapeOp, Int8WithRuntimeShapeInput) {
  OpTester t(ir::OpType::kReshape);
  t.input<int8_t>({4}, {-1, 2, -3, 4}, q(0.1f, 0));
  t.input<int32_t>({2}, {2, 2});
  t.output({2, 2}, DType::kInt8, q(0.1f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-1, 2, -3, 4}));
}

TEST(ReshapeOp, RejectsElementCountMismatch) {
  OpTester t(ir::OpType::kReshape);
  t.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.output({2, 2}, DType::kFloat32);
  expect_prepare_error(t, "output elements: expected 6");
}

TEST(ReshapeOp, RejectsShapeInputDisagreeingWithOutput) {
  OpTester t(ir::OpType::kReshape);
  t.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.constant<int32_t>({2}, {3, 2});
  t.output({2, 3}, DType::kFloat32);
  expect_prepare_error(t, "shape input: expected [2,3]");
}

TEST(ReshapeOp, RejectsTwoStretchDims) {
  OpTester t(ir::OpType::kReshape);
  t.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.constant<int32_t>({2}, {-1, -1});
  t.output({2, 3}, DType::kFloat32);
  expect_prepare_error(t, "more than one -1");
}

TEST(ReshapeOp, RejectsQuantizationChange) {
  OpTester t(ir::OpType::kReshape);
  t.input<uint8_t>({2}, {1, 2}, q(0.1f, 3));
  t.output({1, 2}, DType::kUInt8, q(0.2f, 3));
  expect_prepare_error(t, "output quantization");
}

TEST(ReshapeOp, RejectsDtypeChange) {
  OpTester t(ir::OpType::kReshape);
  t.input<float>({2}, {1, 2});
  t.output({1, 2}, DType::kInt32);
  expect_prepare_error(t, "output dtype: expected float32, found int32");
}

}  // namespace
}  // namespace edgerun
