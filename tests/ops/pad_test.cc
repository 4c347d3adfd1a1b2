// PAD tests. Constant-mode values are written out by hand; the other modes'
// expected values come from numpy (1.26), each with the np.pad expression that
// printed it (`.flatten()` row-major).
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

// The same [1,2,2,1] pad with PadAttrs{} (what an importer may write instead of
// monostate) is the constant 0.
TEST(PadOp, DefaultAttrsAreConstantZero) {
  OpTester t(ir::OpType::kPad, ir::PadAttrs{});
  t.input<float>({1, 2, 2, 1}, {1, 2, 3, 4});
  t.constant<int32_t>({4, 2}, {0, 0, 1, 0, 0, 1, 0, 0});
  t.output({1, 3, 3, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{0, 0, 0, 1, 2, 0, 3, 4, 0}));
}

ir::PadAttrs mode(ir::PadMode m) { return ir::PadAttrs{m, 0.0f}; }

std::vector<float> iota_f(size_t n, float first) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = first + static_cast<float>(i);
  return v;
}

struct ModeCase {
  ir::PadMode mode;
  std::vector<float> expected;
};

// Rank 1, [1..5] padded by (2, 3) in every non-constant mode.
TEST(PadOp, EveryModeRank1) {
  const ModeCase cases[] = {
      // np.pad(np.arange(1, 6), (2, 3), mode='reflect')
      {ir::PadMode::kReflect, {3, 2, 1, 2, 3, 4, 5, 4, 3, 2}},
      // np.pad(np.arange(1, 6), (2, 3), mode='symmetric')
      {ir::PadMode::kSymmetric, {2, 1, 1, 2, 3, 4, 5, 5, 4, 3}},
      // np.pad(np.arange(1, 6), (2, 3), mode='edge')
      {ir::PadMode::kEdge, {1, 1, 1, 2, 3, 4, 5, 5, 5, 5}},
      // np.pad(np.arange(1, 6), (2, 3), mode='wrap')
      {ir::PadMode::kWrap, {4, 5, 1, 2, 3, 4, 5, 1, 2, 3}},
  };
  for (const ModeCase& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.mode));
    OpTester t(ir::OpType::kPad, mode(c.mode));
    t.input<float>({5}, iota_f(5, 1));
    t.constant<int32_t>({1, 2}, {2, 3});
    t.output({10}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), c.expected);
  }
}

// Rank 2 int32 [3,4] = 1..12, paddings ((1, 2), (2, 1)).
TEST(PadOp, EveryModeRank2Int32) {
  const ModeCase cases[] = {
      // np.pad(np.arange(1, 13).reshape(3, 4), ((1, 2), (2, 1)), mode='reflect')
      {ir::PadMode::kReflect, {7, 6, 5, 6, 7, 8, 7, 3, 2, 1, 2, 3, 4, 3, 7, 6, 5, 6, 7, 8, 7,
                               11, 10, 9, 10, 11, 12, 11, 7, 6, 5, 6, 7, 8, 7, 3, 2, 1, 2, 3, 4, 3}},
      // np.pad(np.arange(1, 13).reshape(3, 4), ((1, 2), (2, 1)), mode='symmetric')
      {ir::PadMode::kSymmetric, {2, 1, 1, 2, 3, 4, 4, 2, 1, 1, 2, 3, 4, 4, 6, 5, 5, 6, 7, 8, 8,
                                 10, 9, 9, 10, 11, 12, 12, 10, 9, 9, 10, 11, 12, 12, 6, 5, 5, 6, 7, 8, 8}},
      // np.pad(np.arange(1, 13).reshape(3, 4), ((1, 2), (2, 1)), mode='edge')
      {ir::PadMode::kEdge, {1, 1, 1, 2, 3, 4, 4, 1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 6, 7, 8, 8,
                            9, 9, 9, 10, 11, 12, 12, 9, 9, 9, 10, 11, 12, 12, 9, 9, 9, 10, 11, 12, 12}},
      // np.pad(np.arange(1, 13).reshape(3, 4), ((1, 2), (2, 1)), mode='wrap')
      {ir::PadMode::kWrap, {11, 12, 9, 10, 11, 12, 9, 3, 4, 1, 2, 3, 4, 1, 7, 8, 5, 6, 7, 8, 5,
                            11, 12, 9, 10, 11, 12, 9, 3, 4, 1, 2, 3, 4, 1, 7, 8, 5, 6, 7, 8, 5}},
  };
  for (const ModeCase& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.mode));
    OpTester t(ir::OpType::kPad, mode(c.mode));
    t.input<int32_t>({3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    t.constant<int64_t>({2, 2}, {1, 2, 2, 1});
    t.output({6, 7}, DType::kInt32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<int32_t>(0), std::vector<int32_t>(c.expected.begin(), c.expected.end()));
  }
}

// Rank 3 float [2,3,2] = 1..12, paddings ((1, 0), (2, 1), (0, 1)): a pad on
// the last (contiguous) dim and on the leading ones at once.
TEST(PadOp, EveryModeRank3) {
  const ModeCase cases[] = {
      // np.pad(np.arange(1, 13).reshape(2, 3, 2), ((1, 0), (2, 1), (0, 1)), mode='reflect')
      {ir::PadMode::kReflect, {11, 12, 11, 9, 10, 9, 7, 8, 7, 9, 10, 9, 11, 12, 11, 9, 10, 9,
                               5, 6, 5, 3, 4, 3, 1, 2, 1, 3, 4, 3, 5, 6, 5, 3, 4, 3,
                               11, 12, 11, 9, 10, 9, 7, 8, 7, 9, 10, 9, 11, 12, 11, 9, 10, 9}},
      // np.pad(np.arange(1, 13).reshape(2, 3, 2), ((1, 0), (2, 1), (0, 1)), mode='symmetric')
      {ir::PadMode::kSymmetric, {3, 4, 4, 1, 2, 2, 1, 2, 2, 3, 4, 4, 5, 6, 6, 5, 6, 6,
                                 3, 4, 4, 1, 2, 2, 1, 2, 2, 3, 4, 4, 5, 6, 6, 5, 6, 6,
                                 9, 10, 10, 7, 8, 8, 7, 8, 8, 9, 10, 10, 11, 12, 12, 11, 12, 12}},
      // np.pad(np.arange(1, 13).reshape(2, 3, 2), ((1, 0), (2, 1), (0, 1)), mode='edge')
      {ir::PadMode::kEdge, {1, 2, 2, 1, 2, 2, 1, 2, 2, 3, 4, 4, 5, 6, 6, 5, 6, 6,
                            1, 2, 2, 1, 2, 2, 1, 2, 2, 3, 4, 4, 5, 6, 6, 5, 6, 6,
                            7, 8, 8, 7, 8, 8, 7, 8, 8, 9, 10, 10, 11, 12, 12, 11, 12, 12}},
      // np.pad(np.arange(1, 13).reshape(2, 3, 2), ((1, 0), (2, 1), (0, 1)), mode='wrap')
      {ir::PadMode::kWrap, {9, 10, 9, 11, 12, 11, 7, 8, 7, 9, 10, 9, 11, 12, 11, 7, 8, 7,
                            3, 4, 3, 5, 6, 5, 1, 2, 1, 3, 4, 3, 5, 6, 5, 1, 2, 1,
                            9, 10, 9, 11, 12, 11, 7, 8, 7, 9, 10, 9, 11, 12, 11, 7, 8, 7}},
  };
  for (const ModeCase& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.mode));
    OpTester t(ir::OpType::kPad, mode(c.mode));
    t.input<float>({2, 3, 2}, iota_f(12, 1));
    t.constant<int32_t>({3, 2}, {1, 0, 2, 1, 0, 1});
    t.output({3, 6, 3}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), c.expected);
  }
}

// Rank 4 NHWC, quantized uint8: reflect with every pad at its largest (dim - 1).
TEST(PadOp, ReflectPadOneBelowDimUint8) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kReflect));
  std::vector<uint8_t> x(18);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(100 + i);
  t.input<uint8_t>({1, 3, 3, 2}, x, q(0.5f, 7));
  t.constant<int32_t>({4, 2}, {0, 0, 2, 2, 1, 2, 0, 0});
  t.output({1, 7, 6, 2}, DType::kUInt8, q(0.5f, 7));
  ASSERT_TRUE(t.run().ok());
  // np.pad(np.arange(100, 118).reshape(1, 3, 3, 2), ((0, 0), (2, 2), (1, 2), (0, 0)), mode='reflect')
  EXPECT_EQ(t.result<uint8_t>(0),
            (std::vector<uint8_t>{114, 115, 112, 113, 114, 115, 116, 117, 114, 115, 112, 113, 108, 109, 106, 107, 108,
                                  109, 110, 111, 108, 109, 106, 107, 102, 103, 100, 101, 102, 103, 104, 105, 102, 103,
                                  100, 101, 108, 109, 106, 107, 108, 109, 110, 111, 108, 109, 106, 107, 114, 115, 112,
                                  113, 114, 115, 116, 117, 114, 115, 112, 113, 108, 109, 106, 107, 108, 109, 110, 111,
                                  108, 109, 106, 107, 102, 103, 100, 101, 102, 103, 104, 105, 102, 103, 100, 101}));
}

// Rank 4 int8: symmetric with pads equal to the dim size (its largest).
TEST(PadOp, SymmetricPadEqualToDimInt8) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kSymmetric));
  std::vector<int8_t> x(18);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(100 + i);
  t.input<int8_t>({1, 3, 3, 2}, x, q(0.25f, -5));
  t.constant<int32_t>({4, 2}, {0, 0, 1, 3, 3, 0, 0, 0});
  t.output({1, 7, 6, 2}, DType::kInt8, q(0.25f, -5));
  ASSERT_TRUE(t.run().ok());
  // np.pad(np.arange(100, 118).reshape(1, 3, 3, 2), ((0, 0), (1, 3), (3, 0), (0, 0)), mode='symmetric')
  EXPECT_EQ(t.result<int8_t>(0),
            (std::vector<int8_t>{104, 105, 102, 103, 100, 101, 100, 101, 102, 103, 104, 105, 104, 105, 102, 103, 100,
                                 101, 100, 101, 102, 103, 104, 105, 110, 111, 108, 109, 106, 107, 106, 107, 108, 109,
                                 110, 111, 116, 117, 114, 115, 112, 113, 112, 113, 114, 115, 116, 117, 116, 117, 114,
                                 115, 112, 113, 112, 113, 114, 115, 116, 117, 110, 111, 108, 109, 106, 107, 106, 107,
                                 108, 109, 110, 111, 104, 105, 102, 103, 100, 101, 100, 101, 102, 103, 104, 105}));
}

// Wrap repeats the input as often as the pads ask (ONNX Runtime and np.pad agree).
TEST(PadOp, WrapPadsLargerThanTheDim) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kWrap));
  t.input<int64_t>({3}, {1, 2, 3});
  t.constant<int32_t>({1, 2}, {4, 5});
  t.output({12}, DType::kInt64);
  ASSERT_TRUE(t.run().ok());
  // np.pad(np.arange(1, 4), (4, 5), mode='wrap')
  EXPECT_EQ(t.result<int64_t>(0), (std::vector<int64_t>{3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2}));
}

// Edge on a size-1 dim repeats its only element; reflect on it is allowed unpadded.
TEST(PadOp, SizeOneDims) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kEdge));
  t.input<float>({1, 2}, {5, 6});
  t.constant<int32_t>({2, 2}, {2, 1, 0, 0});
  t.output({4, 2}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{5, 6, 5, 6, 5, 6, 5, 6}));

  OpTester r(ir::OpType::kPad, mode(ir::PadMode::kReflect));
  r.input<float>({1, 2}, {5, 6});
  r.constant<int32_t>({2, 2}, {0, 0, 1, 1});
  r.output({1, 4}, DType::kFloat32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.result<float>(0), (std::vector<float>{6, 5, 6, 5}));
}

TEST(PadOp, ConstantValueFloat) {
  OpTester t(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 1.5f});
  t.input<float>({2, 2}, {1, 2, 3, 4});
  t.constant<int32_t>({2, 2}, {1, 0, 0, 1});
  t.output({3, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1.5f, 1.5f, 1.5f, 1, 2, 1.5f, 3, 4, 1.5f}));
}

// Integer tensors pad with constant_value converted; unquantized uint8 too.
TEST(PadOp, ConstantValueIntegers) {
  OpTester t(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, -7.0f});
  t.input<int64_t>({2}, {10, 20});
  t.constant<int32_t>({1, 2}, {1, 2});
  t.output({5}, DType::kInt64);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<int64_t>(0), (std::vector<int64_t>{-7, 10, 20, -7, -7}));

  OpTester u(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 200.0f});
  u.input<uint8_t>({2}, {1, 2});
  u.constant<int32_t>({1, 2}, {0, 1});
  u.output({3}, DType::kUInt8);
  ASSERT_TRUE(u.run().ok());
  EXPECT_EQ(u.result<uint8_t>(0), (std::vector<uint8_t>{1, 2, 200}));
}

// The unsigned types take values up to their own maximum (4e9 is a float exactly).
TEST(PadOp, ConstantValueUnsigned) {
  OpTester a(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 65535.0f});
  a.input<uint16_t>({1}, {7});
  a.constant<int32_t>({1, 2}, {1, 1});
  a.output({3}, DType::kUInt16);
  ASSERT_TRUE(a.run().ok());
  EXPECT_EQ(a.result<uint16_t>(0), (std::vector<uint16_t>{65535, 7, 65535}));

  OpTester b(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 4000000000.0f});
  b.input<uint32_t>({1}, {7});
  b.constant<int32_t>({1, 2}, {0, 1});
  b.output({2}, DType::kUInt32);
  ASSERT_TRUE(b.run().ok());
  EXPECT_EQ(b.result<uint32_t>(0), (std::vector<uint32_t>{7, 4000000000u}));

  OpTester c(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 1099511627776.0f});  // 2^40
  c.input<uint64_t>({1}, {7});
  c.constant<int32_t>({1, 2}, {1, 0});
  c.output({2}, DType::kUInt64);
  ASSERT_TRUE(c.run().ok());
  EXPECT_EQ(c.result<uint64_t>(0), (std::vector<uint64_t>{uint64_t{1} << 40, 7}));
}

// Negative paddings crop, then the mode pads the cropped input (ONNX Runtime's
// rule; np.pad rejects negative pads, hence the slice in the expressions).
TEST(PadOp, NegativePaddingsCrop) {
  OpTester c(ir::OpType::kPad);
  c.input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  c.constant<int32_t>({2, 2}, {-1, 1, 1, -2});
  c.output({2, 2}, DType::kFloat32);
  ASSERT_TRUE(c.run().ok());
  EXPECT_EQ(c.result<float>(0), (std::vector<float>{0, 4, 0, 0}));

  OpTester r(ir::OpType::kPad, mode(ir::PadMode::kReflect));
  r.input<float>({5}, iota_f(5, 1));
  r.constant<int32_t>({1, 2}, {-1, 2});
  r.output({6}, DType::kFloat32);
  ASSERT_TRUE(r.run().ok());
  // np.pad(np.arange(1, 6)[1:], (0, 2), mode='reflect')
  EXPECT_EQ(r.result<float>(0), (std::vector<float>{2, 3, 4, 5, 4, 3}));

  OpTester w(ir::OpType::kPad, mode(ir::PadMode::kWrap));
  w.input<float>({5}, iota_f(5, 1));
  w.constant<int32_t>({1, 2}, {2, -1});
  w.output({6}, DType::kFloat32);
  ASSERT_TRUE(w.run().ok());
  // np.pad(np.arange(1, 6)[:-1], (2, 0), mode='wrap')
  EXPECT_EQ(w.result<float>(0), (std::vector<float>{3, 4, 1, 2, 3, 4}));
}

// Zero-size tensors: a constant pad of an empty dim, and a crop to nothing.
TEST(PadOp, ZeroSizeDims) {
  OpTester t(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 3.0f});
  t.input<float>({0, 2}, {});
  t.constant<int32_t>({2, 2}, {1, 0, 0, 1});
  t.output({1, 3}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{3, 3, 3}));

  OpTester e(ir::OpType::kPad, mode(ir::PadMode::kEdge));
  e.input<float>({2, 2}, {1, 2, 3, 4});
  e.constant<int32_t>({2, 2}, {0, 0, -1, -1});
  e.output({2, 0}, DType::kFloat32);
  EXPECT_TRUE(e.run().ok());
}

// Rank 6 wrap.
TEST(PadOp, Rank6Wrap) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kWrap));
  t.input<float>({2, 1, 3, 1, 2, 5}, iota_f(60, 0));
  t.constant<int32_t>({6, 2}, {1, 0, 0, 2, 1, 1, 0, 0, 2, 0, 1, 3});
  t.output({3, 3, 5, 1, 4, 9}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const std::vector<float> out = t.result<float>(0);
  // np.pad(np.arange(60).reshape(2, 1, 3, 1, 2, 5), ((1, 0), (0, 2), (1, 1), (0, 0), (2, 0), (1, 3)),
  //        mode='wrap').flatten()[[0, 1, 100, 539, 1619]] -> [54 50 45 37 37]
  EXPECT_EQ(out[0], 54);
  EXPECT_EQ(out[1], 50);
  EXPECT_EQ(out[100], 45);
  EXPECT_EQ(out[539], 37);
  EXPECT_EQ(out[1619], 37);
}

// Large enough for the rows to be split over 3 threads: same bytes as 1 thread.
TEST(PadOp, ThreadsMatchOneThread) {
  std::vector<float> x = iota_f(64 * 64 * 8, 0);
  auto run = [&](int threads) {
    OpTester t(ir::OpType::kPad, mode(ir::PadMode::kReflect));
    t.set_threads(threads);
    t.input<float>({64, 64, 8}, x);
    t.constant<int32_t>({3, 2}, {1, 1, 2, 0, 1, 1});
    t.output({66, 66, 10}, DType::kFloat32);
    EXPECT_TRUE(t.run().ok());
    return t.result<float>(0);
  };
  const std::vector<float> one = run(1);
  // Output [0][0][0] reads input [1][2][1] (reflect: -1 -> 1, -2 -> 2, -1 -> 1).
  EXPECT_EQ(one[0], (1 * 64 + 2) * 8 + 1);
  EXPECT_EQ(run(3), one);
}

// ---- validation ----

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

TEST(PadOp, RejectsCropBeyondTheDim) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({2}, {1, 2});
  t.constant<int32_t>({1, 2}, {-2, -1});
  t.output({0}, DType::kFloat32);
  expect_prepare_error(t, "paddings[0] = [-2, -1]: crops more than the input dim's 2 elements");
}

TEST(PadOp, RejectsReflectPadReachingTheDimSize) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kReflect));
  t.input<float>({3}, {1, 2, 3});
  t.constant<int32_t>({1, 2}, {0, 3});
  t.output({6}, DType::kFloat32);
  expect_prepare_error(t,
                       "reflect mode: expected each pad below the dim size, found paddings[0] = [0, 3] on a dim of 3");
}

TEST(PadOp, RejectsReflectOnSizeOneDim) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kReflect));
  t.input<float>({1}, {1});
  t.constant<int32_t>({1, 2}, {1, 0});
  t.output({2}, DType::kFloat32);
  expect_prepare_error(t, "reflect mode: expected each pad below the dim size");
}

TEST(PadOp, RejectsSymmetricPadBeyondTheDimSize) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kSymmetric));
  t.input<float>({3}, {1, 2, 3});
  t.constant<int32_t>({1, 2}, {4, 0});
  t.output({7}, DType::kFloat32);
  expect_prepare_error(
      t, "symmetric mode: expected each pad at most the dim size, found paddings[0] = [4, 0] on a dim of 3");
}

// The dim is cropped to 1 element, so reflecting by 1 is out of reach.
TEST(PadOp, RejectsReflectBeyondTheCroppedDim) {
  OpTester t(ir::OpType::kPad, mode(ir::PadMode::kReflect));
  t.input<float>({3}, {1, 2, 3});
  t.constant<int32_t>({1, 2}, {-2, 1});
  t.output({2}, DType::kFloat32);
  expect_prepare_error(t, "on a dim of 1 after cropping");
}

TEST(PadOp, RejectsEdgeAndWrapOnEmptyDims) {
  for (ir::PadMode m : {ir::PadMode::kEdge, ir::PadMode::kWrap}) {
    OpTester t(ir::OpType::kPad, mode(m));
    t.input<float>({0}, {});
    t.constant<int32_t>({1, 2}, {1, 0});
    t.output({1}, DType::kFloat32);
    expect_prepare_error(t, "mode: expected a non-empty dim to pad");
  }
}

// On a quantized tensor the constant is a real value: padded with its code,
// which must exist exactly.
TEST(PadOp, QuantizedConstantIsItsCode) {
  OpTester t(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, -3.5f});
  t.input<uint8_t>({2}, {1, 2}, q(0.5f, 7));
  t.constant<int32_t>({1, 2}, {1, 1});
  t.output({4}, DType::kUInt8, q(0.5f, 7));
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<uint8_t>(0), (std::vector<uint8_t>{0, 1, 2, 0}));  // -3.5 / 0.5 + 7 = 0

  OpTester u(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 1.25f});
  u.input<uint8_t>({2}, {1, 2}, q(0.5f, 7));
  u.constant<int32_t>({1, 2}, {1, 1});
  u.output({4}, DType::kUInt8, q(0.5f, 7));
  auto k = u.prepare();
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(k.status().message().find("is not a value of its quantization"), std::string::npos)
      << k.status().message();
}

TEST(PadOp, RejectsConstantValueTheIntegerDtypeCannotHold) {
  OpTester t(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 1.5f});
  t.input<int32_t>({2}, {1, 2});
  t.constant<int32_t>({1, 2}, {1, 1});
  t.output({4}, DType::kInt32);
  expect_prepare_error(t, "constant_value 1.500000 is not an integer");

  OpTester u(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 256.0f});
  u.input<uint8_t>({2}, {1, 2});
  u.constant<int32_t>({1, 2}, {1, 1});
  u.output({4}, DType::kUInt8);
  expect_prepare_error(u, "pad value 256 is out of range for uint8");

  OpTester w(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, 65536.0f});
  w.input<uint16_t>({2}, {1, 2});
  w.constant<int32_t>({1, 2}, {1, 1});
  w.output({4}, DType::kUInt16);
  expect_prepare_error(w, "pad value 65536 is out of range for uint16");

  OpTester n(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kConstant, -1.0f});
  n.input<uint64_t>({2}, {1, 2});
  n.constant<int32_t>({1, 2}, {1, 1});
  n.output({4}, DType::kUInt64);
  expect_prepare_error(n, "pad value -1 is out of range for uint64");
}

TEST(PadOp, RejectsOtherAttrs) {
  OpTester t(ir::OpType::kPad, ir::SoftmaxAttrs{});
  t.input<float>({2}, {1, 2});
  t.constant<int32_t>({1, 2}, {1, 1});
  t.output({4}, DType::kFloat32);
  expect_prepare_error(t, "attributes: expected PadAttrs or none");
}

TEST(PadOp, RejectsRank7) {
  OpTester t(ir::OpType::kPad);
  t.input<float>({1, 1, 1, 1, 1, 1, 1}, {1});
  t.constant<int32_t>({7, 2}, std::vector<int32_t>(14, 0));
  t.output({1, 1, 1, 1, 1, 1, 1}, DType::kFloat32);
  expect_prepare_error(t, "input rank: expected 1..6, found 7");
}

}  // namespace
}  // namespace edgerun
