// TRANSPOSE of per-channel quantized tensors: the bytes move as for any
// dtype, the per-channel parameters with their axis.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

TEST(TransposeOp, PerChannelAxisMovesWithPerm) {
  // [1, 2, 3] per channel along axis 2, perm {0, 2, 1}: [1, 3, 2] along axis 1.
  const QuantParams in_q{{0.5f, 1.f, 2.f}, {1, 2, 3}, 2};
  QuantParams out_q = in_q;
  out_q.axis = 1;
  OpTester t(ir::OpType::kTranspose);
  t.input<uint8_t>({1, 2, 3}, {1, 2, 3, 4, 5, 6}, in_q);
  t.constant<int32_t>({3}, {0, 2, 1});
  t.output({1, 3, 2}, DType::kUInt8, out_q);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{1, 4, 2, 5, 3, 6}));
}

TEST(TransposeOp, RejectsPerChannelOnTheWrongAxis) {
  const QuantParams q{{0.5f, 1.f, 2.f}, {1, 2, 3}, 2};  // the output keeps axis 2, now of size 2
  OpTester t(ir::OpType::kTranspose);
  t.input<uint8_t>({1, 2, 3}, {1, 2, 3, 4, 5, 6}, q);
  t.constant<int32_t>({3}, {0, 2, 1});
  t.output({1, 3, 2}, DType::kUInt8, q);
  const Status st = t.run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("output quantization: expected the input's 3 scales and zero points along axis 1, "
                              "found 3 along axis 2"),
            std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace edgerun
