// DEQUANTIZE: uint8 / int8 -> float32, real = scale * (q - zero_point).
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
    expect_error(t.run(), {"DEQUANTIZE", "output dtype", "expected float32"});
  }
}

}  // namespace
}  // namespace edgerun
