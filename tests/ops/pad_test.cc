// PAD tests; expected values are written out by hand.
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
  EXPECT_NE(k.status().message().find("PAD"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// [1,2,2,1] padded by 1 on each side of H and W -> [1,4,4,1], zeros around.
TEST(PadOp, FloatSpatial) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  t.constant<int32_t>({4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
  t.output({1, 4, 4, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{0, 0, 0, 0,  //
                                                    0, 1, 2, 0,  //
                                                    0, 3, 4, 0,  //
                                                    0, 0, 0, 0}));
}

// Rank 2, asymmetric, int64 paddings [[1, 0], [0, 2]]: [2,3] -> [3,5].
TEST(PadOp, FloatAsymmetricInt64Paddings) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  t.constant<int64_t>({2, 2}, {1, 0, 0, 2});
  t.output({3, 5}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{0, 0, 0, 0, 0,  //
                                                    1, 2, 3, 0, 0,  //
                                                    4, 5, 6, 0, 0}));
}

// Channel padding (last dim) and a batch pad, uint8 fills with the zero point 7.
TEST(PadOp, Uint8FillsWithZeroPoint) {
  OpTester t(ir::OpType::kPad);
  t.input<uint8_t>({1, 1, 2, 1}, {100, 200}, q(0.5f, 7));
  t.constant<int32_t>({4, 2}, {1, 0, 0, 0, 0, 0, 1, 1});
  t.output({2, 1, 2, 3}, DType::kUInt8, q(0.5f, 7));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{7, 7, 7, 7, 7, 7,  //
                                                        7, 100, 7, 7, 200, 7}));
}

TEST(PadOp, Int8FillsWithZeroPoint) {
  OpTester t(ir::OpType::kPad);
  t.input<int8_t>({1, 1, 1, 2}, {-100, 100}, q(0.5f, -3));
  t.constant<int32_t>({4, 2}, {0, 0, 0, 0, 1, 1, 0, 0});
  t.output({1, 1, 3, 2}, DType::kInt8, q(0.5f, -3));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-3, -3, -100, 100, -3, -3}));
}

TEST(PadOp, ZeroPaddingCopies) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({3}, {1, 2, 3});
  t.constant<int32_t>({1, 2}, {0, 0});
  t.output({3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1, 2, 3}));
}

// ---- validation ----

TEST(PadOp, RejectsNegativePadding) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({2}, {1, 2});
  t.constant<int32_t>({1, 2}, {-1, 1});
  t.output({2}, DType::kFloat32);
  expect_prepare_error(t, "paddings[0][0]: expected a non-negative int32, found -1");
}

TEST(PadOp, RejectsNonConstantPaddings) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({2}, {1, 2});
  t.input<int32_t>({1, 2}, {1, 1});
  t.output({4}, DType::kFloat32);
  expect_prepare_error(t, "paddings must be a constant");
}

TEST(PadOp, RejectsWrongPaddingsShape) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({1, 2}, {1, 2});
  t.constant<int32_t>({1, 2}, {1, 1});
  t.output({3, 2}, DType::kFloat32);
  expect_prepare_error(t, "paddings shape: expected [2,2], found [1,2]");
}

TEST(PadOp, RejectsWrongPaddingsDtype) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({2}, {1, 2});
  t.constant<float>({1, 2}, {1, 1});
  t.output({4}, DType::kFloat32);
  expect_prepare_error(t, "paddings dtype: expected int32 or int64, found float32");
}

TEST(PadOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({2}, {1, 2});
  t.constant<int32_t>({1, 2}, {1, 2});
  t.output({4}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [5]");
}

TEST(PadOp, RejectsQuantizationChange) {
  OpTester t(ir::OpType::kPad);
  t.input<uint8_t>({2}, {1, 2}, q(0.5f, 7));
  t.constant<int32_t>({1, 2}, {1, 1});
  t.output({4}, DType::kUInt8, q(0.5f, 8));
  expect_prepare_error(t, "output quantization");
}

}  // namespace
}  // namespace edgerun
