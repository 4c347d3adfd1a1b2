// Differential tests of the float32 vector sigmoid and swish kernels
// (f32_vsigmoid__avx2 / __avx512f, f32_vswish__*, kernels/f32_vunary.h) against the
// reference f32_logistic__ref: every length 0..70 and a few large ones (the
// 8 / 16 lane tails), inputs over the whole useful range and around the
// cutoffs (-9, 16.619047), special values (0, -0, +-inf, NaN, denormals);
// every buffer ends at a PROT_NONE guard page, so a read or write past the
// last element faults. Tolerance: 4 float ulp relative (3e-7 of the value
// times 4, with an absolute floor of 1.2e-38 for results that underflow).
#include "kernels/f32_vunary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/guard_page.h"
#include "kernels/ref/logistic.h"

namespace edgerun::kernels {
namespace {

bool close(float got, float want) {
  if (std::isnan(want)) return std::isnan(got);
  const float tol = 4 * 1.1920929e-7f * std::abs(want) + 1.2e-38f;
  return std::abs(got - want) <= tol;
}

std::vector<float> test_values(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> wide(-40.0f, 40.0f), narrow(-10.0f, 18.0f);
  const float special[] = {0.0f,
                           -0.0f,
                           -9.0f,
                           std::nextafter(-9.0f, -10.0f),
                           std::nextafter(-9.0f, 0.0f),
                           16.619047164916992188f,
                           std::nextafter(16.619047164916992188f, 20.0f),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(),
                           1e-40f,
                           -1e-40f,
                           -87.0f,
                           -88.0f,
                           -104.0f,
                           -200.0f,
                           1e30f,
                           -1e30f,
                           0.5f,
                           -0.5f};
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    const int pick = static_cast<int>(rng() % 8);
    v[i] = pick == 0 ? special[rng() % (sizeof(special) / sizeof(special[0]))] : pick < 4 ? wide(rng) : narrow(rng);
  }
  return v;
}

void check_sigmoid(F32VUnaryFn fn, const std::string& name) {
  std::mt19937 rng(0x5161u);
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  for (size_t n : {127, 128, 129, 1000, 4099, 100003}) lengths.push_back(n);
  for (size_t n : lengths) {
    const std::vector<float> x = test_values(rng, n);
    std::vector<float> want(n);
    ref::f32_logistic__ref(x.data(), want.data(), 0, static_cast<int64_t>(n));
    GuardBuffer<float> in(n), out(n);
    ASSERT_TRUE(in.ok() && out.ok());
    in.assign(x);
    std::memset(out.data(), 0x5a, n * sizeof(float));
    fn(n, in.data(), out.data());
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(close(out.data()[i], want[i])) << name << " n " << n << " i " << i << ": sigmoid(" << x[i]
                                                 << ") = " << out.data()[i] << ", reference " << want[i];
    }
    // In place, as the op may run it.
    fn(n, in.data(), in.data());
    for (size_t i = 0; i < n; ++i)
      ASSERT_TRUE(close(in.data()[i], want[i])) << name << " in place, n " << n << " i " << i;
  }
}

// swish(x) must be x times the same ISA's sigmoid(x), rounded once (bit for
// bit: the fused LOGISTIC -> MUL gives what the two ops give), and so within
// 5 ulp of the reference x * sigmoid(x).
void check_swish(F32VUnaryFn swish, F32VUnaryFn sigmoid, const std::string& name) {
  std::mt19937 rng(0x5a15u);
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{15}, size_t{16}, size_t{17},
                   size_t{33}, size_t{1000}, size_t{4099}}) {
    const std::vector<float> x = test_values(rng, n);
    std::vector<float> sig(n), want(n), ref_want(n);
    sigmoid(n, x.data(), sig.data());
    for (size_t i = 0; i < n; ++i) want[i] = x[i] * sig[i];
    f32_vswish__ref(n, x.data(), ref_want.data());
    GuardBuffer<float> in(n), out(n);
    ASSERT_TRUE(in.ok() && out.ok());
    in.assign(x);
    swish(n, in.data(), out.data());
    for (size_t i = 0; i < n; ++i) {
      const float got = out.data()[i];
      ASSERT_TRUE(std::memcmp(&got, &want[i], sizeof(float)) == 0 || (std::isnan(got) && std::isnan(want[i])))
          << name << " n " << n << " i " << i << ": swish(" << x[i] << ") = " << got << ", x * sigmoid " << want[i];
      // The sigmoid's underflow floor (1.2e-38) scales with x here.
      const float tol = 5 * 1.1920929e-7f * std::abs(ref_want[i]) + 1.2e-38f * std::max(1.0f, std::abs(x[i]));
      ASSERT_TRUE(std::isnan(ref_want[i]) ? std::isnan(got) : got == ref_want[i] || std::abs(got - ref_want[i]) <= tol)
          << name << " n " << n << " i " << i << ": swish(" << x[i] << ") = " << got << ", reference " << ref_want[i];
    }
  }
}

TEST(F32VUnary, Avx2SigmoidMatchesReference) {
  const CpuFeatures& f = cpu_features();
  if (!f.avx2 || !f.fma) GTEST_SKIP() << "CPU lacks AVX2 + FMA (or the OS does not save YMM state)";
  check_sigmoid(f32_vsigmoid__avx2, "avx2");
}

TEST(F32VUnary, Avx512fSigmoidMatchesReference) {
  const CpuFeatures& f = cpu_features();
  if (!f.avx512f || !f.fma) GTEST_SKIP() << "CPU lacks AVX-512F + FMA (or the OS does not save ZMM state)";
  check_sigmoid(f32_vsigmoid__avx512f, "avx512f");
}

TEST(F32VUnary, RefSigmoidIsTheReferenceLoop) { check_sigmoid(f32_vsigmoid__ref, "ref"); }

// Hard swish: the reference's bits, every length 0..70 and large ones, special values.
void check_hswish(F32VUnaryFn fn, const std::string& name) {
  std::mt19937 rng(0x4a5bu);
  for (size_t n = 0; n <= 70 + 4099; n += n < 70 ? 1 : 4029) {
    std::vector<float> x = test_values(rng, n);
    for (size_t i = 0; i < n; i += 5) x[i] = -3.0f + static_cast<float>(i % 13) * 0.5f;  // the kinks at -3 and 3
    std::vector<float> want(n);
    f32_vhswish__ref(n, x.data(), want.data());
    GuardBuffer<float> in(n), out(n);
    ASSERT_TRUE(in.ok() && out.ok());
    in.assign(x);
    fn(n, in.data(), out.data());
    for (size_t i = 0; i < n; ++i) {
      const float got = out.data()[i];
      ASSERT_TRUE(std::memcmp(&got, &want[i], sizeof(float)) == 0 || (std::isnan(got) && std::isnan(want[i])))
          << name << " n " << n << " i " << i << ": hswish(" << x[i] << ") = " << got << ", reference " << want[i];
    }
  }
}

TEST(F32VUnary, HardSwishMatchesReferenceBitForBit) {
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.fma) check_hswish(f32_vhswish__avx2, "avx2");
  if (f.avx512f && f.fma) check_hswish(f32_vhswish__avx512f, "avx512f");
}

TEST(F32VUnary, SwishIsXTimesTheSameSigmoid) {
  const CpuFeatures& f = cpu_features();
  check_swish(f32_vswish__ref, f32_vsigmoid__ref, "ref");
  if (f.avx2 && f.fma) check_swish(f32_vswish__avx2, f32_vsigmoid__avx2, "avx2");
  if (f.avx512f && f.fma) check_swish(f32_vswish__avx512f, f32_vsigmoid__avx512f, "avx512f");
}

TEST(F32VUnary, DispatchTableFollowsCpuFeatures) {
  const CpuFeatures& f = cpu_features();
  const bool avx512 = f.avx512f && f.fma, avx2 = f.avx2 && f.fma;
  const F32VUnaryTable& t = detected_kernel_tables().f32_vunary;
  EXPECT_EQ(std::string(t.name), avx512 ? "avx512f" : avx2 ? "avx2" : "ref");
  EXPECT_EQ(t.sigmoid != nullptr, avx512 || avx2);
  EXPECT_EQ(t.swish != nullptr, avx512 || avx2);
  EXPECT_EQ(t.hswish != nullptr, avx512 || avx2);
  EXPECT_EQ(reference_kernel_tables().f32_vunary.sigmoid, nullptr);
  EXPECT_EQ(reference_kernel_tables().f32_vunary.swish, nullptr);
}

}  // namespace
}  // namespace edgerun::kernels
