// f32_dwconv_minmax__avx512f / f32_dwconv3x3_minmax__avx512f: float32
// depthwise convolution (depth_multiplier 1) over packed weights
// (kernels/f32_dwconv.h) on AVX-512F + FMA. Same packed layout as the AVX2
// kernels (channels padded to 8) and, up to the rounding of fused
// multiply-adds, the same sums as f32_dwconv2d_minmax__ref (bias first, then
// the taps). Called only through the dispatch table after CPU detection found
// AVX-512F and FMA. Compiled with -mavx512f -mfma.
//
// Vectorized over channels (NHWC keeps them innermost), 16 per zmm. The
// generic kernel (but for the interior of a 5x5 filter: dw_run<5>), and the
// 3x3 kernel on border pixels (SAME padding), visit
// the in-image taps of each pixel with bounds checks (out-of-image taps are
// skipped, as the reference does), channels 32 at a time (two independent
// accumulators), then 16 at a time. The 3x3 kernel finds, per output row, the
// run of pixels whose 3x3 windows lie inside the image. A short run (14x14
// and 7x7 maps) goes channel block by channel block: a block of 16 channels
// keeps its bias and 9 weight vectors in registers while the run's pixels go
// by. A long run goes 4 pixels at a time, every channel block inside, so the
// input is read in address order (dw3x3_groups).
// Tails: the last < 16 channels of a pixel go through a __mmask16 on every
// input and weight load and on the store, so nothing past the last channel of
// a pixel (or past the packed weights, which are padded to 8 channels only)
// is read or written.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/f32_dwconv.h"

namespace edgerun::kernels {
namespace {

// Mask of the first `n` (0..16) lanes.
inline __mmask16 lanes(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

inline __m512 clamp(__m512 v, __m512 vmin, __m512 vmax) { return _mm512_min_ps(_mm512_max_ps(v, vmin), vmax); }

// Every channel of one output pixel. for_each_tap(f) calls f(input_pixel,
// tap) for each tap the pixel sums (input_pixel: channel 0 of the input pixel
// under the tap; tap: fy * filter_w + fx).
template <typename ForEachTap>
inline void dw_pixel(size_t c, size_t c_pad, const float* w, float* out, __m512 vmin, __m512 vmax,
                     ForEachTap for_each_tap) {
  size_t ch = 0;
  for (; ch + 32 <= c; ch += 32) {
    __m512 acc0 = _mm512_loadu_ps(w + ch);
    __m512 acc1 = _mm512_loadu_ps(w + ch + 16);
    for_each_tap([&](const float* in, size_t tap) {
      const float* wt = w + (1 + tap) * c_pad + ch;
      acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(in + ch), _mm512_loadu_ps(wt), acc0);
      acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(in + ch + 16), _mm512_loadu_ps(wt + 16), acc1);
    });
    _mm512_storeu_ps(out + ch, clamp(acc0, vmin, vmax));
    _mm512_storeu_ps(out + ch + 16, clamp(acc1, vmin, vmax));
  }
  for (; ch < c; ch += 16) {
    const __mmask16 mask = lanes(std::min<size_t>(16, c - ch));
    __m512 acc = _mm512_maskz_loadu_ps(mask, w + ch);
    for_each_tap([&](const float* in, size_t tap) {
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, in + ch),
                            _mm512_maskz_loadu_ps(mask, w + (1 + tap) * c_pad + ch), acc);
    });
    _mm512_mask_storeu_ps(out + ch, mask, clamp(acc, vmin, vmax));
  }
}

// One output pixel whose window starts at input (iy0, ix0) of image `in`,
// any filter, dilation and position (taps outside the image are skipped).
inline void dw_pixel_generic(const ConvParams& p, const float* in, int64_t iy0, int64_t ix0, const float* w, float* out,
                             __m512 vmin, __m512 vmax) {
  const size_t c = static_cast<size_t>(p.in_c);
  dw_pixel(c, f32_dwconv_padded_channels(c), w, out, vmin, vmax, [&](auto&& f) {
    for (int64_t fy = 0; fy < p.filter_h; ++fy) {
      const int64_t iy = iy0 + fy * p.dilation_h;
      if (iy < 0 || iy >= p.in_h) continue;
      for (int64_t fx = 0; fx < p.filter_w; ++fx) {
        const int64_t ix = ix0 + fx * p.dilation_w;
        if (ix < 0 || ix >= p.in_w) continue;
        f(in + static_cast<size_t>(iy * p.in_w + ix) * c, static_cast<size_t>(fy * p.filter_w + fx));
      }
    }
  });
}

// `count` output pixels of one row whose KxK windows (dilation 1) lie inside
// the image (`in`: channel 0 of the top-left input pixel of the first window;
// consecutive windows `in_step` floats apart). Channel blocks of 16 go
// outside, so the block's bias and K * K weight vectors stay in registers
// while the pixels go by; the last block masks its < 16 channels; taps in the
// reference's order. K = 3: short runs (14x14 and 7x7 maps), where
// dw3x3_groups measured up to 7% slower (blocks of 32 with 20 weight
// registers measured slower still: each pass then pulls 6 cache lines per
// pixel from L2 instead of 3). K = 5: interior pixels of the generic kernel
// (EfficientNet's 5x5 depthwise convs), whose per-pixel path reloads every
// weight vector per tap and checks every tap's bounds.
template <size_t K>
inline void dw_run(const float* in, size_t in_row, size_t in_step, size_t count, size_t c, size_t c_pad,
                   const float* w, float* out, __m512 vmin, __m512 vmax) {
  for (size_t ch = 0; ch < c; ch += 16) {
    const __mmask16 mask = lanes(std::min<size_t>(16, c - ch));
    const __m512 bias = _mm512_maskz_loadu_ps(mask, w + ch);
    __m512 k[K * K];
#pragma GCC unroll 25
    for (size_t t = 0; t < K * K; ++t) k[t] = _mm512_maskz_loadu_ps(mask, w + (1 + t) * c_pad + ch);
    const float* ip = in + ch;
    float* op = out + ch;
    for (size_t i = 0; i < count; ++i, ip += in_step, op += c) {
      __m512 acc = bias;
#pragma GCC unroll 25
      for (size_t t = 0; t < K * K; ++t) {
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, ip + t / K * in_row + t % K * c), k[t], acc);
      }
      _mm512_mask_storeu_ps(op, mask, clamp(acc, vmin, vmax));
    }
  }
}

// P adjacent output pixels (windows `in_step` floats apart), every channel
// block, P independent accumulators. With stride 1 each filter row loads its
// P + 2 input columns once for all P pixels. Each pixel still sums bias, then
// taps 0..8 in order, so the result is the same as dw_run<3>'s bit for bit.
template <size_t P, bool kStride1>
inline void dw3x3_group(const float* ip, size_t in_row, size_t in_step, size_t c, size_t c_pad, const float* w,
                        float* op, __m512 vmin, __m512 vmax) {
  for (size_t ch = 0; ch < c; ch += 16) {
    const __mmask16 mask = lanes(std::min<size_t>(16, c - ch));
    const __m512 bias = _mm512_maskz_loadu_ps(mask, w + ch);
    __m512 acc[P];
#pragma GCC unroll 8
    for (size_t i = 0; i < P; ++i) acc[i] = bias;
#pragma GCC unroll 3
    for (size_t ky = 0; ky < 3; ++ky) {
      const float* row = ip + ky * in_row + ch;
      __m512 k[3];
#pragma GCC unroll 3
      for (size_t kx = 0; kx < 3; ++kx) k[kx] = _mm512_maskz_loadu_ps(mask, w + (1 + ky * 3 + kx) * c_pad + ch);
      if constexpr (kStride1) {
        __m512 x[P + 2];
#pragma GCC unroll 10
        for (size_t j = 0; j < P + 2; ++j) x[j] = _mm512_maskz_loadu_ps(mask, row + j * c);
#pragma GCC unroll 3
        for (size_t kx = 0; kx < 3; ++kx) {
#pragma GCC unroll 8
          for (size_t i = 0; i < P; ++i) acc[i] = _mm512_fmadd_ps(x[i + kx], k[kx], acc[i]);
        }
      } else {
#pragma GCC unroll 3
        for (size_t kx = 0; kx < 3; ++kx) {
#pragma GCC unroll 8
          for (size_t i = 0; i < P; ++i) {
            acc[i] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, row + i * in_step + kx * c), k[kx], acc[i]);
          }
        }
      }
    }
#pragma GCC unroll 8
    for (size_t i = 0; i < P; ++i) _mm512_mask_storeu_ps(op + i * c + ch, mask, clamp(acc[i], vmin, vmax));
  }
}

// The same run as dw_run<3>, pixel group after pixel group with every channel
// block inside: the input is read in address order, not one channel block's
// column at a time (which on wide rows, and on pixel strides that are
// multiples of 512 bytes, keeps missing L1). Measured 0.74-0.9x of dw_run<3>
// on 112x112 / 56x56 / 28x28 maps on Xeon (Emerald Rapids).
template <bool kStride1>
inline void dw3x3_groups(const float* in, size_t in_row, size_t in_step, size_t count, size_t c, size_t c_pad,
                         const float* w, float* out, __m512 vmin, __m512 vmax) {
  constexpr size_t kPixels = 4;
  size_t i = 0;
  for (; i + kPixels <= count; i += kPixels) {
    dw3x3_group<kPixels, kStride1>(in + i * in_step, in_row, in_step, c, c_pad, w, out + i * c, vmin, vmax);
  }
  for (; i < count; ++i) dw3x3_group<1, false>(in + i * in_step, in_row, in_step, c, c_pad, w, out + i * c, vmin, vmax);
}

// Runs of at least this many pixels go through dw3x3_groups.
constexpr size_t kGroupRunMin = 16;

inline void dw3x3_interior(const float* in, size_t in_row, size_t in_step, size_t count, size_t c, size_t c_pad,
                           const float* w, float* out, __m512 vmin, __m512 vmax) {
  if (count < kGroupRunMin) {
    dw_run<3>(in, in_row, in_step, count, c, c_pad, w, out, vmin, vmax);
  } else if (in_step == c) {
    dw3x3_groups<true>(in, in_row, in_step, count, c, c_pad, w, out, vmin, vmax);
  } else {
    dw3x3_groups<false>(in, in_row, in_step, count, c, c_pad, w, out, vmin, vmax);
  }
}

template <bool k3x3>
void dwconv_rows(const ConvParams& p, const float* input, const float* packed, float* output, size_t row_begin,
                 size_t row_end) {
  const __m512 vmin = _mm512_set1_ps(p.f32_min);
  const __m512 vmax = _mm512_set1_ps(p.f32_max);
  const size_t c = static_cast<size_t>(p.in_c);
  const size_t c_pad = f32_dwconv_padded_channels(c);
  const size_t image = static_cast<size_t>(p.in_h) * static_cast<size_t>(p.in_w) * c;
  const size_t in_row = static_cast<size_t>(p.in_w) * c;
  // Output columns [full_begin, full_end) have their whole 3x3 (or 5x5) window inside the image width.
  const bool k5x5 = !k3x3 && p.filter_h == 5 && p.filter_w == 5 && p.dilation_h == 1 && p.dilation_w == 1;
  const ColumnRange full = k3x3 || k5x5 ? conv_interior_columns(p) : ColumnRange{};
  const int64_t full_begin = full.begin, full_end = full.end;
  for (size_t r = row_begin; r < row_end; ++r) {
    const size_t b = r / static_cast<size_t>(p.out_h);
    const int64_t oy = static_cast<int64_t>(r % static_cast<size_t>(p.out_h));
    const int64_t iy0 = oy * p.stride_h - p.pad_top;
    const float* in = input + b * image;
    float* out = output + r * static_cast<size_t>(p.out_w) * c;
    const bool row_full = k3x3 && iy0 >= 0 && iy0 + 3 <= p.in_h;
    auto generic = [&](int64_t from, int64_t to) {
      for (int64_t ox = from; ox < to; ++ox) {
        dw_pixel_generic(p, in, iy0, ox * p.stride_w - p.pad_left, packed, out + static_cast<size_t>(ox) * c, vmin,
                         vmax);
      }
    };
    if (k5x5 && iy0 >= 0 && iy0 + 5 <= p.in_h && full_end > full_begin) {
      generic(0, full_begin);
      const int64_t ix0 = full_begin * p.stride_w - p.pad_left;
      dw_run<5>(in + static_cast<size_t>(iy0) * in_row + static_cast<size_t>(ix0) * c, in_row,
                static_cast<size_t>(p.stride_w) * c, static_cast<size_t>(full_end - full_begin), c, c_pad, packed,
                out + static_cast<size_t>(full_begin) * c, vmin, vmax);
      generic(full_end, p.out_w);
    } else if (row_full && full_end > full_begin) {
      generic(0, full_begin);
      const int64_t ix0 = full_begin * p.stride_w - p.pad_left;
      dw3x3_interior(in + static_cast<size_t>(iy0) * in_row + static_cast<size_t>(ix0) * c, in_row,
                static_cast<size_t>(p.stride_w) * c, static_cast<size_t>(full_end - full_begin), c, c_pad, packed,
                out + static_cast<size_t>(full_begin) * c, vmin, vmax);
      generic(full_end, p.out_w);
    } else {
      generic(0, p.out_w);
    }
  }
}

}  // namespace

void f32_dwconv_minmax__avx512f(const ConvParams& p, const float* input, const float* packed, float* output,
                                size_t row_begin, size_t row_end) {
  dwconv_rows<false>(p, input, packed, output, row_begin, row_end);
}

void f32_dwconv3x3_minmax__avx512f(const ConvParams& p, const float* input, const float* packed, float* output,
                                   size_t row_begin, size_t row_end) {
  dwconv_rows<true>(p, input, packed, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
