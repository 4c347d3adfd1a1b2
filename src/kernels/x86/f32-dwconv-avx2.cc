// f32_dwconv_minmax__avx2 / f32_dwconv3x3_minmax__avx2: float32 depthwise
// convolution (depth_multiplier 1) over packed weights (kernels/f32_dwconv.h)
// on AVX2 + FMA. Same results as f32_dwconv2d_minmax__ref up to summation
// order (bias first, then the taps with fused multiply-adds). Called only
// through the dispatch table after CPU detection found AVX2 and FMA. Compiled
// with -mavx2 -mfma -mf16c.
//
// Vectorized over channels (NHWC keeps them innermost): for each output pixel,
// channels go 16 at a time (two independent accumulators), then 8, then a
// < 8 tail through masked loads and stores, so nothing past the last channel
// of a pixel is read or written (weights are zero-padded to 8 channels and
// read whole). The generic kernel visits the in-image taps of each pixel with
// bounds checks (out-of-image taps are skipped, as the reference does). The
// 3x3 kernel finds, per output row, the run of pixels whose 3x3 windows lie
// inside the image: a short run (14x14 and 7x7 maps) goes channel block by
// channel block, the block's 9 weight vectors held in registers across the
// run; a long run goes 4 pixels at a time, every channel block inside
// (dw3x3_groups). Border pixels (SAME padding) take the generic path.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/f32_dwconv.h"

namespace edgerun::kernels {
namespace {

// A mask of lanes [0, n), n in [0, 8].
inline __m256i tail_mask(size_t n) {
  static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
}

inline __m256 clamp(__m256 v, __m256 vmin, __m256 vmax) { return _mm256_min_ps(_mm256_max_ps(v, vmin), vmax); }

// Every channel of one output pixel. for_each_tap(f) calls f(input_pixel,
// tap) for each tap the pixel sums (input_pixel: channel 0 of the input pixel
// under the tap; tap: fy * filter_w + fx).
template <typename ForEachTap>
inline void dw_pixel(size_t c, size_t c_pad, const float* w, float* out, __m256 vmin, __m256 vmax,
                     ForEachTap for_each_tap) {
  size_t ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    __m256 acc0 = _mm256_loadu_ps(w + ch);
    __m256 acc1 = _mm256_loadu_ps(w + ch + 8);
    for_each_tap([&](const float* in, size_t tap) {
      const float* wt = w + (1 + tap) * c_pad + ch;
      acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(in + ch), _mm256_loadu_ps(wt), acc0);
      acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(in + ch + 8), _mm256_loadu_ps(wt + 8), acc1);
    });
    _mm256_storeu_ps(out + ch, clamp(acc0, vmin, vmax));
    _mm256_storeu_ps(out + ch + 8, clamp(acc1, vmin, vmax));
  }
  if (ch + 8 <= c) {
    __m256 acc = _mm256_loadu_ps(w + ch);
    for_each_tap([&](const float* in, size_t tap) {
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(in + ch), _mm256_loadu_ps(w + (1 + tap) * c_pad + ch), acc);
    });
    _mm256_storeu_ps(out + ch, clamp(acc, vmin, vmax));
    ch += 8;
  }
  if (ch < c) {
    const __m256i mask = tail_mask(c - ch);
    __m256 acc = _mm256_loadu_ps(w + ch);
    for_each_tap([&](const float* in, size_t tap) {
      acc = _mm256_fmadd_ps(_mm256_maskload_ps(in + ch, mask), _mm256_loadu_ps(w + (1 + tap) * c_pad + ch), acc);
    });
    _mm256_maskstore_ps(out + ch, mask, clamp(acc, vmin, vmax));
  }
}

// One output pixel whose window starts at input (iy0, ix0) of image `in`,
// any filter, dilation and position (taps outside the image are skipped).
inline void dw_pixel_generic(const ConvParams& p, const float* in, int64_t iy0, int64_t ix0, const float* w, float* out,
                             __m256 vmin, __m256 vmax) {
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

// `count` output pixels of one row whose 3x3 windows lie inside the image
// (`in`: the top-left input pixel of the first window; consecutive windows
// `in_step` floats apart). Channel blocks of 8 go outside, so the block's bias
// and 9 weight vectors stay in registers while the pixels go by; the last
// block masks its < 8 channels. Same sums, in the same order, as dw_pixel.
inline void dw3x3_run(const float* in, size_t in_row, size_t in_step, size_t count, size_t c, size_t c_pad,
                      const float* w, float* out, __m256 vmin, __m256 vmax) {
  for (size_t ch = 0; ch < c; ch += 8) {
    const __m256 bias = _mm256_loadu_ps(w + ch);
    __m256 k[9];
#pragma GCC unroll 9
    for (size_t t = 0; t < 9; ++t) k[t] = _mm256_loadu_ps(w + (1 + t) * c_pad + ch);
    const float* ip = in + ch;
    float* op = out + ch;
    if (ch + 8 <= c) {
      for (size_t i = 0; i < count; ++i, ip += in_step, op += c) {
        __m256 acc = bias;
#pragma GCC unroll 9
        for (size_t t = 0; t < 9; ++t) {
          acc = _mm256_fmadd_ps(_mm256_loadu_ps(ip + t / 3 * in_row + t % 3 * c), k[t], acc);
        }
        _mm256_storeu_ps(op, clamp(acc, vmin, vmax));
      }
    } else {
      const __m256i mask = tail_mask(c - ch);
      for (size_t i = 0; i < count; ++i, ip += in_step, op += c) {
        __m256 acc = bias;
#pragma GCC unroll 9
        for (size_t t = 0; t < 9; ++t) {
          acc = _mm256_fmadd_ps(_mm256_maskload_ps(ip + t / 3 * in_row + t % 3 * c, mask), k[t], acc);
        }
        _mm256_maskstore_ps(op, mask, clamp(acc, vmin, vmax));
      }
    }
  }
}

// Loads 8 channels, or the first lanes of `mask` (a channel tail).
template <bool kTail>
inline __m256 load8(const float* p, __m256i mask) {
  if constexpr (kTail) {
    return _mm256_maskload_ps(p, mask);
  } else {
    return _mm256_loadu_ps(p);
  }
}

// P adjacent output pixels (windows `in_step` floats apart), one block of 8
// channels, P independent accumulators. With stride 1 each filter row loads
// its P + 2 input columns once for all P pixels. Each pixel still sums bias,
// then taps 0..8 in order: the same result as dw3x3_run's bit for bit.
template <size_t P, bool kStride1, bool kTail>
inline void dw3x3_group_block(const float* ip, size_t in_row, size_t in_step, size_t c, size_t c_pad, const float* w,
                              float* op, __m256i mask, __m256 vmin, __m256 vmax) {
  const __m256 bias = _mm256_loadu_ps(w);
  __m256 acc[P];
#pragma GCC unroll 8
  for (size_t i = 0; i < P; ++i) acc[i] = bias;
#pragma GCC unroll 3
  for (size_t ky = 0; ky < 3; ++ky) {
    const float* row = ip + ky * in_row;
    __m256 k[3];
#pragma GCC unroll 3
    for (size_t kx = 0; kx < 3; ++kx) k[kx] = _mm256_loadu_ps(w + (1 + ky * 3 + kx) * c_pad);
    if constexpr (kStride1) {
      __m256 x[P + 2];
#pragma GCC unroll 10
      for (size_t j = 0; j < P + 2; ++j) x[j] = load8<kTail>(row + j * c, mask);
#pragma GCC unroll 3
      for (size_t kx = 0; kx < 3; ++kx) {
#pragma GCC unroll 8
        for (size_t i = 0; i < P; ++i) acc[i] = _mm256_fmadd_ps(x[i + kx], k[kx], acc[i]);
      }
    } else {
#pragma GCC unroll 3
      for (size_t kx = 0; kx < 3; ++kx) {
#pragma GCC unroll 8
        for (size_t i = 0; i < P; ++i) {
          acc[i] = _mm256_fmadd_ps(load8<kTail>(row + i * in_step + kx * c, mask), k[kx], acc[i]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (size_t i = 0; i < P; ++i) {
    if constexpr (kTail) {
      _mm256_maskstore_ps(op + i * c, mask, clamp(acc[i], vmin, vmax));
    } else {
      _mm256_storeu_ps(op + i * c, clamp(acc[i], vmin, vmax));
    }
  }
}

// Every channel block of P adjacent output pixels.
template <size_t P, bool kStride1>
inline void dw3x3_group(const float* ip, size_t in_row, size_t in_step, size_t c, size_t c_pad, const float* w,
                        float* op, __m256 vmin, __m256 vmax) {
  size_t ch = 0;
  for (; ch + 8 <= c; ch += 8) {
    dw3x3_group_block<P, kStride1, false>(ip + ch, in_row, in_step, c, c_pad, w + ch, op + ch, __m256i{}, vmin, vmax);
  }
  if (ch < c) {
    dw3x3_group_block<P, kStride1, true>(ip + ch, in_row, in_step, c, c_pad, w + ch, op + ch, tail_mask(c - ch), vmin,
                                         vmax);
  }
}

// The same run as dw3x3_run, pixel group after pixel group with every channel
// block inside: the input is read in address order, not one channel block's
// column at a time (see the AVX-512 kernel, where this measured 0.74-0.9x of
// the column order on 112x112 / 56x56 / 28x28 maps).
template <bool kStride1>
inline void dw3x3_groups(const float* in, size_t in_row, size_t in_step, size_t count, size_t c, size_t c_pad,
                         const float* w, float* out, __m256 vmin, __m256 vmax) {
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
                           const float* w, float* out, __m256 vmin, __m256 vmax) {
  if (count < kGroupRunMin) {
    dw3x3_run(in, in_row, in_step, count, c, c_pad, w, out, vmin, vmax);
  } else if (in_step == c) {
    dw3x3_groups<true>(in, in_row, in_step, count, c, c_pad, w, out, vmin, vmax);
  } else {
    dw3x3_groups<false>(in, in_row, in_step, count, c, c_pad, w, out, vmin, vmax);
  }
}

template <bool k3x3>
void dwconv_rows(const ConvParams& p, const float* input, const float* packed, float* output, size_t row_begin,
                 size_t row_end) {
  const __m256 vmin = _mm256_set1_ps(p.f32_min);
  const __m256 vmax = _mm256_set1_ps(p.f32_max);
  const size_t c = static_cast<size_t>(p.in_c);
  const size_t c_pad = f32_dwconv_padded_channels(c);
  const size_t image = static_cast<size_t>(p.in_h) * static_cast<size_t>(p.in_w) * c;
  const size_t in_row = static_cast<size_t>(p.in_w) * c;
  // Output columns [full_begin, full_end) have their whole 3x3 window inside the image width.
  const ColumnRange full = k3x3 ? conv_interior_columns(p) : ColumnRange{};
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
    if (row_full && full_end > full_begin) {
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

void f32_dwconv_minmax__avx2(const ConvParams& p, const float* input, const float* packed, float* output,
                             size_t row_begin, size_t row_end) {
  dwconv_rows<false>(p, input, packed, output, row_begin, row_end);
}

void f32_dwconv3x3_minmax__avx2(const ConvParams& p, const float* input, const float* packed, float* output,
                                size_t row_begin, size_t row_end) {
  dwconv_rows<true>(p, input, packed, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
