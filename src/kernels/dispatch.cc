#include "kernels/dispatch.h"

#include "kernels/cpu_features.h"

namespace edgerun::kernels {
namespace {

// The kernel list for the quantized conv GEMM, best first.
Q8ConvGemmTable make_q8_conv_gemm_table(const CpuFeatures& f) {
  Q8ConvGemmTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni) {
    t.name = "avx512vnni";
    t.layout = Q8GemmLayout::kQuads;
    t.qu8 = qu8_conv_gemm__avx512vnni;
    t.qs8 = qs8_conv_gemm__avx512vnni;
  } else if (f.avx2) {
    t.name = "avx2";
    t.qu8 = qu8_conv_gemm__avx2;
    t.qs8 = qs8_conv_gemm__avx2;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for the quantized depthwise conv (depth_multiplier 1), best first.
Q8DwConvTable make_q8_dwconv_table(const CpuFeatures& f) {
  Q8DwConvTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx2) {
    t.name = "avx2";
    t.qu8 = qu8_dwconv2d__avx2;
    t.qs8 = qs8_dwconv2d__avx2;
    t.packed3x3_size = q8_dwconv3x3_packed_size__avx2;
    t.qu8_pack3x3 = qu8_dwconv3x3_pack__avx2;
    t.qs8_pack3x3 = qs8_dwconv3x3_pack__avx2;
    t.qu8_3x3 = qu8_dwconv3x3__avx2;
    t.qs8_3x3 = qs8_dwconv3x3__avx2;
  }
  // The 3x3 entries (pack and run together) upgrade to AVX-512 VNNI; other
  // filters keep the AVX2 kernel. (Every x86 CPU with AVX-512 has AVX2.)
  if (f.avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni) {
    t.name = "avx512vnni";
    t.packed3x3_size = q8_dwconv3x3_packed_size__avx512vnni;
    t.qu8_pack3x3 = qu8_dwconv3x3_pack__avx512vnni;
    t.qs8_pack3x3 = qs8_dwconv3x3_pack__avx512vnni;
    t.qu8_3x3 = qu8_dwconv3x3__avx512vnni;
    t.qs8_3x3 = qs8_dwconv3x3__avx512vnni;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for the same-shape quantized ADD, best first.
Q8AddTable make_q8_add_table(const CpuFeatures& f) {
  Q8AddTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx512f && f.avx512bw && f.avx512vl) {
    t.name = "avx512bw";
    t.qu8 = qu8_vadd_minmax__avx512bw;
    t.qs8 = qs8_vadd_minmax__avx512bw;
  } else if (f.avx2) {
    t.name = "avx2";
    t.qu8 = qu8_vadd_minmax__avx2;
    t.qs8 = qs8_vadd_minmax__avx2;
  }
  if (f.avx2) {
    t.qu8_f32 = qu8_vadd_f32__avx2;
    t.qs8_f32 = qs8_vadd_f32__avx2;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for the float32 GEMM, best first.
F32GemmTable make_f32_gemm_table(const CpuFeatures& f) {
  F32GemmTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx512f && f.fma) {
    t.name = "avx512f";
    t.gemm = f32_gemm_minmax__avx512f_12x32;
    t.mr = 12;
  } else if (f.avx2 && f.fma) {
    t.name = "avx2";
    t.gemm = f32_gemm_minmax__avx2_6x16;
    t.mr = 6;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for the float32 depthwise conv (depth_multiplier 1), best first.
F32DwConvTable make_f32_dwconv_table(const CpuFeatures& f) {
  F32DwConvTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx512f && f.fma) {
    t.name = "avx512f";
    t.dwconv = f32_dwconv_minmax__avx512f;
    t.dwconv3x3 = f32_dwconv3x3_minmax__avx512f;
  } else if (f.avx2 && f.fma) {
    t.name = "avx2";
    t.dwconv = f32_dwconv_minmax__avx2;
    t.dwconv3x3 = f32_dwconv3x3_minmax__avx2;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for float32 elementwise unary functions, best first.
F32VUnaryTable make_f32_vunary_table(const CpuFeatures& f) {
  F32VUnaryTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx512f && f.fma) {
    t.name = "avx512f";
    t.sigmoid = f32_vsigmoid__avx512f;
    t.swish = f32_vswish__avx512f;
    t.hswish = f32_vhswish__avx512f;
  } else if (f.avx2 && f.fma) {
    t.name = "avx2";
    t.sigmoid = f32_vsigmoid__avx2;
    t.swish = f32_vswish__avx2;
    t.hswish = f32_vhswish__avx2;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for float32 -> 8-bit quantization, best first.
F32QuantizeTable make_f32_quantize_table(const CpuFeatures& f) {
  F32QuantizeTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx2) {
    t.name = "avx2";
    t.qs8_half_even = f32_qs8_quantize_half_even__avx2;
    t.qu8_half_even = f32_qu8_quantize_half_even__avx2;
  }
#else
  (void)f;
#endif
  return t;
}

}  // namespace

namespace {
KernelTables make_tables(const CpuFeatures& f) {
  return KernelTables{make_q8_conv_gemm_table(f), make_q8_dwconv_table(f), make_f32_gemm_table(f),
                      make_f32_dwconv_table(f),   make_q8_add_table(f),    make_f32_vunary_table(f),
                      make_f32_quantize_table(f)};
}
}  // namespace

const KernelTables& detected_kernel_tables() {
  static const KernelTables tables = make_tables(cpu_features());
  return tables;
}

const KernelTables& avx2_kernel_tables() {
  static const KernelTables tables = [] {
    CpuFeatures f = cpu_features();
    f.avx512f = f.avx512bw = f.avx512vl = f.avx512vnni = false;
    return make_tables(f);
  }();
  return tables;
}

const KernelTables& reference_kernel_tables() {
  static const KernelTables tables;
  return tables;
}

}  // namespace edgerun::kernels
