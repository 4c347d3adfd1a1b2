// CPU feature detection for kernel dispatch. Features are detected once
// (CPUID + XGETBV on x86-64: an ISA counts only if the OS saves its register
// state) and then only read. Op code never tests ISA macros: it asks the
// dispatch tables (kernels/dispatch.h), which are filled from these flags.
//
// Override: the environment variable EDGERUN_KERNELS=reference (read once, on
// first use) makes cpu_features() report no SIMD feature, so every op takes the
// portable reference kernels.
#pragma once

namespace edgerun::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avxvnni = false;
};

// What the CPU and OS support, ignoring EDGERUN_KERNELS. Detected once.
const CpuFeatures& detected_cpu_features();

// True when EDGERUN_KERNELS=reference was set when first asked.
bool reference_kernels_forced();

// The features kernel dispatch may use: detected_cpu_features(), or all false
// when reference_kernels_forced().
const CpuFeatures& cpu_features();

}  // namespace edgerun::kernels
