// Float32 elementwise unary kernels on contiguous arrays: y[i] = f(x[i]) for
// i in [0, n). x and y may be the same array (in place).
//
// Sigmoid (LOGISTIC) follows the reference f32_logistic__ref
// (kernels/ref/logistic.h), TFLite's float path, cutoffs included:
//   x > 16.619047: 1;  x < -9: exp(x);  otherwise 1 / (1 + exp(-x))
// The SIMD kernels compute exp with a Cody-Waite range reduction and a
// degree-7 polynomial (Cephes expf), then an exact division: within a few
// float ulp of the reference (tests/kernels/f32_vunary_test.cc bounds it).
//
// Swish (SiLU, x * sigmoid(x): LOGISTIC then MUL by its own input, fused by
// runtime/fusion.cc) is x times the same kernel's sigmoid, rounded once, so
// the fused op gives what the two ops give, bit for bit.
//
// Hard swish (x * relu6(x + 3) / 6) is the reference's expression, operation
// for operation (a multiply, then a division by 6): the same bits.
//
// Kernels (same signature, F32VUnaryFn):
//   f32_vsigmoid__ref, f32_vswish__ref, f32_vhswish__ref   the reference loops
//   f32_vsigmoid__avx2, f32_vswish__avx2        src/kernels/x86/f32-vunary-avx2.cc (8 lanes, masked tail)
//   f32_vsigmoid__avx512f, f32_vswish__avx512f  src/kernels/x86/f32-vunary-avx512f.cc (16 lanes, masked tail)
// Pure: no allocation, no threads; nothing past x[n - 1] / y[n - 1] is read or written.
#pragma once

#include <cstddef>

namespace edgerun::kernels {

using F32VUnaryFn = void (*)(size_t n, const float* x, float* y);

void f32_vsigmoid__ref(size_t n, const float* x, float* y);
void f32_vswish__ref(size_t n, const float* x, float* y);
void f32_vhswish__ref(size_t n, const float* x, float* y);

// Only built (and only referenced by the dispatch table) on x86-64.
void f32_vsigmoid__avx2(size_t n, const float* x, float* y);
void f32_vsigmoid__avx512f(size_t n, const float* x, float* y);
void f32_vswish__avx2(size_t n, const float* x, float* y);
void f32_vswish__avx512f(size_t n, const float* x, float* y);
void f32_vhswish__avx2(size_t n, const float* x, float* y);
void f32_vhswish__avx512f(size_t n, const float* x, float* y);

}  // namespace edgerun::kernels
