// multiply_by_q31_rounding (kernels/quant_util.h), the single 64-bit shift the
// AVX-512 output stages vectorize, against TFLite's two-step
// multiply_by_quantized_multiplier: every right shift 0..31 and left shift
// 0..30, extreme accumulators and multipliers, then random ones.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "kernels/quant_util.h"

namespace edgerun::kernels {
namespace {

int32_t single_shift(int32_t x, int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0;
  return multiply_by_q31_rounding(shift_left_wrapping(x, left), m, q31_rounding(shift > 0 ? 0 : -shift));
}

TEST(Q31Rounding, MatchesTfliteOnExtremes) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  const int32_t xs[] = {kMin, kMin + 1, -(1 << 30) - 1, -(1 << 30), -65536,   -3,  -2, -1, 0, 1,
                        2,    3,        65535,          1 << 30,    kMax - 1, kMax};
  const int32_t ms[] = {0, 1, 2, 3, (1 << 30) - 1, 1 << 30, (1 << 30) + 1, kMax - 1, kMax};
  for (int shift = -31; shift <= 30; ++shift) {
    for (int32_t x : xs) {
      for (int32_t m : ms) {
        ASSERT_EQ(single_shift(x, m, shift), multiply_by_quantized_multiplier(x, m, shift))
            << "x " << x << ", m " << m << ", shift " << shift;
      }
    }
  }
}

TEST(Q31Rounding, MatchesTfliteOnRandomValues) {
  std::mt19937 rng(0x9317u);
  std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> mult(0, std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int> shift(-31, 30), small(-1 << 16, 1 << 16);
  for (int i = 0; i < 2000000; ++i) {
    // Half the accumulators small, as real ones are, where the rounding ties sit.
    const int32_t x = i % 2 == 0 ? any(rng) : small(rng);
    const int32_t m = mult(rng);
    const int s = shift(rng);
    ASSERT_EQ(single_shift(x, m, s), multiply_by_quantized_multiplier(x, m, s))
        << "x " << x << ", m " << m << ", shift " << s;
  }
}

// Exact ties of the final rounding: x * m / 2^31 landing on k + 1/2 after the
// right shift, for both signs.
TEST(Q31Rounding, MatchesTfliteOnTies) {
  for (int r = 1; r <= 31; ++r) {
    for (int64_t k = -40; k <= 40; ++k) {
      // m = 2^30 halves x (x * 2^30 * 2 / 2^32), so x = (2k + 1) * 2^r sits on a tie.
      const int64_t x = (2 * k + 1) * (int64_t{1} << (r < 30 ? r : 30));
      if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) continue;
      for (int32_t m : {1 << 30, (1 << 30) - 1, (1 << 30) + 1}) {
        ASSERT_EQ(single_shift(static_cast<int32_t>(x), m, -r),
                  multiply_by_quantized_multiplier(static_cast<int32_t>(x), m, -r))
            << "x " << x << ", m " << m << ", r " << r;
      }
    }
  }
}

}  // namespace
}  // namespace edgerun::kernels
