#include "kernels/cpu_features.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define EDGERUN_CPUID_X86 1
#endif

namespace edgerun::kernels {
namespace {

#if defined(EDGERUN_CPUID_X86)
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  // xgetbv with ecx = 0, encoded directly so no -mxsave flag is needed.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return f;
  const unsigned max_leaf = eax;
  if (max_leaf < 1) return f;
  __cpuid(1, eax, ebx, ecx, edx);
  const bool osxsave = (ecx >> 27) & 1;
  const bool avx = (ecx >> 28) & 1;
  const bool fma = (ecx >> 12) & 1;
  const bool f16c = (ecx >> 29) & 1;
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_saved = (xcr0 & 0x6) == 0x6;          // SSE + AVX state
  const bool zmm_saved = (xcr0 & 0xE6) == 0xE6;        // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!ymm_saved) return f;
  f.fma = fma;
  f.f16c = f16c;
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    f.avx2 = (ebx >> 5) & 1;
    if (zmm_saved) {
      f.avx512f = (ebx >> 16) & 1;
      f.avx512bw = f.avx512f && ((ebx >> 30) & 1);
      f.avx512vl = f.avx512f && ((ebx >> 31) & 1);
      f.avx512vnni = f.avx512f && ((ecx >> 11) & 1);
    }
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    f.avxvnni = f.avx2 && ((eax >> 4) & 1);
  }
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

const CpuFeatures& detected_cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool reference_kernels_forced() {
  static const bool forced = [] {
    const char* v = std::getenv("EDGERUN_KERNELS");
    return v != nullptr && std::strcmp(v, "reference") == 0;
  }();
  return forced;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures none{};
  return reference_kernels_forced() ? none : detected_cpu_features();
}

}  // namespace edgerun::kernels
