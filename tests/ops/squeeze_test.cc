// SQUEEZE tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

ir::SqueezeAttrs dims(std::vector<int32_t> d) {
  ir::SqueezeAttrs a;
  a.squeeze_dims = std::move(d);
  return a;
}

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("SQUEEZE"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

TEST(SqueezeOp, ListedDims) {
  OpTester t(ir::OpType::kSqueeze, dims({1, 2}));
  t.input<float>({1, 1, 1, 3}, {1, 2, 3});
  t.output({1, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1, 2, 3}));
}

TEST(SqueezeOp, NegativeDims) {
  OpTester t(ir::OpType::kSqueeze, dims({-2, -3}));
  t.input<uint8_t>({1, 1, 1, 3}, {1, 2, 3}, QuantParams{{0.5f}, {1}});
  t.output({1, 3}, DType::kUInt8, QuantParams{{0.5f}, {1}});
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{1, 2, 3}));
}

TEST(SqueezeOp, AllSizeOneDimsWhenEmpty) {
  OpTester t(ir::OpType::kSqueeze, dims({}));
  t.input<int8_t>({1, 1, 1, 3}, {-1, 0, 1}, QuantParams{{0.5f}, {0}});
  t.output({3}, DType::kInt8, QuantParams{{0.5f}, {0}});
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-1, 0, 1}));
}

TEST(SqueezeOp, RejectsDimNotOne) {
  OpTester t(ir::OpType::kSqueeze, dims({3}));
  t.input<float>({1, 1, 1, 3}, {1, 2, 3});
  t.output({1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "squeeze dim 3: expected size 1, found 3");
}

TEST(SqueezeOp, RejectsDimOutOfRange) {
  OpTester t(ir::OpType::kSqueeze, dims({4}));
  t.input<float>({1, 1, 1, 3}, {1, 2, 3});
  t.output({1, 1, 3}, DType::kFloat32);
  expect_prepare_error(t, "squeeze dim 4: expected within [-4, 4)");
}

TEST(SqueezeOp, RejectsBadOutputShape) {
  OpTester t(ir::OpType::kSqueeze, dims({0}));
  t.input<float>({1, 1, 1, 3}, {1, 2, 3});
  t.output({1, 3}, DType::kFloat32);
  expect_prepare_error(t, "output shape: expected [1,1,3]");
}

}  // namespace
}  // namespace edgerun
