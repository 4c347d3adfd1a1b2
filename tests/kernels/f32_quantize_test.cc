// The float32 -> int8 / uint8 quantize kernels (f32_qs8 / f32_qu8_quantize_half_even__avx2,
// kernels/dispatch.h) against the reference (round_half_to_even): bit-exact for every
// length 0..70 and a few large ones, random scales and zero points, and values that
// probe the edges: exact ties, the saturation bounds, +-inf, NaN, huge values. Every
// buffer ends at a PROT_NONE guard page.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/ref/quantize.h"

namespace edgerun::kernels {
namespace {

template <typename T, typename Fn, typename RefFn>
void check_against_reference(Fn fn, RefFn reference, uint32_t seed) {
  std::mt19937 rng(seed);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  for (size_t n : {255, 256, 257, 4099}) lengths.push_back(n);
  int cases = 0;
  for (size_t n : lengths) {
    for (int variant = 0; variant < 3; ++variant) {
      ref::AffineQuantizeParams p;
      p.scale = variant == 0 ? std::ldexp(1.0f, uniform(-8, 2))  // powers of two: many exact ties
                             : std::ldexp(1.0f + uniform(0, 1000) / 1000.0f, uniform(-10, 3));
      p.zero_point = uniform(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
      p.round_half_to_even = true;
      GuardBuffer<float> x(n);
      GuardBuffer<T> y(n);
      ASSERT_TRUE(x.ok() && y.ok());
      std::vector<float> v(n);
      for (float& f : v) {
        switch (uniform(0, 9)) {
          case 0: f = (uniform(-600, 600) + 0.5f) * p.scale; break;  // ties
          case 1: f = std::numeric_limits<float>::infinity() * (uniform(0, 1) ? 1 : -1); break;
          case 2: f = std::numeric_limits<float>::quiet_NaN(); break;
          case 3: f = uniform(-1, 1) * 3e38f; break;
          default: f = static_cast<float>(uniform(-200000, 200000)) / 1000.0f * p.scale; break;
        }
      }
      x.assign(v);
      std::vector<T> expected(n);
      reference(v.data(), expected.data(), p, 0, static_cast<int64_t>(n));
      std::memset(y.data(), 0x5a, n * sizeof(T));
      const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(n)));
      fn(split, x.data(), y.data(), p);
      fn(n - split, x.data() + split, y.data() + split, p);
      const std::vector<T> got(y.data(), y.data() + n);
      ASSERT_EQ(got, expected) << "seed " << seed << ", n " << n << ", scale " << p.scale << ", zero point "
                               << p.zero_point;
      ++cases;
    }
  }
  EXPECT_GT(cases, 200);
}

#if defined(__x86_64__)
TEST(F32Quantize, Qs8HalfEvenAvx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(f32_qs8_quantize_half_even__avx2, ref::f32_qs8_quantize__ref, 0x9a11u);
}
TEST(F32Quantize, Qu8HalfEvenAvx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(f32_qu8_quantize_half_even__avx2, ref::f32_qu8_quantize__ref, 0x9a12u);
}
#endif

TEST(F32Quantize, DispatchTableFollowsCpuFeatures) {
  const F32QuantizeTable& t = detected_kernel_tables().f32_quantize;
  EXPECT_EQ(t.qs8_half_even != nullptr, cpu_features().avx2) << t.name;
  EXPECT_EQ(reference_kernel_tables().f32_quantize.qs8_half_even, nullptr);
}

}  // namespace
}  // namespace edgerun::kernels
