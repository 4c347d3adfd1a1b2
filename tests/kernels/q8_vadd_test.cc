// Differential tests of the same-shape quantized ADD SIMD kernels
// (qu8/qs8_vadd_minmax__avx2 and __avx512bw, kernels/dispatch.h) against the
// reference kernels (qu8_add__ref / qs8_add__ref): bit-exact on random data for
// every length 0..70 and a few large ones, with parameters computed as ADD's
// Prepare does from random scales and zero points, and with raw extreme
// multipliers, shifts and zero points; every buffer ends at a PROT_NONE guard
// page so any over-read or over-write faults (n = 0 buffers start on it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/quant_util.h"
#include "kernels/ref/add.h"

namespace edgerun::kernels {
namespace {

constexpr uint32_t kSeed = 0xadd0c0deu;

template <typename T>
struct AddTraits;
template <>
struct AddTraits<uint8_t> {
  static constexpr int32_t lo = 0, hi = 255;
  static constexpr auto ref = ref::qu8_add__ref;
  static constexpr auto ref_f32 = ref::qu8_add_f32__ref;
};
template <>
struct AddTraits<int8_t> {
  static constexpr int32_t lo = -128, hi = 127;
  static constexpr auto ref = ref::qs8_add__ref;
  static constexpr auto ref_f32 = ref::qs8_add_f32__ref;
};

// Parameters as ops/add.cc computes them from scales; false when the output
// multiplier would not be < 1 (the op rejects such a node).
bool params_from_scales(float s1, float s2, float so, ref::QuantAddParams* q) {
  q->left_shift = 20;
  const double twice_max_input_scale = static_cast<double>(2 * std::max(s1, s2));
  const double real_output_multiplier =
      twice_max_input_scale / static_cast<double>(static_cast<float>(1 << q->left_shift) * so);
  if (!(real_output_multiplier < 1.0)) return false;
  quantize_multiplier(s1 / twice_max_input_scale, &q->input1_multiplier, &q->input1_shift);
  quantize_multiplier(s2 / twice_max_input_scale, &q->input2_multiplier, &q->input2_shift);
  quantize_multiplier(real_output_multiplier, &q->output_multiplier, &q->output_shift);
  return true;
}

template <typename T, typename Fn>
void check_against_reference(Fn fn, uint32_t seed) {
  using Tr = AddTraits<T>;
  std::mt19937 rng(seed);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  for (size_t n : {127, 128, 129, 255, 1000, 4096, 4099, 100003}) lengths.push_back(n);
  int cases = 0;
  for (size_t n : lengths) {
    for (int variant = 0; variant < 7; ++variant) {
      ref::QuantAddParams q{};
      if (variant < 4) {
        // Scales over many octaves, one input now and then far below the other.
        const float s1 = std::ldexp(1.0f + uniform(0, 1000) / 1000.0f, uniform(-12, 2));
        const float s2 = variant == 3 ? s1 * std::ldexp(1.0f, -uniform(20, 40))
                                      : std::ldexp(1.0f + uniform(0, 1000) / 1000.0f, uniform(-12, 2));
        // Output scale from just above the smallest allowed to far above the inputs.
        const float so = variant == 2
                             ? 2 * std::max(s1, s2) / static_cast<float>(1 << 20) * 1.0001f
                             : std::max(s1, s2) * std::ldexp(1.0f + uniform(0, 1000) / 1000.0f, uniform(-4, 6));
        if (!params_from_scales(s1, s2, so, &q)) continue;
      } else if (variant == 6) {
        // Every input rounding visible in the output: the inputs rescale to
        // small values (x * m / 2^31 * 2^(20 - r) with r >= 19), ties included
        // (m = 2^30 makes many of them exact halves), and the output stage is
        // the identity on small sums (INT32_MAX, shift 0), so a scaled input
        // off by one changes the result instead of vanishing in a large
        // output division or in the clamp.
        q.left_shift = 20;
        const int32_t mults[] = {INT32_MAX, 1 << 30, uniform(1 << 30, INT32_MAX)};
        q.input1_multiplier = mults[uniform(0, 2)];
        q.input2_multiplier = mults[uniform(0, 2)];
        q.input1_shift = -uniform(19, 24);
        q.input2_shift = -uniform(19, 24);
        q.output_multiplier = INT32_MAX;
        q.output_shift = 0;
      } else {
        // Raw extremes: the largest and smallest Q31 mantissas, shifts 0 and -31.
        q.left_shift = 20;
        const int32_t mults[] = {INT32_MAX, 1 << 30, 0, uniform(1 << 30, INT32_MAX)};
        q.input1_multiplier = mults[uniform(0, 3)];
        q.input2_multiplier = mults[uniform(0, 3)];
        q.output_multiplier = mults[uniform(0, 3)];
        q.input1_shift = variant == 4 ? 0 : -uniform(0, 31);
        q.input2_shift = variant == 4 ? -uniform(0, 1) : -31;
        q.output_shift = -uniform(0, 31);
      }
      q.input1_offset = -uniform(Tr::lo, Tr::hi);
      q.input2_offset = -uniform(Tr::lo, Tr::hi);
      q.output_offset = uniform(Tr::lo, Tr::hi);
      if (variant == 5 && uniform(0, 1) == 0) {
        // Zero points at the ends of the range: the largest |input + offset|.
        q.input1_offset = -(uniform(0, 1) == 0 ? Tr::lo : Tr::hi);
        q.input2_offset = -(uniform(0, 1) == 0 ? Tr::lo : Tr::hi);
        q.output_offset = uniform(0, 1) == 0 ? Tr::lo : Tr::hi;
      }
      int32_t a = uniform(Tr::lo, Tr::hi), b = uniform(Tr::lo, Tr::hi);
      if (uniform(0, 2) == 0) {
        a = Tr::lo;
        b = Tr::hi;
      }
      q.output_min = std::min(a, b);
      q.output_max = std::max(a, b);

      GuardBuffer<T> in1(n), in2(n), out(n);
      ASSERT_TRUE(in1.ok() && in2.ok() && out.ok());
      std::vector<T> v1(n), v2(n);
      for (T& v : v1) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
      for (T& v : v2) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
      in1.assign(v1);
      in2.assign(v2);
      std::vector<T> expected(n);
      Tr::ref(v1.data(), v2.data(), expected.data(), ref::BroadcastIndex{}, q, 0, static_cast<int64_t>(n));

      std::memset(out.data(), 0x5a, n * sizeof(T));
      const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(n)));
      fn(split, in1.data(), in2.data(), out.data(), q);
      fn(n - split, in1.data() + split, in2.data() + split, out.data() + split, q);
      const std::vector<T> got(out.data(), out.data() + n);
      ASSERT_EQ(got, expected) << "seed " << seed << ", n " << n << ", variant " << variant << ", split " << split
                               << ", multipliers " << q.input1_multiplier << "/" << q.input1_shift << " "
                               << q.input2_multiplier << "/" << q.input2_shift << " " << q.output_multiplier << "/"
                               << q.output_shift << ", offsets " << q.input1_offset << " " << q.input2_offset << " "
                               << q.output_offset << ", range [" << q.output_min << ", " << q.output_max << "]";
      ++cases;
    }
  }
  EXPECT_GT(cases, 400);
}

// The float-defined ADD kernels (qu8/qs8_vadd_f32__avx2) against
// qu8/qs8_add_f32__ref: every length 0..70 and a few large ones, random
// scales over many octaves and zero points, so that values saturate and
// ties occur.
template <typename T, typename Fn>
void check_f32_against_reference(Fn fn, uint32_t seed) {
  using Tr = AddTraits<T>;
  std::mt19937 rng(seed);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  int cases = 0;
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  for (size_t n : {127, 128, 129, 4099, 100003}) lengths.push_back(n);
  for (size_t n : lengths) {
    for (int variant = 0; variant < 4; ++variant) {
      ref::F32QuantAddParams q{};
      // variant 0: powers of two, so that many results are exact ties.
      const auto scale = [&] {
        return std::ldexp(variant == 0 ? 1.0f : 1.0f + uniform(0, 1000) / 1000.0f, uniform(-10, 0));
      };
      q.a_scale = scale();
      q.b_scale = scale();
      q.y_scale = scale();
      q.a_zero_point = uniform(Tr::lo, Tr::hi);
      q.b_zero_point = uniform(Tr::lo, Tr::hi);
      q.y_zero_point = uniform(Tr::lo, Tr::hi);
      int32_t a = uniform(Tr::lo, Tr::hi), b = uniform(Tr::lo, Tr::hi);
      if (variant != 3) {
        a = Tr::lo;
        b = Tr::hi;
      }
      q.output_min = std::min(a, b);
      q.output_max = std::max(a, b);

      GuardBuffer<T> in1(n), in2(n), out(n);
      ASSERT_TRUE(in1.ok() && in2.ok() && out.ok());
      std::vector<T> v1(n), v2(n);
      for (T& v : v1) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
      for (T& v : v2) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
      in1.assign(v1);
      in2.assign(v2);
      std::vector<T> expected(n);
      Tr::ref_f32(v1.data(), v2.data(), expected.data(), ref::BroadcastIndex{}, q, 0, static_cast<int64_t>(n));
      std::memset(out.data(), 0x5a, n * sizeof(T));
      const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(n)));
      fn(split, in1.data(), in2.data(), out.data(), q);
      fn(n - split, in1.data() + split, in2.data() + split, out.data() + split, q);
      const std::vector<T> got(out.data(), out.data() + n);
      ASSERT_EQ(got, expected) << "seed " << seed << ", n " << n << ", variant " << variant << ", scales "
                               << q.a_scale << " " << q.b_scale << " " << q.y_scale << ", zero points "
                               << q.a_zero_point << " " << q.b_zero_point << " " << q.y_zero_point;
      ++cases;
    }
  }
  EXPECT_GT(cases, 250);
}

// The reference computes ONNX's definition: dequantize, add, divide by the
// output scale, round half to even, add the zero point after rounding.
TEST(Q8Vadd, F32RefIsOnnxDefinition) {
  // a: scale 0.25, zp 1; b: scale 0.5, zp -2; y: scale 0.5, zp 3.
  const ref::F32QuantAddParams q{0.25f, 0.5f, 0.5f, 1, -2, 3, -128, 127};
  const int8_t a[] = {2, 4, -127, 127, 1};
  const int8_t b[] = {-2, -1, -128, 127, -2};
  int8_t y[5];
  ref::qs8_add_f32__ref(a, b, y, ref::BroadcastIndex{}, q, 0, 5);
  // (0.25 + 0) / 0.5 = 0.5 -> 0 (tie to even) + 3; (0.75 + 0.5) / 0.5 = 2.5 -> 2 + 3;
  // (-32 - 63) / 0.5 = -190 -> clamped to -131 + 3; (31.5 + 64.5) / 0.5 = 192 -> 124 + 3; 0.
  EXPECT_EQ(std::vector<int8_t>(y, y + 5), (std::vector<int8_t>{3, 5, -128, 127, 3}));
}

#if defined(__x86_64__)
TEST(Q8Vadd, Qu8F32Avx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_f32_against_reference<uint8_t>(qu8_vadd_f32__avx2, kSeed + 4);
}
TEST(Q8Vadd, Qs8F32Avx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_f32_against_reference<int8_t>(qs8_vadd_f32__avx2, kSeed + 5);
}

TEST(Q8Vadd, Qu8Avx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(qu8_vadd_minmax__avx2, kSeed);
}
TEST(Q8Vadd, Qs8Avx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(qs8_vadd_minmax__avx2, kSeed + 1);
}

bool has_avx512bw() {
  const CpuFeatures& f = detected_cpu_features();
  return f.avx512f && f.avx512bw && f.avx512vl;
}
TEST(Q8Vadd, Qu8Avx512bwMatchesRef) {
  if (!has_avx512bw()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL (or the OS does not save ZMM state)";
  check_against_reference<uint8_t>(qu8_vadd_minmax__avx512bw, kSeed + 2);
}
TEST(Q8Vadd, Qs8Avx512bwMatchesRef) {
  if (!has_avx512bw()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL (or the OS does not save ZMM state)";
  check_against_reference<int8_t>(qs8_vadd_minmax__avx512bw, kSeed + 3);
}

TEST(Q8Vadd, Avx2TablesKeepAvx2Kernel) {
  const Q8AddTable& t = avx2_kernel_tables().q8_add;
  if (!cpu_features().avx2) GTEST_SKIP() << "no AVX2 kernels without AVX2";
  EXPECT_EQ(t.qu8, &qu8_vadd_minmax__avx2) << t.name;
  EXPECT_EQ(t.qs8, &qs8_vadd_minmax__avx2) << t.name;
}
#endif

TEST(Q8Vadd, DispatchTableFollowsCpuFeatures) {
  const Q8AddTable& t = detected_kernel_tables().q8_add;
  const bool fast = cpu_features().avx2;
  EXPECT_EQ(t.qu8 != nullptr, fast) << t.name;
  EXPECT_EQ(t.qs8 != nullptr, fast) << t.name;
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl) {
    EXPECT_EQ(t.qu8, &qu8_vadd_minmax__avx512bw) << t.name;
    EXPECT_EQ(t.qs8, &qs8_vadd_minmax__avx512bw) << t.name;
  }
#endif
}

}  // namespace
}  // namespace edgerun::kernels
