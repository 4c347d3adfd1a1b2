// Expected values for the pool op tests, written independently of
// src/kernels/ref/pool.cc: every output position walks its filter_h x
// filter_w taps in padded coordinates and keeps those inside the image.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "edgerun/tensor.h"
#include "ir/graph.h"

namespace edgerun::testing {

// One pool's geometry with explicit pads (the output size is given, not derived).
struct PoolGeometry {
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int top = 0, left = 0, bottom = 0, right = 0;
  int out_h = 1, out_w = 1;

  ir::Pool2DAttrs attrs() const {
    ir::Pool2DAttrs a;
    a.padding = ir::Padding::kExplicit;
    a.pads = {top, left, bottom, right};
    a.filter_h = filter_h;
    a.filter_w = filter_w;
    a.stride_h = stride_h;
    a.stride_w = stride_w;
    a.dilation_h = dilation_h;
    a.dilation_w = dilation_w;
    return a;
  }
};

// Calls visit(output index, input index or -1 for a tap in the padding, in
// the declared pads) for every tap of every output element of an NHWC input
// `s`; taps past the declared pads (a ceil_mode overhang) are not visited.
template <typename F>
void for_each_naive_tap(const Shape& s, const PoolGeometry& g, F&& visit) {
  const int n = s[0], h = s[1], w = s[2], c = s[3];
  for (int b = 0; b < n; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        for (int ch = 0; ch < c; ++ch) {
          const int out = ((b * g.out_h + oy) * g.out_w + ox) * c + ch;
          for (int ky = 0; ky < g.filter_h; ++ky) {
            for (int kx = 0; kx < g.filter_w; ++kx) {
              const int y = oy * g.stride_h - g.top + ky * g.dilation_h;
              const int x = ox * g.stride_w - g.left + kx * g.dilation_w;
              if (y >= h + g.bottom || x >= w + g.right) continue;
              const bool inside = y >= 0 && y < h && x >= 0 && x < w;
              visit(out, inside ? ((b * h + y) * w + x) * c + ch : -1);
            }
          }
        }
      }
    }
  }
}

inline size_t naive_out_elements(const Shape& s, const PoolGeometry& g) {
  return static_cast<size_t>(s[0]) * static_cast<size_t>(g.out_h) * static_cast<size_t>(g.out_w) *
         static_cast<size_t>(s[3]);
}

// The maximum over the taps inside the image.
inline std::vector<float> naive_max_pool(const std::vector<float>& in, const Shape& s, const PoolGeometry& g) {
  std::vector<float> out(naive_out_elements(s, g), -std::numeric_limits<float>::infinity());
  for_each_naive_tap(s, g, [&](int o, int i) {
    if (i >= 0) out[static_cast<size_t>(o)] = std::max(out[static_cast<size_t>(o)], in[static_cast<size_t>(i)]);
  });
  return out;
}

// The mean of the taps inside the image; with count_pad (ONNX's
// count_include_pad) taps in the declared pads count as zeros.
inline std::vector<float> naive_average_pool(const std::vector<float>& in, const Shape& s, const PoolGeometry& g,
                                             bool count_pad) {
  std::vector<float> sum(naive_out_elements(s, g), 0.0f), count(sum.size(), 0.0f);
  for_each_naive_tap(s, g, [&](int o, int i) {
    if (i >= 0) sum[static_cast<size_t>(o)] += in[static_cast<size_t>(i)];
    if (i >= 0 || count_pad) count[static_cast<size_t>(o)] += 1.0f;
  });
  for (size_t o = 0; o < sum.size(); ++o) sum[o] /= count[o];
  return sum;
}

// Deterministic test data with negatives and few repeats.
inline std::vector<float> pool_test_input(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(static_cast<int>((i * 37) % 23) - 11) * 0.5f;
  return v;
}

}  // namespace edgerun::testing
