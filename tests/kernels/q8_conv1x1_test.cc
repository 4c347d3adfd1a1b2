// Differential tests of the quantized 1x1 conv kernels (kernels/q8_conv1x1.h)
// against the reference conv (qu8_conv2d__ref / qs8_conv2d__ref): bit-exact on
// random data, every buffer the kernel touches ending exactly at a PROT_NONE
// guard page so any over-read or over-write faults.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/q8_conv1x1.h"
#include "kernels/quant_util.h"
#include "kernels/ref/conv.h"

namespace edgerun::kernels {
namespace {

constexpr uint32_t kSeed = 0x1c0417u;

template <typename T>
struct Traits;
template <>
struct Traits<uint8_t> {
  static constexpr int32_t lo = 0, hi = 255;
  static constexpr auto ref = qu8_conv2d__ref;
  static constexpr auto ref1x1 = qu8_conv1x1__ref;
  static constexpr auto pack = qu8_conv1x1_pack_weights;
};
template <>
struct Traits<int8_t> {
  static constexpr int32_t lo = -128, hi = 127;
  static constexpr auto ref = qs8_conv2d__ref;
  static constexpr auto ref1x1 = qs8_conv1x1__ref;
  static constexpr auto pack = qs8_conv1x1_pack_weights;
};

const int32_t kChannels[] = {1, 3, 7, 8, 9, 15, 16, 17, 33, 64};
const int32_t kPixels[] = {1, 7, 8, 9, 49};

// Runs `fn` (a 1x1 kernel) against the reference conv for every size; the
// kernel computes the pixels in two slices split at a random point.
template <typename T, typename Fn>
void check_against_reference(Fn fn, uint32_t seed) {
  using Tr = Traits<T>;
  std::mt19937 rng(seed);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  int cases = 0;
  for (int32_t in_c : kChannels) {
    for (int32_t out_c : kChannels) {
      for (int32_t pixels : kPixels) {
        ConvParams p;
        p.batch = 1;
        p.in_h = 1;
        p.in_w = pixels;
        p.in_c = in_c;
        p.out_h = 1;
        p.out_w = pixels;
        p.out_c = out_c;
        p.filter_h = p.filter_w = 1;
        p.input_offset = -uniform(Tr::lo, Tr::hi);
        // uint8: asymmetric filters; int8: mostly symmetric, sometimes not (the kernel handles both).
        p.filter_offset = std::is_same_v<T, uint8_t> || uniform(0, 3) == 0 ? -uniform(Tr::lo, Tr::hi) : 0;
        p.output_offset = uniform(Tr::lo, Tr::hi);
        int32_t a = uniform(Tr::lo, Tr::hi), b = uniform(Tr::lo, Tr::hi);
        if (uniform(0, 2) == 0) {  // often the full range, as without activation
          a = Tr::lo;
          b = Tr::hi;
        }
        p.act_min = std::min(a, b);
        p.act_max = std::max(a, b);

        GuardBuffer<T> input(static_cast<size_t>(pixels) * in_c), output(static_cast<size_t>(pixels) * out_c);
        GuardBuffer<int32_t> bias(out_c), mult(out_c), shift(out_c);
        GuardBuffer<int16_t> packed(q8_conv1x1_packed_size(in_c, out_c));
        ASSERT_TRUE(input.ok() && output.ok() && bias.ok() && mult.ok() && shift.ok() && packed.ok());
        std::vector<T> in_v(input.size()), filter(static_cast<size_t>(in_c) * out_c);
        for (T& v : in_v) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
        for (T& v : filter) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
        input.assign(in_v);
        const bool per_channel = std::is_same_v<T, int8_t> && uniform(0, 3) != 0;
        for (int32_t c = 0; c < out_c; ++c) {
          if (c == 0 || per_channel) {
            // Real multipliers from 2^-24 to ~4, with now and then a tiny or zero one.
            double real = std::ldexp(1.0 + uniform(0, 1 << 20) / double(1 << 20), uniform(-24, 1));
            if (uniform(0, 15) == 0) real = 0.0;
            int s = 0;
            quantize_multiplier(real, &mult.data()[c], &s);
            shift.data()[c] = s;
          } else {
            mult.data()[c] = mult.data()[0];
            shift.data()[c] = shift.data()[0];
          }
          bias.data()[c] = uniform(-60000, 60000);
        }
        const bool with_bias = uniform(0, 4) != 0;
        p.multiplier = mult.data();
        p.shift = shift.data();

        std::vector<T> expected(output.size());
        Tr::ref(p, in_v.data(), filter.data(), with_bias ? bias.data() : nullptr, expected.data(), 0,
                conv_rows(p));

        Conv1x1Params c;
        c.in_c = in_c;
        c.out_c = out_c;
        c.input_offset = p.input_offset;
        c.output_offset = p.output_offset;
        c.act_min = p.act_min;
        c.act_max = p.act_max;
        Tr::pack(filter.data(), in_c, out_c, p.filter_offset, packed.data());
        c.packed_weights = packed.data();
        c.multiplier = mult.data();
        c.shift = shift.data();
        std::memset(output.data(), 0x5a, output.size() * sizeof(T));
        const size_t split = static_cast<size_t>(uniform(0, pixels));
        fn(c, input.data(), with_bias ? bias.data() : nullptr, output.data(), 0, split);
        fn(c, input.data(), with_bias ? bias.data() : nullptr, output.data(), split, static_cast<size_t>(pixels));

        const std::vector<T> got(output.data(), output.data() + output.size());
        ASSERT_EQ(got, expected) << "seed " << seed << ", in_c " << in_c << ", out_c " << out_c << ", pixels "
                                 << pixels << ", split " << split << ", input_offset " << p.input_offset
                                 << ", filter_offset " << p.filter_offset << ", output_offset " << p.output_offset
                                 << ", act [" << p.act_min << ", " << p.act_max << "]";
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 10 * 10 * 5);
}

TEST(Q8Conv1x1, Qu8RefMatchesConv2dRef) { check_against_reference<uint8_t>(Traits<uint8_t>::ref1x1, kSeed); }
TEST(Q8Conv1x1, Qs8RefMatchesConv2dRef) { check_against_reference<int8_t>(Traits<int8_t>::ref1x1, kSeed + 1); }

#if defined(__x86_64__)
TEST(Q8Conv1x1, Qu8Avx2MatchesConv2dRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(qu8_conv1x1__avx2, kSeed + 2);
}
TEST(Q8Conv1x1, Qs8Avx2MatchesConv2dRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(qs8_conv1x1__avx2, kSeed + 3);
}
#endif

TEST(Q8Conv1x1, DispatchTableFollowsCpuFeatures) {
  const Q8Conv1x1Table& t = detected_kernel_tables().q8_conv1x1;
  const bool fast = cpu_features().avx2;
  EXPECT_EQ(t.qu8 != nullptr, fast) << t.name;
  EXPECT_EQ(t.qs8 != nullptr, fast) << t.name;
  if (reference_kernels_forced()) {
    EXPECT_FALSE(cpu_features().avx2);
  }
}

TEST(CpuFeatures, ImplicationsHold) {
  const CpuFeatures& f = detected_cpu_features();
  if (f.avx512vnni) {
    EXPECT_TRUE(f.avx512f);
  }
  if (f.avxvnni) {
    EXPECT_TRUE(f.avx2);
  }
  EXPECT_EQ(&detected_cpu_features(), &f);  // detected once
}

}  // namespace
}  // namespace edgerun::kernels
