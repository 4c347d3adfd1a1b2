// Kernel dispatch tables: one small struct per kernel family, gathered in
// KernelTables and filled once from cpu_features() (so EDGERUN_KERNELS=reference
// empties them). A null entry means no fast kernel: the op keeps its reference
// kernel. Op code uses only the tables its PrepareContext hands it, never ISA
// macros.
#pragma once

#include "kernels/f32_dwconv.h"
#include "kernels/f32_gemm.h"
#include "kernels/f32_vunary.h"
#include "kernels/q8_gemm.h"
#include "kernels/ref/add.h"
#include "kernels/ref/conv.h"
#include "kernels/ref/quantize.h"

namespace edgerun::kernels {

// Quantized convolution (any filter, stride, dilation, padding) as a GEMM
// over packed 8-bit weights (kernels/q8_gemm.h).
struct Q8ConvGemmTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  Q8GemmLayout layout = Q8GemmLayout::kPairs;  // the packing the entries read
  Qu8ConvGemmFn qu8 = nullptr;
  Qs8ConvGemmFn qs8 = nullptr;
};

// Quantized depthwise convolution with depth_multiplier 1 (any filter size,
// stride, dilation, padding): same signature and bit-exact results as
// qu8_dwconv2d__ref / qs8_dwconv2d__ref (kernels/ref/conv.h).
using Qu8DwConvFn = void (*)(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                             uint8_t* output, size_t row_begin, size_t row_end);
using Qs8DwConvFn = void (*)(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                             int8_t* output, size_t row_begin, size_t row_end);
// 3x3 depthwise (depth_multiplier 1, any stride, dilation, padding) over
// weights packed once at prepare: `pack` writes packed_size(out_c) bytes,
// 64-byte aligned, from the filter, bias and the params' offsets and
// multipliers; the kernel then needs only params' geometry, offsets and
// activation range.
using Q8DwConvPackedSizeFn = size_t (*)(int32_t channels);
using Qu8DwConvPackFn = void (*)(const ConvParams& p, const uint8_t* filter, const int32_t* bias, void* packed);
using Qs8DwConvPackFn = void (*)(const ConvParams& p, const int8_t* filter, const int32_t* bias, void* packed);
using Qu8DwConvPackedFn = void (*)(const ConvParams& p, const void* packed, const uint8_t* input, uint8_t* output,
                                   size_t row_begin, size_t row_end);
using Qs8DwConvPackedFn = void (*)(const ConvParams& p, const void* packed, const int8_t* input, int8_t* output,
                                   size_t row_begin, size_t row_end);
struct Q8DwConvTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  Qu8DwConvFn qu8 = nullptr;
  Qs8DwConvFn qs8 = nullptr;
  Q8DwConvPackedSizeFn packed3x3_size = nullptr;
  Qu8DwConvPackFn qu8_pack3x3 = nullptr;
  Qs8DwConvPackFn qs8_pack3x3 = nullptr;
  Qu8DwConvPackedFn qu8_3x3 = nullptr;
  Qs8DwConvPackedFn qs8_3x3 = nullptr;
};

// Quantized ADD of two same-shape tensors (per-tensor quantization): y[i] for
// i in [0, n), bit-exact with qu8_add__ref / qs8_add__ref (kernels/ref/add.h).
// Broadcasting shapes keep the reference kernel.
using Qu8VaddFn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::QuantAddParams& p);
using Qs8VaddFn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::QuantAddParams& p);
// The same for ONNX's definition as ONNX Runtime computes it, bit-exact with
// qu8_add_f32__ref / qs8_add_f32__ref.
using Qu8VaddF32Fn = void (*)(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                              const ref::F32QuantAddParams& p);
using Qs8VaddF32Fn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                              const ref::F32QuantAddParams& p);
struct Q8AddTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  Qu8VaddFn qu8 = nullptr;
  Qs8VaddFn qs8 = nullptr;
  Qu8VaddF32Fn qu8_f32 = nullptr;
  Qs8VaddF32Fn qs8_f32 = nullptr;
};

// Float32 GEMM over packed weights (kernels/f32_gemm.h): float CONV_2D
// (1x1 directly, other filters over im2col) and FULLY_CONNECTED.
struct F32GemmTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  F32GemmFn gemm = nullptr;
  size_t mr = 1;  // rows of gemm's register tile: callers split M in multiples of it
};

// Float32 depthwise convolution with depth_multiplier 1 over packed weights
// (kernels/f32_dwconv.h): `dwconv` for any filter, `dwconv3x3` for 3x3
// filters with dilation 1.
struct F32DwConvTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  F32DwConvFn dwconv = nullptr;
  F32DwConvFn dwconv3x3 = nullptr;
};

// Float32 elementwise unary kernels (kernels/f32_vunary.h).
struct F32VUnaryTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  F32VUnaryFn sigmoid = nullptr;
  F32VUnaryFn swish = nullptr;
  F32VUnaryFn hswish = nullptr;
};

// float32 -> int8 / uint8 as ONNX's QuantizeLinear (x / scale rounded half
// to even, + zero point, saturated; NaN gives the type's minimum), one scale
// and zero point: y[i] for i in [0, n), bit-exact with f32_qs8_quantize__ref /
// f32_qu8_quantize__ref with round_half_to_even.
using F32Qs8QuantizeFn = void (*)(size_t n, const float* x, int8_t* y, const ref::AffineQuantizeParams& p);
using F32Qu8QuantizeFn = void (*)(size_t n, const float* x, uint8_t* y, const ref::AffineQuantizeParams& p);
struct F32QuantizeTable {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  F32Qs8QuantizeFn qs8_half_even = nullptr;
  F32Qu8QuantizeFn qu8_half_even = nullptr;
};

// Every family's table, one set per kernel choice.
struct KernelTables {
  Q8ConvGemmTable q8_conv_gemm;
  Q8DwConvTable q8_dwconv;
  F32GemmTable f32_gemm;
  F32DwConvTable f32_dwconv;
  Q8AddTable q8_add;
  F32VUnaryTable f32_vunary;
  F32QuantizeTable f32_quantize;
};
// The best kernels for this CPU (cpu_features(), so EDGERUN_KERNELS=reference
// gives the reference set).
const KernelTables& detected_kernel_tables();
// The detected set with AVX-512 masked out: what an AVX2 + FMA CPU runs
// (for comparing ISA tiers on one machine and testing the AVX2 paths there).
const KernelTables& avx2_kernel_tables();
// No fast kernel at all: every op runs its reference kernel.
const KernelTables& reference_kernel_tables();

// Only built (and only referenced by the dispatch table) on x86-64:
// src/kernels/x86/q8-dwconv-avx2.cc (16 channels at a time, vpmaddwd over tap
// pairs). A depth_multiplier other than 1 falls back to the reference kernel.
void qu8_dwconv2d__avx2(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                        uint8_t* output, size_t row_begin, size_t row_end);
void qs8_dwconv2d__avx2(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                        int8_t* output, size_t row_begin, size_t row_end);

// src/kernels/x86/q8-dwconv3x3-avx2.cc (int16 tap pairs packed with the bias
// and output stage per 16 channels, 4 interior pixels at a time).
size_t q8_dwconv3x3_packed_size__avx2(int32_t channels);
void qu8_dwconv3x3_pack__avx2(const ConvParams& p, const uint8_t* filter, const int32_t* bias, void* packed);
void qs8_dwconv3x3_pack__avx2(const ConvParams& p, const int8_t* filter, const int32_t* bias, void* packed);
void qu8_dwconv3x3__avx2(const ConvParams& p, const void* packed, const uint8_t* input, uint8_t* output,
                         size_t row_begin, size_t row_end);
void qs8_dwconv3x3__avx2(const ConvParams& p, const void* packed, const int8_t* input, int8_t* output, size_t row_begin,
                         size_t row_end);

// src/kernels/x86/q8-dwconv3x3-avx512vnni.cc (uint8 x int8 quads of one
// input column's 3 rows per channel, vpdpbusd, 64 channels per block, its own
// packing: a table's pack and run entries always come from one file).
size_t q8_dwconv3x3_packed_size__avx512vnni(int32_t channels);
void qu8_dwconv3x3_pack__avx512vnni(const ConvParams& p, const uint8_t* filter, const int32_t* bias, void* packed);
void qs8_dwconv3x3_pack__avx512vnni(const ConvParams& p, const int8_t* filter, const int32_t* bias, void* packed);
void qu8_dwconv3x3__avx512vnni(const ConvParams& p, const void* packed, const uint8_t* input, uint8_t* output,
                               size_t row_begin, size_t row_end);
void qs8_dwconv3x3__avx512vnni(const ConvParams& p, const void* packed, const int8_t* input, int8_t* output,
                               size_t row_begin, size_t row_end);

// src/kernels/x86/q8-vadd-avx2.cc (8 elements at a time, exact vectorized
// rescaling).
void qu8_vadd_minmax__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::QuantAddParams& p);
void qs8_vadd_minmax__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::QuantAddParams& p);
void f32_qs8_quantize_half_even__avx2(size_t n, const float* x, int8_t* y, const ref::AffineQuantizeParams& p);
void f32_qu8_quantize_half_even__avx2(size_t n, const float* x, uint8_t* y, const ref::AffineQuantizeParams& p);
void qu8_vadd_f32__avx2(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::F32QuantAddParams& p);
void qs8_vadd_f32__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::F32QuantAddParams& p);

// src/kernels/x86/q8-vadd-avx512bw.cc (16 elements at a time, input rescaling
// in 32-bit lanes, masked tails).
void qu8_vadd_minmax__avx512bw(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y, const ref::QuantAddParams& p);
void qs8_vadd_minmax__avx512bw(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const ref::QuantAddParams& p);

}  // namespace edgerun::kernels
