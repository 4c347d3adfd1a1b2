#include "kernels/ref/pool.h"

#include <algorithm>
#include <limits>
#include <type_traits>

namespace edgerun::kernels {
namespace {

// The in-image taps of one output position.
struct Window {
  int64_t y0, y1, x0, x1;  // input rows y0, y0 + dilation_h, ... below y1; columns likewise
};

inline Window window(const PoolParams& p, int64_t oy, int64_t ox) {
  const int64_t in_y_origin = oy * p.stride_h - p.pad_top;
  const int64_t in_x_origin = ox * p.stride_w - p.pad_left;
  int64_t lo = 0, hi = 0;
  Window w;
  pool_taps(in_y_origin, p.dilation_h, p.in_h, p.filter_h, &lo, &hi);
  w.y0 = in_y_origin + lo * p.dilation_h;
  w.y1 = in_y_origin + hi * p.dilation_h;
  pool_taps(in_x_origin, p.dilation_w, p.in_w, p.filter_w, &lo, &hi);
  w.x0 = in_x_origin + lo * p.dilation_w;
  w.x1 = in_x_origin + hi * p.dilation_w;
  return w;
}

inline int32_t tap_count(const PoolParams& p, const Window& w) {
  return static_cast<int32_t>((w.y1 - w.y0) / p.dilation_h * ((w.x1 - w.x0) / p.dilation_w));
}

// Calls visit(y, x) for each tap of the window, row by row.
template <typename F>
void for_each_tap(const PoolParams& p, const Window& w, F&& visit) {
  for (int64_t y = w.y0; y < w.y1; y += p.dilation_h) {
    for (int64_t x = w.x0; x < w.x1; x += p.dilation_w) visit(y, x);
  }
}

// Calls visit(batch, output element offset, window) for each output pixel of the rows.
template <typename F>
void for_each_pixel(const PoolParams& p, size_t row_begin, size_t row_end, F&& visit) {
  const size_t out_h = static_cast<size_t>(p.out_h);
  for (size_t r = row_begin; r < row_end; ++r) {
    const auto b = static_cast<int64_t>(r / out_h);
    const auto oy = static_cast<int64_t>(r % out_h);
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const size_t out_offset = ((static_cast<size_t>(r) * static_cast<size_t>(p.out_w)) + static_cast<size_t>(ox)) *
                                static_cast<size_t>(p.channels);
      visit(b, out_offset, window(p, oy, ox));
    }
  }
}

inline size_t in_offset(const PoolParams& p, int64_t b, int64_t y, int64_t x) {
  return static_cast<size_t>(((b * p.in_h + y) * p.in_w + x) * p.channels);
}

template <typename T>
void quant_avgpool(const PoolParams& p, const T* input, T* output, size_t row_begin, size_t row_end) {
  for_each_pixel(p, row_begin, row_end, [&](int64_t b, size_t out_offset, const Window& w) {
    const int32_t count = tap_count(p, w);
    for (int32_t c = 0; c < p.channels; ++c) {
      // TFLite sums in int32; the exact sum reduced mod 2^32 is what it holds.
      int64_t sum = 0;
      for_each_tap(p, w, [&](int64_t y, int64_t x) { sum += input[in_offset(p, b, y, x) + static_cast<size_t>(c)]; });
      int32_t acc = static_cast<int32_t>(sum);
      if (count > 0) {
        if constexpr (std::is_same_v<T, uint8_t>) {
          acc = (acc + count / 2) / count;
        } else {
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        }
      } else {
        acc = 0;  // unreachable for validated geometry: every window holds a tap
      }
      acc = std::min(std::max(acc, p.act_min), p.act_max);
      output[out_offset + static_cast<size_t>(c)] = static_cast<T>(acc);
    }
  });
}

// The fused activation clamp: the float range, or the quantized one.
template <typename T>
T clamp_activation(const PoolParams& p, T v) {
  if constexpr (std::is_same_v<T, float>) {
    return std::min(std::max(v, p.f32_min), p.f32_max);
  } else {
    return static_cast<T>(std::min(std::max(static_cast<int32_t>(v), p.act_min), p.act_max));
  }
}

// Input pixel (b, y, x) channel c numbered as ONNX numbers an NCHW tensor.
inline int64_t onnx_index(const PoolParams& p, int64_t b, int32_t c, int64_t y, int64_t x) {
  const int64_t image = (b * p.channels + c) * p.in_h * p.in_w;
  return image + (p.indices_column_major ? x * p.in_h + y : y * p.in_w + x);
}

template <typename T>
void maxpool(const PoolParams& p, const T* input, T* output, int64_t* indices, size_t row_begin, size_t row_end) {
  const auto channels = static_cast<size_t>(p.channels);
  for_each_pixel(p, row_begin, row_end, [&](int64_t b, size_t out_offset, const Window& w) {
    if (indices == nullptr) {
      // Channels innermost: every tap is one contiguous run of the input
      // (the loops vectorize); the same comparisons, so the same maxima.
      T* out = output + out_offset;
      std::fill(out, out + channels, std::numeric_limits<T>::lowest());
      for_each_tap(p, w, [&](int64_t y, int64_t x) {
        const T* pixel = input + in_offset(p, b, y, x);
        for (size_t c = 0; c < channels; ++c) out[c] = pixel[c] > out[c] ? pixel[c] : out[c];
      });
      for (size_t c = 0; c < channels; ++c) out[c] = clamp_activation(p, out[c]);
      return;
    }
    for (int32_t c = 0; c < p.channels; ++c) {
      T max = std::numeric_limits<T>::lowest();
      int64_t max_y = w.y0, max_x = w.x0;
      for_each_tap(p, w, [&](int64_t y, int64_t x) {
        const T v = input[in_offset(p, b, y, x) + static_cast<size_t>(c)];
        if (v > max) {  // strictly: the first maximum wins, as in ONNX
          max = v;
          max_y = y;
          max_x = x;
        }
      });
      output[out_offset + static_cast<size_t>(c)] = clamp_activation(p, max);
      if (indices != nullptr) indices[out_offset + static_cast<size_t>(c)] = onnx_index(p, b, c, max_y, max_x);
    }
  });
}

}  // namespace

void f32_avgpool_minmax__ref(const PoolParams& p, const float* input, float* output, size_t row_begin,
                             size_t row_end) {
  const auto channels = static_cast<size_t>(p.channels);
  for_each_pixel(p, row_begin, row_end, [&](int64_t b, size_t out_offset, const Window& w) {
    // Channels innermost (one contiguous run per tap); each channel still sums
    // its taps in window order.
    float* out = output + out_offset;
    std::fill(out, out + channels, 0.0f);
    float count = 0.0f;
    for_each_tap(p, w, [&](int64_t y, int64_t x) {
      const float* pixel = input + in_offset(p, b, y, x);
      for (size_t c = 0; c < channels; ++c) out[c] += pixel[c];
      count += 1.0f;
    });
    for (size_t c = 0; c < channels; ++c) {
      const float average = count > 0.0f ? out[c] / count : 0.0f;
      out[c] = std::min(std::max(average, p.f32_min), p.f32_max);
    }
  });
}

void qu8_avgpool__ref(const PoolParams& p, const uint8_t* input, uint8_t* output, size_t row_begin, size_t row_end) {
  quant_avgpool<uint8_t>(p, input, output, row_begin, row_end);
}

void qs8_avgpool__ref(const PoolParams& p, const int8_t* input, int8_t* output, size_t row_begin, size_t row_end) {
  quant_avgpool<int8_t>(p, input, output, row_begin, row_end);
}

void f32_maxpool_minmax__ref(const PoolParams& p, const float* input, float* output, int64_t* indices,
                             size_t row_begin, size_t row_end) {
  maxpool<float>(p, input, output, indices, row_begin, row_end);
}

void qu8_maxpool__ref(const PoolParams& p, const uint8_t* input, uint8_t* output, int64_t* indices,
                      size_t row_begin, size_t row_end) {
  maxpool<uint8_t>(p, input, output, indices, row_begin, row_end);
}

void qs8_maxpool__ref(const PoolParams& p, const int8_t* input, int8_t* output, int64_t* indices, size_t row_begin,
                      size_t row_end) {
  maxpool<int8_t>(p, input, output, indices, row_begin, row_end);
}

}  // namespace edgerun::kernels
