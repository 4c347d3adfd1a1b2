// float4e2m1 <-> float: every code, and rounding at and around each midpoint
// (ties to the even code), saturation and NaN as ONNX's reference (ml_dtypes).
#include "core/float4.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace edgerun {
namespace {

TEST(Float4E2M1, EveryCode) {
  const float want[16] = {0.f, 0.5f, 1.f, 1.5f, 2.f, 3.f, 4.f, 6.f, -0.f, -0.5f, -1.f, -1.5f, -2.f, -3.f, -4.f, -6.f};
  for (uint8_t code = 0; code < 16; ++code) {
    SCOPED_TRACE(static_cast<int>(code));
    const float f = float4e2m1_to_float(code);
    EXPECT_EQ(f, want[code]);
    EXPECT_EQ(std::signbit(f), code >= 8);
    EXPECT_EQ(float_to_float4e2m1(f), code);
    EXPECT_EQ(float4e2m1_to_float(static_cast<uint8_t>(code | 0xf0)), want[code]);  // the high nibble is ignored
  }
}

TEST(Float4E2M1, RoundsToNearestTiesToEvenAndSaturates) {
  // Each midpoint m between codes k and k + 1: the even one of the two; just
  // below, k; just above, k + 1.
  const float mid[7] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.f};
  const uint8_t tie[7] = {0, 2, 2, 4, 4, 6, 6};
  for (uint8_t k = 0; k < 7; ++k) {
    SCOPED_TRACE(mid[k]);
    EXPECT_EQ(float_to_float4e2m1(mid[k]), tie[k]);
    EXPECT_EQ(float_to_float4e2m1(-mid[k]), tie[k] | 0x8);
    EXPECT_EQ(float_to_float4e2m1(std::nextafter(mid[k], 0.f)), k);
    EXPECT_EQ(float_to_float4e2m1(std::nextafter(mid[k], 10.f)), k + 1);
  }
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(float_to_float4e2m1(7.f), 0x7);
  EXPECT_EQ(float_to_float4e2m1(1e30f), 0x7);
  EXPECT_EQ(float_to_float4e2m1(inf), 0x7);
  EXPECT_EQ(float_to_float4e2m1(-inf), 0xf);
  EXPECT_EQ(float_to_float4e2m1(-1e-30f), 0x8);  // rounds to -0
  EXPECT_EQ(float_to_float4e2m1(std::numeric_limits<float>::denorm_min()), 0x0);
  // NaN: a zero of the opposite sign (ml_dtypes' result).
  EXPECT_EQ(float_to_float4e2m1(std::numeric_limits<float>::quiet_NaN()), 0x8);
  EXPECT_EQ(float_to_float4e2m1(-std::numeric_limits<float>::quiet_NaN()), 0x0);
}

}  // namespace
}  // namespace edgerun
