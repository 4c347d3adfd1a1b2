#include "kernels/ref/resize.h"

#include <algorithm>
#include <cstring>

namespace edgerun::kernels {

void f32_resize__ref(const ResizeParams& p, const float* input, float* output, double* row, size_t row_begin,
                     size_t row_end) {
  const auto channels = static_cast<size_t>(p.channels);
  const auto out_h = static_cast<size_t>(p.out_h);
  const auto out_w = static_cast<size_t>(p.out_w);
  const size_t in_row = static_cast<size_t>(p.in_w) * channels;
  const size_t in_image = static_cast<size_t>(p.in_h) * in_row;
  const auto ty = static_cast<size_t>(p.y.taps);
  const auto tx = static_cast<size_t>(p.x.taps);
  for (size_t r = row_begin; r < row_end; ++r) {
    const size_t oy = r % out_h;
    const float* image = input + (r / out_h) * in_image;
    // Height pass: the source rows blended into one float64 row.
    if (p.y.extrapolated[oy] != 0) {
      std::fill(row, row + in_row, p.extrapolation_value);
    } else {
      std::fill(row, row + in_row, 0.0);
      for (size_t k = 0; k < ty; ++k) {
        const float* src = image + static_cast<size_t>(p.y.index[oy * ty + k]) * in_row;
        const double w = p.y.weight[oy * ty + k];
        for (size_t i = 0; i < in_row; ++i) row[i] += w * static_cast<double>(src[i]);
      }
    }
    // Width pass: each output pixel blends source columns of that row.
    float* out = output + r * out_w * channels;
    for (size_t ox = 0; ox < out_w; ++ox, out += channels) {
      if (p.x.extrapolated[ox] != 0) {
        std::fill(out, out + channels, static_cast<float>(p.extrapolation_value));
        continue;
      }
      const int32_t* index = p.x.index + ox * tx;
      const double* weight = p.x.weight + ox * tx;
      for (size_t c = 0; c < channels; ++c) {
        double acc = 0.0;
        for (size_t k = 0; k < tx; ++k) acc += weight[k] * row[static_cast<size_t>(index[k]) * channels + c];
        out[c] = static_cast<float>(acc);
      }
    }
  }
}

void xx_resize_nearest__ref(const ResizeNearestParams& p, const void* input, void* output, size_t row_begin,
                            size_t row_end) {
  const size_t eb = p.element_bytes;
  const size_t pixel = static_cast<size_t>(p.channels) * eb;
  const auto out_h = static_cast<size_t>(p.out_h);
  const auto out_w = static_cast<size_t>(p.out_w);
  const size_t in_row = static_cast<size_t>(p.in_w) * pixel;
  const size_t in_image = static_cast<size_t>(p.in_h) * in_row;
  const uint8_t zero[sizeof(p.fill)] = {};
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output) + row_begin * out_w * pixel;
  for (size_t r = row_begin; r < row_end; ++r) {
    const int32_t sy = p.src_y[r % out_h];
    const uint8_t* image = in + (r / out_h) * in_image;
    for (size_t ox = 0; ox < out_w; ++ox, out += pixel) {
      const int32_t sx = p.src_x[ox];
      // The width pass decides last (onnx resizes height first, then width).
      const int32_t code = sx < 0 ? sx : sy;
      if (code < 0) {
        const uint8_t* value = code == kResizeFill ? p.fill : zero;
        for (size_t c = 0; c < pixel; c += eb) std::memcpy(out + c, value, eb);
        continue;
      }
      std::memcpy(out, image + static_cast<size_t>(sy) * in_row + static_cast<size_t>(sx) * pixel, pixel);
    }
  }
}

}  // namespace edgerun::kernels
