#include "kernels/dispatch.h"

#include "kernels/cpu_features.h"

namespace edgerun::kernels {
namespace {

// The kernel list for the quantized 1x1 conv, best first.
Q8Conv1x1Table make_q8_conv1x1_table(const CpuFeatures& f) {
  Q8Conv1x1Table t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx2) {
    t.name = "avx2";
    t.qu8 = qu8_conv1x1__avx2;
    t.qs8 = qs8_conv1x1__avx2;
  }
#else
  (void)f;
#endif
  return t;
}

// The kernel list for the quantized general conv, best first.
Q8ConvTable make_q8_conv_table(const CpuFeatures& f) {
  Q8ConvTable t;
#if defined(EDGERUN_HAVE_X86_KERNELS)
  if (f.avx2) {
    t.name = "avx2";
    t.qu8 = qu8_conv2d__avx2;
    t.qs8 = qs8_conv2d__avx2;
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
  }
#else
  (void)f;
#endif
  return t;
}

}  // namespace

const Q8Conv1x1Table& q8_conv1x1_table() {
  static const Q8Conv1x1Table table = make_q8_conv1x1_table(cpu_features());
  return table;
}

const Q8ConvTable& q8_conv_table() {
  static const Q8ConvTable table = make_q8_conv_table(cpu_features());
  return table;
}

const Q8DwConvTable& q8_dwconv_table() {
  static const Q8DwConvTable table = make_q8_dwconv_table(cpu_features());
  return table;
}

}  // namespace edgerun::kernels
