// Differential tests of the float32 GEMM SIMD kernels (f32_gemm_minmax__avx2_6x16
// and f32_gemm_minmax__avx512f_12x32, kernels/f32_gemm.h, each skipped when the
// CPU lacks its ISA) against f32_gemm_minmax__ref over M, N, K around both
// tiles, 6 x 16 and 12 x 32 (tile - 1, tile, tile + 1 and larger), strided rows, and clamps
// that do and do not bite, with a, the packed weights and c each ending at a
// PROT_NONE guard page and c's row padding checked untouched.
//
// Tolerance (the kernel reorders nothing but fuses multiply-adds): per output,
//   |fast - ref| <= 1e-6 * (k + 1) * (|bias| + sum_k |a * w|)
// a bound on the rounding of a (k + 1)-term float sum (unit roundoff 6e-8).
#include "kernels/f32_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"

namespace edgerun::kernels {
namespace {

constexpr uint32_t kSeed = 0xf32e0001u;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kPoison = -12345.0f;

const size_t kM[] = {1, 5, 6, 7, 8, 9, 11, 12, 13, 25};
const size_t kN[] = {1, 3, 7, 15, 16, 17, 31, 32, 33, 1001};
const size_t kK[] = {1, 3, 27, 33};
struct Mnk {
  size_t m, n, k;
};
const Mnk kLarge[] = {{300, 40, 600}, {100, 70, 1000}, {49, 33, 1024}, {25, 17, 3000}};

std::vector<float> abs_of(std::vector<float> v) {
  for (float& x : v) x = std::abs(x);
  return v;
}

void check_against_reference(F32GemmFn fast, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  int cases = 0;
  auto run_case = [&](size_t m, size_t n, size_t k) {
    const bool strided = (cases & 1) != 0;
    const size_t a_stride = strided ? k + 3 : k, c_stride = strided ? n + 2 : n;
    const bool clamp = (cases & 2) != 0;
    const float lo = clamp ? -1.0f : -kInf, hi = clamp ? 1.5f : kInf;
    SCOPED_TRACE(testing::Message() << "m " << m << " n " << n << " k " << k << " a_stride " << a_stride << " c_stride "
                                    << c_stride << " clamp " << clamp);
    ++cases;
    std::vector<float> a((m - 1) * a_stride + k), w(n * k), bias(n);
    for (float& x : a) x = dist(rng);
    for (float& x : w) x = dist(rng);
    for (float& x : bias) x = dist(rng);
    const size_t c_size = (m - 1) * c_stride + n;
    std::vector<float> packed(f32_gemm_packed_size(n, k)), abs_packed(packed.size());
    f32_gemm_pack_weights(w.data(), bias.data(), n, k, packed.data());
    f32_gemm_pack_weights(abs_of(w).data(), abs_of(bias).data(), n, k, abs_packed.data());

    GuardBuffer<float> ga(a.size()), gw(packed.size()), gc(c_size);
    ASSERT_TRUE(ga.ok() && gw.ok() && gc.ok());
    ga.assign(a);
    gw.assign(packed);
    std::fill(gc.data(), gc.data() + c_size, kPoison);
    fast(m, n, k, ga.data(), a_stride, gw.data(), gc.data(), c_stride, lo, hi);

    std::vector<float> ref(c_size, kPoison), mag(c_size);
    f32_gemm_minmax__ref(m, n, k, a.data(), a_stride, packed.data(), ref.data(), c_stride, lo, hi);
    f32_gemm_minmax__ref(m, n, k, abs_of(a).data(), a_stride, abs_packed.data(), mag.data(), c_stride, -kInf, kInf);
    for (size_t i = 0; i < m; ++i) {
      for (size_t j = 0; j < c_stride && i * c_stride + j < c_size; ++j) {
        const size_t at = i * c_stride + j;
        if (j >= n) {
          ASSERT_EQ(gc.data()[at], kPoison) << "row padding written at row " << i << " column " << j;
          continue;
        }
        const double tol = 1e-6 * static_cast<double>(k + 1) * mag[at];
        ASSERT_LE(std::abs(static_cast<double>(gc.data()[at]) - ref[at]), tol) << "row " << i << " column " << j;
      }
    }
  };
  for (size_t m : kM) {
    for (size_t n : kN) {
      for (size_t k : kK) run_case(m, n, k);
    }
  }
  // Past the kernels' cache blocking: A over and under the whole-A limits
  // (256 KiB AVX2, 512 KiB AVX-512F), so rows are split into several row
  // blocks or run as one.
  for (const auto& [m, n, k] : kLarge) run_case(m, n, k);
  EXPECT_EQ(cases, 10 * 10 * 4 + static_cast<int>(std::size(kLarge)));
}

#if defined(__x86_64__)
TEST(F32Gemm, Avx2MatchesReference) {
  const CpuFeatures& f = detected_cpu_features();
  if (!f.avx2 || !f.fma) GTEST_SKIP() << "CPU lacks AVX2 + FMA (or the OS does not save YMM state)";
  check_against_reference(f32_gemm_minmax__avx2_6x16, kSeed);
}
TEST(F32Gemm, Avx512fMatchesReference) {
  const CpuFeatures& f = detected_cpu_features();
  if (!f.avx512f || !f.fma) GTEST_SKIP() << "CPU lacks AVX-512F + FMA (or the OS does not save ZMM state)";
  check_against_reference(f32_gemm_minmax__avx512f_12x32, kSeed + 1);
}
#endif

TEST(F32Gemm, DispatchTableFollowsCpuFeatures) {
  const F32GemmTable& t = detected_kernel_tables().f32_gemm;
  const CpuFeatures& f = cpu_features();
  const bool avx512 = f.avx512f && f.fma;
  const bool avx2 = f.avx2 && f.fma;
  EXPECT_EQ(std::string(t.name), avx512 ? "avx512f" : avx2 ? "avx2" : "ref");
  EXPECT_EQ(t.gemm != nullptr, avx512 || avx2) << t.name;
  EXPECT_EQ(t.mr, avx512 ? 12u : avx2 ? 6u : 1u) << t.name;
  const F32GemmTable& r = reference_kernel_tables().f32_gemm;
  EXPECT_EQ(r.gemm, nullptr);
  EXPECT_EQ(r.mr, 1u);
}

// The packing: bias at the panel start, weights k-major, zeros past n.
TEST(F32Gemm, PackLayout) {
  const size_t n = 17, k = 2;
  std::vector<float> w(n * k), bias(n);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i + 1);
  for (size_t i = 0; i < n; ++i) bias[i] = -static_cast<float>(i + 1);
  std::vector<float> packed(f32_gemm_packed_size(n, k), kPoison);
  ASSERT_EQ(packed.size(), 2u * 16u * 3u);
  f32_gemm_pack_weights(w.data(), bias.data(), n, k, packed.data());
  EXPECT_EQ(packed[0], -1.0f);
  EXPECT_EQ(packed[16 + 16 + 0], w[0 * k + 1]);  // k 1, column 0
  EXPECT_EQ(packed[16 + 3], w[3 * k + 0]);       // k 0, column 3
  EXPECT_EQ(packed[48], -17.0f);                 // second panel's bias, column 16
  EXPECT_EQ(packed[48 + 1], 0.0f);               // column 17 is padding
  EXPECT_EQ(packed[48 + 16 + 16], w[16 * k + 1]);
  EXPECT_EQ(packed[48 + 16 + 16 + 5], 0.0f);
}

}  // namespace
}  // namespace edgerun::kernels
