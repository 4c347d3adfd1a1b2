// Differential tests of the quantized conv GEMM kernels (kernels/q8_gemm.h),
// the portable one and every fast one, against the reference conv
// (qu8_conv2d__ref / qs8_conv2d__ref): bit-exact on random data over 1x1 and
// larger filters, strides, dilations, SAME / VALID padding, channel counts
// around the 16-channel block and the 6-row tile, and random splits of the
// pixel and channel-block ranges (as threads split them), every buffer the
// kernel touches ending exactly at a PROT_NONE guard page so any over-read or
// over-write faults.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <type_traits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/q8_gemm.h"
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
  static constexpr auto pack = qu8_gemm_pack_weights;
};
template <>
struct Traits<int8_t> {
  static constexpr int32_t lo = -128, hi = 127;
  static constexpr auto ref = qs8_conv2d__ref;
  static constexpr auto pack = qs8_gemm_pack_weights;
};

const int32_t kInChannels[] = {1, 2, 3, 7, 8, 16, 17, 33};
const int32_t kOutChannels[] = {1, 7, 15, 16, 17, 33};
const int32_t kSpatial[] = {1, 3, 7, 15, 16};
struct Filter {
  int32_t h, w;
};
const Filter kFilters[] = {{1, 1}, {3, 3}, {5, 5}, {1, 3}};

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
void check_against_reference(Fn fn, uint32_t seed, Q8GemmLayout layout = Q8GemmLayout::kPairs) {
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

                Q8GemmParams g;
                g.conv = p;
                g.layout = layout;
                q8_gemm_init(&g);
                const size_t k = g.depth;
                const size_t padded = g.blocks * kQ8GemmBlock;
                const size_t in_size = static_cast<size_t>(p.batch) * p.in_h * p.in_w * in_c;
                const size_t out_size = static_cast<size_t>(p.batch) * p.out_h * p.out_w * out_c;
                GuardBuffer<T> input(in_size), output(out_size);
                GuardBuffer<int32_t> bias(out_c), mult(padded), shift(padded);
                GuardBuffer<float> scale(padded);
                GuardBuffer<uint8_t> packed(q8_gemm_packed_bytes(g));
                GuardBuffer<uint8_t> scratch((q8_gemm_scratch_bytes(g) + 63) / 64 * 64);
                ASSERT_TRUE(input.ok() && output.ok() && bias.ok() && mult.ok() && shift.ok() && scale.ok() &&
                            packed.ok() && scratch.ok());
                std::vector<T> in_v(in_size), filter(static_cast<size_t>(out_c) * k);
                for (T& v : in_v) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
                for (T& v : filter) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
                input.assign(in_v);
                const bool per_channel = std::is_same_v<T, int8_t> && uniform(0, 3) != 0;
                for (size_t c = 0; c < padded; ++c) {
                  if (c == 0 || per_channel) {
                    double real = std::ldexp(1.0 + uniform(0, 1 << 20) / double(1 << 20), uniform(-24, 1));
                    if (uniform(0, 15) == 0) real = 0.0;
                    int sh = 0;
                    quantize_multiplier(real, &mult.data()[c], &sh);
                    shift.data()[c] = sh;
                    scale.data()[c] = static_cast<float>(real);
                  } else {
                    mult.data()[c] = mult.data()[0];
                    shift.data()[c] = shift.data()[0];
                    scale.data()[c] = scale.data()[0];
                  }
                  if (c < static_cast<size_t>(out_c)) bias.data()[c] = uniform(-60000, 60000);
                }
                const bool with_bias = uniform(0, 4) != 0;
                // A third of the cases take ONNX Runtime's float output stage.
                const bool f32_stage = uniform(0, 2) == 0;
                p.multiplier = mult.data();
                p.shift = shift.data();
                p.scale = f32_stage ? scale.data() : nullptr;

                std::vector<T> expected(out_size);
                Tr::ref(p, in_v.data(), filter.data(), with_bias ? bias.data() : nullptr, expected.data(), 0,
                        conv_rows(p));

                Tr::pack(g, filter.data(), with_bias ? bias.data() : nullptr, packed.data());
                g.packed = packed.data();
                g.multiplier = mult.data();
                g.shift = shift.data();
                g.scale = p.scale;
                std::memset(output.data(), 0x5a, out_size * sizeof(T));
                const size_t pixels = static_cast<size_t>(p.batch) * p.out_h * p.out_w;
                const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(pixels)));
                const size_t bsplit = static_cast<size_t>(uniform(0, static_cast<int32_t>(g.blocks)));
                fn(g, input.data(), output.data(), 0, split, 0, bsplit, scratch.data());
                fn(g, input.data(), output.data(), 0, split, bsplit, g.blocks, scratch.data());
                fn(g, input.data(), output.data(), split, pixels, 0, g.blocks, scratch.data());

                const std::vector<T> got(output.data(), output.data() + out_size);
                ASSERT_EQ(got, expected) << "seed " << seed << ", batch " << p.batch << ", in " << p.in_h << "x"
                                         << p.in_w << "x" << in_c << ", out_c " << out_c << ", filter " << f.h
                                         << "x" << f.w << ", stride " << p.stride_h << "," << p.stride_w
                                         << ", dilation " << p.dilation_h << "," << p.dilation_w << ", "
                                         << (padding == ir::Padding::kSame ? "SAME" : "VALID") << ", split "
                                         << split << ", offsets " << p.input_offset << "/" << p.filter_offset
                                         << "/" << p.output_offset << ", act [" << p.act_min << ", " << p.act_max
                                         << "], bias " << with_bias << ", block split " << bsplit
                                         << (f32_stage ? ", float output stage" : "");
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

TEST(Q8ConvGemm, Qu8RefMatchesConv2dRef) { check_against_reference<uint8_t>(qu8_conv_gemm__ref, kSeed); }
TEST(Q8ConvGemm, Qs8RefMatchesConv2dRef) { check_against_reference<int8_t>(qs8_conv_gemm__ref, kSeed + 1); }

#if defined(__x86_64__)
TEST(Q8ConvGemm, Qu8Avx2MatchesConv2dRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(qu8_conv_gemm__avx2, kSeed + 2);
}
TEST(Q8ConvGemm, Qs8Avx2MatchesConv2dRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(qs8_conv_gemm__avx2, kSeed + 3);
}
bool has_avx512vnni() {
  const CpuFeatures& f = detected_cpu_features();
  return f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
}
TEST(Q8ConvGemm, Qu8Avx512VnniMatchesConv2dRef) {
  if (!has_avx512vnni()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/VNNI (or the OS does not save ZMM state)";
  check_against_reference<uint8_t>(qu8_conv_gemm__avx512vnni, kSeed + 4, Q8GemmLayout::kQuads);
}
TEST(Q8ConvGemm, Qs8Avx512VnniMatchesConv2dRef) {
  if (!has_avx512vnni()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/VNNI (or the OS does not save ZMM state)";
  check_against_reference<int8_t>(qs8_conv_gemm__avx512vnni, kSeed + 5, Q8GemmLayout::kQuads);
}
#endif

TEST(Q8ConvGemm, DispatchTableFollowsCpuFeatures) {
  const Q8ConvGemmTable& t = detected_kernel_tables().q8_conv_gemm;
  const CpuFeatures& f = cpu_features();
  const bool fast = f.avx2;
  const bool vnni = f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
  EXPECT_EQ(std::string(t.name), vnni ? "avx512vnni" : fast ? "avx2" : "ref");
  EXPECT_EQ(t.layout == Q8GemmLayout::kQuads, vnni);
  EXPECT_EQ(t.qu8 != nullptr, fast) << t.name;
  EXPECT_EQ(t.qs8 != nullptr, fast) << t.name;
  const Q8ConvGemmTable& r = reference_kernel_tables().q8_conv_gemm;
  EXPECT_EQ(r.qu8, nullptr);
  EXPECT_EQ(r.qs8, nullptr);
}

}  // namespace
}  // namespace edgerun::kernels
