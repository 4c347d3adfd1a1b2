// Plain (not quantized) integer ADD, SUB, MUL and DIV on int8 to int64 and
// uint8 to uint64: NumPy's results (checked with numpy 2.4.6, e.g.
// np.int8(100) + np.int8(100) == -56, np.array([-2**31], np.int32) // -1 ==
// -2**31, np.array([7], np.int32) // 0 == 0), except that DIV truncates toward
// zero as ONNX's test_div_int32_trunc expects (NumPy's // floors; the two
// agree on unsigned types).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "ops/op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

template <typename T>
std::vector<T> run_op(ir::OpType op, Shape sa, const std::vector<T>& a, Shape sb, const std::vector<T>& b, Shape so) {
  OpTester t(op, ir::ElementwiseAttrs{});
  t.input<T>(std::move(sa), a);
  t.input<T>(std::move(sb), b);
  t.output(std::move(so), testing::dtype_of<T>());
  const Status st = t.run();
  EXPECT_TRUE(st.ok()) << st.message();
  return st.ok() ? t.result<T>(0) : std::vector<T>{};
}

template <typename T>
std::vector<T> run_same_shape(ir::OpType op, const std::vector<T>& a, const std::vector<T>& b) {
  const Shape s{static_cast<int32_t>(a.size())};
  return run_op<T>(op, s, a, s, b, s);
}

template <typename T>
class IntArith : public ::testing::Test {};
using IntTypes = ::testing::Types<int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t>;
TYPED_TEST_SUITE(IntArith, IntTypes);

// a [2,1] = [10, 20] against b [1,3] = [1, 2, 3]: values every dtype holds.
TYPED_TEST(IntArith, BroadcastEveryOp) {
  using T = TypeParam;
  const std::vector<T> a{10, 20}, b{1, 2, 3};
  EXPECT_EQ(run_op<T>(ir::OpType::kAdd, {2, 1}, a, {1, 3}, b, {2, 3}), (std::vector<T>{11, 12, 13, 21, 22, 23}));
  EXPECT_EQ(run_op<T>(ir::OpType::kSub, {2, 1}, a, {1, 3}, b, {2, 3}), (std::vector<T>{9, 8, 7, 19, 18, 17}));
  EXPECT_EQ(run_op<T>(ir::OpType::kMul, {2, 1}, a, {1, 3}, b, {2, 3}), (std::vector<T>{10, 20, 30, 20, 40, 60}));
  EXPECT_EQ(run_op<T>(ir::OpType::kDiv, {2, 1}, a, {1, 3}, b, {2, 3}), (std::vector<T>{10, 5, 3, 20, 10, 6}));
  // The other operand order and a rank-4 NHWC tensor against a channel vector (C = 3).
  EXPECT_EQ(run_op<T>(ir::OpType::kSub, {3}, b, {1, 2, 1, 1}, a, {1, 2, 1, 3}),
            (std::vector<T>{static_cast<T>(1 - 10), static_cast<T>(2 - 10), static_cast<T>(3 - 10),
                            static_cast<T>(1 - 20), static_cast<T>(2 - 20), static_cast<T>(3 - 20)}));
  EXPECT_EQ(run_op<T>(ir::OpType::kDiv, {1, 1, 1, 1}, std::vector<T>{60}, {1, 1, 2, 3},
                      std::vector<T>{1, 2, 3, 4, 5, 7}, {1, 1, 2, 3}),
            (std::vector<T>{60, 30, 20, 15, 12, 8}));
}

TYPED_TEST(IntArith, DivisionByZeroGivesZero) {
  using T = TypeParam;
  const T max = std::numeric_limits<T>::max();
  EXPECT_EQ(run_same_shape<T>(ir::OpType::kDiv, {7, 0, max, 1}, {0, 0, 0, 1}), (std::vector<T>{0, 0, 0, 1}));
}

// Random operands against the same arithmetic done in int64 (uint64 for
// unsigned types, so that uint32 products cannot overflow) and truncated
// (exact for every dtype narrower than 64 bits).
TYPED_TEST(IntArith, RandomMatchesWideArithmetic) {
  using T = TypeParam;
  using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  if constexpr (sizeof(T) < 8) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int64_t> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    std::vector<T> a(257), b(257);
    for (size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<T>(dist(rng));
      b[i] = static_cast<T>(dist(rng));
    }
    b[3] = 0;
    b[5] = static_cast<T>(-1);
    a[5] = std::numeric_limits<T>::min();
    const auto add = run_same_shape<T>(ir::OpType::kAdd, a, b);
    const auto sub = run_same_shape<T>(ir::OpType::kSub, a, b);
    const auto mul = run_same_shape<T>(ir::OpType::kMul, a, b);
    const auto div = run_same_shape<T>(ir::OpType::kDiv, a, b);
    ASSERT_EQ(add.size(), a.size());
    ASSERT_EQ(div.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const Wide x = a[i], y = b[i];
      SCOPED_TRACE(std::to_string(x) + " op " + std::to_string(y));
      EXPECT_EQ(add[i], static_cast<T>(x + y));
      EXPECT_EQ(sub[i], static_cast<T>(x - y));
      EXPECT_EQ(mul[i], static_cast<T>(x * y));
      EXPECT_EQ(div[i], y == 0 ? T{0} : static_cast<T>(x / y));
    }
  }
}

TEST(IntArithWrap, Int8) {
  EXPECT_EQ(run_same_shape<int8_t>(ir::OpType::kAdd, {100, -128, 127}, {100, -1, 1}),
            (std::vector<int8_t>{-56, 127, -128}));
  EXPECT_EQ(run_same_shape<int8_t>(ir::OpType::kSub, {-128, 127}, {1, -1}), (std::vector<int8_t>{127, -128}));
  EXPECT_EQ(run_same_shape<int8_t>(ir::OpType::kMul, {16, 100, -128}, {16, 3, -1}), (std::vector<int8_t>{0, 44, -128}));
  // Truncation toward zero, and min / -1 wrapping to min.
  EXPECT_EQ(run_same_shape<int8_t>(ir::OpType::kDiv, {-3, 3, -3, 3, -128, -7}, {2, 2, -2, -2, -1, 7}),
            (std::vector<int8_t>{-1, 1, 1, -1, -128, -1}));
}

TEST(IntArithWrap, Uint8) {
  EXPECT_EQ(run_same_shape<uint8_t>(ir::OpType::kAdd, {200, 255}, {100, 1}), (std::vector<uint8_t>{44, 0}));
  EXPECT_EQ(run_same_shape<uint8_t>(ir::OpType::kSub, {3, 0}, {5, 255}), (std::vector<uint8_t>{254, 1}));
  EXPECT_EQ(run_same_shape<uint8_t>(ir::OpType::kMul, {16, 255}, {16, 255}), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(run_same_shape<uint8_t>(ir::OpType::kDiv, {7, 255, 200}, {2, 255, 201}), (std::vector<uint8_t>{3, 1, 0}));
}

TEST(IntArithWrap, Int16) {
  EXPECT_EQ(run_same_shape<int16_t>(ir::OpType::kAdd, {30000}, {30000}), (std::vector<int16_t>{-5536}));
  EXPECT_EQ(run_same_shape<int16_t>(ir::OpType::kSub, {-32768}, {1}), (std::vector<int16_t>{32767}));
  // 300 * 300 = 90000 = 24464 mod 2^16; (-1) * (-1) multiplies 0xFFFF... in unsigned without overflow.
  EXPECT_EQ(run_same_shape<int16_t>(ir::OpType::kMul, {300, -1, -32768}, {300, -1, -1}),
            (std::vector<int16_t>{24464, 1, -32768}));
  EXPECT_EQ(run_same_shape<int16_t>(ir::OpType::kDiv, {-32768, -32767}, {-1, 2}),
            (std::vector<int16_t>{-32768, -16383}));
}

TEST(IntArithWrap, Uint16) {
  EXPECT_EQ(run_same_shape<uint16_t>(ir::OpType::kAdd, {65535, 40000, 1}, {1, 40000, 2}),
            (std::vector<uint16_t>{0, 14464, 3}));  // 80000 - 65536
  EXPECT_EQ(run_same_shape<uint16_t>(ir::OpType::kSub, {0, 3, 65535}, {1, 5, 65535}),
            (std::vector<uint16_t>{65535, 65534, 0}));
  // 65535 * 65535 = 2^32 - 2^17 + 1: 1 mod 2^16, and more than a promoted int holds.
  EXPECT_EQ(run_same_shape<uint16_t>(ir::OpType::kMul, {256, 300, 65535}, {256, 300, 65535}),
            (std::vector<uint16_t>{0, 24464, 1}));
  EXPECT_EQ(run_same_shape<uint16_t>(ir::OpType::kDiv, {65535, 7, 65535, 0}, {2, 0, 65535, 5}),
            (std::vector<uint16_t>{32767, 0, 1, 0}));
}

TEST(IntArithWrap, Uint32) {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  EXPECT_EQ(run_same_shape<uint32_t>(ir::OpType::kAdd, {kMax, 3000000000u}, {1, 3000000000u}),
            (std::vector<uint32_t>{0, 1705032704u}));  // 6e9 - 2^32
  EXPECT_EQ(run_same_shape<uint32_t>(ir::OpType::kSub, {0, 5}, {1, kMax}), (std::vector<uint32_t>{kMax, 6}));
  EXPECT_EQ(run_same_shape<uint32_t>(ir::OpType::kMul, {65536, kMax, 100000}, {65536, kMax, 100000}),
            (std::vector<uint32_t>{0, 1, 1410065408u}));  // 1e10 - 2 * 2^32
  // 4e9 is above INT32_MAX: a signed division would give a negative quotient.
  EXPECT_EQ(run_same_shape<uint32_t>(ir::OpType::kDiv, {kMax, 4000000000u, 9, 9}, {2, 3, 0, 10}),
            (std::vector<uint32_t>{2147483647u, 1333333333u, 0, 0}));
}

TEST(IntArithWrap, Uint64) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  constexpr uint64_t k2to63 = uint64_t{1} << 63;
  EXPECT_EQ(run_same_shape<uint64_t>(ir::OpType::kAdd, {kMax, k2to63, kMax}, {1, k2to63, kMax}),
            (std::vector<uint64_t>{0, 0, kMax - 1}));
  EXPECT_EQ(run_same_shape<uint64_t>(ir::OpType::kSub, {0, k2to63, 7}, {1, k2to63 + 1, 7}),
            (std::vector<uint64_t>{kMax, kMax, 0}));
  // 3e9 * 7e9 = 2.1e19 = 2^64 + 2553255926290448384.
  EXPECT_EQ(run_same_shape<uint64_t>(ir::OpType::kMul, {uint64_t{1} << 32, kMax, 3000000000},
                                     {uint64_t{1} << 32, kMax, 7000000000}),
            (std::vector<uint64_t>{0, 1, 2553255926290448384u}));
  EXPECT_EQ(
      run_same_shape<uint64_t>(ir::OpType::kDiv, {kMax, 10000000000000000000u, 7, k2to63}, {2, 3, 0, k2to63 >> 1}),
      (std::vector<uint64_t>{k2to63 - 1, 3333333333333333333u, 0, 2}));
}

// Unsigned wrap-around and division by zero under broadcasting.
TEST(IntArithWrap, UnsignedBroadcast) {
  EXPECT_EQ(run_op<uint16_t>(ir::OpType::kSub, {2}, {0, 65535}, {3, 1}, {1, 2, 65535}, {3, 2}),
            (std::vector<uint16_t>{65535, 65534, 65534, 65533, 1, 0}));
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(run_op<uint64_t>(ir::OpType::kMul, {3, 1}, {2, kMax, uint64_t{1} << 63}, {2}, {1, 2}, {3, 2}),
            (std::vector<uint64_t>{2, 4, kMax, kMax - 1, uint64_t{1} << 63, 0}));
  EXPECT_EQ(run_op<uint32_t>(ir::OpType::kDiv, {1}, {4294967295u}, {4}, {0, 1, 2, 4294967295u}, {4}),
            (std::vector<uint32_t>{0, 4294967295u, 2147483647u, 1}));
}

TEST(IntArithWrap, Int32) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(run_same_shape<int32_t>(ir::OpType::kAdd, {kMax, kMin}, {1, -1}), (std::vector<int32_t>{kMin, kMax}));
  EXPECT_EQ(run_same_shape<int32_t>(ir::OpType::kSub, {kMin, kMax}, {1, -1}), (std::vector<int32_t>{kMax, kMin}));
  EXPECT_EQ(run_same_shape<int32_t>(ir::OpType::kMul, {65536, kMin, 46341}, {65536, -1, 46341}),
            (std::vector<int32_t>{0, kMin, -2147479015}));  // 46341^2 = 2147488281 = 2^31 + 4633
  // ONNX test_div_int32_trunc, then min / -1 and x / 0.
  EXPECT_EQ(run_same_shape<int32_t>(ir::OpType::kDiv, {-3, 3, -3, 3, kMin, 5, -5}, {2, 2, -2, -2, -1, 0, 0}),
            (std::vector<int32_t>{-1, 1, 1, -1, kMin, 0, 0}));
}

TEST(IntArithWrap, Int64) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(run_same_shape<int64_t>(ir::OpType::kAdd, {kMax, kMin, int64_t{1} << 40}, {1, -1, int64_t{1} << 40}),
            (std::vector<int64_t>{kMin, kMax, int64_t{1} << 41}));
  EXPECT_EQ(run_same_shape<int64_t>(ir::OpType::kSub, {kMin, kMax}, {1, -1}), (std::vector<int64_t>{kMax, kMin}));
  EXPECT_EQ(run_same_shape<int64_t>(ir::OpType::kMul, {int64_t{1} << 32, kMin, 3000000000}, {int64_t{1} << 32, -1, 3}),
            (std::vector<int64_t>{0, kMin, 9000000000}));
  EXPECT_EQ(run_same_shape<int64_t>(ir::OpType::kDiv, {kMin, -9000000001, 9000000001, 1}, {-1, 3, -3, 0}),
            (std::vector<int64_t>{kMin, -3000000000, -3000000000, 0}));
}

void expect_status(const Status& st, StatusCode code, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  for (const auto& s : needles) EXPECT_NE(st.message().find(s), std::string::npos) << st.message();
}

TEST(IntArithValidation, FusedActivationIsUnsupported) {
  for (ir::OpType op : {ir::OpType::kAdd, ir::OpType::kSub, ir::OpType::kMul, ir::OpType::kDiv}) {
    OpTester t(op, ir::ElementwiseAttrs{ir::Activation::kRelu});
    t.input<int32_t>({2}, {1, 2});
    t.input<int32_t>({2}, {1, 2});
    t.output({2}, DType::kInt32);
    expect_status(t.run(), StatusCode::kUnsupported, {"fused activation", "int32", "expected NONE"});
  }
}

TEST(IntArithValidation, QuantizedWideIntegersAreUnsupported) {
  for (ir::OpType op : {ir::OpType::kAdd, ir::OpType::kSub, ir::OpType::kMul, ir::OpType::kDiv}) {
    OpTester t(op, ir::ElementwiseAttrs{});
    t.input<int16_t>({2}, {1, 2}, QuantParams{{0.5f}, {0}, 0});
    t.input<int16_t>({2}, {1, 2}, QuantParams{{0.5f}, {0}, 0});
    t.output({2}, DType::kInt16, QuantParams{{0.5f}, {0}, 0});
    expect_status(t.run(), StatusCode::kUnsupported, {"quantized int16 is not supported"});
  }
}

TEST(IntArithValidation, EightBitTensorsAreQuantizedWhenAnyHasQuantization) {
  // Only the output quantized: the inputs must be quantized too (not silently plain).
  OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
  t.input<uint8_t>({2}, {1, 2});
  t.input<uint8_t>({2}, {1, 2});
  t.output({2}, DType::kUInt8, QuantParams{{0.5f}, {0}, 0});
  expect_status(t.run(), StatusCode::kInvalidModel, {"ADD", "input 0 quantization"});
}

TEST(IntArithValidation, MixedIntegerDtypesAndBool) {
  {
    OpTester t(ir::OpType::kMul, ir::ElementwiseAttrs{});
    t.input<int32_t>({2}, {1, 2});
    t.input<int64_t>({2}, {1, 2});
    t.output({2}, DType::kInt32);
    expect_status(t.run(), StatusCode::kInvalidModel, {"MUL", "input 1 dtype", "expected int32", "found int64"});
  }
  {
    OpTester t(ir::OpType::kDiv, ir::ElementwiseAttrs{});
    t.input<int8_t>({2}, {1, 2});
    t.input<int8_t>({2}, {1, 2});
    t.output({2}, DType::kInt16);
    expect_status(t.run(), StatusCode::kInvalidModel, {"DIV", "output dtype", "expected int8", "found int16"});
  }
  {
    OpTester t(ir::OpType::kSub, ir::ElementwiseAttrs{});
    t.input<uint8_t>({2}, {1, 0});
    t.input<uint8_t>({2}, {1, 1});
    t.output({2}, DType::kBool);
    for (ir::Value& v : t.graph().values) v.info.dtype = DType::kBool;  // (std::vector<bool> has no data())
    expect_status(t.run(), StatusCode::kInvalidModel, {"SUB", "input 0 dtype", "uint16", "uint64", "found bool"});
  }
  {
    OpTester t(ir::OpType::kAdd, ir::ElementwiseAttrs{});
    t.input<uint16_t>({2}, {1, 2});
    t.input<int16_t>({2}, {1, 2});
    t.output({2}, DType::kUInt16);
    expect_status(t.run(), StatusCode::kInvalidModel, {"ADD", "input 1 dtype", "expected uint16", "found int16"});
  }
}

}  // namespace
}  // namespace edgerun
