// STRIDED_SLICE tests. Expected values come from numpy (1.26), each with the
// indexing expression that printed it (`.flatten()`, row-major); the attrs are
// that expression's slices normalised by hand (begin, step per dim).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

QuantParams q(float scale, int64_t zero_point) { return QuantParams{{scale}, {zero_point}}; }

ir::StridedSliceAttrs slice(std::vector<int32_t> begin, std::vector<int32_t> step, uint32_t shrink_mask = 0) {
  return ir::StridedSliceAttrs{std::move(begin), std::move(step), shrink_mask};
}

template <typename T>
std::vector<T> iota(size_t n, T first) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(first + static_cast<T>(i));
  return v;
}

void expect_prepare_error(const OpTester& t, const std::string& fragment) {
  auto k = t.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("STRIDED_SLICE"), std::string::npos) << k.status().message();
  EXPECT_NE(k.status().message().find(fragment), std::string::npos) << k.status().message();
}

// np.arange(10)[8::-3]
TEST(StridedSliceOp, Rank1NegativeStep) {
  OpTester t(ir::OpType::kStridedSlice, slice({8}, {-3}));
  t.input<float>({10}, iota<float>(10, 0));
  t.output({3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{8, 5, 2}));
}

// np.arange(12).reshape(3, 4)[::-1, 3:0:-2]
TEST(StridedSliceOp, Rank2NegativeStepsOnEveryDim) {
  OpTester t(ir::OpType::kStridedSlice, slice({2, 3}, {-1, -2}));
  t.input<float>({3, 4}, iota<float>(12, 0));
  t.output({3, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{11, 9, 7, 5, 3, 1}));
}

// np.arange(24).reshape(2, 3, 4)[1:2, ::2, 1:4:2]
TEST(StridedSliceOp, Rank3Strides) {
  OpTester t(ir::OpType::kStridedSlice, slice({1, 0, 1}, {1, 2, 2}));
  t.input<float>({2, 3, 4}, iota<float>(24, 0));
  t.output({1, 2, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{13, 15, 21, 23}));
}

// Size-1 dims in the input and output: np.arange(24).reshape(1, 2, 1, 12)[:, ::-1, :, 10:2:-4]
TEST(StridedSliceOp, Rank4SizeOneDims) {
  OpTester t(ir::OpType::kStridedSlice, slice({0, 1, 0, 10}, {1, -1, 1, -4}));
  t.input<float>({1, 2, 1, 12}, iota<float>(24, 0));
  t.output({1, 2, 1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{22, 18, 10, 6}));
}

// np.arange(24).reshape(2, 1, 3, 2, 2)[1:2, :, 2::-2, 1:2, ::-1]
TEST(StridedSliceOp, Rank5) {
  OpTester t(ir::OpType::kStridedSlice, slice({1, 0, 2, 1, 1}, {1, 1, -2, 1, -1}));
  t.input<float>({2, 1, 3, 2, 2}, iota<float>(24, 0));
  t.output({1, 1, 2, 1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{23, 22, 15, 14}));
}

// np.arange(48).reshape(2, 2, 1, 2, 3, 2)[::-1, 1:, :, ::-1, 0:3:2, 1:]
TEST(StridedSliceOp, Rank6) {
  OpTester t(ir::OpType::kStridedSlice, slice({1, 1, 0, 1, 0, 1}, {-1, 1, 1, -1, 2, 1}));
  t.input<float>({2, 2, 1, 2, 3, 2}, iota<float>(48, 0));
  t.output({2, 1, 1, 2, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{43, 47, 37, 41, 19, 23, 13, 17}));
}

// np.arange(100, 124).reshape(2, 3, 4)[:, 2:0:-1, ::3], quantized uint8 (the
// bytes move unchanged) and unquantized uint8 alike.
TEST(StridedSliceOp, Uint8) {
  for (bool quantized : {true, false}) {
    SCOPED_TRACE(quantized);
    const QuantParams qp = quantized ? q(0.5f, 3) : QuantParams{};
    OpTester t(ir::OpType::kStridedSlice, slice({0, 2, 0}, {1, -1, 3}));
    t.input<uint8_t>({2, 3, 4}, iota<uint8_t>(24, 100), qp);
    t.output({2, 2, 2}, DType::kUInt8, qp);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{108, 111, 104, 107, 120, 123, 116, 119}));
  }
}

// shrink_mask bit 1: np.arange(-6, 6).reshape(3, 4)[:, 1] drops the column dim.
TEST(StridedSliceOp, Int64ShrinkInnerDim) {
  OpTester t(ir::OpType::kStridedSlice, slice({0, 1}, {1, 1}, 0b10));
  t.input<int64_t>({3, 4}, iota<int64_t>(12, -6));
  t.output({3}, DType::kInt64);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int64_t>(0), (std::vector<int64_t>{-5, -1, 3}));
}

// shrink_mask bit 0: np.arange(12).reshape(3, 4)[1]
TEST(StridedSliceOp, ShrinkOuterDim) {
  OpTester t(ir::OpType::kStridedSlice, slice({1, 0}, {1, 1}, 0b01));
  t.input<float>({3, 4}, iota<float>(12, 0));
  t.output({4}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{4, 5, 6, 7}));
}

// A full copy (every begin 0, step 1) is the identity.
TEST(StridedSliceOp, WholeTensor) {
  OpTester t(ir::OpType::kStridedSlice, slice({0, 0, 0}, {1, 1, 1}));
  t.input<int32_t>({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  t.output({2, 1, 3}, DType::kInt32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int32_t>(0), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

// Zero-size outputs read nothing, so begin is not checked on their empty dims.
TEST(StridedSliceOp, ZeroSizeOutputs) {
  OpTester t(ir::OpType::kStridedSlice, slice({99, 0}, {1, 1}));
  t.input<float>({3, 4}, iota<float>(12, 0));
  t.output({0, 4}, DType::kFloat32);
  EXPECT_TRUE(t.run().ok());

  OpTester u(ir::OpType::kStridedSlice, slice({0, 4}, {1, -1}));
  u.input<float>({3, 4}, iota<float>(12, 0));
  u.output({3, 0}, DType::kFloat32);
  EXPECT_TRUE(u.run().ok());
}

// Large enough for the rows to be split over 3 threads: same bytes as 1 thread,
// and every element where np.arange(...).reshape(200, 300)[199::-1, 1::2] puts it.
TEST(StridedSliceOp, ThreadsMatchOneThread) {
  const std::vector<int32_t> x = iota<int32_t>(200 * 300, 0);
  auto run = [&](int threads) {
    OpTester t(ir::OpType::kStridedSlice, slice({199, 1}, {-1, 2}));
    t.set_threads(threads);
    t.input<int32_t>({200, 300}, x);
    t.output({200, 150}, DType::kInt32);
    EXPECT_TRUE(t.run().ok());
    return t.result<int32_t>(0);
  };
  const std::vector<int32_t> one = run(1);
  for (int r = 0; r < 200; ++r) {
    for (int c = 0; c < 150; ++c) ASSERT_EQ(one[static_cast<size_t>(r * 150 + c)], (199 - r) * 300 + 1 + 2 * c);
  }
  EXPECT_EQ(run(3), one);
}

// ---- validation ----

TEST(StridedSliceOp, RejectsBeginOutOfBounds) {
  OpTester t(ir::OpType::kStridedSlice, slice({0, 4}, {1, 1}));
  t.input<float>({3, 4}, iota<float>(12, 0));
  t.output({3, 1}, DType::kFloat32);
  expect_prepare_error(t, "dim 1: 1 elements from begin 4 by step 1 read indices 4 to 4, outside the input's [0, 4)");
}

TEST(StridedSliceOp, RejectsLastIndexOutOfBounds) {
  OpTester t(ir::OpType::kStridedSlice, slice({1}, {2}));
  t.input<float>({6}, iota<float>(6, 0));
  t.output({3}, DType::kFloat32);  // reads 1, 3, 5: fine
  EXPECT_TRUE(t.prepare().ok());
  OpTester u(ir::OpType::kStridedSlice, slice({1}, {2}));
  u.input<float>({6}, iota<float>(6, 0));
  u.output({4}, DType::kFloat32);  // would read 7
  expect_prepare_error(u, "read indices 1 to 7, outside the input's [0, 6)");
}

TEST(StridedSliceOp, RejectsNegativeStepRunningBelowZero) {
  OpTester t(ir::OpType::kStridedSlice, slice({2}, {-1}));
  t.input<float>({6}, iota<float>(6, 0));
  t.output({4}, DType::kFloat32);  // would read 2, 1, 0, -1
  expect_prepare_error(t, "read indices 2 to -1");
}

TEST(StridedSliceOp, RejectsNegativeBegin) {
  OpTester t(ir::OpType::kStridedSlice, slice({-1}, {1}));
  t.input<float>({6}, iota<float>(6, 0));
  t.output({1}, DType::kFloat32);
  expect_prepare_error(t, "from begin -1");
}

TEST(StridedSliceOp, RejectsZeroStep) {
  OpTester t(ir::OpType::kStridedSlice, slice({0}, {0}));
  t.input<float>({6}, iota<float>(6, 0));
  t.output({1}, DType::kFloat32);
  expect_prepare_error(t, "step[0]: expected non-zero, found 0");
}

TEST(StridedSliceOp, RejectsAttrLengthsOtherThanTheRank) {
  OpTester t(ir::OpType::kStridedSlice, slice({0}, {1, 1}));
  t.input<float>({2, 3}, iota<float>(6, 0));
  t.output({2, 3}, DType::kFloat32);
  expect_prepare_error(t, "begin / step lengths: expected 2 (the input rank), found 1 / 2");
}

TEST(StridedSliceOp, RejectsOutputRankOtherThanTheKeptDims) {
  OpTester t(ir::OpType::kStridedSlice, slice({0, 0}, {1, 1}, 0b01));
  t.input<float>({2, 3}, iota<float>(6, 0));
  t.output({1, 3}, DType::kFloat32);
  expect_prepare_error(t, "output rank: expected 1 (input rank 2 less the shrunk dims), found 2");

  OpTester u(ir::OpType::kStridedSlice, slice({0, 0}, {1, 1}, 0b100));
  u.input<float>({2, 3}, iota<float>(6, 0));
  u.output({2, 3}, DType::kFloat32);
  expect_prepare_error(u, "shrink_mask 4 has bits beyond the input rank 2");
}

TEST(StridedSliceOp, RejectsShrunkDimOutOfBounds) {
  OpTester t(ir::OpType::kStridedSlice, slice({3, 0}, {1, 1}, 0b01));
  t.input<float>({3, 2}, iota<float>(6, 0));
  t.output({2}, DType::kFloat32);
  expect_prepare_error(t, "dim 0: 1 elements from begin 3");
}

TEST(StridedSliceOp, RejectsDtypeOrQuantizationChange) {
  OpTester t(ir::OpType::kStridedSlice, slice({0}, {1}));
  t.input<float>({2}, {1, 2});
  t.output({2}, DType::kInt32);
  expect_prepare_error(t, "output dtype: expected float32, found int32");

  OpTester u(ir::OpType::kStridedSlice, slice({0}, {1}));
  u.input<int8_t>({2}, {1, 2}, q(0.5f, 1));
  u.output({2}, DType::kInt8, q(0.5f, 2));
  expect_prepare_error(u, "output quantization");

  OpTester v(ir::OpType::kStridedSlice, slice({0}, {1}));
  v.input<int8_t>({2}, {1, 2}, q(0.5f, 1));
  v.output({2}, DType::kInt8);
  expect_prepare_error(v, "output quantization");

  OpTester w(ir::OpType::kStridedSlice, slice({0}, {1}));
  w.input<int16_t>({2}, {1, 2}, q(0.5f, 0));
  w.output({2}, DType::kInt16, q(0.25f, 0));
  expect_prepare_error(w, "output quantization: expected the input's, found a different one on int16");
}

TEST(StridedSliceOp, RejectsRank0And7) {
  OpTester t(ir::OpType::kStridedSlice, slice({}, {}));
  t.input<float>({}, {1});
  t.output({}, DType::kFloat32);
  expect_prepare_error(t, "input rank: expected 1 to 6, found 0");

  OpTester u(ir::OpType::kStridedSlice, slice({0, 0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 1}));
  u.input<float>({1, 1, 1, 1, 1, 1, 1}, {1});
  u.output({1, 1, 1, 1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(u, "input rank: expected 1 to 6, found 7");
}

TEST(StridedSliceOp, RejectsMissingAttrsAndExtraInputs) {
  OpTester t(ir::OpType::kStridedSlice);
  t.input<float>({2}, {1, 2});
  t.output({2}, DType::kFloat32);
  expect_prepare_error(t, "attributes: expected StridedSliceAttrs");

  OpTester u(ir::OpType::kStridedSlice, slice({0}, {1}));
  u.input<float>({2}, {1, 2});
  u.constant<int32_t>({1}, {0});
  u.output({2}, DType::kFloat32);
  expect_prepare_error(u, "input count: expected 1, found 2");
}

}  // namespace
}  // namespace edgerun
