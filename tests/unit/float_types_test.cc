// float16 / float8 conversions (core/float_types.h) against numpy and
// ml_dtypes (tests/unit/float_types_values.inc, from
// tools/make_float_type_test_values.py) and a bit-level formula.
#include "core/float_types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace edgerun {
namespace {

struct Float8Case {
  uint32_t x;
  uint8_t saturated;
  uint8_t plain;
};
struct HalfCase {
  uint32_t x;
  uint16_t half;
};

#include "unit/float_types_values.inc"

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Same value, or both NaN with the same sign.
void expect_same(float got, float want, uint32_t code) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << "code 0x" << std::hex << code;
    EXPECT_EQ(std::signbit(got), std::signbit(want)) << "code 0x" << std::hex << code;
  } else {
    EXPECT_EQ(bits(got), bits(want)) << "code 0x" << std::hex << code << ": " << got << " vs " << want;
  }
}

TEST(FloatTypes, Float8DecodesEveryCode) {
  for (uint32_t c = 0; c < 256; ++c) {
    expect_same(float8e4m3fn_to_float(static_cast<uint8_t>(c)), from_bits(kE4M3FNDecoded[c]), c);
    expect_same(float8e5m2_to_float(static_cast<uint8_t>(c)), from_bits(kE5M2Decoded[c]), c);
  }
  // Spot checks of the formats themselves.
  EXPECT_EQ(float8e4m3fn_to_float(0x7E), 448.0f);
  EXPECT_TRUE(std::isnan(float8e4m3fn_to_float(0x7F)));
  EXPECT_EQ(float8e4m3fn_to_float(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(float8e5m2_to_float(0x7B), 57344.0f);
  EXPECT_EQ(float8e5m2_to_float(0x7C), INFINITY);
  EXPECT_EQ(float8e5m2_to_float(0xFC), -INFINITY);
  EXPECT_EQ(float8e5m2_to_float(0x01), std::ldexp(1.0f, -16));
}

template <size_t N>
void check_float8_encoding(const Float8Case (&cases)[N], uint8_t (*encode)(float, bool)) {
  for (const Float8Case& c : cases) {
    const float x = from_bits(c.x);
    EXPECT_EQ(encode(x, true), c.saturated) << "saturate, x = " << x << " (0x" << std::hex << c.x << ")";
    EXPECT_EQ(encode(x, false), c.plain) << "no saturate, x = " << x << " (0x" << std::hex << c.x << ")";
  }
}

TEST(FloatTypes, Float8E4M3FNEncodesLikeMlDtypes) { check_float8_encoding(kE4M3FNEncoded, float_to_float8e4m3fn); }
TEST(FloatTypes, Float8E5M2EncodesLikeMlDtypes) { check_float8_encoding(kE5M2Encoded, float_to_float8e5m2); }

TEST(FloatTypes, Float8SaturationAndTies) {
  // 464 is halfway between 448 (mantissa 110, even) and 480, which E4M3FN lacks.
  EXPECT_EQ(float_to_float8e4m3fn(464.0f, false), 0x7E);
  EXPECT_EQ(float_to_float8e4m3fn(464.5f, false), 0x7F);  // NaN: no infinity
  EXPECT_EQ(float_to_float8e4m3fn(464.5f, true), 0x7E);
  EXPECT_EQ(float_to_float8e4m3fn(-INFINITY, true), 0xFE);
  EXPECT_EQ(float_to_float8e4m3fn(-INFINITY, false), 0xFF);
  EXPECT_EQ(float_to_float8e5m2(INFINITY, true), 0x7B);
  EXPECT_EQ(float_to_float8e5m2(INFINITY, false), 0x7C);
  EXPECT_EQ(float_to_float8e5m2(61440.0f, false), 0x7C);  // halfway to 65536: even is the infinity
  EXPECT_EQ(float_to_float8e5m2(-NAN, true), 0xFE);
  // 1.0625 is halfway between 1 (0x38) and 1.125 (0x39): to even; 1.1875 to 1.25 (0x3A).
  EXPECT_EQ(float_to_float8e4m3fn(1.0625f), 0x38);
  EXPECT_EQ(float_to_float8e4m3fn(1.1875f), 0x3A);
  EXPECT_EQ(float_to_float8e4m3fn(-0.0f), 0x80);
}

// A half's value by the IEEE 754 binary16 definition.
float half_by_definition(uint16_t h) {
  const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
  const float sign = (h & 0x8000) != 0 ? -1.0f : 1.0f;
  if (e == 31) return m == 0 ? sign * INFINITY : NAN;
  if (e == 0) return sign * static_cast<float>(m) * std::ldexp(1.0f, -24);
  return sign * (1.0f + static_cast<float>(m) / 1024.0f) * std::ldexp(1.0f, e - 15);
}

TEST(FloatTypes, HalfDecodesEveryCodeAndRoundTrips) {
  for (uint32_t c = 0; c < 65536; ++c) {
    const auto h = static_cast<uint16_t>(c);
    const float f = half_to_float(h);
    const float want = half_by_definition(h);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(f)) << c;
      EXPECT_EQ(std::signbit(f), (c & 0x8000) != 0) << c;
    } else {
      ASSERT_EQ(bits(f), bits(want)) << "code " << c;  // -0 included
    }
    EXPECT_EQ(float_to_half(f), h) << "code " << c;  // NaN payloads too
  }
}

TEST(FloatTypes, HalfEncodesLikeNumpy) {
  for (const HalfCase& c : kHalfEncoded) {
    EXPECT_EQ(float_to_half(from_bits(c.x)), c.half) << "x = " << from_bits(c.x) << " (0x" << std::hex << c.x << ")";
  }
  EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
  EXPECT_EQ(float_to_half(65520.0f), 0x7C00);  // halfway to 65536: even is the infinity
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // halfway to the smallest subnormal: to even
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(-INFINITY), 0xFC00);
  EXPECT_EQ(float_to_half(NAN) & 0x7E00, 0x7E00);
}

TEST(FloatTypes, LoadFloat) {
  const uint16_t h[2] = {0x3C00, 0xC000};
  EXPECT_EQ(load_float(DType::kFloat16, h, 1), -2.0f);
  const uint8_t f8[2] = {0x38, 0xC0};
  EXPECT_EQ(load_float(DType::kFloat8E4M3FN, f8, 0), 1.0f);
  EXPECT_EQ(load_float(DType::kFloat8E5M2, f8, 1), -2.0f);
  EXPECT_TRUE(is_float_dtype(DType::kFloat8E5M2));
  EXPECT_FALSE(is_float_dtype(DType::kUInt16));
}

}  // namespace
}  // namespace edgerun
