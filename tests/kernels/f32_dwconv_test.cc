// Differential tests of the float32 depthwise conv SIMD kernels
// (f32_dwconv_minmax__avx2 / __avx512f for any filter,
// f32_dwconv3x3_minmax__avx2 / __avx512f, kernels/f32_dwconv.h, each skipped
// when the CPU lacks its ISA) against f32_dwconv2d_minmax__ref over channels
// (around the 8 / 16 / 32 lane blocks), odd spatial sizes (rows up to 38 wide), filters, strides,
// dilations and SAME/VALID padding, each case split into two row slices, with
// input, packed weights and output each ending at a PROT_NONE guard page.
//
// Tolerance, per output: |fast - ref| <= 1e-6 * (taps + 1) * (|bias| + sum |in * w|)
// (the kernels add the bias first and fuse multiply-adds; the reference adds
// it last).
#include "kernels/f32_dwconv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/ref/conv.h"

namespace edgerun::kernels {
namespace {

constexpr uint32_t kSeed = 0xf32d0001u;
constexpr float kInf = std::numeric_limits<float>::infinity();

const int32_t kChannels[] = {1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 1001};
const int32_t kSpatial[] = {1, 2, 5, 7, 14};
// Widths, besides kSpatial's: rows long enough for the kernels' pixel-group
// paths (16+ interior pixels), with 0-3 pixels left over after groups of 4.
const int32_t kWidths[] = {1, 2, 5, 7, 14, 19, 20, 21, 35, 38};
const int32_t kFilters[] = {1, 3, 5};

// TFLite's output size and SAME padding (ops/conv_util.cc compute_window_2d).
// Returns false when VALID padding leaves no output.
bool window(bool same, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t* out, int32_t* pad) {
  const int32_t effective = (filter - 1) * dilation + 1;
  if (!same && effective > in) return false;
  *out = same ? (in + stride - 1) / stride : (in + stride - effective) / stride;
  *pad = same ? std::max(0, ((*out - 1) * stride + effective - in) / 2) : 0;
  return *out > 0;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (float& x : v) x = std::abs(x);
  return v;
}

// Runs `fn` against the reference on every combination its filter allows.
void check_against_reference(F32DwConvFn fn, bool only_3x3, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  auto uniform = [&](int32_t a, int32_t b) { return std::uniform_int_distribution<int32_t>(a, b)(rng); };
  int cases = 0, wide = 0;
  for (int32_t channels : kChannels) {
    for (int32_t spatial : kSpatial) {
      for (int32_t filter_size : kFilters) {
        if (only_3x3 && filter_size != 3) continue;
        for (int32_t stride = 1; stride <= 2; ++stride) {
          for (int32_t dilation = 1; dilation <= (only_3x3 ? 1 : 2); ++dilation) {
            for (bool same : {true, false}) {
              ConvParams p;
              p.batch = uniform(0, 3) == 0 ? 2 : 1;
              p.in_h = spatial;
              p.in_w = kWidths[uniform(0, static_cast<int32_t>(std::size(kWidths)) - 1)];
              wide += p.in_w >= 19;
              p.in_c = p.out_c = channels;
              p.filter_h = p.filter_w = filter_size;
              if (!only_3x3 && uniform(0, 3) == 0) p.filter_w = kFilters[uniform(0, 2)];
              p.stride_h = stride;
              p.stride_w = uniform(0, 3) == 0 ? 3 - stride : stride;
              p.dilation_h = p.dilation_w = dilation;
              if (!window(same, p.in_h, p.filter_h, p.stride_h, p.dilation_h, &p.out_h, &p.pad_top)) continue;
              if (!window(same, p.in_w, p.filter_w, p.stride_w, p.dilation_w, &p.out_w, &p.pad_left)) continue;
              const bool clamp = uniform(0, 1) == 0;
              p.f32_min = clamp ? 0.0f : -kInf;
              p.f32_max = clamp ? 6.0f : kInf;
              SCOPED_TRACE(testing::Message()
                           << "c " << channels << " in " << p.in_h << "x" << p.in_w << " filter " << p.filter_h << "x"
                           << p.filter_w << " stride " << p.stride_h << "x" << p.stride_w << " dilation " << dilation
                           << (same ? " SAME" : " VALID") << " batch " << p.batch << " clamp " << clamp);
              ++cases;

              const size_t taps = static_cast<size_t>(p.filter_h) * p.filter_w;
              const size_t c = static_cast<size_t>(channels);
              std::vector<float> in(static_cast<size_t>(p.batch) * p.in_h * p.in_w * c), filter(taps * c), bias(c);
              for (float& x : in) x = dist(rng);
              for (float& x : filter) x = dist(rng);
              for (float& x : bias) x = dist(rng);
              std::vector<float> packed(f32_dwconv_packed_size(taps, c));
              f32_dwconv_pack_weights(filter.data(), bias.data(), taps, c, packed.data());
              const size_t out_size = static_cast<size_t>(p.batch) * p.out_h * p.out_w * c;

              GuardBuffer<float> gi(in.size()), gw(packed.size()), go(out_size);
              ASSERT_TRUE(gi.ok() && gw.ok() && go.ok());
              gi.assign(in);
              gw.assign(packed);
              std::fill(go.data(), go.data() + out_size, std::numeric_limits<float>::quiet_NaN());
              const size_t rows = conv_rows(p);
              const size_t split = static_cast<size_t>(uniform(0, static_cast<int32_t>(rows)));
              fn(p, gi.data(), gw.data(), go.data(), 0, split);
              fn(p, gi.data(), gw.data(), go.data(), split, rows);

              std::vector<float> ref(out_size), mag(out_size);
              f32_dwconv2d_minmax__ref(p, in.data(), filter.data(), bias.data(), ref.data(), 0, rows);
              ConvParams unclamped = p;
              unclamped.f32_min = -kInf;
              unclamped.f32_max = kInf;
              f32_dwconv2d_minmax__ref(unclamped, abs_of(in).data(), abs_of(filter).data(), abs_of(bias).data(),
                                       mag.data(), 0, rows);
              for (size_t i = 0; i < out_size; ++i) {
                const double tol = 1e-6 * static_cast<double>(taps + 1) * mag[i];
                ASSERT_LE(std::abs(static_cast<double>(go.data()[i]) - ref[i]), tol) << "output " << i;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 50);
  EXPECT_GT(wide, 20);
}

#if defined(__x86_64__)
TEST(F32DwConv, Avx2GenericMatchesReference) {
  const CpuFeatures& f = detected_cpu_features();
  if (!f.avx2 || !f.fma) GTEST_SKIP() << "CPU lacks AVX2 + FMA (or the OS does not save YMM state)";
  check_against_reference(f32_dwconv_minmax__avx2, /*only_3x3=*/false, kSeed);
}

TEST(F32DwConv, Avx2ThreeByThreeMatchesReference) {
  const CpuFeatures& f = detected_cpu_features();
  if (!f.avx2 || !f.fma) GTEST_SKIP() << "CPU lacks AVX2 + FMA (or the OS does not save YMM state)";
  check_against_reference(f32_dwconv3x3_minmax__avx2, /*only_3x3=*/true, kSeed + 1);
}

TEST(F32DwConv, Avx512fGenericMatchesReference) {
  const CpuFeatures& f = detected_cpu_features();
  if (!f.avx512f || !f.fma) GTEST_SKIP() << "CPU lacks AVX-512F + FMA (or the OS does not save ZMM state)";
  check_against_reference(f32_dwconv_minmax__avx512f, /*only_3x3=*/false, kSeed + 2);
}

TEST(F32DwConv, Avx512fThreeByThreeMatchesReference) {
  const CpuFeatures& f = detected_cpu_features();
  if (!f.avx512f || !f.fma) GTEST_SKIP() << "CPU lacks AVX-512F + FMA (or the OS does not save ZMM state)";
  check_against_reference(f32_dwconv3x3_minmax__avx512f, /*only_3x3=*/true, kSeed + 3);
}
#endif

TEST(F32DwConv, DispatchTableFollowsCpuFeatures) {
  const F32DwConvTable& t = detected_kernel_tables().f32_dwconv;
  const CpuFeatures& f = cpu_features();
  const bool avx512 = f.avx512f && f.fma;
  const bool avx2 = f.avx2 && f.fma;
  EXPECT_EQ(std::string(t.name), avx512 ? "avx512f" : avx2 ? "avx2" : "ref");
  EXPECT_EQ(t.dwconv != nullptr, avx512 || avx2) << t.name;
  EXPECT_EQ(t.dwconv3x3 != nullptr, avx512 || avx2) << t.name;
  const F32DwConvTable& r = reference_kernel_tables().f32_dwconv;
  EXPECT_EQ(r.dwconv, nullptr);
  EXPECT_EQ(r.dwconv3x3, nullptr);
}

}  // namespace
}  // namespace edgerun::kernels
