// Differential tests of the quantized general conv kernels (kernels/q8_conv.h)
// against the reference conv (qu8_conv2d__ref / qs8_conv2d__ref): bit-exact on
// random data over filter sizes, strides, dilations and SAME / VALID padding,
// every buffer the kernel touches ending exactly at a PROT_NONE guard page so
// any over-read or over-write faults.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/q8_conv.h"
#include "kernels/q8_conv1x1.h"
#include "kernels/quant_util.h"
#include "kernels/ref/conv.h"
#include "ops/op_util.h"

namespace edgerun::kernels {
namespace {

constexpr uint32_t kSeed = 0xc0417u;

template <typename T>
struct Traits;
template <>
struct Traits<uint8_t> {
  static constexpr int32_t lo = 0, hi = 255;
  static constexpr auto ref = qu8_conv2d__ref;
  static constexpr auto pack = qu8_conv1x1_pack_weights;
};
template <>
struct Traits<int8_t> {
  static constexpr int32_t lo = -128, hi = 127;
  static constexpr auto ref = qs8_conv2d__ref;
  static constexpr auto pack = qs8_conv1x1_pack_weights;
};

const int32_t kInChannels[] = {1, 2, 3, 7, 8, 17};
const int32_t kOutChannels[] = {1, 7, 16, 17, 32, 33};
const int32_t kSpatial[] = {1, 3, 7, 15, 16};
struct Filter {
  int32_t h, w;
};
const Filter kFilters[] = {{3, 3}, {5, 5}, {1, 3}};

// One output dimension and its leading padding, as src/ops/conv_util.cc computes them.
bool window(ir::Padding padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t* out,
            int32_t* pad) {
  const int32_t effective = (filter - 1) * dilation + 1;
  if (padding == ir::Padding::kValid && effective > in) return false;
  *out = padding == ir::Padding::kSame ? (in + stride - 1) / stride : (in + stride - effective) / stride;
  *pad = ops::conv_padding(padding, in, filter, stride, dilation, *out);
  return true;
}

template <typename T, typename Fn>
void check_against_reference(Fn fn, uint32_t seed) {
  using Tr = Traits<T>;
  std::mt19937 rng(seed);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  int cases = 0;
  for (int32_t in_c : kInChannels) {
    for (int32_t out_c : kOutChannels) {
      for (int32_t spatial : kSpatial) {
        for (const Filter& f : kFilters) {
          for (int32_t stride = 1; stride <= 2; ++stride) {
            for (int32_t dilation = 1; dilation <= 2; ++dilation) {
              for (ir::Padding padding : {ir::Padding::kSame, ir::Padding::kValid}) {
                ConvParams p;
                p.batch = uniform(0, 3) == 0 ? 2 : 1;
                p.in_h = spatial;
                p.in_w = kSpatial[uniform(0, 4)];
                p.in_c = in_c;
                p.out_c = out_c;
                p.filter_h = f.h;
                p.filter_w = f.w;
                p.stride_h = stride;
                p.stride_w = uniform(0, 3) == 0 ? 3 - stride : stride;
                p.dilation_h = dilation;
                p.dilation_w = uniform(0, 3) == 0 ? 3 - dilation : dilation;
                if (!window(padding, p.in_h, p.filter_h, p.stride_h, p.dilation_h, &p.out_h, &p.pad_top) ||
                    !window(padding, p.in_w, p.filter_w, p.stride_w, p.dilation_w, &p.out_w, &p.pad_left)) {
                  continue;  // VALID with the effective filter larger than the input: rejected by the op
                }
                p.input_offset = -uniform(Tr::lo, Tr::hi);
                p.filter_offset = std::is_same_v<T, uint8_t> || uniform(0, 3) == 0 ? -uniform(Tr::lo, Tr::hi) : 0;
                p.output_offset = uniform(Tr::lo, Tr::hi);
                int32_t a = uniform(Tr::lo, Tr::hi), b = uniform(Tr::lo, Tr::hi);
                if (uniform(0, 2) == 0) {
                  a = Tr::lo;
                  b = Tr::hi;
                }
                p.act_min = std::min(a, b);
                p.act_max = std::max(a, b);

                const int32_t k = static_cast<int32_t>(q8_conv_depth(p));
                const size_t in_size = static_cast<size_t>(p.batch) * p.in_h * p.in_w * in_c;
                const size_t out_size = static_cast<size_t>(p.batch) * p.out_h * p.out_w * out_c;
                GuardBuffer<T> input(in_size), output(out_size);
                GuardBuffer<int32_t> bias(out_c), mult(out_c), shift(out_c);
                GuardBuffer<int16_t> packed(q8_conv1x1_packed_size(k, out_c));
                ASSERT_TRUE(input.ok() && output.ok() && bias.ok() && mult.ok() && shift.ok() && packed.ok());
                std::vector<T> in_v(in_size), filter(static_cast<size_t>(out_c) * k);
                for (T& v : in_v) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
                for (T& v : filter) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
                input.assign(in_v);
                const bool per_channel = std::is_same_v<T, int8_t> && uniform(0, 3) != 0;
                for (int32_t c = 0; c < out_c; ++c) {
                  if (c == 0 || per_channel) {
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

                std::vector<T> expected(out_size);
                Tr::ref(p, in_v.data(), filter.data(), with_bias ? bias.data() : nullptr, expected.data(), 0,
                        conv_rows(p));

                Tr::pack(filter.data(), k, out_c, p.filter_offset, packed.data());
                std::memset(output.data(), 0x5a, out_size * sizeof(T));
                const size_t rows = conv_rows(p);
                const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(rows)));
                fn(p, packed.data(), input.data(), with_bias ? bias.data() : nullptr, output.data(), 0, split);
                fn(p, packed.data(), input.data(), with_bias ? bias.data() : nullptr, output.data(), split, rows);

                const std::vector<T> got(output.data(), output.data() + out_size);
                ASSERT_EQ(got, expected) << "seed " << seed << ", batch " << p.batch << ", in " << p.in_h << "x"
                                         << p.in_w << "x" << in_c << ", out_c " << out_c << ", filter " << f.h
                                         << "x" << f.w << ", stride " << p.stride_h << "," << p.stride_w
                                         << ", dilation " << p.dilation_h << "," << p.dilation_w << ", "
                                         << (padding == ir::Padding::kSame ? "SAME" : "VALID") << ", split "
                                         << split << ", offsets " << p.input_offset << "/" << p.filter_offset
                                         << "/" << p.output_offset << ", act [" << p.act_min << ", " << p.act_max
                                         << "], bias " << with_bias;
                ++cases;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 2000);
}

#if defined(__x86_64__)
TEST(Q8Conv, Qu8Avx2MatchesConv2dRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(qu8_conv2d__avx2, kSeed);
}
TEST(Q8Conv, Qs8Avx2MatchesConv2dRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(qs8_conv2d__avx2, kSeed + 1);
}

// The largest depth the kernels take (K = kQ8ConvMaxDepth, a 3x3 conv of 227
// channels is above it; 16x16 filter of 8 channels is exactly it).
TEST(Q8Conv, MaxDepth) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  std::mt19937 rng(kSeed + 2);
  ConvParams p;
  p.batch = 1;
  p.in_h = p.in_w = 16;
  p.in_c = 8;
  p.filter_h = p.filter_w = 16;
  p.out_h = p.out_w = 1;
  p.out_c = 19;
  p.input_offset = -3;
  p.filter_offset = -200;
  p.output_offset = 10;
  p.act_min = 0;
  p.act_max = 255;
  ASSERT_EQ(q8_conv_depth(p), kQ8ConvMaxDepth);
  std::vector<int32_t> mult(19), shift(19, -20), bias(19);
  for (int c = 0; c < 19; ++c) {
    int s = 0;
    quantize_multiplier(std::ldexp(1.3 + c / 64.0, -22), &mult[c], &s);
    shift[c] = s;
    bias[c] = c * 1000 - 9000;
  }
  p.multiplier = mult.data();
  p.shift = shift.data();
  std::vector<uint8_t> in(16 * 16 * 8), filter(19 * kQ8ConvMaxDepth);
  for (auto& v : in) v = static_cast<uint8_t>(rng());
  for (auto& v : filter) v = static_cast<uint8_t>(rng());
  std::vector<uint8_t> expected(19), got(19);
  qu8_conv2d__ref(p, in.data(), filter.data(), bias.data(), expected.data(), 0, 1);
  std::vector<int16_t> packed(q8_conv1x1_packed_size(kQ8ConvMaxDepth, 19));
  qu8_conv1x1_pack_weights(filter.data(), kQ8ConvMaxDepth, 19, p.filter_offset, packed.data());
  qu8_conv2d__avx2(p, packed.data(), in.data(), bias.data(), got.data(), 0, 1);
  EXPECT_EQ(got, expected);
}
#endif

TEST(Q8Conv, DispatchTableFollowsCpuFeatures) {
  const Q8ConvTable& t = detected_kernel_tables().q8_conv;
  const bool fast = cpu_features().avx2;
  EXPECT_EQ(t.qu8 != nullptr, fast) << t.name;
  EXPECT_EQ(t.qs8 != nullptr, fast) << t.name;
}

}  // namespace
}  // namespace edgerun::kernels
