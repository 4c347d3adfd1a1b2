// MEAN: float32 / uint8 / int8, keep_dims, negative axes, TFLite's integer
// mean (int32 sum, 1/count folded into the Q31 multiplier, double rounding)
// and validation of the axes input; the float fast path (contiguous reduced
// dims) against the reference kernel bit for bit.
#include "kernels/quant_util.h"
#include "kernels/ref/mean.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
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

TEST(MeanOp, FloatSpatialKeepDims) {
  // NHWC [1,2,2,2]: channel 0 = 1,2,3,4 -> 2.5; channel 1 = 10,20,30,40 -> 25.
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
  t.input<float>({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  t.constant<int32_t>({2}, {1, 2});
  t.output({1, 1, 1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{2.5f, 25.f}));
}

TEST(MeanOp, FloatNegativeAxisNoKeepDims) {
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<float>({2, 3}, {1, 2, 3, 4, 5, 9});
  t.constant<int32_t>({1}, {-1});
  t.output({2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{2.f, 6.f}));
}

TEST(MeanOp, FloatLeadingAxisAndDuplicates) {
  // axes [0, -3] name the same dim: mean over dim 0 of [3,1,2].
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<float>({3, 1, 2}, {1, 2, 3, 4, 8, 12});
  t.constant<int32_t>({2}, {0, -3});
  t.output({1, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{4.f, 6.f}));
}

TEST(MeanOp, FloatAllAxes) {
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<float>({2, 2}, {1, 2, 3, 6});
  t.constant<int32_t>({2}, {0, 1});
  t.output({}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{3.f}));
}

// Contiguous reduced dims take the op's [outer, reduced, inner] float path,
// the others the reference kernel; both must match f32_mean__ref bit for bit.
TEST(MeanOp, FloatMatchesReferenceBitExactly) {
  struct Case {
    std::vector<int32_t> shape, axes;
  };
  const Case cases[] = {{{2, 5, 3, 37}, {1, 2}}, {{1, 7, 7, 1280}, {1, 2}}, {{3, 4, 5}, {1}},
                        {{3, 4, 5}, {2}},        {{3, 4, 5}, {0, 1}},       {{2, 3, 4, 5}, {1, 3}}};
  std::mt19937 rng(0x3ea40001u);
  std::uniform_real_distribution<float> dist(-100.0f, 100.0f);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "shape " << c.shape.size() << "-d, first axis " << c.axes[0]);
    std::vector<bool> reduce(c.shape.size(), false);
    for (int32_t a : c.axes) reduce[static_cast<size_t>(a)] = true;
    std::vector<int32_t> out_shape;
    size_t in_size = 1;
    for (size_t d = 0; d < c.shape.size(); ++d) {
      out_shape.push_back(reduce[d] ? 1 : c.shape[d]);
      in_size *= static_cast<size_t>(c.shape[d]);
    }
    std::vector<float> in(in_size);
    for (float& x : in) x = dist(rng);
    kernels::ref::ReduceIndex ri;
    ASSERT_TRUE(kernels::ref::make_reduce_index(c.shape, reduce, &ri));
    std::vector<float> expected(in_size / static_cast<size_t>(ri.reduced_count));
    kernels::ref::f32_mean__ref(in.data(), expected.data(), ri, 0, static_cast<int64_t>(expected.size()));

    OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
    t.input<float>(c.shape, in);
    t.constant<int32_t>({static_cast<int32_t>(c.axes.size())}, c.axes);
    t.output(out_shape, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    const std::vector<float> got = t.result<float>(0);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "output " << i;
  }
}

// The same for int8 / uint8: the contiguous path sums in a different order,
// which integer sums allow, and must equal qs8_mean__ref / qu8_mean__ref.
TEST(MeanOp, QuantizedMatchesReferenceBitExactly) {
  struct Case {
    std::vector<int32_t> shape, axes;
  };
  const Case cases[] = {{{2, 5, 3, 37}, {1, 2}}, {{1, 7, 7, 1280}, {1, 2}}, {{3, 4, 5}, {1}},
                        {{3, 4, 5}, {2}},        {{3, 4, 5}, {0, 1}},       {{2, 3, 4, 5}, {1, 3}}};
  std::mt19937 rng(0x3ea40002u);
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "shape " << c.shape.size() << "-d, first axis " << c.axes[0]);
    std::vector<bool> reduce(c.shape.size(), false);
    for (int32_t a : c.axes) reduce[static_cast<size_t>(a)] = true;
    std::vector<int32_t> out_shape;
    size_t in_size = 1;
    for (size_t d = 0; d < c.shape.size(); ++d) {
      out_shape.push_back(reduce[d] ? 1 : c.shape[d]);
      in_size *= static_cast<size_t>(c.shape[d]);
    }
    std::vector<int8_t> in(in_size);
    for (int8_t& x : in) x = static_cast<int8_t>(rng());
    kernels::ref::ReduceIndex ri;
    ASSERT_TRUE(kernels::ref::make_reduce_index(c.shape, reduce, &ri));
    OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
    t.input<int8_t>(c.shape, in, qp(0.07f, -5));
    t.constant<int32_t>({static_cast<int32_t>(c.axes.size())}, c.axes);
    t.output(out_shape, DType::kInt8, qp(0.03f, 3));
    ASSERT_TRUE(t.run().ok());
    kernels::ref::QuantMeanParams q{-5, 3, 0, 0};
    kernels::quantize_multiplier(static_cast<double>(0.07f) / static_cast<double>(0.03f), &q.multiplier, &q.shift);
    kernels::ref::fold_mean_count(ri.reduced_count, &q.multiplier, &q.shift);
    std::vector<int8_t> expected(in_size / static_cast<size_t>(ri.reduced_count));
    kernels::ref::qs8_mean__ref(in.data(), expected.data(), ri, q, 0, static_cast<int64_t>(expected.size()));
    EXPECT_EQ(t.result<int8_t>(0), expected);
  }
}

TEST(MeanOp, Int8SpatialSameScaleDoubleRounding) {
  // TF2 MobileNetV2 style: int8 [1,2,2,2], axes [1,2], keep_dims, zp -128.
  // Multiplier 1.0 = 2^30 * 2^1; count 4 folds to 2^30 * 2^-1.
  // Channel 0: sum(q - zp) = 0+1+2+3 = 6: high-mul 6 -> 3, >> 1 -> 1.5 -> 2  => -126.
  // Channel 1: sum = 1 (mean 0.25): high-mul 1 -> 0.5 -> 1, >> 1 -> 0.5 -> 1 => -127
  //            (double rounding: a single rounding of 0.25 would give -128).
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
  t.input<int8_t>({1, 2, 2, 2}, {-128, -128, -127, -128, -126, -128, -125, -127}, qp(0.5f, -128));
  t.constant<int32_t>({2}, {1, 2});
  t.output({1, 1, 1, 2}, DType::kInt8, qp(0.5f, -128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-126, -127}));
}

TEST(MeanOp, Int8DifferentOutputScale) {
  // Input scale 1, output scale 2: multiplier 0.5 = 2^30 * 2^0; count 4 -> 2^30 * 2^-2.
  // [1,2,3,4]: sum 10 -> 5 -> 1.25 -> 1.   [3,3,3,3]: 12 -> 6 -> 1.5 -> 2.
  // [1,2,3,5]: sum 11 -> 5.5 rounds up to 6 -> 1.5 -> 2 (exact 1.375 would give 1).
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<int8_t>({3, 4}, {1, 2, 3, 4, 3, 3, 3, 3, 1, 2, 3, 5}, qp(1.0f, 0));
  t.constant<int32_t>({1}, {-1});
  t.output({3}, DType::kInt8, qp(2.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{1, 2, 2}));
}

TEST(MeanOp, Uint8CountNotPowerOfTwo) {
  // Count 3: multiplier (2^30 << 1) / 3 = 715827882, shift 0.
  // sum 1 -> 0.33 -> 0;  sum 2 -> 0.67 -> 1.
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<uint8_t>({2, 3}, {0, 0, 1, 1, 1, 0}, qp(1.0f, 0));
  t.constant<int32_t>({1}, {1});
  t.output({2}, DType::kUInt8, qp(1.0f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0, 1}));
}

TEST(MeanOp, Uint8ZeroPointsAndClamp) {
  // real = (q - 100) * 1.0; mean over axis 0 of [[110, 0], [130, 0]] = [20, -100];
  // output scale 0.5, zp 10: [50, -190 -> clamp 0].
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
  t.input<uint8_t>({2, 2}, {110, 0, 130, 0}, qp(1.0f, 100));
  t.constant<int32_t>({1}, {0});
  t.output({1, 2}, DType::kUInt8, qp(0.5f, 10));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{50, 0}));
}

TEST(MeanOp, RejectsNonConstantAxes) {
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<float>({2, 3}, std::vector<float>(6));
  t.input<int32_t>({1}, {1});  // fed at run time
  t.output({2}, DType::kFloat32);
  expect_error(t.run(), {"MEAN", "axes", "constant"});
}

TEST(MeanOp, RejectsAxisOutOfRange) {
  {
    OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
    t.input<float>({1, 2, 2, 1}, std::vector<float>(4));
    t.constant<int32_t>({2}, {1, 4});
    t.output({1, 1, 2, 1}, DType::kFloat32);
    expect_error(t.run(), {"MEAN", "axis 1", "[-4, 4)", "found 4"});
  }
  {
    OpTester t(ir::OpType::kMean, ir::ReduceAttrs{true});
    t.input<float>({1, 2, 2, 1}, std::vector<float>(4));
    t.constant<int32_t>({1}, {-5});
    t.output({1, 2, 2, 1}, DType::kFloat32);
    expect_error(t.run(), {"MEAN", "axis 0", "found -5"});
  }
}

TEST(MeanOp, RejectsWrongOutputShapeAndAxesDtype) {
  {
    OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
    t.input<float>({1, 7, 7, 4}, std::vector<float>(196));
    t.constant<int32_t>({2}, {1, 2});
    t.output({1, 1, 1, 4}, DType::kFloat32);  // that is the keep_dims shape
    expect_error(t.run(), {"MEAN", "output shape", "expected [1,4]", "found [1,1,1,4]"});
  }
  {
    OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
    t.input<float>({2, 3}, std::vector<float>(6));
    t.constant<float>({1}, {1.f});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"MEAN", "axes", "expected int32", "found float32"});
  }
}

TEST(MeanOp, RejectsMissingQuantization) {
  OpTester t(ir::OpType::kMean, ir::ReduceAttrs{false});
  t.input<int8_t>({2, 2}, {1, 2, 3, 4});  // no quantization
  t.constant<int32_t>({1}, {1});
  t.output({2}, DType::kInt8, qp(0.5f, 0));
  expect_error(t.run(), {"MEAN", "input 0 quantization"});
}

}  // namespace
}  // namespace edgerun
