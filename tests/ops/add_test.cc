// ADD: float32 / uint8 / int8, broadcasting, fused activations, TFLite rounding
// and validation. Quantized expectations are derived by hand from TFLite's
// integer ADD (inputs << 20, rescaled to twice the larger input scale,
// MultiplyByQuantizedMultiplierSmallerThanOneExp, round half away from zero).
#include <gtest/gtest.h>

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

TEST(AddOp, Float) {
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<float>({1, 3}, {1.f, 2.f, -3.5f});
  t.input<float>({1, 3}, {3.f, 4.f, 1.25f});
  t.output({1, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{4.f, 6.f, -2.25f}));
}

TEST(AddOp, FloatActivations) {
  const std::vector<float> a = {-3.f, 0.25f, 2.5f, 8.f};
  const std::vector<float> b = {1.f, 0.25f, 1.f, 1.f};
  struct Case {
    ir::Activation act;
    std::vector<float> expected;
  };
  for (const Case& c :
       {Case{ir::Activation::kRelu, {0.f, 0.5f, 3.5f, 9.f}}, Case{ir::Activation::kRelu6, {0.f, 0.5f, 3.5f, 6.f}},
        Case{ir::Activation::kReluN1To1, {-1.f, 0.5f, 1.f, 1.f}}}) {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{c.act});
    t.input<float>({4}, a);
    t.input<float>({4}, b);
    t.output({4}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), c.expected);
  }
}

TEST(AddOp, FloatBroadcastRowAndOuter) {
  {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
    t.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    t.input<float>({3}, {10, 20, 30});
    t.output({2, 3}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  }
  {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
    t.input<float>({2, 1}, {1, 2});
    t.input<float>({1, 3}, {10, 20, 30});
    t.output({2, 3}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{11, 21, 31, 12, 22, 32}));
  }
  {  // rank-4 NHWC tensor plus a per-channel vector, and a scalar-like [1,1,1,1]
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
    t.input<float>({1, 2, 1, 2}, {1, 2, 3, 4});
    t.input<float>({1, 1, 1, 1}, {0.5f});
    t.output({1, 2, 1, 2}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{1.5f, 2.5f, 3.5f, 4.5f}));
  }
}

TEST(AddOp, Uint8SameScales) {
  // real = 0.5 * (q - 128); output scale 1, zp 128.
  // 130,132 -> 1 + 2 = 3 -> 131;  140,100 -> 6 - 14 = -8 -> 120.
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<uint8_t>({2}, {130, 140}, qp(0.5f, 128));
  t.input<uint8_t>({2}, {132, 100}, qp(0.5f, 128));
  t.output({2}, DType::kUInt8, qp(1.0f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{131, 120}));
}

TEST(AddOp, Uint8TiesRoundHalfAwayFromZero) {
  // 0.5 + 0.5 = 1.0 -> 1.0 / 2.0 = +0.5 -> +1;  -1.0 / 2.0 = -0.5 -> -1.
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<uint8_t>({2}, {129, 127}, qp(0.5f, 128));
  t.input<uint8_t>({2}, {129, 127}, qp(0.5f, 128));
  t.output({2}, DType::kUInt8, qp(2.0f, 128));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{129, 127}));
}

TEST(AddOp, Uint8ActivationClamps) {
  // Sums (real): -8, 12, 72 on an output with scale 1, zp 128.
  {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{ir::Activation::kRelu});
    t.input<uint8_t>({3}, {120, 140, 200}, qp(0.5f, 128));
    t.input<uint8_t>({3}, {120, 140, 200}, qp(0.5f, 128));
    t.output({3}, DType::kUInt8, qp(1.0f, 128));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{128, 140, 200}));
  }
  {  // RELU6: [128 + 0, 128 + 6]
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{ir::Activation::kRelu6});
    t.input<uint8_t>({3}, {120, 134, 200}, qp(0.5f, 128));
    t.input<uint8_t>({3}, {120, 134, 200}, qp(0.5f, 128));
    t.output({3}, DType::kUInt8, qp(1.0f, 128));
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{128, 134, 134}));
  }
}

TEST(AddOp, Int8DifferentScalesAndSaturation) {
  // a: scale 0.5, b: scale 0.25, out: scale 0.5 (all zp 0).
  // (1 + 1) / 0.5 = 4;  (-2 + 1.5) / 0.5 = -1;  (50 + 31.75) / 0.5 = 163.5 -> 127.
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<int8_t>({3}, {2, -4, 100}, qp(0.5f, 0));
  t.input<int8_t>({3}, {4, 6, 127}, qp(0.25f, 0));
  t.output({3}, DType::kInt8, qp(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{4, -1, 127}));
}

TEST(AddOp, Int8Broadcast) {
  // [[1, 2], [-3, 4]] + [1, -2] = [[2, 0], [-2, 2]] -> / 0.5.
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<int8_t>({2, 2}, {2, 4, -6, 8}, qp(0.5f, 0));
  t.input<int8_t>({2}, {4, -8}, qp(0.25f, 0));
  t.output({2, 2}, DType::kInt8, qp(0.5f, 0));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{4, 0, -4, 4}));
}

TEST(AddOp, Int8BroadcastFirstInputSmaller) {
  // Input 0 is the broadcast one: [2] + [2,2], with zero points.
  // a real: (q + 10) * 0.5 -> [1, -1]; b real: (q - 4) * 0.5 -> [[1, 2], [3, 4]].
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<int8_t>({2}, {-8, -12}, qp(0.5f, -10));
  t.input<int8_t>({2, 2}, {6, 8, 10, 12}, qp(0.5f, 4));
  t.output({2, 2}, DType::kInt8, qp(0.25f, -20));
  ASSERT_TRUE(t.run().ok());
  // sums [[2, 1], [4, 3]] / 0.25 - 20
  EXPECT_EQ(t.result<int8_t>(0), (std::vector<int8_t>{-12, -16, -4, -8}));
}

TEST(AddOp, RejectsIncompatibleShapes) {
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<float>({2, 3}, std::vector<float>(6));
  t.input<float>({4}, std::vector<float>(4));
  t.output({2, 3}, DType::kFloat32);
  expect_error(t.run(), {"ADD", "shapes", "[2,3]", "[4]"});
}

TEST(AddOp, RejectsWrongOutputShape) {
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<float>({2, 1}, std::vector<float>(2));
  t.input<float>({1, 3}, std::vector<float>(3));
  t.output({2, 1}, DType::kFloat32);
  expect_error(t.run(), {"ADD", "output shape", "expected [2,3]", "found [2,1]"});
}

TEST(AddOp, RejectsMixedDtypes) {
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<uint8_t>({2}, {1, 2}, qp(0.5f, 0));
  t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
  t.output({2}, DType::kUInt8, qp(0.5f, 0));
  expect_error(t.run(), {"ADD", "input 1 dtype", "expected uint8", "found int8"});
}

TEST(AddOp, RejectsMissingQuantization) {
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<uint8_t>({2}, {1, 2}, qp(0.5f, 0));
  t.input<uint8_t>({2}, {1, 2});  // no scale / zero point
  t.output({2}, DType::kUInt8, qp(0.5f, 0));
  expect_error(t.run(), {"ADD", "input 1 quantization"});
}

TEST(AddOp, RejectsZeroPointOutOfRange) {
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
  t.input<int8_t>({2}, {1, 2}, qp(0.5f, 0));
  t.output({2}, DType::kInt8, qp(0.5f, 200));
  expect_error(t.run(), {"ADD", "output zero point", "[-128, 127]", "200"});
}

TEST(AddOp, RejectsUnsupportedDtypeAndArity) {
  {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
    t.input<uint8_t>({2}, {1, 0});
    t.input<uint8_t>({2}, {1, 1});
    t.output({2}, DType::kBool);
    for (ir::Value& v : t.graph().values) v.info.dtype = DType::kBool;  // int8..int64 are plain integers now
    expect_error(t.run(), {"ADD", "dtype", "bool"});
  }
  {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
    t.input<float>({2}, {1, 2});
    t.output({2}, DType::kFloat32);
    expect_error(t.run(), {"ADD", "input count", "expected 2", "found 1"});
  }
}

// Float ADD splits its output over the threads (large enough maps only): every
// split, broadcast or not, must give the sums one thread gives, element for element.
TEST(AddOp, FloatSplitOverThreads) {
  struct Case {
    Shape a, b, out;
  };
  const Case cases[] = {
      {{1, 56, 56, 24}, {1, 56, 56, 24}, {1, 56, 56, 24}},  // MobileNetV2's largest residual ADD
      {{2, 30, 30, 17}, {17}, {2, 30, 30, 17}},             // per-channel broadcast
      {{1, 29, 1, 33}, {1, 29, 31, 1}, {1, 29, 31, 33}},    // both sides broadcast
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-4.f, 4.f);
  auto elements = [](const Shape& s) {
    size_t n = 1;
    for (int32_t d : s) n *= static_cast<size_t>(d);
    return n;
  };
  for (const Case& c : cases) {
    std::vector<float> a(elements(c.a)), b(elements(c.b));
    for (float& v : a) v = value(rng);
    for (float& v : b) v = value(rng);
    // out[n, h, w, ch] = a[...] + b[...] with size-1 dims broadcast (rank 4 or 1 for b).
    const Shape& o = c.out;
    Shape bs = c.b;
    while (bs.size() < 4) bs.insert(bs.begin(), 1);
    std::vector<float> expected(elements(o));
    size_t i = 0;
    for (int32_t n = 0; n < o[0]; ++n) {
      for (int32_t h = 0; h < o[1]; ++h) {
        for (int32_t w = 0; w < o[2]; ++w) {
          for (int32_t ch = 0; ch < o[3]; ++ch, ++i) {
            auto at = [&](const Shape& s, const std::vector<float>& v) {
              const int32_t idx[4] = {n, h, w, ch};
              size_t off = 0;
              for (int d = 0; d < 4; ++d) off = off * static_cast<size_t>(s[d]) + (s[d] == 1 ? 0 : idx[d]);
              return v[off];
            };
            expected[i] = at(c.a, a) + at(bs, b);
          }
        }
      }
    }
    for (int threads : {1, 2, 3}) {
      OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
      t.input<float>(c.a, a);
      t.input<float>(c.b, b);
      t.output(o, DType::kFloat32);
      t.set_threads(threads);
      ASSERT_TRUE(t.run().ok());
      EXPECT_EQ(t.result<float>(0), expected) << threads << " threads, output elements " << expected.size();
    }
  }
}

// ---- fast kernels vs reference ----

// Runs one random same-shape (or broadcast) quantized ADD with the reference
// kernels on one thread and with the CPU's kernels on 1 and 3 threads; all
// three must agree byte for byte.
template <typename T>
void check_fast_matches_reference(const Shape& a_shape, const Shape& b_shape, const Shape& out_shape,
                                  ir::Activation act, uint32_t seed) {
  std::mt19937 rng(seed);
  const int32_t lo = std::is_same_v<T, uint8_t> ? 0 : -128;
  auto value = [&] { return static_cast<T>(std::uniform_int_distribution<int32_t>(lo, lo + 255)(rng)); };
  auto scale = [&] { return std::uniform_real_distribution<float>(0.005f, 0.2f)(rng); };
  auto elements = [](const Shape& s) {
    size_t n = 1;
    for (int32_t d : s) n *= static_cast<size_t>(d);
    return n;
  };
  std::vector<T> a(elements(a_shape)), b(elements(b_shape));
  for (T& v : a) v = value();
  for (T& v : b) v = value();
  const QuantParams qa = qp(scale(), value()), qb = qp(scale(), value()), qo = qp(scale(), value());
  std::vector<std::vector<T>> results;
  for (int variant = 0; variant < 3; ++variant) {
    ir::ElementwiseAttrs attrs;
    attrs.activation = act;
    OpTester t(ir::OpType::kAdd, attrs);
    t.input<T>(a_shape, a, qa);
    t.input<T>(b_shape, b, qb);
    t.output(out_shape, testing::dtype_of<T>(), qo);
    t.set_reference_kernels(variant == 0);
    t.set_threads(variant == 2 ? 3 : 1);
    ASSERT_TRUE(t.run().ok());
    results.push_back(t.result<T>(0));
  }
  EXPECT_EQ(results[1], results[0]) << "fast kernels, 1 thread, seed " << seed;
  EXPECT_EQ(results[2], results[0]) << "fast kernels, 3 threads, seed " << seed;
}

TEST(AddOp, Uint8FastKernelsMatchReference) {
  uint32_t seed = 1;
  for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu, ir::Activation::kRelu6}) {
    check_fast_matches_reference<uint8_t>({1, 7, 5, 3}, {1, 7, 5, 3}, {1, 7, 5, 3}, act, seed++);
    check_fast_matches_reference<uint8_t>({1, 28, 28, 32}, {1, 28, 28, 32}, {1, 28, 28, 32}, act, seed++);
    check_fast_matches_reference<uint8_t>({2, 9, 9, 17}, {17}, {2, 9, 9, 17}, act, seed++);
  }
}

TEST(AddOp, Int8FastKernelsMatchReference) {
  uint32_t seed = 100;
  for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu, ir::Activation::kRelu6}) {
    check_fast_matches_reference<int8_t>({1, 3, 3, 7}, {1, 3, 3, 7}, {1, 3, 3, 7}, act, seed++);
    check_fast_matches_reference<int8_t>({1, 56, 56, 24}, {1, 56, 56, 24}, {1, 56, 56, 24}, act, seed++);
    check_fast_matches_reference<int8_t>({1, 1, 9, 1}, {1, 5, 9, 16}, {1, 5, 9, 16}, act, seed++);
  }
}

}  // namespace
}  // namespace edgerun
