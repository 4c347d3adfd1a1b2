// Differential tests of the quantized depthwise conv SIMD kernels
// (qu8_dwconv2d__avx2 / qs8_dwconv2d__avx2 and the packed 3x3
// qu8_dwconv3x3__avx2 / qs8_dwconv3x3__avx2, kernels/dispatch.h) against the
// reference kernels (qu8_dwconv2d__ref / qs8_dwconv2d__ref): bit-exact on random
// data over channels, spatial sizes, filter sizes, strides, dilations and
// SAME/VALID padding, with every buffer the kernel touches ending exactly at a
// PROT_NONE guard page so any over-read or over-write faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/quant_util.h"
#include "kernels/ref/conv.h"

namespace edgerun::kernels {
namespace {

constexpr uint32_t kSeed = 0xd3c0417u;

template <typename T>
struct DwTraits;
template <>
struct DwTraits<uint8_t> {
  static constexpr int32_t lo = 0, hi = 255;
  static constexpr auto ref = qu8_dwconv2d__ref;
};
template <>
struct DwTraits<int8_t> {
  static constexpr int32_t lo = -128, hi = 127;
  static constexpr auto ref = qs8_dwconv2d__ref;
};

const int32_t kChannels[] = {1, 3, 7, 8, 9, 15, 16, 17, 33, 144};
const int32_t kSpatial[] = {1, 2, 5, 7, 14, 15};
const int32_t kFilters[] = {1, 3, 5};
// The packed 3x3 kernel: awkward channel counts around its 16-channel blocks
// and its 4-pixel interior groups, odd sizes with and without interior pixels.
const int32_t kChannels3x3[] = {1, 3, 7, 15, 16, 17, 33, 1001};
const int32_t kSpatial3x3[] = {1, 2, 3, 5, 7, 9};
const int32_t kFilters3x3[] = {3};

struct Shapes {
  std::span<const int32_t> channels, spatial, filters;
};

// TFLite's output size and SAME padding (ops/conv_util.cc compute_window_2d).
// Returns false when VALID padding leaves no output.
bool window(bool same, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t* out, int32_t* pad) {
  const int32_t effective = (filter - 1) * dilation + 1;
  if (!same && effective > in) return false;
  *out = same ? (in + stride - 1) / stride : (in + stride - effective) / stride;
  *pad = same ? std::max(0, ((*out - 1) * stride + effective - in) / 2) : 0;
  return *out > 0;
}

enum class Quant { kPerTensor, kPerChannel };
// kZero: filter zero point 0, so uint8 weights reach 255 (filter + offset).
enum class FilterOffset { kRandom, kZero };

// kEither: a third of the cases take ONNX Runtime's float output stage
// (ConvParams::scale), which only the generic kernels implement.
enum class OutputStage { kTfLite, kEither };

// Runs `fn` against the reference depthwise conv over every combination; the
// kernel computes the rows in two slices split at a random point.
template <typename T, typename Fn>
void check_against_reference(Fn fn, Quant quant, uint32_t seed, Shapes shapes, int min_cases,
                             FilterOffset filter_offset = FilterOffset::kRandom,
                             OutputStage stage = OutputStage::kTfLite) {
  using Tr = DwTraits<T>;
  std::mt19937 rng(seed);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  int cases = 0;
  const int32_t n_spatial = static_cast<int32_t>(shapes.spatial.size());
  const int32_t n_filters = static_cast<int32_t>(shapes.filters.size());
  for (int32_t channels : shapes.channels) {
    for (int32_t spatial : shapes.spatial) {
      for (int32_t filter_size : shapes.filters) {
        for (int32_t stride = 1; stride <= 2; ++stride) {
          for (int32_t dilation = 1; dilation <= 2; ++dilation) {
            for (bool same : {true, false}) {
              ConvParams p;
              p.batch = uniform(0, 3) == 0 ? 2 : 1;
              p.in_h = spatial;
              p.in_w = shapes.spatial[uniform(0, n_spatial - 1)];
              p.in_c = p.out_c = channels;
              p.depth_multiplier = 1;
              p.filter_h = filter_size;
              p.filter_w = uniform(0, 3) == 0 ? shapes.filters[uniform(0, n_filters - 1)] : filter_size;
              p.stride_h = stride;
              p.stride_w = uniform(0, 3) == 0 ? 3 - stride : stride;
              p.dilation_h = dilation;
              p.dilation_w = dilation;
              if (!window(same, p.in_h, p.filter_h, p.stride_h, p.dilation_h, &p.out_h, &p.pad_top) ||
                  !window(same, p.in_w, p.filter_w, p.stride_w, p.dilation_w, &p.out_w, &p.pad_left)) {
                continue;
              }
              p.input_offset = -uniform(Tr::lo, Tr::hi);
              p.filter_offset = std::is_same_v<T, uint8_t> || uniform(0, 3) == 0 ? -uniform(Tr::lo, Tr::hi) : 0;
              if (filter_offset == FilterOffset::kZero) p.filter_offset = 0;
              p.output_offset = uniform(Tr::lo, Tr::hi);
              int32_t a = uniform(Tr::lo, Tr::hi), b = uniform(Tr::lo, Tr::hi);
              // The whole range now and then: the kernels' path without a clamp.
              if (uniform(0, 2) == 0) {
                a = Tr::lo;
                b = Tr::hi;
              }
              p.act_min = std::min(a, b);
              p.act_max = std::max(a, b);

              const size_t in_size = static_cast<size_t>(p.batch) * p.in_h * p.in_w * channels;
              const size_t out_size = static_cast<size_t>(p.batch) * p.out_h * p.out_w * channels;
              const size_t f_size = static_cast<size_t>(p.filter_h) * p.filter_w * channels;
              GuardBuffer<T> input(in_size), filter(f_size), output(out_size);
              GuardBuffer<int32_t> bias(channels), mult(channels), shift(channels);
              GuardBuffer<float> scale(channels);
              ASSERT_TRUE(input.ok() && filter.ok() && output.ok() && bias.ok() && mult.ok() && shift.ok() &&
                          scale.ok());
              std::vector<T> in_v(in_size), f_v(f_size);
              for (T& v : in_v) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
              for (T& v : f_v) v = static_cast<T>(uniform(Tr::lo, Tr::hi));
              input.assign(in_v);
              filter.assign(f_v);
              for (int32_t c = 0; c < channels; ++c) {
                if (c == 0 || quant == Quant::kPerChannel) {
                  // Real multipliers from 2^-24 to ~4, now and then a zero one.
                  double real = std::ldexp(1.0 + uniform(0, 1 << 20) / double(1 << 20), uniform(-24, 1));
                  if (uniform(0, 15) == 0) real = 0.0;
                  int s = 0;
                  quantize_multiplier(real, &mult.data()[c], &s);
                  shift.data()[c] = s;
                  scale.data()[c] = static_cast<float>(real);
                } else {
                  mult.data()[c] = mult.data()[0];
                  shift.data()[c] = shift.data()[0];
                  scale.data()[c] = scale.data()[0];
                }
                bias.data()[c] = uniform(-60000, 60000);
              }
              const bool with_bias = uniform(0, 4) != 0;
              const bool f32_stage = stage == OutputStage::kEither && uniform(0, 2) == 0;
              p.multiplier = mult.data();
              p.shift = shift.data();
              p.scale = f32_stage ? scale.data() : nullptr;
              const int32_t* bias_p = with_bias ? bias.data() : nullptr;

              std::vector<T> expected(out_size);
              Tr::ref(p, in_v.data(), f_v.data(), bias_p, expected.data(), 0, conv_rows(p));

              std::memset(output.data(), 0x5a, out_size * sizeof(T));
              const size_t rows = conv_rows(p);
              const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(rows)));
              fn(p, input.data(), filter.data(), bias_p, output.data(), 0, split);
              fn(p, input.data(), filter.data(), bias_p, output.data(), split, rows);

              const std::vector<T> got(output.data(), output.data() + out_size);
              ASSERT_EQ(got, expected) << "seed " << seed << ", channels " << channels << ", batch " << p.batch
                                       << ", in " << p.in_h << "x" << p.in_w << ", filter " << p.filter_h << "x"
                                       << p.filter_w << ", stride " << p.stride_h << "x" << p.stride_w << ", dilation "
                                       << dilation << ", " << (same ? "SAME" : "VALID") << ", split " << split
                                       << ", input_offset " << p.input_offset << ", filter_offset " << p.filter_offset
                                       << ", output_offset " << p.output_offset << ", act [" << p.act_min << ", "
                                       << p.act_max << "], bias " << with_bias
                                       << (f32_stage ? ", float output stage" : "");
              ++cases;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(cases, min_cases);
}

const Shapes kAllShapes{kChannels, kSpatial, kFilters};
const Shapes kShapes3x3{kChannels3x3, kSpatial3x3, kFilters3x3};
// The AVX-512 3x3 kernel: around its 16-lane vectors and 64-channel blocks.
const int32_t kChannels3x3Avx512[] = {1, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1001};
const Shapes kShapes3x3Avx512{kChannels3x3Avx512, kSpatial3x3, kFilters3x3};

// Packs the filter and bias (into a 64-byte aligned buffer, as the op does)
// and runs the packed 3x3 kernel over rows [begin, end).
template <typename T, typename PackFn, typename RunFn>
auto packed_3x3(Q8DwConvPackedSizeFn size, PackFn pack, RunFn run) {
  return [size, pack, run](const ConvParams& p, const T* input, const T* filter, const int32_t* bias, T* output,
                           size_t begin, size_t end) {
    struct alignas(64) Chunk {
      uint8_t bytes[64];
    };
    std::vector<Chunk> packed((size(p.out_c) + 63) / 64);
    pack(p, filter, bias, packed.data());
    run(p, packed.data(), input, output, begin, end);
  };
}

#if defined(__x86_64__)
TEST(Q8DwConv, Qu8Avx2MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(qu8_dwconv2d__avx2, Quant::kPerTensor, kSeed, kAllShapes, 600,
                                  FilterOffset::kRandom, OutputStage::kEither);
}
TEST(Q8DwConv, Qs8Avx2PerChannelMatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(qs8_dwconv2d__avx2, Quant::kPerChannel, kSeed + 1, kAllShapes, 600,
                                  FilterOffset::kRandom, OutputStage::kEither);
}
TEST(Q8DwConv, Qs8Avx2PerTensorMatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(qs8_dwconv2d__avx2, Quant::kPerTensor, kSeed + 2, kAllShapes, 600,
                                  FilterOffset::kRandom, OutputStage::kEither);
}
TEST(Q8DwConv, Qu8Avx2Packed3x3MatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<uint8_t>(
      packed_3x3<uint8_t>(q8_dwconv3x3_packed_size__avx2, qu8_dwconv3x3_pack__avx2, qu8_dwconv3x3__avx2),
      Quant::kPerTensor, kSeed + 3, kShapes3x3, 200);
}
TEST(Q8DwConv, Qs8Avx2Packed3x3PerChannelMatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(
      packed_3x3<int8_t>(q8_dwconv3x3_packed_size__avx2, qs8_dwconv3x3_pack__avx2, qs8_dwconv3x3__avx2),
      Quant::kPerChannel, kSeed + 4, kShapes3x3, 200);
}
TEST(Q8DwConv, Qs8Avx2Packed3x3PerTensorMatchesRef) {
  if (!detected_cpu_features().avx2) GTEST_SKIP() << "CPU lacks AVX2 (or the OS does not save YMM state)";
  check_against_reference<int8_t>(
      packed_3x3<int8_t>(q8_dwconv3x3_packed_size__avx2, qs8_dwconv3x3_pack__avx2, qs8_dwconv3x3__avx2),
      Quant::kPerTensor, kSeed + 5, kShapes3x3, 200);
}

bool has_avx512vnni() {
  const CpuFeatures& f = detected_cpu_features();
  return f.avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
}
TEST(Q8DwConv, Qu8Avx512vnniPacked3x3MatchesRef) {
  if (!has_avx512vnni()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/VNNI (or the OS does not save ZMM state)";
  check_against_reference<uint8_t>(packed_3x3<uint8_t>(q8_dwconv3x3_packed_size__avx512vnni,
                                                       qu8_dwconv3x3_pack__avx512vnni, qu8_dwconv3x3__avx512vnni),
                                   Quant::kPerTensor, kSeed + 6, kShapes3x3Avx512, 300);
}
// Weights up to 255: three int8 terms per weight.
TEST(Q8DwConv, Qu8Avx512vnniPacked3x3ZeroFilterOffsetMatchesRef) {
  if (!has_avx512vnni()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/VNNI (or the OS does not save ZMM state)";
  check_against_reference<uint8_t>(packed_3x3<uint8_t>(q8_dwconv3x3_packed_size__avx512vnni,
                                                       qu8_dwconv3x3_pack__avx512vnni, qu8_dwconv3x3__avx512vnni),
                                   Quant::kPerTensor, kSeed + 9, kShapes3x3Avx512, 300, FilterOffset::kZero);
}
TEST(Q8DwConv, Qs8Avx512vnniPacked3x3PerChannelMatchesRef) {
  if (!has_avx512vnni()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/VNNI (or the OS does not save ZMM state)";
  check_against_reference<int8_t>(packed_3x3<int8_t>(q8_dwconv3x3_packed_size__avx512vnni,
                                                     qs8_dwconv3x3_pack__avx512vnni, qs8_dwconv3x3__avx512vnni),
                                  Quant::kPerChannel, kSeed + 7, kShapes3x3Avx512, 300);
}
TEST(Q8DwConv, Qs8Avx512vnniPacked3x3PerTensorMatchesRef) {
  if (!has_avx512vnni()) GTEST_SKIP() << "CPU lacks AVX-512 F/BW/VL/VNNI (or the OS does not save ZMM state)";
  check_against_reference<int8_t>(packed_3x3<int8_t>(q8_dwconv3x3_packed_size__avx512vnni,
                                                     qs8_dwconv3x3_pack__avx512vnni, qs8_dwconv3x3__avx512vnni),
                                  Quant::kPerTensor, kSeed + 8, kShapes3x3Avx512, 300);
}
#endif

TEST(Q8DwConv, DispatchTableFollowsCpuFeatures) {
  const Q8DwConvTable& t = detected_kernel_tables().q8_dwconv;
  const bool fast = cpu_features().avx2;
  EXPECT_EQ(t.qu8 != nullptr, fast) << t.name;
  EXPECT_EQ(t.qs8 != nullptr, fast) << t.name;
  EXPECT_EQ(t.qu8_3x3 != nullptr && t.qu8_pack3x3 != nullptr && t.packed3x3_size != nullptr, fast) << t.name;
  EXPECT_EQ(t.qs8_3x3 != nullptr && t.qs8_pack3x3 != nullptr, fast) << t.name;
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni) {
    EXPECT_STREQ(t.name, "avx512vnni");
    EXPECT_EQ(t.qu8_3x3, qu8_dwconv3x3__avx512vnni);
    EXPECT_EQ(t.qs8_3x3, qs8_dwconv3x3__avx512vnni);
    EXPECT_EQ(t.packed3x3_size, q8_dwconv3x3_packed_size__avx512vnni);
    EXPECT_EQ(t.qu8, qu8_dwconv2d__avx2);
  } else if (fast) {
    EXPECT_STREQ(t.name, "avx2");
    EXPECT_EQ(t.qu8_3x3, qu8_dwconv3x3__avx2);
    EXPECT_EQ(t.packed3x3_size, q8_dwconv3x3_packed_size__avx2);
  }
#endif
}

}  // namespace
}  // namespace edgerun::kernels
